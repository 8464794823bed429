"""When a snoozed ticket opens again, from what a person types."""

from __future__ import annotations

from datetime import datetime

import pytest

from tui.services.cerb.when import NotADate, parse_when

NOW = datetime(2024, 6, 5, 15, 20)  # a Wednesday afternoon


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("in 4 h", datetime(2024, 6, 5, 19, 20)),
        ("in 4h", datetime(2024, 6, 5, 19, 20)),
        ("4 hours", datetime(2024, 6, 5, 19, 20)),
        ("in 30 min", datetime(2024, 6, 5, 15, 50)),
        ("in 2 days", datetime(2024, 6, 7, 15, 20)),
        ("in 1 week", datetime(2024, 6, 12, 15, 20)),
        ("tomorrow 9:00", datetime(2024, 6, 6, 9, 0)),
        ("Tomorrow", datetime(2024, 6, 6, 9, 0)),
        ("tomorrow 2pm", datetime(2024, 6, 6, 14, 0)),
        ("today 17:30", datetime(2024, 6, 5, 17, 30)),
        ("next Monday", datetime(2024, 6, 10, 9, 0)),
        ("next monday 10:15", datetime(2024, 6, 10, 10, 15)),
        ("friday", datetime(2024, 6, 7, 9, 0)),
        ("wed", datetime(2024, 6, 12, 9, 0)),  # today is Wednesday: the next one
        ("next week", datetime(2024, 6, 10, 9, 0)),
        ("17:00", datetime(2024, 6, 5, 17, 0)),
        ("9:00", datetime(2024, 6, 6, 9, 0)),  # already past today: tomorrow
        ("2024-06-20", datetime(2024, 6, 20, 9, 0)),
        ("2024-06-20 14:30", datetime(2024, 6, 20, 14, 30)),
    ],
)
def test_what_a_person_types(said, expected):
    assert parse_when(said, NOW) == expected


@pytest.mark.parametrize(
    ("said", "why"),
    [
        ("", "Say when"),
        ("in 4 fortnights", "not a unit of time"),
        ("soonish", "not a moment"),
        ("2024-06-01", "already passed"),
        ("today 9:00", "already passed"),
        ("tomorrow 25:00", "not a time of day"),
    ],
)
def test_what_it_refuses_says_why(said, why):
    with pytest.raises(NotADate, match=why):
        parse_when(said, NOW)
