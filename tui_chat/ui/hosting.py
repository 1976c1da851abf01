"""Hosting a room: starting the embedded server, why it could not listen, how others join."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..irc.limits import DEFAULT_ROOM


def describe_listen_error(bind: str, port: int, exc: OSError) -> str:
    where = f"{bind or 'all interfaces'} port {port}"
    reason = exc.strerror or str(exc)
    if getattr(exc, "errno", None) in (98, 48, 10048):
        reason = "the port is already in use (another server running? try --port)"
    elif getattr(exc, "errno", None) in (13, 10013):
        reason = "permission denied (ports below 1024 need privileges; try --port)"
    return f"Cannot host on {where}: {reason}"


def start_server(bind: str, port: int, password: str | None, data_dir: Path | None = None) -> Any:
    """Start the embedded server; raises OSError when it cannot listen.

    ``data_dir``: where it keeps history (``history.sqlite3``), as ``tui-chat serve`` does;
    None keeps none (tests, ``--no-history``).
    """
    from ..server import ServerConfig, ServerThread

    server = ServerThread(ServerConfig(bind=bind, port=port, password=password, data_dir=data_dir))
    server.start()
    return server


def lan_join_hint(bind: str, port: int, room: str = DEFAULT_ROOM) -> str:
    """The command others on the LAN type to join ``room`` hosted on ``bind``:``port``."""
    from .netinfo import join_hint, lan_address

    return join_hint(lan_address(bind), port, room)


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
