"""The official `maxclient` (PyPI, 5.1), unchanged, against the sandbox: proof the sandbox speaks real MAX.

maxclient is Python 2 only, so it runs in a Python 2.7 interpreter of its own: the one named by MAXCLIENT_PYTHON, or
a `python2.7` / `python2` on PATH, or one under ~/.pyenv, provided `import maxclient` works there (install it with
`python2.7 -m pip install "requests==2.27.1" "maxclient==5.1"`). Without one the tests are skipped and say why.

The script below is Python 2: it signs in the way maxclient does (the OAuth server found through /info), then uses
the REST-ish client (`client.people[...].timeline.get()`) and the RPC-like one for the calls the Activity pane makes,
and prints one JSON line of what it found for the test to check.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = r"""
import json, sys
from maxclient.rest import MaxClient
from maxclient.client import MaxClient as RpcClient

url = sys.argv[1]
out = {}
client = MaxClient(url)
client.login(username="admin", password="admin")
out["token"] = bool(client.token)
out["me"] = client.people["admin"].get()["username"]

timeline = client.people["admin"].timeline.get(qs={"limit": 5})
out["timeline"] = [a["id"] for a in timeline]
out["count"] = client.people["admin"].timeline.head()
out["search"] = [a["object"]["content"] for a in client.people["admin"].timeline.get(qs={"keyword": "zeppelin"})]

posted = client.people["admin"].activities.post(object_content="Hello from maxclient #official")
out["posted"] = [posted["verb"], posted["object"]["objectType"], posted["actor"]["username"]]
activity = posted["id"]
comment = client.activities[activity].comments.post(object_content="First!")
out["comment"] = [comment["verb"], comment["object"]["inReplyTo"][0]["id"] == activity]
out["liked"] = client.activities[activity].likes.post()["liked"]
favorite = client.activities[activity].favorites.post()
out["favorite"] = [favorite["verb"], favorite["object"]["favorited"], client.last_response_code]
favorites = client.people["admin"].timeline.get(qs={"favorites": "true", "limit": 100})
out["in_favorites"] = activity in [a["id"] for a in favorites]
unfavorite = client.activities[activity].favorites["admin"].delete()
out["unfavorite"] = [unfavorite["verb"], unfavorite["object"]["favorited"]]

contexts = client.people["admin"].subscriptions.get()
out["subscriptions"] = len(contexts)
url0 = contexts[0]["url"]
client.contexts[url0].subscriptions["admin"].delete()  # {hash} made from the url by maxclient
out["after_unsubscribe"] = len(client.people["admin"].subscriptions.get())
client.people["admin"].subscriptions.post(object_url=url0)
out["after_subscribe"] = len(client.people["admin"].subscriptions.get())

message = client.conversations.post(
    contexts=[{"objectType": "conversation", "participants": ["admin", "bob"], "displayName": "From maxclient"}],
    object_content="Hi Bob",
)
conversation = message["contexts"][0]["id"]
client.conversations[conversation].messages.post(object_content="Still there?")
out["messages"] = [m["object"]["content"] for m in client.conversations[conversation].messages.get()]
listed = [c for c in client.conversations.get() if c["id"] == conversation]
out["conversation"] = [listed[0]["displayName"], listed[0]["messages"]]

rpc = RpcClient(url)
rpc.login(username="bob", password="bob")
out["rpc_user"] = rpc.getUser("bob")["username"]
out["missing"] = client.activities["0" * 24].get()  # maxclient answers None for MAX's 404
print(json.dumps(out))
"""


def python2_with_maxclient() -> str | None:
    candidates = [os.environ.get("MAXCLIENT_PYTHON", "")]
    candidates += [shutil.which(name) or "" for name in ("python2.7", "python2")]
    candidates += [str(p) for p in sorted(Path.home().glob(".pyenv/versions/2.7*/bin/python"))]
    for candidate in filter(None, candidates):
        try:
            probe = subprocess.run([candidate, "-c", "import maxclient.rest"], capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return candidate
    return None


@pytest.fixture(scope="module")
def python2() -> str:
    found = python2_with_maxclient()
    if found is None:
        pytest.skip("maxclient is Python 2 only: no python2.7 with maxclient installed (see this module's docstring)")
    return found


def test_maxclient_works_unchanged_against_the_sandbox(python2, max_url, max_server, tmp_path):
    max_server.post_as("admin", "A zeppelin for the official client")
    script = tmp_path / "official_max.py"
    script.write_text(SCRIPT, encoding="utf-8")
    run = subprocess.run([python2, str(script), max_url], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert found["token"] and found["me"] == "admin"
    assert len(found["timeline"]) == 5 and found["timeline"] == sorted(found["timeline"], reverse=True)
    assert found["count"] > 5
    assert found["search"] and all("zeppelin" in text for text in found["search"])
    assert found["posted"] == ["post", "note", "admin"]
    assert found["comment"] == ["comment", True]
    assert found["liked"] is True
    assert found["favorite"] == ["favorite", True, 201] and found["in_favorites"]
    assert found["unfavorite"] == ["unfavorite", False]
    assert found["after_unsubscribe"] == found["subscriptions"] - 1
    assert found["after_subscribe"] == found["subscriptions"]
    assert found["messages"] == ["Still there?", "Hi Bob"]
    assert found["conversation"] == ["From maxclient", 2]
    assert found["rpc_user"] == "bob"
    assert found["missing"] is None
