"""The command line as a person uses it: real subprocesses, real exit codes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest


def run(*args: str, env: dict | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], capture_output=True, text=True, env=env, input=input, timeout=60
    )


@pytest.fixture
def home(tmp_path) -> dict:
    env = dict(os.environ)
    for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
        env[var] = str(tmp_path / var.lower())
    return env


def test_version_and_help():
    from tui import __version__

    assert run("--version").stdout.strip() == f"servicedeck {__version__}"
    help_text = run("--help")
    assert help_text.returncode == 0 and "demo" in help_text.stdout and "sandbox" in help_text.stdout


def test_usage_error_exits_2():
    result = run("profiles", "frobnicate")
    assert result.returncode == 2 and "usage:" in result.stderr


def test_profiles_add_list_remove(home):
    add = run(
        "profiles",
        "add",
        "work",
        "--kind",
        "nuxeo",
        "--url",
        "https://n.example/nuxeo",
        "--username",
        "alice",
        "--password-env",
        "NX_PW",
        "--default",
        env=home,
    )
    assert add.returncode == 0, add.stderr
    listing = run("profiles", "list", env=home)
    assert "work  (default)" in listing.stdout and "secret from $NX_PW (NOT SET)" in listing.stdout
    add_secret = run(
        "profiles",
        "add",
        "work",
        "--kind",
        "cerb",
        "--url",
        "https://c.example/rest/",
        "--username",
        "key",
        env=home,
        input="top-secret\n",
    )
    assert add_secret.returncode == 0
    assert "stored in that file" in add_secret.stderr
    assert "top-secret" not in run("profiles", "list", env=home).stdout
    path = Path(run("profiles", "path", env=home).stdout.strip())
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert run("profiles", "remove", "work", env=home).returncode == 0
    assert "No profiles yet" in run("profiles", "list", env=home).stdout


def test_broken_profile_file_is_one_line_error(home):
    path = Path(run("profiles", "path", env=home).stdout.strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[profiles.work\n")
    result = run("profiles", "list", env=home)
    assert result.returncode == 1
    assert str(path) in result.stderr and "line 1" in result.stderr and "Traceback" not in result.stderr
    assert path.read_text() == "[profiles.work\n"


def test_unknown_profile_is_exit_1(home):
    result = run("--profile", "nope", env=home)
    assert result.returncode == 1 and "no profile named 'nope'" in result.stderr


def test_sandbox_command_prints_urls_and_stops_cleanly_on_ctrl_c(home, tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "sandbox", "--port", "0", "--data", str(tmp_path / "data")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=home,
    )
    try:
        first = proc.stdout.readline()
        assert "http://127.0.0.1:" in first, first + proc.stderr.read()
        base = first.split("http://", 1)[1].split("/", 1)[0]
        with urllib.request.urlopen(f"http://{base}/", timeout=10) as response:
            assert "servicedeck-sandbox" in json.loads(response.read())
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_profiles_test_names_an_unset_variable_and_list_masks_a_password_in_the_url(home):
    env = {k: v for k, v in home.items() if k != "NX_UNSET_PW"}
    added = run(
        "profiles", "add", "work", "--kind", "nuxeo", "--url", "https://alice:hunter22@n.example/nuxeo",
        "--username", "alice", "--password-env", "NX_UNSET_PW", env=env,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    listing = run("profiles", "list", env=env)
    assert "hunter22" not in listing.stdout and "https://alice:•••@n.example/nuxeo" in listing.stdout
    tested = run("profiles", "test", "work", env=env)
    assert tested.returncode == 1
    assert "NX_UNSET_PW is not set" in tested.stdout and "refused" not in tested.stdout


# -- headless commands and serve: what every command shares ---------------------------------------------------------


def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens there once the socket is closed


def test_headless_usage_errors_exit_2(home):
    for args in (("docs",), ("tickets", "search", "--limit", "many"), ("queues", "workitems"), ("activity", "frob")):
        result = run(*args, env=home)
        assert result.returncode == 2 and "usage:" in result.stderr, args


def test_headless_commands_name_the_missing_profile_wherever_profile_is_given(home):
    before = run("--profile", "nope", "docs", "ls", "/", env=home)
    after = run("docs", "ls", "/", "--profile", "nope", env=home)
    for result in (before, after):
        assert result.returncode == 1 and "no profile named 'nope'" in result.stderr
        assert result.stderr.count("\n") == 1 and result.stdout == ""
    none_yet = run("tickets", "search", "", env=home)
    assert none_yet.returncode == 1 and "profiles add" in none_yet.stderr


def test_the_sandbox_profile_without_a_running_sandbox_is_one_line(home):
    env = {**home, "SERVICEDECK_SANDBOX_URL": f"http://127.0.0.1:{closed_port()}"}
    for args in (("docs", "ls", "/"), ("tickets", "show", "1"), ("activity", "timeline")):
        result = run(*args, "--profile", "sandbox", env=env)
        assert result.returncode == 1 and result.stdout == "", args
        assert result.stderr.startswith("servicedeck: ") and result.stderr.count("\n") == 1, result.stderr
        assert "Traceback" not in result.stderr


def test_serve_refuses_a_host_beyond_loopback_without_public(home):
    result = run("serve", "--host", "0.0.0.0", "--port", str(closed_port()), "--demo", env=home)
    assert result.returncode == 1 and "--public" in result.stderr and "credentials" in result.stderr
    assert result.stderr.count("\n") == 1


def test_serve_public_warns_that_anyone_reaching_the_port_uses_the_profile(monkeypatch, capsys):
    from textual_serve.server import Server

    from tui.cli import main

    served: list[Server] = []
    monkeypatch.setattr(Server, "serve", lambda self, debug=False: served.append(self))
    assert main(["serve", "--host", "0.0.0.0", "--port", "8123", "--public", "--profile", "sandbox"]) == 0
    err = capsys.readouterr().err
    assert "anyone who can reach that port" in err and "0.0.0.0:8123" in err
    (server,) = served
    assert (server.host, server.port) == ("0.0.0.0", 8123)
    assert server.command.endswith("-m tui --profile sandbox")
    assert main(["serve", "--host", "::1", "--port", "8124", "--profile", "sandbox"]) == 0  # loopback: no warning
    assert "WARNING" not in capsys.readouterr().err


def test_profiles_test_speaks_of_no_app_keys_when_a_server_is_down(home):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**home, "SD_DOWN_PW": "pw"}
    added = run(
        "profiles", "add", "down", "--kind", "nuxeo", "--url", f"http://127.0.0.1:{port}/nuxeo",
        "--username", "a", "--password-env", "SD_DOWN_PW", env=env,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    tested = run("profiles", "test", "down", env=env)
    assert tested.returncode == 1 and "Cannot connect to Nuxeo" in tested.stdout
    assert "ctrl+" not in tested.stdout


def test_profiles_add_refuses_before_asking_for_the_secret(home, tmp_path):
    refused = run("profiles", "add", "w", "--kind", "nuxeo", "--url", "notaurl", env=home, input="")
    assert refused.returncode == 1 and "is not a service URL" in refused.stderr
    assert "Password" not in refused.stdout + refused.stderr  # no prompt came first

    config = Path(home["XDG_CONFIG_HOME"]) / "servicedeck"
    config.mkdir(parents=True, exist_ok=True)
    (config / "profiles.toml").write_text("this is [not toml\n")
    broken = run("profiles", "add", "w", "--kind", "nuxeo", "--url", "https://n.example/nuxeo", env=home, input="")
    assert broken.returncode == 1 and "profiles.toml" in broken.stderr and "line 1" in broken.stderr
    assert "Password" not in broken.stdout + broken.stderr
    assert (config / "profiles.toml").read_text() == "this is [not toml\n"  # never overwritten


def test_profiles_add_with_keyring_says_how_to_get_one_before_asking(home):
    from tui.profiles import keyring_available

    if keyring_available():
        pytest.skip("this machine has a working OS keyring")
    refused = run(
        "profiles", "add", "w", "--kind", "nuxeo", "--url", "https://n.example/nuxeo", "--keyring", env=home, input=""
    )  # fmt: skip
    assert refused.returncode == 1 and "pip install 'servicedeck[keyring]'" in refused.stderr
    assert "Password" not in refused.stdout + refused.stderr
