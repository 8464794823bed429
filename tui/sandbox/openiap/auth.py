"""Password hashes and sign-in tokens: HS256 JWTs signed with a key kept in the database, so a token outlives a
sandbox restart."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

TOKEN_LIFETIME = 8 * 3600


def hash_password(password: str, salt: bytes) -> str:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 20_000).hex()


def password_matches(password: str, salt_hex: str, expected_hash: str) -> bool:
    return hmac.compare_digest(expected_hash, hash_password(password, bytes.fromhex(salt_hex)))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: bytes, header: str, payload: str) -> str:
    return _b64(hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest())


def make_token(key: bytes, user: dict[str, Any]) -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    issued = int(time.time())
    claims = {
        "user": {"_id": user["_id"], "name": user["name"], "username": user["username"]},
        "iat": issued,
        "exp": issued + TOKEN_LIFETIME,
    }
    payload = _b64(json.dumps(claims).encode())
    return f"{header}.{payload}.{_signature(key, header, payload)}"


def read_token(key: bytes, token: str) -> dict[str, Any] | None:
    """The claims of a token this sandbox signed and that has not expired; None for anything else."""
    try:
        header, payload, signature = token.split(".")
        if not hmac.compare_digest(_signature(key, header, payload), signature):
            return None
        claims = json.loads(_unb64(payload))
    except (ValueError, TypeError):
        return None
    if not isinstance(claims, dict) or claims.get("exp", 0) < time.time():
        return None
    return claims
