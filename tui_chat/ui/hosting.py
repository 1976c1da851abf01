"""Hosting a room: starting the embedded server, why it could not listen, how others join."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def describe_listen_error(bind: str, port: int, exc: OSError) -> str:
    where = f"{bind or 'all interfaces'} port {port}"
    reason = exc.strerror or str(exc)
    if getattr(exc, "errno", None) in (98, 48, 10048):
        reason = "the port is already in use (another server running? try --port)"
    elif getattr(exc, "errno", None) in (13, 10013):
        reason = "permission denied (ports below 1024 need privileges; try --port)"
    return f"Cannot host on {where}: {reason}"


def start_server(
    bind: str,
    port: int,
    password: str | None,
    data_dir: Path | None = None,
    tls_port: int | None = None,
    tls_dir: Path | None = None,
    tls_files: tuple[Path, Path] | None = None,
) -> Any:
    """Start the embedded server; raises OSError when it cannot listen, and
    :class:`~tui_chat.server.tls.TLSSetupError` when it cannot set up TLS.

    ``data_dir``: where it keeps history (``history.sqlite3``), as ``tui-chat serve`` does;
    None keeps none (tests, ``--no-history``). ``tls_port``: listen with TLS there too, with
    the self-signed certificate kept in ``tls_dir``, or ``tls_files`` (certificate, key) when
    given (None: plaintext only).
    """
    from ..server import ServerConfig, ServerThread

    config = ServerConfig(
        bind=bind,
        port=port,
        password=password,
        data_dir=data_dir,
        tls_port=tls_port if tls_dir is not None or tls_files is not None else None,
        tls_dir=tls_dir,
        tls_cert=tls_files[0] if tls_files else None,
        tls_key=tls_files[1] if tls_files else None,
    )
    server = ServerThread(config)
    server.start()
    return server


def lan_join_hints(bind: str, port: int, room: str, server: Any) -> list[str]:
    """How others on the LAN join a room hosted on ``bind``: the tui-chat command first (over
    TLS with the certificate pinned when the server listens with TLS), then irssi's."""
    from .netinfo import irssi_hint, join_hint, lan_address

    address = lan_address(bind)
    fingerprint = server.tls_fingerprint if server.tls_port else None
    if fingerprint is None:
        return [join_hint(address, port, room)]
    return [
        join_hint(address, server.tls_port, room, fingerprint),
        irssi_hint(address, server.tls_port, fingerprint),
    ]


def history_warning(server: Any) -> str | None:
    """What to tell the host when the room's history cannot be kept, or None."""
    error = getattr(server, "history_error", None)
    if not error:
        return None
    where = server.config.data_dir
    if "locked" in error:
        return (
            f"History is off: {where} is in use by another tui-chat host or serve on this "
            "machine. Start this one with --data-dir DIR to keep its own history."
        )
    return f"History is off: {error}"
