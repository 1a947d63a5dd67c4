"""Amounts of money as `Decimal`: parse what a cashier types, validate, format.

Rules for what a person may type (documented in the README too):

- Surrounding spaces are ignored, and so is one leading ``$``.
- Digits may be any Unicode decimal digits (``٢٩`` is 29).
- The decimal separator is ``.`` or ``,``: ``29.99`` and ``29,99`` are the same amount.
- When both ``.`` and ``,`` appear, the last one is the decimal separator and the other
  separates thousands: ``1,234.50`` and ``1.234,50`` are both 1234.50.
- A separator that appears more than once separates thousands: ``1,234,567``.
- Spaces and apostrophes may separate thousands too: ``1 234,50``, ``1'234.50``.
- Thousands groups have exactly three digits.
- A lone separator followed by exactly three digits (``1,234`` or ``1.234``) is refused as
  ambiguous: a cashier who typed ``29.999`` meant cents, not 29,999 dollars.
- At most two decimals; at least 0.01; at most `MAX_AMOUNT`.
- Negative numbers, ``NaN``, infinities and exponents (``1e3``) are refused, each with its
  own message.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from linkdesk.core.errors import LinkdeskError

MIN_AMOUNT = Decimal("0.01")
MAX_AMOUNT = Decimal("1000000000.00")
CENT = Decimal("0.01")
# The largest amount linkdesk reads from billing.io (a minimum, a maximum, a link's amount):
# a thousand trillion dollars, a million times `MAX_AMOUNT`, so no real limit comes near,
# while an amount at most this large still fits in Decimal's 28 digits with its cents.
# Anything larger in an answer is malformed (see linkdesk.core.links).
LARGEST_API_AMOUNT = Decimal(10) ** 15
_WRITTEN_OUT_DIGITS = 28
_MAX_TYPED_LENGTH = 40

_GROUP_SPACES = {" ", "\u00a0", "\u202f", "\u2009", "'", "\u2019"}
_MINUS_SIGNS = {"-", "\u2212", "\u2012", "\u2013"}
_EXPONENT = re.compile(r"^[0-9.,]*[0-9][eE][+-]?[0-9]+$")


class AmountProblem(enum.Enum):
    """Why a typed amount cannot be used; the value is the message for the cashier."""

    EMPTY = "Enter an amount, such as 29.99."
    TOO_LONG = "That amount is too long; type it like 29.99."
    NEGATIVE = "The amount cannot be negative."
    NOT_A_NUMBER = "“NaN” is not an amount; type a number such as 29.99."
    INFINITE = "The amount must be a real number, not infinity."
    EXPONENT = "Type the amount in full, without an exponent (1500, not 1.5e3)."
    GARBAGE = "Type the amount as a number, such as 29.99."
    AMBIGUOUS = "Is that a thousands separator or a decimal point? Type 1234 or 1.23, not 1.234."
    BAD_GROUPS = "Check the thousands separators; groups have three digits, as in 1,234.50."
    TOO_MANY_DECIMALS = "Use at most two decimals, such as 29.99."
    TOO_SMALL = "The amount must be at least 0.01."
    TOO_LARGE = "The amount is larger than linkdesk accepts (1,000,000,000.00 at most)."


class AmountError(LinkdeskError):
    """A typed amount cannot be used."""

    def __init__(self, problem: AmountProblem) -> None:
        super().__init__(problem.value, param="amount_usd")
        self.problem = problem


def parse_amount(text: str) -> Decimal:
    """Turn what a person typed into a `Decimal` with at most two decimals, or raise."""
    if len(text) > _MAX_TYPED_LENGTH * 4:
        raise AmountError(AmountProblem.TOO_LONG)
    typed = _ascii_digits(text.strip())
    typed = typed.removeprefix("$").strip()
    if not typed:
        raise AmountError(AmountProblem.EMPTY)
    if len(typed) > _MAX_TYPED_LENGTH:
        raise AmountError(AmountProblem.TOO_LONG)
    if typed[0] in _MINUS_SIGNS:
        raise AmountError(AmountProblem.NEGATIVE)
    word = typed.lstrip("+").lower()
    if word in {"nan", "snan", "qnan"}:
        raise AmountError(AmountProblem.NOT_A_NUMBER)
    if word in {"inf", "infinity", "∞"}:
        raise AmountError(AmountProblem.INFINITE)
    if _EXPONENT.match(typed):
        raise AmountError(AmountProblem.EXPONENT)

    whole, fraction = _split(typed)
    if len(fraction) > 2:
        raise AmountError(AmountProblem.TOO_MANY_DECIMALS)
    try:
        amount = Decimal(f"{whole or '0'}.{fraction or '0'}")
    except InvalidOperation:  # pragma: no cover - _split only lets digits through
        raise AmountError(AmountProblem.GARBAGE) from None
    if amount < MIN_AMOUNT:
        raise AmountError(AmountProblem.TOO_SMALL)
    if amount > MAX_AMOUNT:
        raise AmountError(AmountProblem.TOO_LARGE)
    return amount.quantize(CENT)


def _ascii_digits(text: str) -> str:
    """Map every Unicode decimal digit to its ASCII twin so Decimal sees plain digits."""
    return "".join(
        str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in text
    )


def _split(typed: str) -> tuple[str, str]:
    """Split a typed amount into its whole digits and its decimal digits."""
    for ch in typed:
        if not (ch.isascii() and ch.isdigit()) and ch not in ".," and ch not in _GROUP_SPACES:
            raise AmountError(AmountProblem.GARBAGE)
    if not any(ch.isdigit() for ch in typed):
        raise AmountError(AmountProblem.GARBAGE)

    marks = [ch for ch in typed if ch in ".,"]
    decimal_mark: str | None = None
    if set(marks) == {".", ","}:
        decimal_mark = marks[-1]
        if marks.count(decimal_mark) > 1:
            raise AmountError(AmountProblem.BAD_GROUPS)
    elif len(marks) == 1:
        before, after = typed.rsplit(marks[0], 1)
        if len(after) == 3 and before.strip("0 ") != "":
            raise AmountError(AmountProblem.AMBIGUOUS)
        decimal_mark = marks[0]

    if decimal_mark is not None:
        whole_part, fraction = typed.rsplit(decimal_mark, 1)
        if not fraction.isdigit() and fraction != "":
            raise AmountError(AmountProblem.GARBAGE)
    else:
        whole_part, fraction = typed, ""

    groups = re.split(r"[.,'\u2019 \u00a0\u202f\u2009]", whole_part)
    if len(groups) > 1 and (
        not groups[0] or len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:])
    ):
        raise AmountError(AmountProblem.BAD_GROUPS)
    whole = "".join(groups)
    if whole and not whole.isdigit():
        raise AmountError(AmountProblem.GARBAGE)
    return whole, fraction


def format_amount(amount: Decimal) -> str:
    """Two decimals, no grouping: the form used in CSV files and JSON (``1234.50``)."""
    return f"{amount.quantize(CENT):f}"


def format_usd(amount: Decimal) -> str:
    """What a person reads: ``$1,234.50``.

    Never raises: an amount of 28 digits or more before the point, which no real amount
    has (billing.io's answers are held to `LARGEST_API_AMOUNT`), reads like ``$1.00E+400``
    rather than as hundreds of digits, or as the error quantize gives beyond 28 digits.
    """
    if amount.is_finite() and amount.adjusted() >= _WRITTEN_OUT_DIGITS:
        return f"${amount:.2E}"
    # Rounded as quantize(CENT) would, half to even, but in format's own precision.
    return f"${amount:,.2f}"
