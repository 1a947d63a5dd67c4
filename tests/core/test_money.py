"""Amount parsing: what a cashier types becomes an exact Decimal, or a clear message."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkdesk.core.money import (
    MAX_AMOUNT,
    AmountError,
    AmountProblem,
    format_amount,
    format_usd,
    parse_amount,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("29.99", "29.99"),
        ("29,99", "29.99"),
        (" 5 ", "5.00"),
        ("1,234.50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("1 234,50", "1234.50"),
        ("1'234.50", "1234.50"),
        ("1,234,567", "1234567.00"),
        ("1.234.567,8", "1234567.80"),
        ("0.01", "0.01"),
        ("0,5", "0.50"),
        (".5", "0.50"),
        ("29.", "29.00"),
        ("$12", "12.00"),
        ("\u00a029.99\t", "29.99"),
        ("٢٩٫٩٩".replace("٫", "."), "29.99"),
        ("1000000000", "1000000000.00"),
    ],
)
def test_parses_what_people_type(typed, expected):
    assert parse_amount(typed) == Decimal(expected)
    assert str(parse_amount(typed)) == expected


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", AmountProblem.EMPTY),
        ("   ", AmountProblem.EMPTY),
        ("$", AmountProblem.EMPTY),
        ("-5", AmountProblem.NEGATIVE),
        ("\u22125", AmountProblem.NEGATIVE),
        ("NaN", AmountProblem.NOT_A_NUMBER),
        ("nan", AmountProblem.NOT_A_NUMBER),
        ("sNaN", AmountProblem.NOT_A_NUMBER),
        ("inf", AmountProblem.INFINITE),
        ("Infinity", AmountProblem.INFINITE),
        ("1e3", AmountProblem.EXPONENT),
        ("1.5E-2", AmountProblem.EXPONENT),
        ("abc", AmountProblem.GARBAGE),
        ("12abc", AmountProblem.GARBAGE),
        ("0x10", AmountProblem.GARBAGE),
        ("1,234", AmountProblem.AMBIGUOUS),
        ("29.999", AmountProblem.AMBIGUOUS),
        ("0.125", AmountProblem.TOO_MANY_DECIMALS),
        ("1.2345", AmountProblem.TOO_MANY_DECIMALS),
        ("1,23,4.5", AmountProblem.BAD_GROUPS),
        ("1.2.3", AmountProblem.BAD_GROUPS),
        ("12 34", AmountProblem.BAD_GROUPS),
        ("0", AmountProblem.TOO_SMALL),
        ("0.00", AmountProblem.TOO_SMALL),
        ("1000000000.01", AmountProblem.TOO_LARGE),
        ("9" * 60, AmountProblem.TOO_LONG),
        ("1" * 10_000_000, AmountProblem.TOO_LONG),
    ],
)
def test_each_problem_has_its_own_message(typed, problem):
    with pytest.raises(AmountError) as caught:
        parse_amount(typed)
    assert caught.value.problem is problem
    assert caught.value.message == problem.value
    assert caught.value.param == "amount_usd"


def test_messages_are_distinct_sentences():
    messages = [problem.value for problem in AmountProblem]
    assert len(set(messages)) == len(messages)
    assert all(m.endswith(".") and (m[0].isupper() or m[0] == "“") for m in messages)


def test_formatting():
    assert format_amount(Decimal("1234.5")) == "1234.50"
    assert format_usd(Decimal("1234.5")) == "$1,234.50"
    assert format_usd(Decimal("0.01")) == "$0.01"


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_format_usd_never_raises_for_a_finite_amount(amount):
    text = format_usd(amount)
    assert text.startswith("$") or text.startswith("$-")
    assert len(text) < 60


def test_format_usd_rounds_to_the_cent_and_shows_the_absurd_briefly():
    assert format_usd(Decimal("9.995")) == "$10.00"
    assert format_usd(Decimal("0.005")) == "$0.00"
    assert format_usd(Decimal("123456789012345678901234567.125")) == (
        "$123,456,789,012,345,678,901,234,567.12"
    )
    assert format_usd(Decimal("1e400")) == "$1.00E+400"
    assert format_usd(Decimal("1e-400")) == "$0.00"


cents = st.integers(min_value=1, max_value=int(MAX_AMOUNT * 100))


@given(cents)
def test_every_cent_amount_round_trips_in_both_notations(value):
    amount = Decimal(value) / 100
    plain = f"{amount:.2f}"
    assert parse_amount(plain) == amount
    assert parse_amount(plain.replace(".", ",")) == amount
    assert parse_amount(f"{amount:,.2f}") == amount
    grouped_eu = f"{amount:,.2f}".replace(",", " ").replace(".", ",")
    assert parse_amount(grouped_eu) == amount


@given(st.text(max_size=60))
def test_arbitrary_text_parses_or_raises_amount_error(text):
    try:
        amount = parse_amount(text)
    except AmountError as error:
        assert error.message
    else:
        assert Decimal("0.01") <= amount <= MAX_AMOUNT
        assert amount == amount.quantize(Decimal("0.01"))
