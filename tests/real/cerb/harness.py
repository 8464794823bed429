"""Start a real Cerb 10.4 helpdesk on loopback, from scratch, for the tests that compare us with it.

What it takes: Cerb's release tree (github.com/cerb/cerb-release, branch v10.4; it ships its vendor/ folder) as a
checkout, a .tar.gz of one, or a bare git directory, named by CERB_SOURCE; PHP 8.2 (cli, mysql, gd, zip, mbstring,
xml, curl, bcmath, gmp, tidy, mailparse, yaml) and MariaDB, from Debian (`PACKAGES` below). Nothing of Cerb is kept
in this repository: the tree is copied into a temporary folder for the run.

How: MariaDB runs from its own data folder on a loopback port; PHP's built-in server serves the tree through a small
router that does what Cerb's .htaccess rewrite does under Apache (REST at /cerb/rest/); Cerb's own web installer is
driven with form posts (database, null mail transport, an admin worker, the "demo" package); finally one REST API
key, allowed every path, is inserted the way Setup > API Keys stores it (table webapi_credentials).
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import tarfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

PACKAGES = (
    "php8.2-cli php8.2-mysql php8.2-gd php8.2-zip php8.2-mbstring php8.2-xml php8.2-curl php8.2-bcmath php8.2-gmp "
    "php8.2-tidy php8.2-opcache php-mailparse php-yaml mariadb-server mariadb-client"
)
ACCESS_KEY = "servicedeck-tests"
SECRET = "servicedeck-tests-secret-0123456789"
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@cerb.example", "admin-pass-123"
DB_NAME, DB_USER, DB_PASSWORD = "cerb", "cerb", "cerb-pass"

# Under Apache, Cerb's .htaccess sends every request for a page through index.php (ajax.php and the installer keep
# their own scripts) and forbids its code folders. PHP's built-in server has no rewrite rules: this router does it.
ROUTER = r"""<?php
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
$docroot = $_SERVER['DOCUMENT_ROOT'];
if (preg_match('#^/cerb/(api|features|libs|storage|tests|vendor)(/|$)#', $path)) {
    http_response_code(403);
    return true;
}
if ($path !== '/' && is_file($docroot . $path) && substr($path, -4) !== '.php') {
    return false;
}
if (strpos($path, '/cerb/install') === 0) {
    $entry = substr($path, -4) === '.php' ? $path : rtrim($path, '/') . '/index.php';
} elseif (strpos($path, '/cerb/ajax.php') === 0) {
    $entry = '/cerb/ajax.php';
} else {
    $entry = '/cerb/index.php';
}
$_SERVER['SCRIPT_NAME'] = $entry;
$_SERVER['PHP_SELF'] = $entry;
$_SERVER['SCRIPT_FILENAME'] = $docroot . $entry;
chdir(dirname($docroot . $entry));
require $docroot . $entry;
return true;
"""


class CannotStart(Exception):
    """What is missing to start a real Cerb here, in one sentence (the tests are then skipped with it)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def missing_programs() -> list[str]:
    needed = ("php", "mariadbd", "mariadb", "mariadb-install-db", "mariadb-admin")
    missing = [name for name in needed if shutil.which(name) is None]
    if not missing:
        modules = subprocess.run(["php", "-m"], capture_output=True, text=True, check=False).stdout.lower().split()
        missing += [f"php module {m}" for m in ("mailparse", "yaml", "mysqli", "gd", "mbstring") if m not in modules]
    return missing


@dataclass
class RealCerb:
    """One running Cerb: its REST base URL and API key, and the processes to stop."""

    url: str
    access_key: str
    secret: str
    state: Path | None = None
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        self.processes.clear()
        if self.state is not None:
            shutil.rmtree(self.state, ignore_errors=True)


def _unpack(source: Path, target: Path) -> None:
    if (source / "index.php").is_file():
        shutil.copytree(source, target, symlinks=True)
    elif source.is_file():
        target.mkdir(parents=True)
        with tarfile.open(source) as archive:
            archive.extractall(target, filter="tar")
    else:  # a bare git directory of the release repository
        target.mkdir(parents=True)
        archive = subprocess.run(["git", f"--git-dir={source}", "archive", "HEAD"], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    if not (target / "index.php").is_file():
        raise CannotStart(f"{source} holds no Cerb release tree (no index.php).")
    shutil.copy(target / ".htaccess-dist", target / ".htaccess")  # rewrite on: REST at /cerb/rest/


def _wait_until(check, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.25)
    raise CannotStart(f"{what} did not come up within {timeout:.0f} s.")


def _start_database(state: Path, port: int) -> tuple[subprocess.Popen[bytes], Path]:
    data, sock = state / "mysql", state / "mysqld.sock"
    owner = ["--user=mysql"] if os.geteuid() == 0 else []
    subprocess.run(
        ["mariadb-install-db", *owner, f"--datadir={data}", "--auth-root-authentication-method=normal",
         "--skip-test-db"],
        capture_output=True, check=True,
    )  # fmt: skip
    if os.geteuid() == 0:
        shutil.chown(state, "mysql", "mysql")
    server = subprocess.Popen(
        ["mariadbd", "--no-defaults", *owner, f"--datadir={data}", f"--socket={sock}", "--bind-address=127.0.0.1",
         f"--port={port}", "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
         f"--log-error={state / 'mysqld.err'}"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip

    def answers() -> bool:
        ping = ["mariadb-admin", f"--socket={sock}", "-uroot", "ping"]
        return subprocess.run(ping, capture_output=True, check=False).returncode == 0

    _wait_until(answers, 60, "MariaDB")
    sql(sock, f"CREATE DATABASE {DB_NAME} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; "
              f"CREATE USER '{DB_USER}'@'127.0.0.1' IDENTIFIED BY '{DB_PASSWORD}'; "
              f"GRANT ALL ON {DB_NAME}.* TO '{DB_USER}'@'127.0.0.1'; FLUSH PRIVILEGES;")  # fmt: skip
    return server, sock


def sql(sock: Path, statements: str, database: str = "") -> str:
    command = ["mariadb", f"--socket={sock}", "-uroot", "--batch", "-e", statements]
    return subprocess.run(
        [*command, database] if database else command, capture_output=True, text=True, check=True
    ).stdout


def _start_php(state: Path, port: int) -> subprocess.Popen[bytes]:
    (state / "router.php").write_text(ROUTER)
    log = (state / "php-server.log").open("wb")
    return subprocess.Popen(
        ["php", "-d", "memory_limit=512M", "-d", "upload_max_filesize=32M", "-d", "post_max_size=32M",
         "-d", "display_errors=0", "-S", f"127.0.0.1:{port}", "-t", str(state / "www"), str(state / "router.php")],
        env={**os.environ, "PHP_CLI_SERVER_WORKERS": "4"}, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
        start_new_session=True,
    )  # fmt: skip


def _run_installer(base: str, db_port: int, package: str) -> None:
    """Cerb's installer is a wizard of form posts (install/index.php, field `step`); walk it like a browser would."""
    address = base + "/install/index.php"
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def step(number: int, **fields: object) -> str:
        body = urllib.parse.urlencode({"step": number, **fields}).encode()
        with opener.open(urllib.request.Request(address, data=body), timeout=600) as reply:
            page: str = reply.read().decode("utf-8", "replace")
        # the last page's "error" box only says to delete the install folder, which a test run need not do
        problems = [p for p in re.findall(r'class="error"[^>]*>(.*?)<', page, re.S) if "install' directory" not in p]
        if problems:
            raise CannotStart(f"Cerb's installer refused step {number}: {problems[0].strip()}")
        return page

    with opener.open(address, timeout=60) as first:
        checks = first.read().decode("utf-8", "replace")
    if "Failed" in checks:
        raise CannotStart("Cerb's installer reports failed environment checks (a PHP module is missing).")
    step(2, form_submit=1, accept=1)
    step(3, db_engine="innodb", db_server="127.0.0.1", db_port=db_port, db_name=DB_NAME, db_user=DB_USER,
         db_pass=DB_PASSWORD)  # fmt: skip
    time.sleep(1)
    step(5)
    step(6, form_submit=1, default_reply_from="support@cerb.example", default_reply_personal="Cerb Support",
         extension_id="core.mail.transport.null")  # fmt: skip
    step(7, form_submit=1, org_name="Example Inc.", worker_email=ADMIN_EMAIL, worker_firstname="Ada",
         worker_lastname="Admin", worker_pass=ADMIN_PASSWORD, worker_pass2=ADMIN_PASSWORD, timezone="UTC")  # fmt: skip
    step(8, form_submit=1, package=package)
    step(9, form_submit=1, skip=1)
    step(11)


def start(source: Path, state: Path, *, package: str = "demo") -> RealCerb:
    """A fresh Cerb with the demo data (7 workers, 4 groups, 59 tickets) and one REST key for worker 1."""
    missing = missing_programs()
    if missing:
        raise CannotStart(f"missing {', '.join(missing)}: apt-get install {PACKAGES}")
    _unpack(source, state / "www" / "cerb")
    cerb = RealCerb(url="", access_key=ACCESS_KEY, secret=SECRET, state=state)
    try:
        db_port, web_port = free_port(), free_port()
        database, sock = _start_database(state, db_port)
        cerb.processes.append(database)
        cerb.processes.append(_start_php(state, web_port))
        base = f"http://127.0.0.1:{web_port}/cerb"

        def serves() -> bool:
            try:
                with urllib.request.urlopen(base + "/install/", timeout=5):
                    return True
            except OSError:
                return False

        _wait_until(serves, 30, "PHP's server")
        _run_installer(base, db_port, package)
        sql(sock, "INSERT INTO webapi_credentials (name, worker_id, access_key, secret_key, params_json, updated_at) "
                  f"VALUES ('servicedeck tests', 1, '{ACCESS_KEY}', '{SECRET}', '{{\"allowed_paths\":[\"*\"]}}', "
                  "UNIX_TIMESTAMP());", DB_NAME)  # fmt: skip
    except BaseException:
        cerb.stop()
        raise
    cerb.url = base + "/rest/"
    return cerb
