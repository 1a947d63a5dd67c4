"""Typed, versioned preferences: every setting declared once with its type, default and bounds.

A `Setting` says what a preference is; `Settings` reads and writes them through any
`SettingsStorage` (the window adapts `QSettings` to it, tests use `MemoryStorage`). A value
that is missing, unreadable or out of bounds reads as the default, so a hand-edited or
old file can never stop linkdesk from starting. The stored `schema_version` lets a later
linkdesk migrate what an older one wrote.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from linkdesk.core.links import DEFAULT_LIFETIME, LIFETIMES, MAX_LIFETIME, MIN_LIFETIME

T = TypeVar("T")

SCHEMA_VERSION = 1
SCHEMA_VERSION_KEY = "meta/schema_version"
# How a missing value (`None`) is written: INI files and QSettings have no null.
_NONE = "none"

Plain = str | int | float | bool


class SettingsStorage(Protocol):
    """Where settings live: plain values by key; `get` answers None for a missing key."""

    def get(self, key: str) -> object | None: ...

    def set(self, key: str, value: Plain) -> None: ...

    def remove(self, key: str) -> None: ...


class MemoryStorage:
    """Settings kept in a dict: for tests, and for a run where no settings file can be used."""

    def __init__(self, values: Mapping[str, Plain] | None = None) -> None:
        self.values: dict[str, Plain] = dict(values or {})

    def get(self, key: str) -> object | None:
        return self.values.get(key)

    def set(self, key: str, value: Plain) -> None:
        self.values[key] = value

    def remove(self, key: str) -> None:
        self.values.pop(key, None)


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One preference: where it is stored, its type, its default and what values are allowed."""

    key: str
    type: type
    default: T
    nullable: bool = False
    minimum: int | float | None = None
    maximum: int | float | None = None
    choices: tuple[object, ...] | None = None
    doc: str = ""

    def check(self, value: object) -> T:
        """The value if it is allowed, else `ValueError` saying why."""
        if value is None:
            if self.nullable:
                return value  # type: ignore[return-value]
            raise ValueError(f"{self.key} cannot be empty")
        if isinstance(value, bool) and self.type is not bool:
            raise ValueError(f"{self.key} must be a {self.type.__name__}")
        if not isinstance(value, self.type):
            raise ValueError(f"{self.key} must be a {self.type.__name__}")
        if self.minimum is not None and value < self.minimum:  # type: ignore[operator]
            raise ValueError(f"{self.key} must be at least {self.minimum}")
        if self.maximum is not None and value > self.maximum:  # type: ignore[operator]
            raise ValueError(f"{self.key} must be at most {self.maximum}")
        if self.choices is not None and value not in self.choices:
            raise ValueError(f"{self.key} must be one of {self.choices}")
        return value  # type: ignore[return-value]

    def decode(self, raw: object) -> T:
        """What the storage holds, read back as this setting's type; the default if unusable."""
        if raw is None:
            return self.default
        try:
            return self.check(_parse(raw, self.type, self.nullable))
        except ValueError:
            return self.default

    def encode(self, value: T) -> Plain:
        checked = self.check(value)
        if checked is None:
            return _NONE
        if isinstance(checked, bool):
            return "true" if checked else "false"
        return checked  # type: ignore[return-value]


def _parse(raw: object, kind: type, nullable: bool) -> object:
    """Undo what an INI file does to a value: everything comes back as text."""
    if isinstance(raw, str):
        text = raw.strip()
        if nullable and text.lower() in {_NONE, "null", ""}:
            return None
        if kind is bool:
            if text.lower() in {"true", "1", "yes"}:
                return True
            if text.lower() in {"false", "0", "no"}:
                return False
            raise ValueError(text)
        if kind is int:
            return int(text)
        if kind is float:
            return float(text)
        return text
    if kind is float and isinstance(raw, int) and not isinstance(raw, bool):
        return float(raw)
    return raw


LAST_LIFETIME: Setting[int | None] = Setting(
    key="form/last_lifetime_seconds",
    type=int,
    default=DEFAULT_LIFETIME.seconds,
    nullable=True,
    minimum=MIN_LIFETIME,
    choices=tuple(lifetime.seconds for lifetime in LIFETIMES),
    doc="The lifetime the cashier chose last; None is a link that never expires.",
)

CUSTOM_LIFETIME_MINUTES: Setting[int] = Setting(
    key="form/custom_lifetime_minutes",
    type=int,
    default=30,
    minimum=MIN_LIFETIME // 60,
    maximum=MAX_LIFETIME // 60,
    doc="The custom lifetime offered besides the presets, in minutes (5 minutes to 30 days).",
)

LIFETIME_IS_CUSTOM: Setting[bool] = Setting(
    key="form/last_lifetime_custom",
    type=bool,
    default=False,
    doc="The cashier chose the custom lifetime last (LAST_LIFETIME then is ignored).",
)

SHOP_NAME: Setting[str] = Setting(
    key="customer_display/shop_name",
    type=str,
    default="",
    doc="Shown on the customer display between links; empty shows nothing.",
)

CONFIRM_ABOVE_USD: Setting[int | None] = Setting(
    key="form/confirm_above_usd",
    type=int,
    default=1000,
    nullable=True,
    minimum=1,
    maximum=10_000_000,
    doc="Enter asks once before creating a link above this many US dollars; None never asks.",
)

CUSTOMER_SCREEN: Setting[str] = Setting(
    key="customer_display/screen",
    type=str,
    default="",
    doc="The name of the screen the customer display opens on; empty picks one not "
    "showing the main window.",
)

WINDOW_GEOMETRY: Setting[str] = Setting(
    key="window/geometry",
    type=str,
    default="",
    doc="The main window's size and place as Qt saves them (base64); empty: the default.",
)

HISTORY_SPLIT: Setting[str] = Setting(
    key="window/history_split",
    type=str,
    default="",
    doc="How the window's height is shared between the new link and the recent links, as "
    "Qt saves it (base64); empty: the default.",
)

ALL_SETTINGS: tuple[Setting[object], ...] = (  # type: ignore[assignment]
    LAST_LIFETIME,
    CUSTOM_LIFETIME_MINUTES,
    LIFETIME_IS_CUSTOM,
    SHOP_NAME,
    CONFIRM_ABOVE_USD,
    CUSTOMER_SCREEN,
    WINDOW_GEOMETRY,
    HISTORY_SPLIT,
)

# Each migration turns what version N wrote into what version N + 1 reads.
Migration = Callable[[SettingsStorage], None]
MIGRATIONS: dict[int, Migration] = {}


@dataclass
class Settings:
    """Typed access to the preferences in one storage."""

    storage: SettingsStorage
    declared: Iterable[Setting[object]] = field(default=ALL_SETTINGS)

    def __post_init__(self) -> None:
        self.declared = tuple(self.declared)
        self.migrate()

    @property
    def schema_version(self) -> int:
        raw = self.storage.get(SCHEMA_VERSION_KEY)
        try:
            return int(str(raw)) if raw is not None else 0
        except ValueError:
            return 0

    def migrate(self) -> None:
        """Bring what an older linkdesk wrote up to `SCHEMA_VERSION`; newer files are left be."""
        version = self.schema_version
        if version > SCHEMA_VERSION:
            return
        while version < SCHEMA_VERSION:
            step = MIGRATIONS.get(version)
            if step is not None:
                step(self.storage)
            version += 1
        self.storage.set(SCHEMA_VERSION_KEY, SCHEMA_VERSION)

    def get(self, setting: Setting[T]) -> T:
        return setting.decode(self.storage.get(setting.key))

    def set(self, setting: Setting[T], value: T) -> None:
        """Store a value; `ValueError` if the setting does not allow it."""
        self.storage.set(setting.key, setting.encode(value))

    def reset(self, setting: Setting[T]) -> None:
        self.storage.remove(setting.key)
