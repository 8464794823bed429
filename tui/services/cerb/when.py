"""When a snoozed ticket should open again, from what a person types: "in 4 h", "tomorrow 9:00", "next Monday",
"friday 14:30", "17:00", "2024-06-01" or "2024-06-01 14:30".

A small parser of its own: the forms a snooze needs are few, and a general date library would guess at much more
("4" = the 4th? 4 o'clock?) than a person means here. A day without a time means 9:00, the start of a working day.
No Textual here.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

DEFAULT_HOUR = 9
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
UNITS = {
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "w": 604800,
    "week": 604800,
    "weeks": 604800,
}
_IN = re.compile(r"^(?:in\s+)?(\d+(?:\.\d+)?)\s*([a-z]+)$")
_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$")
PRESETS = [("In 4 hours", "in 4 h"), ("Tomorrow 9:00", "tomorrow 9:00"), ("Next Monday 9:00", "next monday")]


class NotADate(ValueError):
    """What was typed is not a moment the parser understands, or is not in the future; the text says why."""


def _time_of_day(text: str) -> tuple[int, int]:
    match = _TIME.match(text.strip())
    if not match:
        raise NotADate(f"'{text}' is not a time of day (try 9:00 or 2pm).")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if match.group(3) == "pm" and hour < 12:
        hour += 12
    elif match.group(3) == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        raise NotADate(f"'{text}' is not a time of day (try 9:00 or 2pm).")
    return hour, minute


def _on_day(day: datetime, time_text: str) -> datetime:
    hour, minute = _time_of_day(time_text) if time_text else (DEFAULT_HOUR, 0)
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


def parse_when(text: str, now: datetime | None = None) -> datetime:
    """The moment `text` names, after `now` (local time); `NotADate` when it names none, or one already past."""
    now = now or datetime.now()
    said = " ".join(text.lower().replace(",", " ").split())
    if not said:
        raise NotADate("Say when: in 4 h, tomorrow 9:00, next Monday, or a date like 2024-06-01 14:30.")
    found = _moment(said, now)
    if found <= now:
        raise NotADate(f"{found:%Y-%m-%d %H:%M} has already passed.")
    return found


def _moment(said: str, now: datetime) -> datetime:
    if match := _IN.match(said):
        amount, unit = float(match.group(1)), match.group(2)
        if unit not in UNITS:
            raise NotADate(f"'{unit}' is not a unit of time (try min, h, days or weeks).")
        return now + timedelta(seconds=amount * UNITS[unit])
    first, _, rest = said.partition(" ")
    if first in ("today", "tomorrow"):
        return _on_day(now + timedelta(days=1 if first == "tomorrow" else 0), rest)
    if first == "next" and rest:
        first, _, rest = rest.partition(" ")
        if first == "week":
            return _on_day(now + timedelta(days=7 - now.weekday()), rest)  # next week: its Monday
    if first in WEEKDAYS or first[:3] in [d[:3] for d in WEEKDAYS]:
        weekday = next(i for i, d in enumerate(WEEKDAYS) if d.startswith(first[:3]))
        days = (weekday - now.weekday()) % 7 or 7  # "monday" on a Monday: the next one
        return _on_day(now + timedelta(days=days), rest)
    if _TIME.match(said):  # a time alone: today, or tomorrow once it has passed
        today = _on_day(now, said)
        return today if today > now else today + timedelta(days=1)
    for form in ("%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            typed = datetime.strptime(said, form)
        except ValueError:
            continue
        return typed if " " in said else typed.replace(hour=DEFAULT_HOUR)
    raise NotADate(f"'{said}' is not a moment I can read (try in 4 h, tomorrow 9:00, next Monday or 2024-06-01 14:30).")
