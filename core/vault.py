"""Secrets kept for a short while at rest (an import's initial passwords until they are handed out).

Fernet (AES-128-CBC + HMAC-SHA256) keyed from SECRET_KEY through HKDF with a purpose label, so a
database dump alone reveals nothing. Keys in SECRET_KEY_FALLBACKS still decrypt, so a rotated key
does not lose what waits to be handed out; a token no key opens reads as missing (the admin resets
that password instead).
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PURPOSE = b"jixiao.vault.v1"


def _fernet_for(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _vault() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet_for(k) for k in keys])


def seal(text: str) -> str:
    return _vault().encrypt(text.encode()).decode("ascii")


def unseal(token: str) -> str | None:
    """The text, or None when no current key opens the token (tampered, or the key is gone)."""
    try:
        return _vault().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        return None
