"""The Documents pane's keys and command palette entries; every binding has an id, so users can remap it."""

from __future__ import annotations

from textual.binding import Binding, BindingType

# What read-only mode hides and refuses (the trash view's own keys are the TrashScreen's)
WRITE_ACTIONS = frozenset(
    {"edit", "direct_edit", "create", "delete", "undo_trash", "move", "upload", "operation", "toggle_lock"}
)

BINDINGS: list[BindingType] = [
    Binding("e", "edit", "Edit", id="nuxeo.edit", tooltip="Edit the document's properties"),
    Binding(
        "E",
        "direct_edit",
        "Edit in $EDITOR",
        id="nuxeo.direct-edit",
        show=False,
        tooltip="Open a note's text, or a file's main file when it is text, in your own editor; saved when it exits",
    ),
    Binding("n", "create", "New", id="nuxeo.create", tooltip="Create a document in the selected folder"),
    Binding("d", "delete", "Trash", id="nuxeo.delete", tooltip="Move the selected document to the trash (asks first)"),
    Binding("z", "undo_trash", "Undo trash", id="nuxeo.undo-trash", show=False, tooltip="Restore what d just trashed"),
    Binding("t", "trash", "Trash view", id="nuxeo.trash", tooltip="The folder's trash: restore, or delete for good"),
    Binding("m", "move", "Move/rename", id="nuxeo.move", tooltip="Move the selected document or give it a new name"),
    Binding("slash", "search", "Search", id="nuxeo.search", tooltip="Search by words or NXQL"),
    Binding("s", "download", "Download", id="nuxeo.download", tooltip="Download the main file of the document"),
    Binding("u", "upload", "Upload", id="nuxeo.upload", tooltip="Attach a local file (or add it to the folder)"),
    Binding(
        "o", "operation", "Operation", id="nuxeo.operation", tooltip="Run an automation operation on the selection"
    ),
    Binding("j", "toggle_raw", "Raw JSON", id="nuxeo.raw", tooltip="Switch between properties and the raw JSON"),
    Binding("r", "reload_folder", "Reload folder", id="nuxeo.reload", tooltip="Reload the selected folder"),
    Binding(
        "L", "toggle_lock", "Lock/unlock", id="nuxeo.lock", tooltip="Lock the selected document, or take its lock off"
    ),
    Binding(
        "V", "versions", "Versions", id="nuxeo.versions", tooltip="The selected document's versions: view, restore"
    ),
]

COMMANDS: list[tuple[str, str]] = [
    ("Documents: edit the selected document", "edit"),
    ("Documents: edit the note's text or the text file in $EDITOR", "direct_edit"),
    ("Documents: new document in the selected folder", "create"),
    ("Documents: move the selected document to the trash", "delete"),
    ("Documents: restore what was just trashed", "undo_trash"),
    ("Documents: the selected folder's trash", "trash"),
    ("Documents: move or rename the selected document", "move"),
    ("Documents: search (words or NXQL)", "search"),
    ("Documents: download the main file", "download"),
    ("Documents: upload a file", "upload"),
    ("Documents: run an automation operation", "operation"),
    ("Documents: toggle raw JSON", "toggle_raw"),
    ("Documents: reload the selected folder", "reload_folder"),
    ("Documents: lock or unlock the selected document", "toggle_lock"),
    ("Documents: versions of the selected document", "versions"),
]
