"""The Tickets pane's keys and command palette entries; every binding has an id, so users can remap it."""

from __future__ import annotations

from textual.binding import Binding, BindingType

BINDINGS: list[BindingType] = [
    Binding("slash", "focus_search", "Search", id="cerb.search"),
    Binding("left_square_bracket", "cycle_filter(-1)", "Prev filter", show=False, id="cerb.filter-prev"),
    Binding("right_square_bracket", "cycle_filter(1)", "Filter", id="cerb.filter-next"),
    Binding("s", "cycle_sort", "Sort", show=False, id="cerb.sort"),
    Binding("S", "reverse_sort", "Reverse sort", show=False, id="cerb.sort-reverse"),
    Binding("o", "set_status('open')", "Open", show=False, id="cerb.status-open"),
    Binding("w", "set_status('waiting')", "Waiting", show=False, id="cerb.status-waiting"),
    Binding("x", "set_status('closed')", "Close", id="cerb.status-closed"),
    Binding("a", "assign_me", "Assign me", id="cerb.assign-me"),
    Binding("A", "pick_owner", "Owner…", show=False, id="cerb.pick-owner"),
    Binding("u", "unassign", "Unassign", show=False, id="cerb.unassign"),
    Binding("m", "move", "Move", id="cerb.move"),
    Binding("plus,equals_sign", "importance(10)", "Importance +", show=False, id="cerb.importance-up"),
    Binding("minus", "importance(-10)", "Importance -", show=False, id="cerb.importance-down"),
    Binding("e", "edit_subject", "Subject", show=False, id="cerb.edit-subject"),
    Binding("r", "reply", "Reply", id="cerb.reply"),
    Binding("c", "comment", "Comment", id="cerb.comment"),
    Binding("N", "compose", "New ticket", id="cerb.compose"),
    Binding("z", "snooze", "Snooze", id="cerb.snooze"),
    Binding("exclamation_mark", "spam(True)", "Spam", show=False, id="cerb.spam"),
    Binding("H", "spam(False)", "Not spam (ham)", show=False, id="cerb.not-spam"),
    Binding("delete", "delete", "Delete", show=False, id="cerb.delete"),
    # inside a ticket: the next / previous one of the list, without going back to it ([ ] are the filters)
    Binding("n", "step_ticket(1)", "Next ticket", show=False, id="cerb.next-ticket"),
    Binding("p", "step_ticket(-1)", "Previous ticket", show=False, id="cerb.previous-ticket"),
    Binding("d", "download", "Download a file", show=False, id="cerb.download"),
    Binding("escape,backspace", "back", "Back", show=False, id="cerb.back"),
]

# the pane's actions that change something on the server: in read-only mode their keys are neither shown nor run, and
# the palette refuses them (selecting, searching, opening and downloading stay)
WRITE_ACTIONS = frozenset(
    {
        "set_status",
        "assign_me",
        "pick_owner",
        "unassign",
        "move",
        "importance",
        "edit_subject",
        "reply",
        "comment",
        "compose",
        "snooze",
        "spam",
        "delete",
    }
)

# on the table: select tickets for a bulk change (before the table's own keys: space would page down)
TABLE_BINDINGS: list[BindingType] = [
    Binding("space", "toggle_selected", "Select", priority=True, id="cerb.select"),
    Binding("shift+down", "extend_selection(1)", "Select down", show=False, priority=True, id="cerb.select-down"),
    Binding("shift+up", "extend_selection(-1)", "Select up", show=False, priority=True, id="cerb.select-up"),
    Binding("ctrl+a", "select_loaded", "Select all loaded", show=False, id="cerb.select-all"),
]

# the command palette: (title, action of the pane)
COMMANDS: list[tuple[str, str]] = [
    ("Tickets: open tickets", "filter('open')"),
    ("Tickets: waiting tickets", "filter('waiting')"),
    ("Tickets: closed tickets", "filter('closed')"),
    ("Tickets: all tickets", "filter('all')"),
    ("Tickets: my tickets", "filter('mine')"),
    ("Tickets: unassigned tickets", "filter('unassigned')"),
    ("Tickets: search (Cerb query)", "focus_search"),
    ("Tickets: new ticket", "compose"),
    ("Tickets: reply to the ticket", "reply"),
    ("Tickets: comment on the ticket", "comment"),
    ("Tickets: assign to me", "assign_me"),
    ("Tickets: choose owner", "pick_owner"),
    ("Tickets: move to group / bucket", "move"),
    ("Tickets: close the ticket", "set_status('closed')"),
    ("Tickets: mark waiting", "set_status('waiting')"),
    ("Tickets: reopen", "set_status('open')"),
    ("Tickets: sort by next column", "cycle_sort"),
    ("Tickets: edit the subject", "edit_subject"),
    ("Tickets: raise importance", "importance(10)"),
    ("Tickets: lower importance", "importance(-10)"),
    ("Tickets: snooze (waiting until a date)", "snooze"),
    ("Tickets: mark as spam", "spam(True)"),
    ("Tickets: mark as not spam", "spam(False)"),
    ("Tickets: delete", "delete"),
    ("Tickets: next ticket", "step_ticket(1)"),
    ("Tickets: previous ticket", "step_ticket(-1)"),
    ("Tickets: download a file of the conversation", "download"),
    ("Tickets: clear the selection", "clear_selection"),
]
