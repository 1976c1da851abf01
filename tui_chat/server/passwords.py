"""Password hashes for accounts: ``hashlib.scrypt`` with a random salt, parameters kept with it.

A stored hash reads ``scrypt$<n>$<r>$<p>$<salt, base64>$<key, base64>``, so a server started
with other parameters still checks the passwords hashed under the old ones. Hashing is slow on
purpose (about 80 ms at the default cost): the server never calls these on its loop thread
but through :class:`~.kdf.KdfWorker`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

SALT_BYTES = 16
KEY_BYTES = 32
# scrypt needs 128 * n * r bytes; OpenSSL refuses past its 32 MiB default without this.
_MAXMEM = 64 * 1024 * 1024
# Parameters a stored hash may name: a damaged or hostile row must not make one check cost
# seconds or gigabytes.
MAX_N = 1 << 16
MAX_R = 16
MAX_P = 4


@dataclass(frozen=True, slots=True)
class ScryptParams:
    n: int = 1 << 14  # about 80 ms and 16 MiB per hash on an ordinary core
    r: int = 8
    p: int = 1


def hash_password(password: str, params: ScryptParams) -> str:
    salt = os.urandom(SALT_BYTES)
    key = _scrypt(password.encode(), salt, params.n, params.r, params.p)
    encoded = [base64.b64encode(part).decode("ascii") for part in (salt, key)]
    return "$".join(["scrypt", str(params.n), str(params.r), str(params.p), *encoded])


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from; False for a malformed hash."""
    try:
        scheme, n_text, r_text, p_text, salt_text, key_text = stored.split("$")
        n, r, p = int(n_text), int(r_text), int(p_text)
        salt = base64.b64decode(salt_text, validate=True)
        key = base64.b64decode(key_text, validate=True)
    except ValueError:
        return False
    if scheme != "scrypt" or not (1 < n <= MAX_N and n & (n - 1) == 0):
        return False
    if not (0 < r <= MAX_R and 0 < p <= MAX_P and key):
        return False
    candidate = _scrypt(password.encode(), salt, n, r, p, len(key))
    return hmac.compare_digest(candidate, key)


def _scrypt(secret: bytes, salt: bytes, n: int, r: int, p: int, length: int = KEY_BYTES) -> bytes:
    return hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=length)
