"""The server's TLS: its context, a self-signed certificate made on first run, fingerprints.

The certificate is made by the ``openssl`` command (``openssl req -x509``), not by a Python
library: the standard library's ``ssl`` can load a certificate but not make one, and the
``openssl`` tool is on every system whose Python has ``ssl`` at all (Linux distributions and
macOS ship it), while a library such as ``cryptography`` would be a compiled runtime
dependency for one call made once per data directory. Without ``openssl`` the server says so in
one line; ``--tls-cert``/``--tls-key`` then work with a certificate made anywhere else.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import ssl
import subprocess
from pathlib import Path

CERT_NAME = "tls-cert.pem"
KEY_NAME = "tls-key.pem"
CERT_DAYS = 3650  # pinned by fingerprint, not trusted through a CA: expiry only forces a re-pin
OPENSSL_TIMEOUT = 30.0


class TLSSetupError(Exception):
    """A certificate or key that cannot be made or loaded; the message is one line for users."""


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    """A server context for ``cert``/``key``: TLS 1.2 or later, Python's default ciphers."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    for path in dict.fromkeys((cert, key)):
        try:
            with path.open("rb"):
                pass
        except OSError as exc:  # OpenSSL's own errors would not name the file
            raise TLSSetupError(
                f"cannot read {path}: {(exc.strerror or str(exc)).lower()}"
            ) from None
    try:
        context.load_cert_chain(cert, key)
    except (ssl.SSLError, OSError) as exc:
        raise TLSSetupError(
            f"cannot use certificate {cert} with key {key}: {_ssl_reason(exc)}"
        ) from None
    return context


def self_signed(directory: Path, common_name: str = "tui-chat") -> tuple[Path, Path]:
    """The certificate and key kept in ``directory``, made there first if they are missing.

    The key is written with mode 0600 before any key material goes into it.
    """
    cert, key = directory / CERT_NAME, directory / KEY_NAME
    if cert.exists() and key.exists():
        return cert, key
    openssl = shutil.which("openssl")
    if openssl is None:
        raise TLSSetupError(
            "cannot make a TLS certificate: the openssl command is not installed "
            "(install it, or pass --tls-cert and --tls-key, or --no-tls)"
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
        os.close(os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    except OSError as exc:
        raise TLSSetupError(f"cannot write {key}: {exc.strerror or exc}") from None
    name = "".join(ch for ch in common_name if ch.isalnum() or ch in ".-") or "tui-chat"
    command = [
        openssl,
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        str(key),
        "-out",
        str(cert),
        "-days",
        str(CERT_DAYS),
        "-subj",
        f"/CN={name}",
        "-addext",
        f"subjectAltName=DNS:{name}",
    ]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=OPENSSL_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        _remove(cert, key)
        raise TLSSetupError(f"cannot make a TLS certificate: {exc}") from None
    if done.returncode != 0 or not cert.exists():
        _remove(cert, key)
        reason = (done.stderr.strip().splitlines() or ["unknown error"])[-1]
        raise TLSSetupError(f"cannot make a TLS certificate: openssl: {reason}")
    return cert, key


def fingerprint(cert: Path) -> str:
    """The SHA-256 of the certificate (DER; the first of a chain), lowercase hex: what invites
    pin. Text around the PEM block (``openssl ca`` writes a dump before it) is skipped, as
    OpenSSL itself does when it loads the file."""
    begin, end = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
    try:
        text = cert.read_text(encoding="ascii", errors="replace")
        start = text.index(begin)
        stop = text.index(end, start) + len(end)
        der = ssl.PEM_cert_to_DER_cert(text[start:stop])
    except (OSError, ValueError) as exc:
        raise TLSSetupError(f"cannot read certificate {cert}: {exc}") from None
    return hashlib.sha256(der).hexdigest()


def colon_fingerprint(hex_digest: str) -> str:
    """``AB:CD:…``, the form irssi's ``-tls_pinned_cert`` and most tools print."""
    upper = hex_digest.upper()
    return ":".join(upper[i : i + 2] for i in range(0, len(upper), 2))


def _ssl_reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    if isinstance(reason, str) and reason:
        return reason.replace("_", " ").lower()
    return str(exc) or type(exc).__name__


def _remove(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
