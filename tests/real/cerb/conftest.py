"""A real Cerb for the tests in this folder: one already running, or one started here from Cerb's release tree.

- REAL_CERB_URL, REAL_CERB_KEY, REAL_CERB_SECRET: use that server (its REST base URL and an API key allowed every path,
  with the "demo" package installed).
- CERB_SOURCE: start one from Cerb's release tree (a checkout, a .tar.gz or a bare git directory of
  github.com/cerb/cerb-release at branch v10.4); it takes about a minute and stops after the session.
Without either, every test here is skipped with the reason, so the default test command stays self-contained.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.real.cerb.harness import CannotStart, RealCerb, start

pytestmark = pytest.mark.real_cerb


@pytest.fixture(scope="session")
def real_cerb():
    url, key, secret = (os.environ.get(f"REAL_CERB_{n}", "") for n in ("URL", "KEY", "SECRET"))
    if url and key and secret:
        yield RealCerb(url=url, access_key=key, secret=secret)
        return
    source = os.environ.get("CERB_SOURCE", "")
    if not source:
        pytest.skip(
            "no real Cerb: set REAL_CERB_URL/REAL_CERB_KEY/REAL_CERB_SECRET, or CERB_SOURCE to a Cerb 10.4 release tree"
        )
    # not under pytest's own temp folder: MariaDB runs as the mysql user, who must be able to reach its data folder
    state = Path(tempfile.mkdtemp(prefix="servicedeck-real-cerb-"))
    state.chmod(0o755)
    try:
        cerb = start(Path(source), state)
    except CannotStart as exc:
        pytest.skip(f"cannot start a real Cerb here: {exc}")
    yield cerb
    cerb.stop()
