"""The server's side of accounts at run time: the store, the hashing worker, the per-address
budget of new accounts, and each connection's SASL exchange."""

from __future__ import annotations

import base64
import collections
from collections.abc import Callable

from .accounts import AccountStore
from .config import ServerConfig
from .kdf import Deliver, KdfWorker
from .passwords import KEY_BYTES, SALT_BYTES, ScryptParams
from .txids import source_of

# Source addresses whose registrations are remembered (least recently seen forgotten).
REGISTRATION_SOURCES = 4096
# Most base64 bytes of one SASL response: PLAIN's two names and a password fit many times over.
SASL_MAX_BYTES = 2400
SASL_CHUNK = 400  # bytes per AUTHENTICATE line, the specification's limit


class SaslExchange:
    """One connection's SASL state, made at its first AUTHENTICATE."""

    __slots__ = ("buffer", "failures", "mechanism")

    def __init__(self) -> None:
        self.mechanism: str | None = None  # the mechanism of the exchange under way
        self.buffer = bytearray()  # base64 received so far
        self.failures = 0

    def reset(self) -> None:
        self.mechanism = None
        self.buffer = bytearray()


class Logins:
    def __init__(self, config: ServerConfig, deliver: Deliver, clock: Callable[[], float]) -> None:
        self.config = config
        self.store = AccountStore(config.data_dir if config.history else None)
        self.kdf = KdfWorker(deliver, config.kdf_queue)
        self.params = ScryptParams(n=config.scrypt_n)
        self.dummy_hash = dummy_hash(self.params)
        self._clock = clock
        # Folded names being hashed for REGISTER: a second REGISTER of one meets ACCOUNT_EXISTS.
        self.pending: set[str] = set()
        # source address -> (registrations counted, when last counted); least recent first.
        self._made: collections.OrderedDict[str, tuple[float, float]] = collections.OrderedDict()

    def _score(self, ip: str) -> float:
        found = self._made.get(source_of(ip))
        if found is None:
            return 0.0
        score, at = found
        return max(0.0, score - (self._clock() - at) / self.config.registration_decay)

    def may_register(self, ip: str) -> bool:
        """Whether this address may create another account now (and the server may hold one)."""
        if len(self.store) + len(self.pending) >= self.config.max_accounts:
            return False
        return self._score(ip) + 1 <= self.config.registrations_per_ip

    def registered(self, ip: str) -> None:
        source = source_of(ip)
        self._made[source] = (self._score(ip) + 1, self._clock())
        self._made.move_to_end(source)
        if len(self._made) > REGISTRATION_SOURCES:
            self._made.popitem(last=False)

    def close(self) -> None:
        self.kdf.close()
        self.store.close()


def dummy_hash(params: ScryptParams) -> str:
    """A well-formed hash no password matches (in practice), at the server's cost."""
    salt, key = (base64.b64encode(bytes(size)).decode() for size in (SALT_BYTES, KEY_BYTES))
    return f"scrypt${params.n}${params.r}${params.p}${salt}${key}"
