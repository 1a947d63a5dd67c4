"""Lifetimes in plain words: when a link made now would stop working, in local time.

"15 minutes" makes the cashier do sums while the customer waits; "The link stops working
at 14:35 today" does not.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

Clock = Callable[[], datetime]

CUSTOM_LABEL = "Custom…"
NEVER = "The link never stops working."


def local_now() -> datetime:
    return datetime.now().astimezone()


def local_day(moment: datetime, now: datetime) -> tuple[str, str]:
    """`moment` in local time as its clock and its day: "today", "tomorrow", or a date
    such as "Mon 3 Mar" (with the year when it is not this one)."""
    local = moment.astimezone()
    today = now.astimezone().date()
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return clock, "today"
    if local.date() == today + timedelta(days=1):
        return clock, "tomorrow"
    day = f"{local:%a} {local.day} {local:%b}"
    if local.year != today.year:
        day += f" {local.year}"
    return clock, day


NEAR_DAYS = ("today", "tomorrow")


def when(moment: datetime, now: datetime) -> str:
    """'at 14:35 today', 'at 09:10 tomorrow', 'on Mon 3 Mar at 14:35' (local time)."""
    clock, day = local_day(moment, now)
    return f"at {clock} {day}" if day in NEAR_DAYS else f"on {day} at {clock}"


def stops_working(seconds: int | None, now: datetime) -> str:
    """The sentence under the lifetime picker for a link created at `now`."""
    if seconds is None:
        return NEVER
    return f"The link stops working {when(now + timedelta(seconds=seconds), now)}."


def minutes_text(minutes: int) -> str:
    """'45 minutes', '2 hours', '1 day 3 hours 5 minutes': a custom lifetime read back."""
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    for count, unit in ((days, "day"), (hours, "hour"), (mins, "minute")):
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
    return " ".join(parts) or "0 minutes"
