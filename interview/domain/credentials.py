"""Secrets handed to people: join codes, participant tokens and panel invites."""

import hashlib
import secrets

# No look-alikes: no 0/O, 1/I/L. 31 symbols, 8 of them: about 40 bits, and joins are
# rate-limited per address, so guessing a live code takes longer than any interview lasts.
JOIN_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
JOIN_CODE_LENGTH = 8


def join_code_new() -> str:
    """A fresh random join code."""
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def join_code_normalise(code: str) -> str:
    """The canonical form of a typed code: upper case, no spaces or dashes."""
    return code.strip().upper().replace("-", "").replace(" ", "")


def secret_new() -> str:
    """A token of 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    """What the server stores instead of the secret.

    The secret has 256 random bits, so a fast hash is enough: there is nothing to brute force.
    """
    return hashlib.sha256(secret.encode()).hexdigest()
