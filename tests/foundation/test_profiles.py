"""Profiles on disk: private, atomic, never silently overwritten, secrets from the right place."""

from __future__ import annotations

import os
import stat

import pytest

from tui.drafts import DraftStore
from tui.profiles import Connection, Profile, ProfileError, ProfileStore


@pytest.fixture
def store(tmp_path) -> ProfileStore:
    return ProfileStore(tmp_path / "config" / "profiles.toml")


def work_profile(secret: str = "pa55word") -> Profile:
    return Profile(
        name="work",
        connections={
            "nuxeo": Connection(kind="nuxeo", url="https://n.example/nuxeo", username="alice", secret=secret),
            "cerb": Connection(
                kind="cerb",
                url="https://c.example/rest/",
                username="key",
                secret_source="env",
                secret_env="CERB_SECRET",
            ),
        },
    )


def test_round_trip_and_file_is_private(store):
    store.save(work_profile())
    mode = stat.S_IMODE(os.stat(store.path).st_mode)
    assert mode == 0o600
    default, profiles = store.load()
    assert default == "work"
    loaded = profiles["work"]
    assert loaded.connection("nuxeo").url == "https://n.example/nuxeo"
    assert loaded.secret("nuxeo") == "pa55word"
    assert loaded.secrets_in_file


def test_secret_from_environment_is_not_written(store, monkeypatch):
    store.save(work_profile())
    assert "CERB_SECRET" in store.path.read_text()
    monkeypatch.setenv("CERB_SECRET", "from-env")
    assert store.get("work").secret("cerb") == "from-env"
    assert "from-env" not in store.path.read_text()


def test_write_is_atomic(store, monkeypatch):
    store.save(work_profile())
    before = store.path.read_text()

    def exploding_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", exploding_replace)
    other = work_profile("changed")
    other.name = "other"
    with pytest.raises(OSError):
        store.save(other)
    monkeypatch.undo()
    assert store.path.read_text() == before
    assert [p.name for p in store.path.parent.iterdir()] == ["profiles.toml"]  # no temp file left behind


def test_broken_file_names_file_and_line_and_is_never_overwritten(store):
    store.path.parent.mkdir(parents=True)
    store.path.write_text('default = "work"\n[profiles.work.nuxeo]\nurl = "https://x\n')
    broken = store.path.read_text()
    with pytest.raises(ProfileError) as err:
        store.load()
    assert str(store.path) in str(err.value) and "line 3" in str(err.value)
    with pytest.raises(ProfileError):
        store.save(work_profile())
    assert store.path.read_text() == broken


def test_unknown_profile_lists_the_known_ones(store):
    store.save(work_profile())
    with pytest.raises(ProfileError) as err:
        store.get("home")
    assert "'home'" in str(err.value) and "work" in str(err.value)


def test_remove_moves_the_default(store):
    store.save(work_profile())
    second = work_profile()
    second.name = "second"
    store.save(second)
    store.remove("work")
    assert store.default_name() == "second"


def test_secret_never_in_repr(store):
    profile = work_profile()
    assert "pa55word" not in repr(profile)


def test_drafts_survive_and_are_private(tmp_path):
    drafts = DraftStore(tmp_path / "drafts")
    drafts.save("nuxeo/work/abc", {"dc:title": "Half-typed"})
    again = DraftStore(tmp_path / "drafts")  # a new process sees it
    assert again.load("nuxeo/work/abc").data == {"dc:title": "Half-typed"}
    (path,) = list((tmp_path / "drafts").iterdir())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [d.key for d in again.all("nuxeo/")] == ["nuxeo/work/abc"]
    again.discard("nuxeo/work/abc")
    assert drafts.load("nuxeo/work/abc") is None


def test_an_unset_password_variable_is_named_not_taken_for_a_wrong_password(monkeypatch):
    from tui.profiles import Connection, SecretUnavailable

    monkeypatch.delenv("NUXEO_PASSWORD_FOR_TEST", raising=False)
    conn = Connection(
        kind="nuxeo", url="http://h/nuxeo", username="a", secret_source="env", secret_env="NUXEO_PASSWORD_FOR_TEST"
    )
    with pytest.raises(SecretUnavailable, match="NUXEO_PASSWORD_FOR_TEST is not set"):
        conn.resolve_secret("work")
    monkeypatch.setenv("NUXEO_PASSWORD_FOR_TEST", "")
    assert conn.resolve_secret("work") == ""  # set but empty is the user's choice
