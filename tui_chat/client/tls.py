"""The client's TLS: which certificates it trusts, and the pins it remembers.

A server is trusted in one of three ways, strongest first:

- **pinned**: its certificate's SHA-256 is the one an invite carried (``ircs://…#sha256=…``) or
  the one remembered from an earlier pinned connection to the same address (trust on first use,
  as SSH does). A different certificate is refused, however it is signed.
- **verified**: the system's trust store vouches for it and it names the host (Libera, OFTC).
- **insecure**: ``--insecure`` accepts anything, and the header says so.

Pins live in ``known_servers`` in the data directory, one ``host:port sha256`` per line.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .address import normalize_fingerprint

if TYPE_CHECKING:
    import ssl

PINS_FILE = "known_servers"
MAX_PINS = 1000  # addresses remembered; the oldest go first


class CertificateRefused(Exception):
    """The server's certificate is not the one we trust: connecting again will not help."""


@dataclass(frozen=True, slots=True)
class TLSPolicy:
    verify: bool = True  # False: --insecure
    pin: str | None = None  # SHA-256 (lowercase hex) an invite carried
    pins_path: Path | None = None  # where remembered pins live (None: remember nothing)
    # A client certificate (PEM; the key in it unless client_key says otherwise): CertFP, and
    # what SASL EXTERNAL logs in with.
    client_cert: Path | None = None
    client_key: Path | None = None


def context_for(policy: TLSPolicy, remembered: str | None) -> ssl.SSLContext:
    """The context for a handshake: a pinned or insecure one checks nothing itself (the pin is
    checked after the handshake, against the exact certificate); otherwise the system's CAs."""
    import ssl  # here, not at the top: `tui-chat join` parses its options before the first frame

    if policy.pin is not None or remembered is not None or not policy.verify:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if policy.client_cert is not None:
        try:
            context.load_cert_chain(policy.client_cert, policy.client_key)
        except (OSError, ssl.SSLError) as exc:
            raise CertificateRefused(
                f"cannot use the client certificate {policy.client_cert}: {exc}"
            ) from None
    return context


def check_certificate(
    policy: TLSPolicy, remembered: str | None, der: bytes | None, address: str
) -> str:
    """How the certificate ``der`` is trusted ("pinned", "verified", "insecure"), or
    :class:`CertificateRefused` with what to do about it."""
    import hashlib

    if der is None:
        raise CertificateRefused(f"{address} sent no certificate")
    presented = hashlib.sha256(der).hexdigest()
    if remembered is not None and presented != remembered:
        raise CertificateRefused(
            f"the certificate of {address} CHANGED since you last connected (it is "
            f"{presented[:16]}…, you pinned {remembered[:16]}…). Someone may be intercepting "
            f"the connection. If the host made a new certificate, remove the line for "
            f"{address} from {policy.pins_path} and join with its new invite."
        )
    if policy.pin is not None and presented != policy.pin:
        raise CertificateRefused(
            f"the certificate of {address} is not the one in the invite (it is "
            f"{presented[:16]}…, the invite says {policy.pin[:16]}…). Not connecting."
        )
    if policy.pin is not None or remembered is not None:
        return "pinned"
    return "verified" if policy.verify else "insecure"


def describe_verify_error(exc: ssl.SSLCertVerificationError, address: str) -> str:
    reason = exc.verify_message or exc.reason or str(exc)
    return (
        f"the certificate of {address} is not trusted ({reason}). A tui-chat room's invite "
        f"carries its fingerprint (ircs://…#sha256=…); to connect anyway, use --insecure."
    )


class PinStore:
    """``host:port sha256`` lines; read and written whole (it is small and bounded)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, str]:
        pins: dict[str, str] = {}
        try:
            with self.path.open(encoding="utf-8", errors="replace") as f:
                for line in f:
                    address, _, digest = line.strip().rpartition(" ")
                    fingerprint = normalize_fingerprint(digest)
                    if address and fingerprint is not None:
                        pins.pop(address, None)
                        pins[address] = fingerprint
                        if len(pins) > MAX_PINS:
                            del pins[next(iter(pins))]
        except OSError:
            pass
        return pins

    def get(self, address: str) -> str | None:
        return self.load().get(address)

    def remember(self, address: str, fingerprint: str) -> None:
        pins = self.load()
        if pins.get(address) == fingerprint:
            return
        pins.pop(address, None)
        pins[address] = fingerprint
        while len(pins) > MAX_PINS:
            del pins[next(iter(pins))]
        text = "".join(f"{a} {d}\n" for a, d in pins.items())
        tmp = self.path.with_name(self.path.name + ".tmp")
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, self.path)
