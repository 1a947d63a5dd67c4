"""LinkRequest validation and tolerant-but-strict reading of billing.io's answers."""

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkdesk.core.errors import InvalidInput, MalformedResponse
from linkdesk.core.links import (
    LIFETIMES,
    MAX_LIFETIME,
    Environment,
    LinkRequest,
    LinkState,
    PaymentLink,
    PaymentMethod,
    clean_description,
    parse_timestamp,
)
from linkdesk.core.money import LARGEST_API_AMOUNT, format_usd

LINK = {
    "id": "pl_0123456789abcdef01234567",
    "org_id": "org_1",
    "amount_usd": Decimal("29.99"),
    "payment_method_id": "pm_1",
    "description": "Coffee",
    "url": "https://pay.billing.io/pl_0123456789abcdef01234567",
    "expires_at": "2026-11-24T10:15:00Z",
    "environment": "sandbox",
    "created_at": "2026-11-24T10:00:00Z",
}


def test_valid_request_and_exact_json_number():
    request = LinkRequest.build("29.99", "pm_1", "Coffee", 900)
    body = request.to_json()
    assert body == (
        b'{"amount_usd":29.99,"payment_method_id":"pm_1",'
        b'"description":"Coffee","expires_in_seconds":900}'
    )
    assert json.loads(body, parse_float=Decimal)["amount_usd"] == Decimal("29.99")


@pytest.mark.parametrize(
    ("method", "description", "field"),
    [
        ("pm_1", "caf\udce9", "description"),
        ("pm_1", "\ud83d alone", "description"),
        ("pm_\udce9", "Coffee", "payment_method_id"),
    ],
)
def test_text_that_is_not_text_is_refused_before_it_reaches_json(method, description, field):
    # A command line in another encoding gives Python lone surrogates: "caf\xe9" in Latin-1.
    with pytest.raises(InvalidInput) as caught:
        LinkRequest.build("1", method, description)
    assert set(caught.value.errors) == {field}
    assert "not text" in caught.value.message
    assert "\udce9" not in caught.value.message


# Text with lone surrogates mixed in: st.text leaves them out, whatever its alphabet.
any_text = st.lists(
    st.characters() | st.sampled_from(["\udce9", "\ud83d", "\udfff"]), max_size=40
).map("".join)


@given(any_text, any_text)
def test_every_request_built_can_be_sent(method, description):
    try:
        request = LinkRequest.build("1", method, description)
    except InvalidInput:
        return
    assert json.loads(request.to_json().decode("utf-8"))["payment_method_id"] == method.strip()


def test_optional_fields_are_omitted():
    body = json.loads(LinkRequest.build("5", "pm_1").to_json())
    assert body == {"amount_usd": 5.0, "payment_method_id": "pm_1"}
    assert b'"amount_usd":5.00' in LinkRequest.build("5", "pm_1").to_json()


def test_errors_are_keyed_by_field():
    with pytest.raises(InvalidInput) as caught:
        LinkRequest.build("", "", "x" * 513, 299)
    assert set(caught.value.errors) == {
        "amount_usd",
        "payment_method_id",
        "description",
        "expires_in_seconds",
    }
    assert "1 characters too long" in caught.value.errors["description"]


@pytest.mark.parametrize("lifetime", [True, 300.5, -1, 0, 299])
def test_lifetime_must_be_an_integer_of_at_least_300(lifetime):
    with pytest.raises(InvalidInput) as caught:
        LinkRequest.build("1", "pm_1", None, lifetime)
    assert list(caught.value.errors) == ["expires_in_seconds"]


@pytest.mark.parametrize("lifetime", [MAX_LIFETIME + 1, 10**20, 2**63])
def test_lifetime_is_at_most_30_days(lifetime):
    with pytest.raises(InvalidInput) as caught:
        LinkRequest.build("1", "pm_1", None, lifetime)
    assert list(caught.value.errors) == ["expires_in_seconds"]
    assert "30 days at most" in caught.value.message
    assert LinkRequest.build("1", "pm_1", None, MAX_LIFETIME).lifetime == 30 * 86400


def test_presets_include_the_required_lifetimes():
    seconds = [lifetime.seconds for lifetime in LIFETIMES]
    assert seconds == [300, 900, 3600, 86400, 604800, None]
    for lifetime in LIFETIMES:
        LinkRequest.build("1", "pm_1", None, lifetime.seconds)


def test_description_of_512_characters_is_accepted_and_513_refused():
    assert LinkRequest.build("1", "pm_1", "é" * 512).description == "é" * 512
    with pytest.raises(InvalidInput):
        LinkRequest.build("1", "pm_1", "é" * 513)


def test_description_cleaning_keeps_rtl_and_emoji_but_drops_controls():
    assert clean_description("a\x00b\x07c") == "abc"
    assert clean_description("line one\nline two\ttab") == "line one line two tab"
    assert clean_description("\u202eevil\u202c") == "evil"
    assert clean_description("شكرا لك 🙏") == "شكرا لك 🙏"
    assert clean_description("👨\u200d👩\u200d👧") == "👨\u200d👩\u200d👧"
    assert LinkRequest.build("1", "pm_1", "   ").description is None


def test_ten_megabyte_description_is_refused_quickly():
    with pytest.raises(InvalidInput) as caught:
        LinkRequest.build("1", "pm_1", "x" * 10_000_000)
    assert "too long" in caught.value.errors["description"]


def test_payment_link_reads_every_field():
    link = PaymentLink.from_api({**LINK, "future_field": {"nested": True}})
    assert link.id == LINK["id"]
    assert link.amount_usd == Decimal("29.99")
    assert link.environment is Environment.SANDBOX
    assert link.expires_at == datetime(2026, 11, 24, 10, 15, tzinfo=UTC)
    assert link.state(link.expires_at - timedelta(seconds=1)) is LinkState.ACTIVE
    assert link.state(link.expires_at) is LinkState.EXPIRED


def test_payment_link_tolerates_missing_optional_fields():
    link = PaymentLink.from_api({"id": "pl_1", "url": "https://x/pl_1", "amount_usd": 1})
    assert link.description is None
    assert link.expires_at is None
    assert link.state() is LinkState.NO_EXPIRY
    assert link.remaining() is None


@pytest.mark.parametrize("field", ["id", "url", "amount_usd"])
def test_payment_link_requires_what_the_app_depends_on(field):
    data = dict(LINK)
    del data[field]
    with pytest.raises(MalformedResponse) as caught:
        PaymentLink.from_api(data)
    assert field in caught.value.message


@pytest.mark.parametrize(
    "bad",
    [
        {"amount_usd": "lots"},
        {"amount_usd": True},
        {"amount_usd": -1},
        {"amount_usd": float("nan")},
        {"url": "javascript:alert(1)"},
        {"url": 5},
        {"id": ""},
        {"id": ["pl_1"]},
    ],
)
def test_payment_link_rejects_bad_values(bad):
    with pytest.raises(MalformedResponse):
        PaymentLink.from_api({**LINK, **bad})


@pytest.mark.parametrize("data", [None, [], "pl_1", 5, [LINK]])
def test_json_that_is_not_an_object_is_malformed(data):
    with pytest.raises(MalformedResponse):
        PaymentLink.from_api(data)


def test_payment_method_label_and_limits():
    method = PaymentMethod.from_api(
        {
            "id": "pm_1",
            "chain": "tron",
            "token": "USDT",
            "display_name": None,
            "min_amount_usd": 5,
            "max_amount_usd": Decimal("500.00"),
            "is_default": "yes",
        }
    )
    assert method.label == "USDT on Tron"
    assert method.is_default is False
    assert method.limits_hint == "$5.00 to $500.00"
    assert method.limit_problem(Decimal("4.99")) == "USDT on Tron takes at least $5.00."
    assert method.limit_problem(Decimal("500.01")) == "USDT on Tron takes at most $500.00."
    assert method.limit_problem(Decimal("5")) is None
    named = PaymentMethod.from_api({"id": "pm_2", "display_name": "Shop wallet"})
    assert named.label == "Shop wallet"
    assert PaymentMethod.from_api({"id": "pm_3"}).label == "pm_3"


@pytest.mark.parametrize(
    "huge",
    [Decimal("1e400"), Decimal("1000000000000000.01"), "1e400", 10**16, Decimal("9" * 500)],
)
def test_an_amount_beyond_any_real_one_is_malformed(huge):
    # JSON's 1e400 is a finite Decimal; shown as money it used to raise InvalidOperation.
    with pytest.raises(MalformedResponse):
        PaymentLink.from_api({**LINK, "amount_usd": huge})
    with pytest.raises(MalformedResponse):
        PaymentLink._from_api_carefully({**LINK, "amount_usd": huge})
    method = PaymentMethod.from_api({"id": "pm_1", "min_amount_usd": huge, "max_amount_usd": huge})
    assert method.min_amount_usd is None
    assert method.max_amount_usd is None
    assert method.limits_hint == ""


def test_the_largest_amount_read_is_still_shown_to_the_cent():
    largest = PaymentLink.from_api({**LINK, "amount_usd": LARGEST_API_AMOUNT})
    assert format_usd(largest.amount_usd) == "$1,000,000,000,000,000.00"
    method = PaymentMethod.from_api({"id": "pm_1", "max_amount_usd": "1e15"})
    assert method.limits_hint == "at most $1,000,000,000,000,000.00"


# The JSON numbers billing.io's answers are decoded into, extremes included.
amounts = st.decimals(allow_nan=True, allow_infinity=True) | st.builds(
    lambda digits, exponent: Decimal(f"{digits}e{exponent}"),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.integers(min_value=-1000, max_value=1000),
)


@given(amounts, amounts, amounts)
def test_amounts_that_are_read_can_always_be_shown(amount, low, high):
    try:
        link = PaymentLink.from_api({**LINK, "amount_usd": amount})
    except MalformedResponse:
        pass
    else:
        assert format_usd(link.amount_usd).startswith("$")
    method = PaymentMethod.from_api({"id": "pm_1", "min_amount_usd": low, "max_amount_usd": high})
    assert isinstance(method.limits_hint, str)
    for typed in (Decimal("0.01"), Decimal("29.99"), Decimal("1000000000.00")):
        problem = method.limit_problem(typed)
        assert problem is None or problem.endswith(".")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@given(st.dictionaries(st.sampled_from([*LINK, "extra"]), json_values))
def test_link_reader_never_fails_with_anything_but_malformed_response(data):
    try:
        link = PaymentLink.from_api(data)
    except MalformedResponse as error:
        assert error.message
    else:
        assert isinstance(link.id, str)
        assert isinstance(link.amount_usd, Decimal)


@given(json_values)
def test_method_reader_never_fails_with_anything_but_malformed_response(data):
    try:
        method = PaymentMethod.from_api(data)
    except MalformedResponse:
        pass
    else:
        assert method.label


def test_environment_for_key():
    assert Environment.for_key("sk_live_abc") is Environment.LIVE
    assert Environment.for_key("sk_test_abc") is Environment.SANDBOX
    assert Environment.SANDBOX.badge == "TEST"
    with pytest.raises(ValueError, match=r"not a billing\.io"):
        Environment.for_key("pk_test_abc")


@pytest.mark.parametrize(
    "bad",
    [
        {"amount_usd": Decimal("-0.01")},
        {"amount_usd": Decimal("NaN")},
        {"amount_usd": Decimal("Infinity")},
        {"url": "https://pay.example/pl 1"},
        {"url": "https://pay.example/pl_1\n"},
        {"url": "https://" + "x" * 2048},
        {"id": "   "},
        {"id": "p" * 2049},
    ],
)
def test_payment_link_rejects_bad_values_as_sent_in_a_page(bad):
    # Pages are decoded with Decimal amounts, the shape the quick reading takes.
    with pytest.raises(MalformedResponse):
        PaymentLink.from_api({**LINK, "amount_usd": Decimal("29.99"), **bad})


def test_a_link_read_quickly_is_a_whole_frozen_link():
    quick = PaymentLink.from_api(dict(LINK))
    careful = PaymentLink._from_api_carefully(dict(LINK))
    assert quick == careful
    assert hash(quick) == hash(careful)
    assert repr(quick) == repr(careful)
    assert dataclasses.asdict(quick) == dataclasses.asdict(careful)
    assert dataclasses.replace(quick, description="Tea").description == "Tea"
    with pytest.raises(dataclasses.FrozenInstanceError):
        quick.description = "Tea"  # type: ignore[misc]


timestamps = st.sampled_from(
    ["2026-11-24T10:15:00Z", "2026-11-24Z10:15:00Z", "2026-11-24T10:15:00+02:00", "soon"]
) | st.text(alphabet="0123456789-:TZ+", max_size=22)


@given(
    st.fixed_dictionaries(
        {
            "id": st.text(max_size=8),
            "url": st.sampled_from(["https://x/pl_1", "http://x", "https://x y", "ftp://x"]),
            "amount_usd": st.decimals(allow_nan=True, allow_infinity=True),
        },
        optional={
            "expires_at": timestamps | json_values,
            "created_at": timestamps | json_values,
            "environment": st.sampled_from(["sandbox", "live", "staging"]) | json_values,
            "description": json_values,
            "payment_method_id": json_values,
            "org_id": json_values,
        },
    )
)
def test_quick_and_careful_link_readings_agree(data):
    def read(reader):
        try:
            return reader(data)
        except MalformedResponse:
            return "malformed"

    assert read(PaymentLink.from_api) == read(PaymentLink._from_api_carefully)


@given(timestamps)
def test_timestamps_in_the_usual_form_read_as_with_an_explicit_offset(text):
    try:
        expected = datetime.fromisoformat(text.replace("Z", "+00:00"))
        expected = expected.replace(tzinfo=expected.tzinfo or UTC).astimezone(UTC)
    except ValueError:
        expected = None
    assert parse_timestamp(text) == expected
