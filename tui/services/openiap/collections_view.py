"""The collections browser: pick a collection, type a JSON query, see the matching documents; insert, edit (as JSON,
checked before it is sent) and delete them. A watch on the collection shows each change as it happens."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.services.openiap.client import OpenIAPClient
from tui.services.openiap.dialogs import DocumentEditor
from tui.widgets.dialogs import ConfirmDialog
from tui.widgets.json_view import JsonView
from tui.widgets.read_only import GuardsWrites, writes_forbidden

RESULT_LIMIT = 100


def parse_query(text: str) -> dict[str, Any]:
    """The query as a JSON object, or a ValueError saying what is wrong."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"The query is not valid JSON: {exc.msg} at column {exc.colno}.") from None
    if not isinstance(value, dict):
        raise ValueError('The query must be a JSON object, for example {"_type": "order"}.')
    return value


class CollectionsView(GuardsWrites, Horizontal):
    DEFAULT_CSS = """
    CollectionsView { height: 1fr; }
    CollectionsView > #col-list { width: 26; height: 1fr; border-right: solid $panel; }
    CollectionsView > Vertical { height: 1fr; }
    CollectionsView #col-query { height: 3; }
    CollectionsView #col-status { height: 1; padding: 0 1; }
    CollectionsView #col-results { height: 1fr; }
    CollectionsView #col-document { height: 1fr; border-top: solid $panel; }
    """
    WRITE_ACTIONS = frozenset({"insert_document", "edit_document", "delete_document"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "insert_document", "New document"),
        Binding("e", "edit_document", "Edit"),
        Binding("x", "delete_document", "Delete"),
    ]

    def __init__(self, client: OpenIAPClient, report: Callable[[BaseException, str], None], **kwargs: Any):
        super().__init__(**kwargs)
        self.client = client
        self.report = report
        self.collection = ""
        self.documents: list[dict[str, Any]] = []
        self.loaded = False
        self._listing = False
        self._query_serial = 0
        self._select_after = ""  # the _id to put the cursor on when the next results come

    def compose(self) -> ComposeResult:
        yield OptionList(id="col-list")
        with Vertical():
            yield Input("{}", placeholder='JSON query, e.g. {"name": {"$regex": "^a"}} — Enter runs it', id="col-query")
            yield Static("Pick a collection on the left.", id="col-status")
            table: DataTable[Any] = DataTable(id="col-results", cursor_type="row", zebra_stripes=True)
            table.add_columns("_id", "name", "_type", "_modified")
            yield table
            yield JsonView(id="col-document")

    def open(self) -> None:
        if not self.loaded:
            self.load_collections()
        self.query_one("#col-list").focus()

    def load_collections(self) -> None:
        if not self._listing:
            self._listing = True
            self._load_collections()

    # Requests are never cancelled half-way (no exclusive workers): a request cut between its length and its body
    # would leave the websocket stream out of step. A second ask while one is running is simply not started.
    @work(group="collections-list")
    async def _load_collections(self) -> None:
        try:
            collections = await self.client.list_collections()
        except Exception as exc:
            self.report(exc, "list the collections")
            return
        finally:
            self._listing = False
        self.loaded = True
        options = self.query_one("#col-list", OptionList)
        options.clear_options()
        names = sorted(c.name for c in collections)
        options.add_options([Option(name, id=name) for name in names])
        if not names:
            self.query_one("#col-status", Static).update("The server has no collections yet.")
            return
        # never open on an empty page: the collection looked at last, or else the first one, with its documents
        if self.collection not in names:
            self.collection = names[0]
            self.run_query()
        options.highlighted = names.index(self.collection)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.collection = str(event.option.id)
        self.run_query()
        self.query_one("#col-query").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "col-query":
            event.stop()
            self.run_query()

    def run_query(self) -> None:
        status = self.query_one("#col-status", Static)
        if not self.collection:
            status.update("Pick a collection on the left first.")
            return
        try:
            query = parse_query(self.query_one("#col-query", Input).value)
        except ValueError as exc:
            status.update(f"[red]{exc}[/red]")
            return
        status.update(f"Querying {self.collection}…")
        self._query_serial += 1
        self._query(self.collection, query, self._query_serial)

    @work(group="collections-query")
    async def _query(self, collection: str, query: dict[str, Any], serial: int) -> None:
        status = self.query_one("#col-status", Static)
        try:
            documents = await self.client.query(collection, query, top=RESULT_LIMIT)
        except Exception as exc:
            if serial == self._query_serial:
                status.update("The query failed; fix it and press Enter again.")
                self.report(exc, f"query {collection}")
            return
        if serial != self._query_serial:
            return  # a newer query was asked meanwhile: its answer is the one to show
        self.documents = documents
        table = self.query_one("#col-results", DataTable)
        table.clear()
        for index, doc in enumerate(documents):
            table.add_row(
                str(doc.get("_id", "")),
                str(doc.get("name", ""))[:40],
                str(doc.get("_type", "")),
                str(doc.get("_modified", ""))[:19],
                key=str(index),
            )
        more = " (first 100)" if len(documents) >= RESULT_LIMIT else ""
        keys = "" if writes_forbidden(self.app) else "   n new · e edit · x delete"
        status.update(f"{len(documents)} document(s) in {collection}{more} for {json.dumps(query)}{keys}")
        self.query_one("#col-document", JsonView).show(documents[0] if documents else {"result": "no documents match"})
        index = next((i for i, d in enumerate(documents) if d.get("_id") == self._select_after), 0)
        self._select_after = ""
        if documents:
            table.move_cursor(row=index)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "col-results" and event.row_key is not None:
            index = int(str(event.row_key.value))
            if 0 <= index < len(self.documents):
                self.query_one("#col-document", JsonView).show(self.documents[index])

    # -- changing documents -------------------------------------------------------------------------------------------

    def selected_document(self) -> dict[str, Any] | None:
        table = self.query_one("#col-results", DataTable)
        if table.row_count == 0:
            return None
        index = table.cursor_row
        return self.documents[index] if 0 <= index < len(self.documents) else None

    def action_insert_document(self) -> None:
        collection = self.collection
        if not collection:
            self.app.notify("Pick a collection on the left first.", severity="warning")
            return

        async def save(document: dict[str, Any]) -> dict[str, Any]:
            return await self.client.insert_one(collection, document)

        editor = DocumentEditor(f"A new document in {collection}", {"_type": "", "name": ""}, save)
        self.app.push_screen(editor, lambda saved: self._saved(saved, "Inserted"))

    def action_edit_document(self) -> None:
        document, collection = self.selected_document(), self.collection
        if document is None:
            self.app.notify("Select a document first.", severity="warning")
            return
        doc_id = str(document.get("_id", ""))

        async def save(changed: dict[str, Any]) -> dict[str, Any]:
            return await self.client.update_one(collection, changed)

        editor = DocumentEditor(f"Edit {doc_id} in {collection}", document, save, keep_id=doc_id)
        self.app.push_screen(editor, lambda saved: self._saved(saved, "Saved"))

    def _saved(self, document: dict[str, Any] | None, what: str) -> None:
        if document is None:
            return
        self.app.notify(f"{what} {document.get('_id', 'the document')} in {self.collection}.")
        self._select_after = str(document.get("_id", ""))
        self.run_query()

    def action_delete_document(self) -> None:
        document, collection = self.selected_document(), self.collection
        if document is None:
            self.app.notify("Select a document first.", severity="warning")
            return
        doc_id = str(document.get("_id", ""))
        label = f"{document.get('name')!r} ({doc_id})" if document.get("name") else doc_id

        def done(yes: bool | None) -> None:
            if yes:
                self._delete(collection, doc_id)

        question = f"Delete the document {label} from {collection}? This cannot be undone."
        self.app.push_screen(ConfirmDialog(question, confirm="Delete", danger=True), done)

    @work(group="collections-change")
    async def _delete(self, collection: str, doc_id: str) -> None:
        try:
            deleted = await self.client.delete_one(collection, doc_id)
        except Exception as exc:
            self.report(exc, f"delete {doc_id} from {collection}")
            return
        self.app.notify(f"Deleted {doc_id} from {collection}." if deleted else f"{doc_id} was already gone.")
        self.run_query()
