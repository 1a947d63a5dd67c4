"""Exact JSON numbers and the canonical form idempotency compares bodies by."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkdesk.emulator import jsonio

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_dumps_then_loads_gives_the_same_value(value):
    assert jsonio.canonical(jsonio.loads(jsonio.dumps(value).encode())) == jsonio.canonical(value)


@given(json_values)
def test_dumps_is_valid_json_for_the_standard_parser(value):
    json.loads(jsonio.dumps(value))


@given(st.decimals(min_value="0.01", max_value="1000000000", places=2))
def test_two_decimal_amounts_are_written_digit_for_digit(amount):
    assert jsonio.dumps(amount) == str(amount)
    assert jsonio.loads(jsonio.dumps(amount).encode()) == amount


@pytest.mark.parametrize(
    ("raw", "written"),
    [
        ("29.99", "29.99"),
        ("0.1", "0.1"),
        ("29.990", "29.990"),
        ("1e2", "1E+2"),
        ("-0.0", "-0.0"),
        ("30", "30"),
    ],
)
def test_numbers_keep_their_digits(raw, written):
    assert jsonio.dumps(jsonio.loads(raw.encode())) == written


def test_non_finite_numbers_parse_but_do_not_write():
    value = jsonio.loads(b"[NaN, Infinity, -Infinity]")
    assert all(isinstance(v, Decimal) and not v.is_finite() for v in value)
    with pytest.raises(ValueError, match="non-finite"):
        jsonio.dumps(Decimal("NaN"))


@pytest.mark.parametrize("raw", [b"\xff", b"{", b"[" * 100_000, b""])
def test_loads_refuses_what_is_not_json(raw):
    with pytest.raises(ValueError):  # noqa: PT011 - the parser's messages vary
        jsonio.loads(raw)


@pytest.mark.parametrize(
    ("number", "places"),
    [("29.99", 2), ("29.990", 2), ("29.999", 3), ("1E+2", 0), ("100", 0), ("0.00", 0), ("5", 0)],
)
def test_decimal_places(number, places):
    assert jsonio.decimal_places(Decimal(number)) == places


def test_decimal_places_do_not_round_long_numbers():
    assert jsonio.decimal_places(Decimal("1.0000000000000000000000000000001")) == 31


@pytest.mark.parametrize(
    ("left", "right", "equal"),
    [
        ('{"a": 1, "b": [1, 2]}', '{"b": [1, 2], "a": 1}', True),
        ('{"a": 30}', '{"a": 30.00}', True),
        ('{"a": 30}', '{"a": 3e1}', True),
        ('{"a": 0}', '{"a": -0.0}', True),
        ('{"a": true}', '{"a": 1}', False),
        ('{"a": false}', '{"a": 0}', False),
        ('{"a": null}', "{}", False),
        ('{"a": "1"}', '{"a": 1}', False),
        ('{"a": [1, 2]}', '{"a": [2, 1]}', False),
        ('{"a": 1.0000000000000000000000000000001}', '{"a": 1}', False),
    ],
)
def test_canonical_form(left, right, equal):
    same = jsonio.canonical(jsonio.loads(left.encode())) == jsonio.canonical(
        jsonio.loads(right.encode())
    )
    assert same is equal
