"""Secret tokens (edge devices, API scripts) stored only as keyed hashes with a lookup prefix.

A token looks like ``rtd_3f9a1c2b_<43 url-safe chars>``: the kind, an 8-hex lookup prefix that is
stored in clear to find the row, and the secret. Only HMAC-SHA256(TOKEN_HASH_KEY, token) is stored;
comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings

DEVICE = "rtd"
API = "rta"
_KINDS = {DEVICE, API}


@dataclass(frozen=True)
class IssuedToken:
    plaintext: str
    prefix: str
    digest: str


def token_digest(token: str) -> str:
    key = settings.TOKEN_HASH_KEY.encode()
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


def token_issue(kind: str) -> IssuedToken:
    if kind not in _KINDS:
        raise ValueError(f"unknown token kind {kind!r}")
    prefix = secrets.token_hex(4)
    plaintext = f"{kind}_{prefix}_{secrets.token_urlsafe(32)}"
    return IssuedToken(plaintext=plaintext, prefix=prefix, digest=token_digest(plaintext))


def token_prefix(token: str, kind: str) -> str | None:
    """The lookup prefix of a well-formed token of ``kind``, or None."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != kind or len(parts[1]) != 8 or len(token) > 128:
        return None
    return parts[1]


def token_matches(token: str, digest: str) -> bool:
    return hmac.compare_digest(token_digest(token), digest)
