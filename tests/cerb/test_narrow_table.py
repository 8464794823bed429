"""The ticket table at the sizes people use: at 80x24 the subject stays readable (other columns shrink, then the least
telling hide); on a wide terminal every column shows."""

from __future__ import annotations

import pytest

from tests.conftest import make_app, wait_for


def line(table, y: int) -> str:
    return "".join(segment.text for segment in table.render_line(y))


def header_cells(header: str) -> dict[str, tuple[int, int]]:
    """Each header label: where its column starts, and how wide it is (up to the next label)."""
    labels = ["Mask", "Subject", "Status", "Group / bucket", "Owner", "Imp", "Updated"]
    starts = sorted((header.index(label), label) for label in labels if label in header)
    ends = [start for start, _ in starts[1:]] + [len(header.rstrip()) + 1]
    return {label: (start, end - start - 1) for (start, label), end in zip(starts, ends, strict=True)}


async def shown(tmp_path, cerb_box, size):
    app = make_app(cerb_box.profile(), tmp_path, pane="cerb")
    async with app.run_test(size=size) as pilot:
        pane = app.query_one("#pane-cerb")
        await wait_for(pilot, lambda: pane.table.total > 0 and pane.table.current() is not None)
        await pilot.pause()
        table = pane.table
        rows = min(table.total, table.size.height - 1)
        return line(table, 0), [(table.row(i).data, line(table, i + 1)) for i in range(rows)]


async def test_at_80x24_the_subject_takes_the_room_and_the_least_telling_columns_hide(tmp_path, cerb_box):
    header, rows = await shown(tmp_path, cerb_box, (80, 24))
    columns = header_cells(header)
    assert ["Mask", "Subject", "Status", "Owner", "Updated"] == [label for label in columns]
    assert "Group" not in header and "Imp" not in header
    subject_start, subject_width = columns["Subject"]
    assert subject_width >= 28
    assert subject_width == max(width for _, width in columns.values())
    for ticket, text in rows:
        cell = text[subject_start : subject_start + subject_width].rstrip()
        assert cell == ticket.subject or (cell.endswith("…") and ticket.subject.startswith(cell[:-1]))
        assert len(cell) >= min(len(ticket.subject), 28)
        assert ticket.mask in text


@pytest.mark.parametrize("size", [(140, 45), (200, 60)])
async def test_a_wide_terminal_shows_every_column_and_whole_subjects(tmp_path, cerb_box, size):
    header, rows = await shown(tmp_path, cerb_box, size)
    columns = header_cells(header)
    assert list(columns) == ["Mask", "Subject", "Status", "Group / bucket", "Owner", "Imp", "Updated"]
    assert columns["Group / bucket"][1] == 24 and columns["Owner"][1] == 14
    subject_start, subject_width = columns["Subject"]
    for ticket, text in rows:
        assert text[subject_start : subject_start + subject_width].rstrip() == ticket.subject[:subject_width]
        assert ticket.where[:23] in text  # whole when it fits in 24, else cut with an ellipsis
