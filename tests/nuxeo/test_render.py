"""What the Documents pane draws from a server's text: shown as it is, never read as Rich markup."""

from __future__ import annotations

import io

from rich.console import Console, RenderableType

from tui.services.nuxeo.models import Document, Operation
from tui.services.nuxeo.render import document_label, operation_details, summary_table
from tui.services.nuxeo.wire import DocumentWire, OperationWire, checked

ODD = "[/] a [bold]b[/bold] [@click=app.quit]c[/]"


def plain(renderable: RenderableType) -> str:
    console = Console(width=300, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def odd_document() -> Document:
    raw = {
        "uid": "u1",
        "path": f"/default-domain/{ODD}",
        "type": "File",
        "title": ODD,
        "state": ODD,
        "properties": {
            "dc:description": ODD,
            "dc:lastContributor": ODD,
            "dc:modified": ODD,
            "file:content": {"name": ODD, "mime-type": ODD, "length": "12"},
        },
    }
    return Document.from_wire(checked(raw, DocumentWire, "GET test"), raw)


def test_the_details_of_a_document_show_its_brackets_as_they_are():
    """Path, state, author, date, file and description used to be str cells, which Rich reads as markup: a `[/]` in
    any of them raised MarkupError while drawing."""
    text = plain(summary_table(odd_document()))
    assert text.count(ODD) >= 6, text
    assert ODD in plain(document_label(odd_document()))


def test_an_operation_shows_its_brackets_as_they_are():
    raw = {
        "id": "Odd.Op",
        "description": ODD,
        "params": [{"name": "p", "type": ODD, "description": ODD, "values": [ODD]}],
    }
    op = Operation.from_wire(checked(raw, OperationWire, "GET test"))
    text = plain(operation_details(op))
    assert ODD in text


def test_operation_parameters_are_labelled_with_the_servers_words_as_they_are():
    """A form's labels are plain text: a parameter's description from the server is shown as it is."""
    from tui.services.nuxeo.dialogs import operation_fields

    raw = {"id": "Odd.Op", "params": [{"name": "p", "type": "string", "description": ODD}]}
    (field,), _ = operation_fields(Operation.from_wire(checked(raw, OperationWire, "GET test")))
    assert field.label == f"p — string: {ODD}"
