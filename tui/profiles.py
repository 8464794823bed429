"""Connection profiles: a TOML file in the platformdirs config dir, one connection per service kind per profile.

Secrets come from the OS keyring (optional extra), an environment variable, or the file itself (then 0600, and the
app says so). The file is written atomically and never overwritten when it cannot be read.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs
import tomli_w

APP_NAME = "servicedeck"
SANDBOX_PROFILE = "sandbox"
KEYRING_SERVICE = "servicedeck"


class ProfileError(Exception):
    """A profile file that cannot be read or written, or a profile that does not exist; the message names the file."""


class SecretUnavailable(ProfileError):
    """The connection's secret is not where the profile says it is (an unset variable, an empty keyring entry)."""


URL_SCHEMES = ("http", "https", "ws", "wss")


def check_url(url: str) -> str:
    """The URL as given, or a `ProfileError` saying what a service URL needs (a scheme and a host)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in URL_SCHEMES or not parts.hostname:
        raise ProfileError(
            f"{url!r} is not a service URL: it must start with http://, https://, ws:// or wss:// and name a host."
        )
    return url.strip()


def config_dir() -> Path:
    return platformdirs.user_config_path(APP_NAME)


def state_dir() -> Path:
    return platformdirs.user_state_path(APP_NAME)


def data_dir() -> Path:
    return platformdirs.user_data_path(APP_NAME)


@dataclass
class Connection:
    """How to reach one service: its base URL, who signs in, and where the secret is kept.

    `secret_source` is "file" (stored in the profile file), "env" (`secret_env` names the variable), "keyring",
    or "memory" (the built-in sandbox profile, never written).
    """

    kind: str
    url: str
    username: str = ""
    secret: str = field(default="", repr=False)
    secret_source: str = "file"
    secret_env: str = ""
    options: dict[str, Any] = field(default_factory=dict)

    def resolve_secret(self, profile_name: str = "") -> str:
        """The secret, from where the profile keeps it; `SecretUnavailable` says which place is empty, so an unset
        variable is never mistaken for a wrong password."""
        if self.secret_source == "env":
            if self.secret_env not in os.environ:
                raise SecretUnavailable(
                    f"{self.secret_env} is not set: export it where servicedeck starts, or keep the {self.kind} "
                    "secret elsewhere (ctrl+e)."
                )
            return os.environ[self.secret_env]
        if self.secret_source == "keyring":
            secret = _keyring_get(profile_name, self.kind, self.username)
            if not secret:
                raise SecretUnavailable(
                    f"The OS keyring holds no {self.kind} secret for {self.username or 'this user'} of profile "
                    f"{profile_name!r}: store it again with ctrl+e."
                )
            return secret
        return self.secret

    def to_toml(self) -> dict[str, Any]:
        out: dict[str, Any] = {"url": self.url}
        if self.username:
            out["username"] = self.username
        if self.secret_source == "env":
            out["password_env"] = self.secret_env
        elif self.secret_source == "keyring":
            out["password_keyring"] = True
        elif self.secret:
            out["password"] = self.secret
        if self.options:
            out["options"] = dict(self.options)
        return out

    @classmethod
    def from_toml(cls, kind: str, table: dict[str, Any]) -> Connection:
        if "url" not in table:
            raise ValueError(f"connection [{kind}] has no url")
        conn = cls(kind=kind, url=str(table["url"]), username=str(table.get("username", "")))
        if "password_env" in table:
            conn.secret_source, conn.secret_env = "env", str(table["password_env"])
        elif table.get("password_keyring"):
            conn.secret_source = "keyring"
        else:
            conn.secret = str(table.get("password", ""))
        conn.options = dict(table.get("options", {}))
        return conn


@dataclass
class Profile:
    name: str
    connections: dict[str, Connection] = field(default_factory=dict)
    builtin: bool = False
    read_only: bool = False  # `read_only = true` in the profile's table: look, never change (production servers)

    def connection(self, kind: str) -> Connection | None:
        return self.connections.get(kind)

    @property
    def secrets_in_file(self) -> bool:
        return any(c.secret_source == "file" and c.secret for c in self.connections.values())

    def secret(self, kind: str) -> str:
        conn = self.connections.get(kind)
        return conn.resolve_secret(self.name) if conn else ""


SANDBOX_DEFAULT_URL = "http://127.0.0.1:8470"  # where `servicedeck sandbox` listens unless told otherwise


def sandbox_connections(base_url: str) -> dict[str, Connection]:
    """The connections of the built-in `sandbox` profile to a sandbox at `base_url` (`http://127.0.0.1:8470`): each
    service's path and its seeded credentials, secrets in memory only. The one place that knows them on the client
    side, so a headless command can reach a running `servicedeck sandbox` without importing the sandbox."""
    base = base_url.rstrip("/")
    ws_base = "ws" + base.removeprefix("http")  # http -> ws, https -> wss

    def memory(kind: str, url: str, username: str, secret: str) -> Connection:
        return Connection(kind=kind, url=url, username=username, secret=secret, secret_source="memory")

    return {
        "nuxeo": memory("nuxeo", base + "/nuxeo", "Administrator", "Administrator"),
        "cerb": memory("cerb", base + "/cerb/rest/", "sandbox", "sandbox-secret"),
        "max": memory("max", base + "/max", "admin", "admin"),
        "openiap": memory("openiap", ws_base + "/ws/v2", "admin", "admin"),
    }


def sandbox_profile(base_url: str, kinds: list[str] | None = None) -> Profile:
    """The built-in `sandbox` profile for a sandbox at `base_url`, with the connections of `kinds` (default: all)."""
    connections = sandbox_connections(base_url)
    if kinds is not None:
        connections = {kind: connections[kind] for kind in kinds if kind in connections}
    return Profile(name=SANDBOX_PROFILE, connections=connections, builtin=True)


class ProfileStore:
    """Reads and writes `profiles.toml`. Holds the built-in sandbox profile in memory when one is registered."""

    def __init__(self, path: Path | None = None):
        self.path = path or config_dir() / "profiles.toml"
        self.builtin: dict[str, Profile] = {}

    # -- reading ----------------------------------------------------------------------------------------------------

    def _read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {}
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ProfileError(f"Cannot read {self.path}: {exc.strerror}.") from None
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ProfileError(
                f"{self.path} is not valid TOML ({exc}); fix or move it, it was left untouched."
            ) from None

    def load(self) -> tuple[str | None, dict[str, Profile]]:
        data = self._read()
        profiles: dict[str, Profile] = {}
        for name, table in (data.get("profiles") or {}).items():
            if not isinstance(table, dict):
                raise ProfileError(f"{self.path}: [profiles.{name}] must be a table.")
            profile = Profile(name=name, read_only=table.get("read_only") is True)
            for kind, conn_table in table.items():
                if kind == "read_only":
                    continue
                if not isinstance(conn_table, dict):
                    raise ProfileError(f"{self.path}: [profiles.{name}.{kind}] must be a table.")
                try:
                    profile.connections[kind] = Connection.from_toml(kind, conn_table)
                except ValueError as exc:
                    raise ProfileError(f"{self.path}: profile {name!r}: {exc}.") from None
            profiles[name] = profile
        default = data.get("default")
        return (str(default) if default else None), profiles

    def keymap(self) -> dict[str, str]:
        """Remapped keys from the `[keymap]` table: binding id -> keys, e.g. "nuxeo.edit" = "f2"."""
        table = self._read().get("keymap") or {}
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise ProfileError(f'{self.path}: [keymap] maps binding ids to keys, e.g. "nuxeo.edit" = "f2".')
        return dict(table)

    def names(self) -> list[str]:
        return list(self.builtin) + list(self.load()[1])

    def get(self, name: str) -> Profile:
        if name in self.builtin:
            return self.builtin[name]
        profiles = self.load()[1]
        if name not in profiles:
            known = ", ".join(self.names()) or "none yet"
            raise ProfileError(f"There is no profile named {name!r} in {self.path} (known: {known}).")
        return profiles[name]

    def default_name(self) -> str | None:
        default, profiles = self.load()
        if default and default in profiles:
            return default
        return next(iter(profiles), None)

    # -- writing ----------------------------------------------------------------------------------------------------

    def save(self, profile: Profile, *, make_default: bool = False) -> None:
        if profile.builtin:
            raise ProfileError(f"The built-in {profile.name!r} profile is not saved to disk.")
        data = self._read()  # raises on a broken file: never overwrite what we could not read
        for conn in profile.connections.values():
            if conn.secret_source == "keyring" and conn.secret:
                _keyring_set(profile.name, conn.kind, conn.username, conn.secret)
        table: dict[str, Any] = {k: c.to_toml() for k, c in profile.connections.items()}
        if profile.read_only:
            table["read_only"] = True
        data.setdefault("profiles", {})[profile.name] = table
        if make_default or not data.get("default"):
            data["default"] = profile.name
        self._write(data)

    def remove(self, name: str) -> None:
        data = self._read()
        if name not in (data.get("profiles") or {}):
            raise ProfileError(f"There is no profile named {name!r} in {self.path}.")
        del data["profiles"][name]
        if data.get("default") == name:
            data["default"] = next(iter(data["profiles"]), "")
            if not data["default"]:
                del data["default"]
        self._write(data)

    def set_default(self, name: str) -> None:
        data = self._read()
        if name not in (data.get("profiles") or {}):
            raise ProfileError(f"There is no profile named {name!r} in {self.path}.")
        data["default"] = name
        self._write(data)

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_private(self.path, tomli_w.dumps(data))


def write_private(path: Path, text: str, *, durable: bool = True) -> None:
    """Write a file atomically (temp file in the same folder, then rename) readable by its owner only.

    `durable=False` skips the fsync: the file still survives the process being killed (the OS has it), only not a
    power cut, and the write costs a fraction of a millisecond instead of a disk flush."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _keyring_name(profile: str, kind: str, username: str) -> str:
    return f"{profile}/{kind}/{username}"


def _keyring_get(profile: str, kind: str, username: str) -> str:
    try:
        import keyring
    except ImportError:
        return ""
    try:
        return keyring.get_password(KEYRING_SERVICE, _keyring_name(profile, kind, username)) or ""
    except Exception:  # any keyring backend failure means "no secret there"
        return ""


def _keyring_set(profile: str, kind: str, username: str, secret: str) -> None:
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, _keyring_name(profile, kind, username), secret)
    except ImportError:
        raise ProfileError(
            "Cannot store the secret in the OS keyring: the keyring support is not installed "
            "(pip install 'servicedeck[keyring]'); choose another place."
        ) from None
    except Exception as exc:  # any backend failure (no D-Bus, a locked keyring) ends in the same advice
        raise ProfileError(f"Cannot store the secret in the OS keyring ({exc}); choose another place.") from None


def keyring_available() -> bool:
    try:
        import keyring
        from keyring.backends import fail

        return not isinstance(keyring.get_keyring(), fail.Keyring)
    except Exception:
        return False
