"""JSON in and out with exact decimals, and a canonical form for comparing request bodies.

billing.io amounts are JSON numbers. Parsing them as floats would turn ``29.99`` into
``29.989999999999998436805981327779591083526611328125`` and make the emulator answer
``29.990000000000002`` after arithmetic, so every non-integer number is read as a
`Decimal` and written back digit for digit.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TypeAlias

__all__ = ["JsonValue", "canonical", "decimal_places", "dumps", "loads"]

JsonValue: TypeAlias = (
    bool | int | Decimal | str | list["JsonValue"] | dict[str, "JsonValue"] | None
)


def loads(raw: bytes) -> JsonValue:
    """Parse a UTF-8 JSON document; fractions, exponents, NaN and infinities as `Decimal`.

    Raises `ValueError` for anything that is not JSON (bad UTF-8 included) and for
    documents nested too deeply to parse.
    """
    try:
        text = raw.decode("utf-8")
        # NaN and Infinity are not JSON, but Python's parser accepts them; reading them as
        # Decimal lets validation say "not a finite number" instead of "not JSON".
        return json.loads(text, parse_float=Decimal, parse_constant=Decimal)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc


def dumps(value: JsonValue) -> str:
    """Compact JSON in which every `Decimal` appears exactly as its digits say."""
    parts: list[str] = []
    _dump(value, parts)
    return "".join(parts)


def _dump(value: JsonValue, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("JSON has no representation for a non-finite number")
        # str() of a finite Decimal is always a valid JSON number: "29.99", "30",
        # "1E+2", "-0"; never ".5" or "5.".
        out.append(str(value))
    elif isinstance(value, int | str):
        out.append(json.dumps(value))
    elif isinstance(value, list):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _dump(item, out)
        out.append("]")
    elif isinstance(value, dict):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(json.dumps(key))
            out.append(":")
            _dump(item, out)
        out.append("}")
    else:
        raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _trimmed(number: Decimal) -> tuple[int, tuple[int, ...], int]:
    """Sign, digits and exponent with trailing zeros removed, without rounding.

    `Decimal.normalize` would round to the context's 28 digits and so call two
    different long amounts equal.
    """
    sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int), "only finite numbers have digits"
    trimmed = list(digits)
    while len(trimmed) > 1 and trimmed[-1] == 0:
        trimmed.pop()
        exponent += 1
    if trimmed == [0]:
        return 0, (0,), 0
    return sign, tuple(trimmed), exponent


def decimal_places(number: Decimal) -> int:
    """How many decimals a finite number really has: 29.990 has two, 1E+2 has none."""
    return max(0, -_trimmed(number)[2])


def canonical(value: JsonValue) -> object:
    """A hashable form equal for the same JSON value however it was written.

    Key order and spacing do not matter, and neither does how a number is spelled
    (``30``, ``30.0`` and ``3e1`` are one value), but ``true`` is not ``1``, which plain
    Python equality would say it is.
    """
    if value is None or isinstance(value, bool | str):
        return (type(value).__name__, value)
    if isinstance(value, int):
        value = Decimal(value)
    if isinstance(value, Decimal):
        return ("number", _trimmed(value) if value.is_finite() else str(value))
    if isinstance(value, list):
        return ("array", tuple(canonical(item) for item in value))
    if isinstance(value, dict):
        return ("object", tuple(sorted((key, canonical(item)) for key, item in value.items())))
    raise TypeError(f"not a JSON value: {type(value).__name__}")
