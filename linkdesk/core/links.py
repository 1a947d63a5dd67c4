"""Payment links and payment methods: the request a cashier builds and what billing.io returns.

`LinkRequest.build` validates what was typed and reports every problem keyed by field.
`PaymentLink.from_api` and `PaymentMethod.from_api` read billing.io's answers tolerantly
(unknown fields ignored, optional ones may be missing) but strictly where linkdesk
depends on a field: a malformed answer raises `MalformedResponse`, never `KeyError`.
"""

from __future__ import annotations

import enum
import json
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from linkdesk.core.errors import InvalidInput, MalformedResponse
from linkdesk.core.money import LARGEST_API_AMOUNT, AmountError, format_usd, parse_amount

MAX_DESCRIPTION = 512
MIN_LIFETIME = 300
# The longest lifetime a new link may have: 30 days, as the window's custom lifetime
# allows. billing.io documents no maximum; a link meant to outlast a month can simply
# never expire, and a lifetime of centuries ends at dates no calendar can show.
MAX_LIFETIME = 30 * 86400

_CONTROL_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}
# Formatting marks a right-to-left writer legitimately types; other format characters
# (bidi overrides, zero-width spaces) can disguise what a customer sees, so they go.
_KEPT_FORMAT_CHARS = {"\u200c", "\u200d", "\u200e", "\u200f"}
# Lone surrogates: what Python makes of bytes that are not UTF-8 on a command line (a
# terminal in Latin-1 typing "café"). No JSON body or terminal can carry them.
_NOT_TEXT = re.compile("[\ud800-\udfff]").search
# A link's address: http(s) and no white space anywhere in it.
_URL = re.compile(r"https?://\S+").fullmatch


class Environment(enum.Enum):
    """Which billing.io world a key belongs to; the two never see each other's links."""

    SANDBOX = "sandbox"
    LIVE = "live"

    @property
    def badge(self) -> str:
        """The word shown wherever a link is shown."""
        return "TEST" if self is Environment.SANDBOX else "LIVE"

    @classmethod
    def for_key(cls, key: str) -> Environment:
        if key.startswith("sk_live_"):
            return cls.LIVE
        if key.startswith("sk_test_"):
            return cls.SANDBOX
        raise ValueError("not a billing.io secret key")


@dataclass(frozen=True)
class Lifetime:
    """How long a new link stays payable; `seconds` is None for a link that never expires."""

    seconds: int | None
    label: str


LIFETIMES: tuple[Lifetime, ...] = (
    Lifetime(300, "5 minutes"),
    Lifetime(900, "15 minutes"),
    Lifetime(3600, "1 hour"),
    Lifetime(86400, "24 hours"),
    Lifetime(7 * 86400, "7 days"),
    Lifetime(None, "No expiry"),
)
DEFAULT_LIFETIME = LIFETIMES[1]


def clean_description(text: str) -> str:
    """Make a description safe to send: line breaks and tabs become spaces, invisible
    control and direction-override characters are dropped, surrounding space trimmed."""
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch in "\t\r\n\u2028\u2029\x0b\x0c\x85":
            kept.append(" ")
        elif category in _CONTROL_CATEGORIES and ch not in _KEPT_FORMAT_CHARS:
            continue
        else:
            kept.append(ch)
    return re.sub(" {2,}", " ", "".join(kept)).strip()


@dataclass(frozen=True)
class LinkRequest:
    """A validated request to create one payment link."""

    amount: Decimal
    payment_method_id: str
    description: str | None = None
    lifetime: int | None = None

    @classmethod
    def build(
        cls,
        amount: str | Decimal,
        payment_method_id: str | None,
        description: str | None = None,
        lifetime: int | None = None,
    ) -> LinkRequest:
        """Validate what was typed; raise `InvalidInput` with every field's problem."""
        errors: dict[str, str] = {}
        value = Decimal(0)
        try:
            value = parse_amount(amount) if isinstance(amount, str) else _checked(amount)
        except AmountError as exc:
            errors["amount_usd"] = exc.message
        if not payment_method_id or not payment_method_id.strip():
            errors["payment_method_id"] = "Choose a payment method."
        elif _NOT_TEXT(payment_method_id):
            errors["payment_method_id"] = (
                "That payment method id has characters that are not text; copy it again "
                "from the list of payment methods."
            )
        text = clean_description(description or "")
        if _NOT_TEXT(text):
            errors["description"] = (
                "The description has characters that are not text (perhaps typed in another "
                "encoding); type it again."
            )
        elif len(text) > MAX_DESCRIPTION:
            errors["description"] = (
                f"The description is {len(text) - MAX_DESCRIPTION:,} characters too long "
                f"({MAX_DESCRIPTION} at most)."
            )
        if lifetime is not None and (
            isinstance(lifetime, bool) or not isinstance(lifetime, int) or lifetime < MIN_LIFETIME
        ):
            errors["expires_in_seconds"] = "A link must stay valid for at least 5 minutes."
        elif lifetime is not None and lifetime > MAX_LIFETIME:
            errors["expires_in_seconds"] = (
                "A link can stay valid for 30 days at most; for longer, make one that never "
                "expires."
            )
        if errors:
            raise InvalidInput(errors)
        return cls(value, (payment_method_id or "").strip(), text or None, lifetime)

    def to_json(self) -> bytes:
        """The create body; the amount is a JSON number with exactly the typed value."""
        body: dict[str, Any] = {
            "amount_usd": _AMOUNT_SLOT,
            "payment_method_id": self.payment_method_id,
        }
        if self.description is not None:
            body["description"] = self.description
        if self.lifetime is not None:
            body["expires_in_seconds"] = self.lifetime
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        # json cannot write a Decimal as a number; splice its exact digits in instead.
        return text.replace(json.dumps(_AMOUNT_SLOT), f"{self.amount:f}", 1).encode()


_AMOUNT_SLOT = "\x00amount\x00"


def _checked(amount: Decimal) -> Decimal:
    return parse_amount(f"{amount:f}") if amount.is_finite() else parse_amount(str(amount))


class LinkState(enum.Enum):
    ACTIVE = "active"
    EXPIRED = "expired"
    NO_EXPIRY = "no expiry"


@dataclass(frozen=True)
class PaymentLink:
    """A payment link as billing.io returned it."""

    id: str
    url: str
    amount_usd: Decimal
    payment_method_id: str | None = None
    description: str | None = None
    expires_at: datetime | None = None
    environment: Environment | None = None
    created_at: datetime | None = None
    org_id: str | None = None

    @classmethod
    def from_api(cls, data: object) -> PaymentLink:
        # A sync reads thousands of these: the usual well-formed link is read inline, and
        # anything unusual in a required field goes the careful way below.
        if type(data) is dict:
            get = data.get
            link_id = get("id")
            url = get("url")
            amount = get("amount_usd")
            if (
                type(link_id) is str
                and type(url) is str
                and type(amount) is Decimal
                and len(link_id) <= 2048
                and len(url) <= 2048
                and link_id
                and not link_id.isspace()
                and _URL(url)
                and amount.is_finite()
                and 0 <= amount <= LARGEST_API_AMOUNT
            ):
                method = get("payment_method_id")
                description = get("description")
                org = get("org_id")
                environment = get("environment")
                return cls(
                    link_id,
                    url,
                    amount,
                    method if type(method) is str else _optional_str(data, "payment_method_id"),
                    description if type(description) is str else _optional_str(data, "description"),
                    parse_timestamp(get("expires_at")),
                    _ENVIRONMENTS.get(environment) if type(environment) is str else None,
                    parse_timestamp(get("created_at")),
                    org if type(org) is str else _optional_str(data, "org_id"),
                )
        return cls._from_api_carefully(data)

    @classmethod
    def _from_api_carefully(cls, data: object) -> PaymentLink:
        obj = _object(data, "payment link")
        link_id = _required_str(obj, "id", "payment link")
        url = _required_str(obj, "url", "payment link")
        if not _URL(url):
            raise MalformedResponse(
                "billing.io sent a payment link without a usable web address; try again."
            )
        return cls(
            id=link_id,
            url=url,
            amount_usd=_required_amount(obj, "amount_usd", "payment link"),
            payment_method_id=_optional_str(obj, "payment_method_id"),
            description=_optional_str(obj, "description"),
            expires_at=_optional_time(obj, "expires_at"),
            environment=_optional_environment(obj),
            created_at=_optional_time(obj, "created_at"),
            org_id=_optional_str(obj, "org_id"),
        )

    def state(self, now: datetime | None = None) -> LinkState:
        if self.expires_at is None:
            return LinkState.NO_EXPIRY
        now = now or datetime.now(UTC)
        return LinkState.ACTIVE if now < self.expires_at else LinkState.EXPIRED

    def remaining(self, now: datetime | None = None) -> timedelta | None:
        if self.expires_at is None:
            return None
        return max(self.expires_at - (now or datetime.now(UTC)), timedelta(0))


@dataclass(frozen=True)
class PaymentMethod:
    """A chain and token a link can be paid with."""

    id: str
    display_name: str | None = None
    chain: str | None = None
    token: str | None = None
    status: str | None = None
    is_default: bool = False
    min_amount_usd: Decimal | None = None
    max_amount_usd: Decimal | None = None
    environment: Environment | None = None

    @classmethod
    def from_api(cls, data: object) -> PaymentMethod:
        obj = _object(data, "payment method")
        return cls(
            id=_required_str(obj, "id", "payment method"),
            display_name=_optional_str(obj, "display_name"),
            chain=_optional_str(obj, "chain"),
            token=_optional_str(obj, "token"),
            status=_optional_str(obj, "status"),
            is_default=obj.get("is_default") is True,
            min_amount_usd=_optional_amount(obj, "min_amount_usd"),
            max_amount_usd=_optional_amount(obj, "max_amount_usd"),
            environment=_optional_environment(obj),
        )

    @property
    def label(self) -> str:
        """What the cashier picks from: the display name, else e.g. "USDT on Tron"."""
        if self.display_name and self.display_name.strip():
            return clean_description(self.display_name)[:80]
        if self.token and self.chain:
            return f"{self.token} on {self.chain.capitalize()}"
        return self.id

    @property
    def limits_hint(self) -> str:
        """A short hint about the amounts this method takes, or an empty string."""
        low, high = self.min_amount_usd, self.max_amount_usd
        if low is not None and high is not None:
            return f"{format_usd(low)} to {format_usd(high)}"
        if low is not None:
            return f"at least {format_usd(low)}"
        if high is not None:
            return f"at most {format_usd(high)}"
        return ""

    def limit_problem(self, amount: Decimal) -> str | None:
        """The method's own limits, checked before anything is sent."""
        if self.min_amount_usd is not None and amount < self.min_amount_usd:
            return f"{self.label} takes at least {format_usd(self.min_amount_usd)}."
        if self.max_amount_usd is not None and amount > self.max_amount_usd:
            return f"{self.label} takes at most {format_usd(self.max_amount_usd)}."
        return None


# Tolerant readers ---------------------------------------------------------------------


def _malformed(what: str, field: str) -> MalformedResponse:
    return MalformedResponse(
        f"billing.io sent a {what} without a valid “{field}”; try again, and if it keeps "
        "happening check the API address."
    )


def _object(data: object, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise MalformedResponse(f"billing.io sent something other than a {what}; try again.")
    return data


def _required_str(obj: Mapping[str, Any], field: str, what: str) -> str:
    value = obj.get(field)
    if not isinstance(value, str) or not value.strip() or len(value) > 2048:
        raise _malformed(what, field)
    return value


def _optional_str(obj: Mapping[str, Any], field: str) -> str | None:
    value = obj.get(field)
    return value if isinstance(value, str) else None


def _to_decimal(value: object) -> Decimal | None:
    """An amount billing.io sent, or None when it is not a finite number within
    `LARGEST_API_AMOUNT` either way (``1e400`` is a JSON number, but no amount)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        # repr of a float is its shortest round-trip form: 29.99, not 29.989999...
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() and abs(number) <= LARGEST_API_AMOUNT else None


def _required_amount(obj: Mapping[str, Any], field: str, what: str) -> Decimal:
    number = _to_decimal(obj.get(field))
    if number is None or number < 0:
        raise _malformed(what, field)
    return number


def _optional_amount(obj: Mapping[str, Any], field: str) -> Decimal | None:
    return _to_decimal(obj.get(field))


def _optional_time(obj: Mapping[str, Any], field: str) -> datetime | None:
    return parse_timestamp(obj.get(field))


def parse_timestamp(value: object) -> datetime | None:
    """An aware UTC datetime from billing.io's ``YYYY-MM-DDTHH:MM:SSZ``, or None."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    if len(value) == 20 and value.find("Z") == 19:
        # The usual form; fromisoformat reads its Z as UTC (Python 3.11).
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


_ENVIRONMENTS: dict[str, Environment] = {member.value: member for member in Environment}


def _optional_environment(obj: Mapping[str, Any]) -> Environment | None:
    value = obj.get("environment")
    return _ENVIRONMENTS.get(value) if isinstance(value, str) else None
