"""Every property editable: editors chosen from the document type's schemas (config/types), driven through the real
app against the Nuxeo sandbox; what does not fit a field is refused before anything is sent."""

from __future__ import annotations

import json

import httpx
import pytest
from textual.widgets import Input, Select, Static, Switch, TextArea

from tests.conftest import make_app, wait_for
from tests.nuxeo.test_pane import SIZE, open_editor, plain, reveal, started
from tui.http import ExchangeLog
from tui.services.nuxeo.dialogs import EditDocumentDialog
from tui.services.nuxeo.models import Document
from tui.services.nuxeo.property_editors import InvalidValue, PropertyEditor, editors_for
from tui.services.nuxeo.schemas import FieldType


async def save_and_close(pilot) -> None:
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: not isinstance(pilot.app.screen, EditDocumentDialog))


def puts(log: ExchangeLog, uid: str) -> list[str]:
    return [e.url for e in log.entries if e.method == "PUT" and uid in e.url]


# -- the sandbox describes types as Nuxeo does ------------------------------------------------------------------------


async def test_config_endpoints_have_nuxeos_shapes(box, client):
    base = box.profile().connection("nuxeo").url.rstrip("/")
    async with httpx.AsyncClient(auth=("Administrator", "Administrator")) as http:
        schemas = (await http.get(f"{base}/api/v1/config/schemas")).json()
        one = (await http.get(f"{base}/api/v1/config/schemas/dublincore")).json()
        types = (await http.get(f"{base}/api/v1/config/types")).json()
        file_type = (await http.get(f"{base}/api/v1/config/types/File")).json()
        missing = await http.get(f"{base}/api/v1/config/types/NoSuchType")
    assert isinstance(schemas, list) and {"name", "@prefix", "fields"} <= set(schemas[0])
    assert one["entity-type"] == "schema" and one["prefix"] == one["@prefix"] == "dc"
    assert one["fields"]["contributors"] == "string[]" and one["fields"]["expired"] == "date"
    assert types["doctypes"]["File"]["parent"] == "Document" and "dublincore" in types["doctypes"]["File"]["schemas"]
    assert types["schemas"]["dublincore"]["@prefix"] == "dc" and types["schemas"]["dublincore"]["creator"] == "string"
    assert file_type["entity-type"] == "docType" and "HasRelatedText" in file_type["facets"]
    related = next(s for s in file_type["schemas"] if s["name"] == "relatedtext")["fields"]["relatedtextresources"]
    assert related == {"type": "complex[]", "fields": {"relatedtextid": "string", "relatedtext": "string"}}
    assert missing.status_code == 404 and missing.json()["entity-type"] == "exception"

    described = await client.document_type("Workspace")
    assert described.fields["dc:subjects"] == FieldType("string", True)
    assert described.fields["webc:isWebContainer"] == FieldType("boolean")
    assert described.fields["dc:expired"] == FieldType("date")


async def test_the_sandbox_refuses_a_value_of_the_wrong_type(client, workspace):
    note = await client.create(workspace.uid, type="Note", name="typed", properties={"dc:title": "Typed"})
    with pytest.raises(Exception, match="dc:expired must be an ISO 8601 date"):
        await client.update(note.uid, {"dc:expired": "soon"})
    with pytest.raises(Exception, match="has no field"):
        await client.update(note.uid, {"relatedtext:relatedtextresources": [{"nope": "x"}]})
    saved = await client.update(note.uid, {"dc:expired": "2027-03-01T10:00:00+01:00"})
    assert saved.properties["dc:expired"] == "2027-03-01T09:00:00.000Z"  # as Nuxeo writes dates: UTC, milliseconds


# -- the form ---------------------------------------------------------------------------------------------------------


async def test_edit_a_list_and_a_date(box, tmp_path, client, workspace):
    doc = await client.create(
        workspace.uid, type="Note", name="listed", properties={"dc:title": "Listed", "dc:subjects": ["art"]}
    )
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, doc.path)
        form = await open_editor(pilot)
        subjects = form.query_one("#field-dc-subjects", TextArea)
        assert subjects.text == "art"  # one value per line
        subjects.text = "art\n  science \n\nhistory"
        form.query_one("#field-dc-expired", Input).value = "2027-01-15"
        await save_and_close(pilot)
    saved = await client.get(doc.uid)
    assert saved.properties["dc:subjects"] == ["art", "science", "history"]
    assert saved.properties["dc:expired"] == "2027-01-15T00:00:00.000Z"


async def test_what_does_not_fit_is_refused_in_one_sentence_and_nothing_is_sent(box, tmp_path, client, workspace):
    doc = await client.create(workspace.uid, type="Note", name="refused", properties={"dc:title": "Refused"})
    log = ExchangeLog()
    app = make_app(box.profile(), tmp_path, pane="nuxeo", exchange_log=log)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, doc.path)
        form = await open_editor(pilot)
        error = form.query_one("#form-error", Static)
        expired = form.query_one("#field-dc-expired", Input)
        expired.value = "next tuesday"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Not saved" in plain(error))
        text = plain(error).strip()
        assert "Expires (dc:expired) must be an ISO 8601 date" in text and "next tuesday" in text
        assert text.count(".") <= 2 and "Traceback" not in text  # one sentence ("." of the example dates aside)

        expired.value = ""
        related = form.query_one("#field-relatedtext-relatedtextresources", TextArea)
        related.text = '[{"relatedtextid": "r1", "colour": "red"}]'
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "colour" in plain(error))
        assert "has no field “colour”" in plain(error) and "relatedtextid, relatedtext" in plain(error)

        related.text = '[{"relatedtextid": 7}]'
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "must be a text, not a number" in plain(error))
        related.text = '[{"relatedtextid": "r1",'
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "is not valid JSON" in plain(error))
        assert app.screen is form and related.text == '[{"relatedtextid": "r1",'  # what was typed stays
        assert puts(log, doc.uid) == []  # nothing was sent
    assert (await client.get(doc.uid)).change_token == doc.change_token


async def test_a_boolean_and_a_complex_value_round_trip(box, tmp_path, client, workspace):
    space = await client.create(workspace.uid, type="Workspace", name="web", properties={"dc:title": "Web"})
    note = await client.create(workspace.uid, type="Note", name="related", properties={"dc:title": "Related"})
    resources = [{"relatedtextid": "r1", "relatedtext": "Ünïcode text"}, {"relatedtextid": "r2", "relatedtext": None}]
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, space.path)
        form = await open_editor(pilot)
        switch = form.query_one("#field-webc-isWebContainer", Switch)
        assert switch.value is False
        switch.focus()
        await pilot.press("space")  # the switch turns on, as a person would do it
        await wait_for(pilot, lambda: switch.value is True)
        await save_and_close(pilot)
        assert (await client.get(space.uid)).properties["webc:isWebContainer"] is True
        form = await open_editor(pilot)
        assert form.query_one("#field-webc-isWebContainer", Switch).value is True
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, EditDocumentDialog))

        await reveal(pilot, pane, note.path)
        form = await open_editor(pilot)
        form.query_one("#field-relatedtext-relatedtextresources", TextArea).text = json.dumps(resources)
        await save_and_close(pilot)
        assert (await client.get(note.uid)).properties["relatedtext:relatedtextresources"] == resources
        form = await open_editor(pilot)
        shown = form.query_one("#field-relatedtext-relatedtextresources", TextArea).text
        assert json.loads(shown) == resources and "Ünïcode" in shown


async def test_server_maintained_and_blob_fields_are_not_in_the_form(box, tmp_path, client, workspace):
    doc = await client.create(workspace.uid, type="File", name="kept", properties={"dc:title": "Kept"})
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, doc.path)
        form = await open_editor(pilot)
        keys = form.keys
    assert keys[:2] == ["dc:title", "dc:description"]
    assert {"dc:contributors", "dc:subjects", "dc:expired", "dc:valid", "relatedtext:relatedtextresources"} <= set(keys)
    hidden = {"dc:created", "dc:modified", "dc:creator", "dc:lastContributor", "uid:major_version", "file:content"}
    assert not hidden & set(keys) and "files:files" not in keys


# -- the editors themselves -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [("long", " 42 ", 42), ("long", "-7", -7), ("integer", "0", 0), ("double", "2.5", 2.5), ("double", "1e3", 1000.0)],
)
def test_numbers_are_read(kind, text, value):
    assert PropertyEditor("x:n", FieldType(kind)).value_of(text) == value


@pytest.mark.parametrize(
    ("kind", "text"), [("long", "4.5"), ("long", "twelve"), ("long", str(2**63)), ("double", "nan"), ("double", "1,5")]
)
def test_a_number_that_is_not_one_is_named(kind, text):
    with pytest.raises(InvalidValue, match=r"x:n must be a (whole )?number, not “"):
        PropertyEditor("x:n", FieldType(kind)).value_of(text)


def test_without_a_type_description_the_editors_follow_the_values():
    raw = {
        "uid": "u",
        "path": "/p",
        "properties": {
            "dc:title": "T",
            "my:tags": ["a", "b"],
            "my:count": 3,
            "my:flag": True,
            "my:when": "2026-01-02T03:04:05.000Z",
            "my:info": {"width": 3, "label": "x"},
            "dc:created": "2026-01-02T03:04:05.000Z",
        },
    }
    from tui.services.nuxeo.client import document

    doc: Document = document(raw, "test")
    editors = {e.key: e for e in editors_for(doc, None)}
    assert "dc:created" not in editors
    assert editors["my:tags"].widget == "multiline" and editors["my:tags"].text_of(["a", "b"]) == "a\nb"
    assert editors["my:flag"].widget == "switch"
    assert editors["my:count"].value_of("5") == 5
    assert editors["my:when"].type.kind == "date"
    with pytest.raises(InvalidValue, match="width must be a whole number, not a text"):
        editors["my:info"].value_of('{"width": "wide"}')


async def test_a_save_can_make_a_minor_or_a_major_version(box, tmp_path, client, workspace):
    doc = await client.create(workspace.uid, type="Note", name="versioned", properties={"dc:title": "Draft"})
    folder = await client.create(workspace.uid, type="Folder", name="plain", properties={"dc:title": "Plain"})
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, doc.path)
        form = await open_editor(pilot)
        assert form.query_one("#field-versioning", Select).value == "none"  # no new version unless asked
        form.query_one("#field-dc-title", Input).value = "First"
        form.query_one("#field-versioning", Select).value = "minor"
        await save_and_close(pilot)
        await wait_for(pilot, lambda: any("as version 0.1" in str(n.message) for n in app._notifications))
        form = await open_editor(pilot)
        form.query_one("#field-versioning", Select).value = "major"  # a version of what is there, nothing changed
        await save_and_close(pilot)
        await wait_for(pilot, lambda: any("as version 1.0" in str(n.message) for n in app._notifications))
        form = await open_editor(pilot)
        form.query_one("#field-dc-title", Input).value = "Second"
        await save_and_close(pilot)  # "none": saved, no version
        await reveal(pilot, pane, folder.path)
        form = await open_editor(pilot)
        assert not form.query("#field-versioning")  # a folder is not versionable: no choice offered
    assert [v.version_label for v in await client.versions(doc.uid)] == ["0.1", "1.0"]
    live = await client.get(doc.uid)
    assert live.title == "Second" and live.version_label == "1.0+"


def test_a_type_description_that_makes_no_sense_is_one_readable_error():
    from tui.http import ProtocolError
    from tui.services.nuxeo.schemas import DocType

    described = DocType.from_reply(
        {"name": "T", "schemas": [{"name": "s", "fields": {"a": "decimal[]", "b": {"type": "complex", "fields": {}}}}]},
        "GET t",
    )
    assert described.fields == {"s:a": FieldType("string", True), "s:b": FieldType("complex")}  # unknown: text
    with pytest.raises(ProtocolError, match=r"described the field s:c in a way this client does not understand"):
        DocType.from_reply({"name": "T", "schemas": [{"name": "s", "fields": {"c": 42}}]}, "GET t")
    with pytest.raises(ProtocolError, match="GET t"):
        DocType.from_reply({"schemas": "none"}, "GET t")
