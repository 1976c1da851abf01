"""The Textual user interface: ``run_app`` runs ``tui-chat host|join`` and bare ``tui-chat``."""

from __future__ import annotations

import gc
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from ..config import Settings


def run_app(
    *,
    mode: str,
    host: str | None,
    port: int,
    nick: str | None,
    room: str | None,
    password: str | None,
    settings: Settings,
    rooms: tuple[str, ...] | None = None,
    log: bool | None = None,
    data_dir: Path | None = None,
) -> int:
    """Run the chat app; returns the process exit status.

    ``mode`` is ``host`` (``host`` is then the bind address, "" for all interfaces), ``join`` or
    ``connect`` (the connect screen). When hosting, the server is started before the screen
    switches to full-screen mode so that a port in use is one clear line on stderr.

    ``rooms``: every room to join (``"#room key"`` for a keyed one; a named server's rooms),
    ``room`` is shown first. ``log``: write chat logs (None: as the config file says, ``--no-log``
    passes False); they go to the platform log directory. ``data_dir``: where a hosted room
    keeps its history (None: no history).
    """
    # No cyclic garbage collection until the first frame is drawn (ChatApp.on_ready turns it
    # back on, after freezing what exists by then): importing Textual and building the screen
    # allocate a lot and free little, so the collections that would run meanwhile (full ones
    # over everything imported so far) only delay the first frame.
    gc.disable()
    from ..config import log_dir
    from .app import ChatApp, describe_listen_error, start_server

    server = None
    if mode == "host":
        try:
            server = start_server(host or "", port, password, data_dir)
        except OSError as exc:
            print(f"tui-chat: {describe_listen_error(host or '', port, exc)}", file=sys.stderr)
            return 1
    app = ChatApp(
        mode=mode,
        host=host,
        port=port,
        nick=nick,
        room=room,
        password=password,
        settings=settings,
        server=server,
        rooms=rooms,
        log_dir=log_dir() if (settings.log if log is None else log) else None,
        server_data_dir=data_dir,
    )
    try:
        status = app.run()
    finally:
        gc.enable()  # whether or not the first frame was ever drawn
        if app.server is not None:  # the app never mounted, or died before shutdown
            app.server.stop(reason="Server shutting down")
    if app.return_code not in (None, 0):
        return app.return_code
    return status or 0


__all__ = ["run_app"]
