"""How tickets look on screen: table cells, properties at a glance, a conversation a person can read."""

from __future__ import annotations

import re
import time
from datetime import datetime

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from tui.services.cerb.models import SPAM_TRAINING, Attachment, Comment, Conversation, Message, Ticket

STATUS_STYLE = {"open": "bold green", "waiting": "yellow", "closed": "dim", "deleted": "dim red strike"}


RECENT = 86400 * 30  # closer than this to now, a moment reads better as "3d ago" than as a date


def _span(seconds: int) -> str:
    """`5m`, `3h`, `2d`."""
    if seconds < 3600:
        return f"{max(1, seconds // 60)}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def relative_time(ts: int, now: float | None = None) -> str:
    """`just now`, `5m ago`, `3h ago`, `2d ago`, `in 2d` (a moment to come: when a snoozed ticket opens again),
    then the date."""
    if not ts:
        return "-"
    delta = int((now or time.time()) - ts)
    if abs(delta) < 45:
        return "just now"
    if abs(delta) >= RECENT:
        return datetime.fromtimestamp(ts).strftime("%Y-%m-%d")
    return f"{_span(delta)} ago" if delta > 0 else f"in {_span(-delta)}"


def when(ts: int, now: float | None = None) -> str:
    """`2026-03-07 09:04 (2d ago)`; a moment long ago or far ahead shows as its date and time alone (the relative
    part would be the same date again)."""
    if not ts:
        return "-"
    moment = datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")
    if abs(int((now or time.time()) - ts)) >= RECENT:
        return moment
    return f"{moment} ({relative_time(ts, now)})"


def importance_cell(importance: int) -> tuple[str, str]:
    style = "bold red" if importance >= 90 else "red" if importance >= 70 else "dim" if importance <= 20 else ""
    return str(importance), style


def owner_label(ticket: Ticket) -> str:
    return ticket.owner_name or ("-" if not ticket.owner_id else f"#{ticket.owner_id}")


def size_text(size: int) -> str:
    """`512 B`, `12 KB`, `3.4 MB`."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size // 1024} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def ticket_cells(ticket: Ticket, selected: bool = False) -> list[str | tuple[str, str]]:
    """mask (marked when selected for a bulk change), subject, status, group / bucket, owner, importance, updated."""
    return [
        (f"● {ticket.mask}", "bold reverse cyan") if selected else (ticket.mask, "cyan"),
        ticket.subject,
        (ticket.status, STATUS_STYLE.get(ticket.status, "")),
        ticket.where,
        (owner_label(ticket), "" if ticket.owner_id else "dim"),
        importance_cell(ticket.importance),
        (relative_time(ticket.updated), "dim"),
    ]


def properties(ticket: Ticket) -> RenderableType:
    """The ticket at a glance: two columns of label/value pairs."""
    grid = Table.grid(padding=(0, 2))
    for _ in range(4):
        grid.add_column()
    status = Text(ticket.status, style=STATUS_STYLE.get(ticket.status, ""))
    importance = Text(*importance_cell(ticket.importance))
    rows: list[tuple[str, RenderableType, str, RenderableType]] = [
        ("Status", status, "Owner", owner_label(ticket)),
        ("Group", ticket.group_name or str(ticket.group_id), "Bucket", ticket.bucket_name or str(ticket.bucket_id)),
        ("Importance", importance, "Organisation", ticket.org_name or "-"),
        ("Created", when(ticket.created), "Updated", when(ticket.updated)),
    ]
    if ticket.reopen_at or ticket.spam_training:
        reopens = when(ticket.reopen_at) if ticket.reopen_at and ticket.status == "waiting" else "-"
        rows.append(("Reopens", reopens, "Spam", SPAM_TRAINING.get(ticket.spam_training, "-")))
    for a, b, c, d in rows:
        grid.add_row(Text(a, style="dim"), b, Text(c, style="dim"), d)
    title = Text.assemble((f"[#{ticket.mask}] ", "bold cyan"), (ticket.subject, "bold"))
    return Group(title, grid)


_QUOTE = re.compile(r"^\s*>")
_BLANKS = re.compile(r"\n{3,}")


def body_text(content: str) -> Text:
    """A message body made readable: line endings normalised, runs of blank lines squeezed, quoted lines dimmed."""
    content = _BLANKS.sub("\n\n", content.replace("\r\n", "\n").replace("\r", "\n")).strip("\n")
    text = Text()
    for i, line in enumerate(content.split("\n")):
        if i:
            text.append("\n")
        text.append(line, style="dim italic" if _QUOTE.match(line) else "")
    return text


def files_text(files: list[Attachment]) -> Text:
    """The files of a message, one per line: `📎 invoice.pdf  (12 KB)`."""
    text = Text()
    for i, attachment in enumerate(files):
        if i:
            text.append("\n")
        text.append("📎 ", style="bold")
        text.append(attachment.name, style="underline")
        text.append(f"  ({size_text(attachment.size)})", style="dim")
    return text


def entry_renderable(entry: Message | Comment, files: list[Attachment] | None = None) -> RenderableType:
    if isinstance(entry, Comment):
        header = Text.assemble(
            ("✎ comment ", "bold yellow"), (entry.author or "someone", "yellow"), ("  ·  " + when(entry.created), "dim")
        )
        return Group(header, Padding(body_text(entry.text), (0, 0, 1, 2), style="on #2a2a1a"))
    direction = ("➜ ", "bold blue") if entry.is_outgoing else ("✉ ", "bold green")
    sender = entry.sender or entry.sender_email or "unknown sender"
    email = f" <{entry.sender_email}>" if entry.sender_email and entry.sender_email != sender else ""
    header = Text.assemble(direction, (sender, "bold"), (email, "dim"), ("  ·  " + when(entry.created), "dim"))
    if files:
        return Group(header, Padding(body_text(entry.content), (0, 0, 0, 2)), Padding(files_text(files), (0, 0, 1, 2)))
    return Group(header, Padding(body_text(entry.content), (0, 0, 1, 2)))


def conversation(conv: Conversation) -> RenderableType:
    parts: list[RenderableType] = []
    for i, entry in enumerate(conv.entries):
        if i:
            parts.append(Rule(style="dim"))
        parts.append(entry_renderable(entry, conv.attachments.get(entry.id) if isinstance(entry, Message) else None))
    if not parts:
        parts.append(Text("No messages yet.", style="dim"))
    return Group(*parts)


def differences_table(differences: list[tuple[str, str, str]], mine: str = "") -> RenderableType:
    """What changed on the server (before / now), and the change the person was about to make."""
    table = Table(expand=True, show_edge=False, pad_edge=False)
    table.add_column("", style="dim")
    table.add_column("When you loaded it")
    table.add_column("On the server now", style="bold")
    for what, before, after in differences:
        table.add_row(what, before, after)
    if not differences:
        table.add_row("updated", "earlier", "since then (no field shown here changed)")
    if not mine:
        return table
    return Group(table, Text(""), Text.assemble(("Your change: ", "bold"), mine))


def editor_context(ticket: Ticket, conversation: Conversation | None) -> Text:
    """What the reply / comment editor shows above the text: the ticket, and the last message when it is loaded."""
    parts = [Text.assemble((f"[#{ticket.mask}] ", "bold cyan"), (ticket.subject, "bold"))]
    if conversation is not None and conversation.ticket.id == ticket.id:
        last = next((e for e in reversed(conversation.entries) if isinstance(e, Message)), None)
        if last is not None:
            parts.append(Text(f"{last.sender} wrote:", style="dim"))
            parts.append(body_text("\n".join(last.content.splitlines()[:5])))
    return Text("\n").join(parts)
