"""Redaction: secrets never reach the exchange log, a screenshot, an error message or a curl command."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit, urlunsplit

REDACTED = "•••"
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "cerb-auth",
        "cerb5-auth",
        "x-oauth-token",
        "x-authentication-token",
    }
)
SECRET_FIELDS = frozenset(
    {"password", "passwd", "secret", "jwt", "token", "access_token", "oauth_token", "refresh_token", "client_secret"}
)


def is_secret_field(name: str) -> bool:
    name = name.lower()
    return name in SECRET_FIELDS or name in SECRET_HEADERS


def redact_headers(headers: Iterable[tuple[str, str]], secrets: Iterable[str] = ()) -> list[tuple[str, str]]:
    """Secret headers masked whole; any known secret value masked wherever else it appears (a server's echo)."""
    secrets = tuple(secrets)
    return [(k, REDACTED if k.lower() in SECRET_HEADERS else _mask_literals(v, secrets)) for k, v in headers]


def _mask_literals(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, REDACTED)
    return text


def _form(pairs: list[tuple[str, str]]) -> str:
    """Pairs encoded as a form, the redaction mark kept readable (not `%E2%80%A2…`)."""
    return urlencode(pairs).replace(quote_plus(REDACTED), REDACTED)


def _redact_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (REDACTED if is_secret_field(str(k)) else _redact_json(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_json(v) for v in value]
    return value


_FIELD_NAMES = "|".join(re.escape(n) for n in sorted(SECRET_FIELDS | SECRET_HEADERS, key=len, reverse=True))
# A secret field inside text that is not parseable as a whole (JSON embedded in a JSON string, a log line).
_SECRET_FIELD_IN_TEXT = re.compile(
    r'((?:\\)?"(?:' + _FIELD_NAMES + r')(?:\\)?"\s*:\s*(?:\\)?")((?:[^"\\]|\\(?!"))*)', re.I
)
_JWT = re.compile(r"\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}")


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Redact secret fields of a JSON or form body, then secret fields and JWTs embedded in text, then any literal
    secret value that is still there."""
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            text = json.dumps(_redact_json(json.loads(stripped)), ensure_ascii=False)
        except (ValueError, RecursionError):  # not JSON, or nested too deep to walk: redacted as text below
            pass
    elif "=" in text and "\n" not in stripped and " " not in stripped:
        pairs = parse_qsl(stripped, keep_blank_values=True)
        if pairs:
            text = _form([(k, REDACTED if is_secret_field(k) else v) for k, v in pairs])
    text = _SECRET_FIELD_IN_TEXT.sub(lambda m: m.group(1) + REDACTED, text)
    text = _JWT.sub(REDACTED, text)
    return _mask_literals(text, secrets)


def literal_secrets(secrets: Iterable[str], public: Iterable[str] = ()) -> tuple[str, ...]:
    """The secret values worth masking wherever they appear. A secret equal to a public value (a password that is
    the same as the username, as on the sandbox) is shown with that value anyway; masking it would only garble
    every URL and message that names the user."""
    shown = {p for p in public if p}
    return tuple(s for s in secrets if s and s not in shown)


def redact_url(url: str, secrets: Iterable[str] = ()) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:  # user:password@host keeps the user; a lone userinfo may be a token, so it goes whole
        userinfo, host = netloc.rsplit("@", 1)
        user, colon, _ = userinfo.partition(":")
        netloc = f"{user}:{REDACTED}@{host}" if colon else f"{REDACTED}@{host}"
    query = parts.query
    if query:
        query = _form([(k, REDACTED if is_secret_field(k) else v) for k, v in parse_qsl(query, keep_blank_values=True)])
    return _mask_literals(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)), secrets)
