"""The first pane's first answers from a helper process (`tui.first_answers`): the same answers as asking from the app's
process, the exchanges handed over, failures told once as the client tells them (an unreachable server then probed by
the pane), and the app's own requests when the helper is lost. The sandbox runs in a process of its own where the helper
is forked from this one, which should then have no server threads of its own."""

from __future__ import annotations

import os
import pty
import signal
import socket
import subprocess
import sys
import time

import psutil
import pytest

from tests.conftest import make_app, sandbox_process, wait_for
from tests.perf.terminal import ESCAPES
from tui.first_answers import FirstAnswers
from tui.http import REDACTED, AuthError, Exchange, ExchangeLog, UnavailableError
from tui.profiles import sandbox_profile
from tui.services import SERVICES
from tui.services.nuxeo.client import NuxeoClient
from tui.services.nuxeo.first_screen import root_and_first_page

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the helper is forked")
FETCH = root_and_first_page


@pytest.fixture(scope="module")
def sandbox_url(tmp_path_factory):
    with sandbox_process(tmp_path_factory.mktemp("first-answers")) as base_url:
        yield base_url


def nuxeo_profile(base_url: str, password: str = ""):
    profile = sandbox_profile(base_url, ["nuxeo"])
    if password:
        profile.connections["nuxeo"].secret = password
    return profile


def client_for(profile, log: ExchangeLog) -> NuxeoClient:
    connection = profile.connections["nuxeo"]
    return NuxeoClient.from_connection(connection, connection.resolve_secret(), exchange_log=log)


def assert_ended(pid: int) -> None:
    assert not psutil.pid_exists(pid)  # ended, and waited for (no zombie left)


async def test_the_helper_answers_as_the_app_would_and_hands_over_its_exchanges(sandbox_url):
    profile = nuxeo_profile(sandbox_url)
    log = ExchangeLog()
    earlier = log.add(Exchange(service="Nuxeo", method="GET", url="recorded before"))
    with FirstAnswers.start(profile, "nuxeo") as helper:
        pid = helper.pid
        assert helper.started and pid != os.getpid()
        client = client_for(profile, log)
        root, first = await helper.answers(client, log, FETCH)
        assert helper.pid == 0  # it ended, and was waited for
        assert "client" not in client.http.__dict__  # nothing was asked from here
        own_log = ExchangeLog()
        async with client_for(profile, own_log) as own:
            own_root, own_first = await FETCH(own)
    assert_ended(pid)
    assert root.uid == own_root.uid and root.path == "/"
    assert [d.uid for d in first.entries] == [d.uid for d in own_first.entries] and first.entries
    handed = [e for e in log.entries if e is not earlier]
    assert len(handed) == 2 and all(e.status == 200 for e in handed)
    assert {e.url.split("?")[0].rsplit("/", 1)[-1] for e in handed} == {"", "@children"}
    ids = [e.id for e in log.entries]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) and ids[0] == earlier.id  # numbered after what was there
    assert all(dict(e.request_headers).get("authorization") == REDACTED for e in handed)


async def test_a_refused_password_is_the_clients_error_and_stays_secret(sandbox_url):
    profile = nuxeo_profile(sandbox_url, password="not-the-Administrator-password")
    log = ExchangeLog()
    with FirstAnswers.start(profile, "nuxeo") as helper:
        client = client_for(profile, log)
        with pytest.raises(AuthError) as raised:
            await helper.answers(client, log, FETCH)
        assert "client" not in client.http.__dict__  # told, not asked again: a second refused sign-in helps no one
    assert raised.value.readable and "not-the-Administrator-password" not in raised.value.readable
    assert log.entries and all(e.status == 401 for e in log.entries)
    everything = repr([vars(e) for e in log.entries])
    assert "not-the-Administrator-password" not in everything


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_server_that_cannot_be_reached_is_told_once_and_the_pane_probes_until_it_is_back(tmp_path):
    from tui.sandbox import Sandbox
    from tui.services.nuxeo.pane import DocumentsPane
    from tui.widgets.connection_bar import ConnectionBar

    port = unused_port()
    profile = nuxeo_profile(f"http://127.0.0.1:{port}")
    log = ExchangeLog()
    with FirstAnswers.start(profile, "nuxeo") as helper:
        client = client_for(profile, log)
        with pytest.raises(UnavailableError) as raised:
            await helper.answers(client, log, FETCH)
        assert "client" not in client.http.__dict__  # not asked a second time: a slow server would be waited for twice
    assert "Cannot connect to Nuxeo" in raised.value.message
    assert log.entries and not any(e.sent for e in log.entries)  # the helper's attempts, handed over

    app = make_app(profile, tmp_path, pane="nuxeo", first_answers=FirstAnswers.start(profile, "nuxeo"))
    box: Sandbox | None = None
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            pane = app.query_one(DocumentsPane)
            pane.RECOVERY_DELAYS = (0.3, 0.6)
            bar = app.query_one(ConnectionBar)
            await wait_for(pilot, lambda: bar.state_of("nuxeo") == "error", timeout=15)
            assert not pane.root_loaded
            box = Sandbox(port=port, data_dir=tmp_path / "sandbox", kinds=["nuxeo"]).start()
            # no key pressed: the pane's probe finds the server back and loads the tree
            await wait_for(pilot, lambda: pane.root_loaded, timeout=20)
            assert bar.state_of("nuxeo") == "ok"
            assert "Domain (3)" in str(pane.document_tree.root.children[0].label)
    finally:
        if box is not None:
            box.stop()


async def test_a_helper_lost_on_the_way_means_the_app_asks_itself(sandbox_url):
    profile = nuxeo_profile(sandbox_url)
    log = ExchangeLog()
    with FirstAnswers.start(profile, "nuxeo") as helper:
        pid = helper.pid
        os.kill(pid, signal.SIGKILL)  # before it could answer: it has not even sent its requests yet
        client = client_for(profile, log)
        root, first = await helper.answers(client, log, FETCH)
        await client.aclose()
    assert_ended(pid)
    assert root.path == "/" and first.entries
    assert "client" in client.http.__dict__ and len(log.entries) == 2  # asked from here


async def test_a_helper_stuck_for_good_is_given_up_on_and_the_app_asks_itself():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # accepts connections and never answers
    try:
        profile = nuxeo_profile(f"http://127.0.0.1:{listener.getsockname()[1]}")
        with FirstAnswers.start(profile, "nuxeo") as helper:
            pid = helper.pid
            helper.patience = 0.5
            asked: list[object] = []

            async def fetch_here(client: object) -> str:
                asked.append(client)
                return "asked from here"

            client = client_for(profile, ExchangeLog())
            assert await helper.answers(client, None, fetch_here) == "asked from here"
            assert asked == [client]
            assert_ended(pid)  # stopped, not left behind
    finally:
        listener.close()


def test_no_helper_without_first_requests_or_with_a_keyring_secret(sandbox_url):
    profile = sandbox_profile(sandbox_url)
    assert SERVICES["max"].first_screen() is None
    with FirstAnswers.start(profile, "max") as helper:
        assert not helper.started
    profile.connections["nuxeo"].secret_source = "keyring"  # asking the keyring may prompt: once, in the app
    with FirstAnswers.start(profile, "nuxeo") as helper:
        assert not helper.started
    with FirstAnswers.start(None, "nuxeo") as helper:
        assert not helper.started


def test_a_helper_still_running_when_the_app_ends_is_stopped():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # accepts connections and never answers: the helper waits
    try:
        profile = nuxeo_profile(f"http://127.0.0.1:{listener.getsockname()[1]}")
        with FirstAnswers.start(profile, "nuxeo") as helper:
            pid = helper.pid
            time.sleep(0.2)
            assert psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        assert not psutil.pid_exists(pid)
    finally:
        listener.close()


@pytest.mark.parametrize("kind", ["nuxeo", "cerb"])
def test_the_apps_process_imports_no_http_stack_before_its_first_answers(sandbox_url, kind):
    """The command line forks the helper, then imports Textual and builds the app, the pane and its client: none of
    that needs httpx (a sixth of start-up), which comes with the pane's next request."""
    code = (
        "import sys\n"
        "from tui.profiles import sandbox_profile\n"
        "import tui.cli\n"
        "from tui.app import ServiceDeckApp\n"
        "from tui.services import SERVICES\n"
        f"SERVICES[{kind!r}].pane_class()\n"
        f"app = ServiceDeckApp(sandbox_profile({sandbox_url!r}, [{kind!r}]), initial_pane={kind!r})\n"
        f"app._client_for(SERVICES[{kind!r}])\n"
        "print([m for m in ('httpx', 'httpcore', 'anyio', 'h11') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def read_until(fd: int, marker: bytes, timeout: float) -> bytes:
    """What the terminal shows (escape sequences removed) once `marker` is in it, or at the timeout."""
    seen = b""
    end = time.monotonic() + timeout
    while marker not in ESCAPES.sub(b"", seen) and time.monotonic() < end:
        try:
            seen += os.read(fd, 1 << 16)
        except OSError:
            break
    return ESCAPES.sub(b"", seen)


def test_from_the_command_line_the_tree_and_the_exchange_log_show_the_helpers_answers(sandbox_url, tmp_path):
    env = {
        **os.environ,
        "SERVICEDECK_SANDBOX_URL": sandbox_url,
        "TERM": "xterm-256color",
        "COLUMNS": "120",
        "LINES": "40",
    }
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(sys.executable, [sys.executable, "-m", "tui", "--profile", "sandbox", "--pane", "nuxeo"], env)
    try:
        assert b"Domain (3)" in read_until(fd, b"Domain (3)", 30)
        app = psutil.Process(pid)
        end = time.monotonic() + 10
        while app.children() and time.monotonic() < end:  # the helper, once it has answered
            time.sleep(0.05)
        assert app.children() == []
        os.write(fd, b"5")  # the Exchanges tab
        assert b"@children" in read_until(fd, b"@children", 15)
    finally:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
        os.close(fd)


async def test_the_helpers_answers_reach_the_pane_in_the_app(sandbox_url, tmp_path):
    from tui.services.nuxeo.pane import DocumentsPane

    profile = nuxeo_profile(sandbox_url)
    helper = FirstAnswers.start(profile, "nuxeo")
    app = make_app(profile, tmp_path, pane="nuxeo", first_answers=helper)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(DocumentsPane)
        await wait_for(pilot, lambda: pane.root_loaded, timeout=15)
        assert "Domain (3)" in str(pane.document_tree.root.children[0].label)
        assert helper.pid == 0  # answered, ended
        first_two = [e.url for e in app.exchange_log.entries[:2]]
        assert any(url.endswith("/path/") for url in first_two), first_two


async def test_the_tickets_pane_shows_the_helpers_first_page_without_asking_for_it_again(sandbox_url, tmp_path):
    from tui.services.cerb.pane import TicketsPane
    from tui.widgets.paged_table import PagedTable

    profile = sandbox_profile(sandbox_url, ["cerb"])
    helper = FirstAnswers.start(profile, "cerb")
    assert helper.started
    app = make_app(profile, tmp_path, pane="cerb", first_answers=helper)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(TicketsPane)
        table = pane.query_one(PagedTable)
        await wait_for(pilot, lambda: table.total is not None and table.total > 0, timeout=15)
        assert helper.pid == 0  # answered, ended

        def first_pages() -> list[str]:
            return [e.url for e in app.exchange_log.entries if "ticket/search" in e.url and "&page=1&" in e.url]

        assert len(first_pages()) == 1, first_pages()  # the helper's, handed over: not asked again
        assert "q=status%3Ao+sort%3A-updated" in first_pages()[0]
        await pilot.press("right_square_bracket")  # another filter: the pane asks itself
        await wait_for(pilot, lambda: len(first_pages()) == 2)
        assert "q=status%3Aw" in first_pages()[1]
