"""The app shell against the sandbox: tabs, placeholders, first run, profile editor, exchanges, secrets off screen."""

from __future__ import annotations

import base64

import pytest
from textual.widgets import Input

from tests.conftest import make_app, start_sandbox, wait_for
from tui.app import Placeholder, ServiceDeckApp
from tui.drafts import DraftStore
from tui.http import ExchangeLog
from tui.profile_editor import ProfileEditor, ServiceSection
from tui.profiles import Profile, ProfileStore
from tui.widgets.connection_bar import ConnectionBar
from tui.widgets.exchange_log import ExchangeLogView

SIZE = (140, 45)


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    sandbox = start_sandbox(tmp_path_factory, "nuxeo")
    yield sandbox
    sandbox.stop()


async def test_profile_without_connections_says_so_per_pane(tmp_path):
    app = make_app(Profile("bare"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        placeholder = app.query_one("#tab-nuxeo").query_one(Placeholder)
        assert "Profile 'bare' has no Nuxeo connection." in placeholder.message
        assert placeholder.offer_add
        await pilot.press("2")
        assert app.active_tab == "tab-cerb"
        await pilot.press("5")
        assert app.active_tab == "tab-exchanges"


async def test_a_click_on_a_tab_shows_it_and_builds_its_pane(tmp_path):
    from tui.widgets.tab_row import TabRow

    app = make_app(Profile("bare"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        row = app.query_one(TabRow)
        spans = {tab: (start, end) for tab, start, end in row.spans()}
        assert not app.query_one("#tab-max").query(Placeholder)  # waits in its tab until shown
        await pilot.hover(TabRow, offset=(spans["tab-max"][0] + 1, 0))
        assert row.hovered == "tab-max" and row.active == "tab-nuxeo"
        await pilot.click(TabRow, offset=(spans["tab-max"][1] - 2, 0))
        await wait_for(pilot, lambda: bool(app.query_one("#tab-max").query(Placeholder)))
        assert app.active_tab == "tab-max" and row.active == "tab-max"
        assert "Activity" in row.render().plain.splitlines()[0]
        await pilot.click(TabRow, offset=(spans["tab-exchanges"][1] + 3, 0))  # beyond the last tab: nothing
        await pilot.pause()
        assert app.active_tab == "tab-max"
        await pilot.press("1")
        assert app.active_tab == "tab-nuxeo" and row.active == "tab-nuxeo"


async def test_first_run_opens_the_editor_and_saving_connects(tmp_path, box):
    store = ProfileStore(tmp_path / "profiles.toml")
    app = ServiceDeckApp(None, store=store, drafts=DraftStore(tmp_path / "drafts"), exchange_log=ExchangeLog())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileEditor))
        editor = app.screen
        assert "servicedeck demo" in editor.intro
        section = editor.query_one("#section-nuxeo", ServiceSection)
        section.query_one("#url", Input).value = box.base_url + "/nuxeo"
        section.query_one("#username", Input).value = "Administrator"
        section.query_one("#secret", Input).value = "Administrator"
        editor.query_one("#profile-name", Input).value = "mine"
        section.query_one("#test").press()
        await wait_for(
            pilot, lambda: "Signed in as Administrator" in str(section.query_one(".test-result").render()), timeout=15
        )
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.profile.name == "mine" and not isinstance(app.screen, ProfileEditor))
        await wait_for(pilot, lambda: app.query_one(ConnectionBar).state_of("nuxeo") == "ok", timeout=15)
    assert store.get("mine").connection("nuxeo").url == box.base_url + "/nuxeo"
    assert store.default_name() == "mine"


async def test_test_connection_reports_a_wrong_password_readably(tmp_path, box):
    store = ProfileStore(tmp_path / "profiles.toml")
    app = ServiceDeckApp(None, store=store, drafts=DraftStore(tmp_path / "drafts"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileEditor))
        section = app.screen.query_one("#section-nuxeo", ServiceSection)
        section.query_one("#url", Input).value = box.base_url + "/nuxeo"
        section.query_one("#username", Input).value = "Administrator"
        section.query_one("#secret", Input).value = "wrong-one"
        section.query_one("#test").press()
        await wait_for(pilot, lambda: "✖" in str(section.query_one(".test-result").render()), timeout=15)
        shown = str(section.query_one(".test-result").render())
        assert "password" in shown.lower() and "wrong-one" not in shown


async def test_exchanges_show_requests_with_secrets_redacted(tmp_path, box):
    log = ExchangeLog()
    app = make_app(box.profile(), tmp_path, pane="nuxeo", exchange_log=log)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.query_one(ConnectionBar).state_of("nuxeo") == "ok", timeout=15)
        await pilot.press("5")
        view = app.query_one(ExchangeLogView)
        await wait_for(pilot, lambda: view.selected() is not None)
        screen_text = app.export_screenshot()
    basic = base64.b64encode(b"Administrator:Administrator").decode()
    dumped = screen_text + "".join(repr(e.__dict__) + e.as_curl() for e in log)
    assert len(log) >= 1 and "/nuxeo/api/v1" in dumped
    assert basic not in dumped
    assert "authorization', '•••'" in dumped


async def test_palette_lists_panes_and_profile_commands(tmp_path, box):
    from tui.palette import ServiceDeckCommands

    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        provider = ServiceDeckCommands(app.screen)
        commands = {title: help_text for title, _, help_text in provider._commands()}
        assert "Show Tickets (Cerb)" in commands and "Show exchanges" in commands and "Reload pane" in commands
        assert commands["Show Tickets (Cerb)"].endswith("key 2") and commands["Reload pane"].endswith("key ^r")


async def test_keys_can_be_remapped_by_binding_id(tmp_path):
    store = ProfileStore(tmp_path / "profiles.toml")
    store.path.write_text('[keymap]\n"app.show-exchanges" = "x"\n')
    app = ServiceDeckApp(Profile("bare"), store=store, drafts=DraftStore(tmp_path / "drafts"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("x")
        assert app.active_tab == "tab-exchanges"


async def test_an_unexpected_failure_in_a_background_task_is_one_notification(tmp_path):
    from textual import work

    app = ServiceDeckApp(Profile("bare"), drafts=DraftStore(tmp_path / "drafts"))

    @work
    async def broken(self) -> None:
        raise KeyError("surprise")

    async with app.run_test(size=SIZE) as pilot:
        broken(app)
        await wait_for(pilot, lambda: any("unexpected" in n.message for n in app._notifications))
        assert app.is_running
        assert not any("KeyError" in n.message for n in app._notifications)  # a sentence, not an exception name


async def test_an_unset_password_variable_is_named_in_the_pane(tmp_path, monkeypatch):
    from tui.profiles import Connection

    monkeypatch.delenv("SD_TEST_NUXEO_PW", raising=False)
    conn = Connection(
        kind="nuxeo", url="http://127.0.0.1:9/nuxeo", username="a", secret_source="env", secret_env="SD_TEST_NUXEO_PW"
    )
    app = make_app(Profile("work", connections={"nuxeo": conn}), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        placeholder = app.query_one("#tab-nuxeo").query_one(Placeholder)
        assert "SD_TEST_NUXEO_PW is not set" in placeholder.message
        assert placeholder.offer_add


async def test_dialogs_show_brackets_in_titles_notes_and_errors_as_text(tmp_path):
    from textual.widgets import Static

    from tui.widgets.dialogs import ConfirmDialog, Field, FormDialog

    app = make_app(Profile("bare"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        form = FormDialog("Move [/docs]", [Field("path", "Path")], note="From /a [b] /[/c]")
        app.push_screen(form)
        await pilot.pause()
        form.show_error("No folder at /no/such [/] folder.")
        await pilot.pause()
        shown = " ".join(str(w.render()) for w in form.query(Static))
        assert "Move [/docs]" in shown and "From /a [b] /[/c]" in shown and "/no/such [/] folder" in shown
        form.dismiss(None)
        app.push_screen(ConfirmDialog("Delete “[/x]”?"))
        await pilot.pause()
        assert "Delete “[/x]”?" in " ".join(str(w.render()) for w in app.screen.query(Static))


async def test_the_top_bar_shows_every_service_at_80_columns(tmp_path):
    app = make_app(Profile("a-longer-profile-name"), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bar = app.query_one(ConnectionBar)
        bar.set_state("cerb", "error", "Cannot connect to Cerb at http://help.example.com/rest/")
        await pilot.pause()
        shown = str(bar.render())
        assert len(shown) <= 78 and "a-longer-profile-name" in shown
        assert all(title[:4] in shown for title in ("Documents", "Tickets", "Activity", "Queues"))
        assert shown.count("○") + shown.count("✖") == 4  # each state shows, the failed one too


async def test_the_profile_editor_opens_with_its_first_field_focused_and_typing_adds(tmp_path):
    store = ProfileStore(tmp_path / "profiles.toml")
    app = ServiceDeckApp(None, store=store, drafts=DraftStore(tmp_path / "drafts"), exchange_log=ExchangeLog())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileEditor))
        await pilot.pause()
        name = app.screen.query_one("#profile-name", Input)
        assert app.focused is name
        await pilot.press("end", *"-2")
        assert name.value == "default-2"  # typed text adds to what is there; focus selected nothing
        saved_line = " ".join(str(w.render()) for w in app.screen.query(".field-label"))
        assert "Saved to" not in saved_line and "Saving writes" in saved_line


async def test_a_dialog_shows_its_own_keys_not_the_panes(tmp_path):
    from textual.widgets._footer import FooterKey

    from tui.widgets.dialogs import Field, FormDialog
    from tui.widgets.key_footer import KeyFooter

    app = make_app(Profile("bare"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        base_footer = app.screen.query_one(KeyFooter)
        app.push_screen(FormDialog("Rename", [Field("name", "Name")]))
        await pilot.pause(0.2)
        assert not base_footer.display
        dialog_keys = [str(k.description) for k in app.screen.query(FooterKey)]
        assert "Submit" in dialog_keys and "Reload" not in dialog_keys
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert base_footer.display and base_footer.query(FooterKey)


async def test_the_footer_shows_keys_right_after_a_profile_switch(tmp_path, box):
    from textual.widgets._footer import FooterKey

    from tui.widgets.key_footer import KeyFooter

    store = ProfileStore(tmp_path / "profiles.toml")
    store.save(box.profile().__class__("other", connections=dict(box.profile().connections)))
    app = ServiceDeckApp(box.profile(), store=store, drafts=DraftStore(tmp_path / "drafts"), exchange_log=ExchangeLog())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"Switch profile: other")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.profile.name == "other")
        await wait_for(pilot, lambda: bool(app.screen.query_one(KeyFooter).query(FooterKey)), timeout=5)


async def test_a_form_with_an_empty_choice_gives_none_and_can_open_again(tmp_path):
    from tui.widgets.dialogs import Field, FormDialog

    app = make_app(Profile("bare"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(2):
            form = FormDialog("Move", [Field("bucket", "Bucket", kind="select", choices=[("Inbox", 1), ("Later", 2)])])
            app.push_screen(form)
            await pilot.pause()
            assert form.values() == {"bucket": None}
            form.dismiss(None)
            await pilot.pause()
