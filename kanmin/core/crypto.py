"""Field-level encryption of personal data with keys from the environment (MultiFernet)."""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "fernet:"


@cache
def _keyring(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured(
            "KANMIN_ENCRYPTION_KEYS is empty: personal data cannot be encrypted. "
            "Generate a key with `kanmin generate-key`."
        )
    return MultiFernet([Fernet(key.encode()) for key in keys])


def keyring() -> MultiFernet:
    return _keyring(tuple(settings.ENCRYPTION_KEYS))


def is_token(value: str) -> bool:
    return value.startswith(PREFIX)


def encrypt(plaintext: str) -> str:
    return PREFIX + keyring().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return keyring().decrypt(token[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "An encrypted value cannot be decrypted with any key in KANMIN_ENCRYPTION_KEYS. "
            "Was a key removed before `kanmin rotate-keys` ran?"
        ) from None


def rotate(token: str) -> str:
    """Re-encrypt a token with the first (primary) key."""
    return PREFIX + keyring().rotate(token[len(PREFIX) :].encode()).decode()


def generate_key() -> str:
    return Fernet.generate_key().decode()
