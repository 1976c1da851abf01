"""The Textual user interface: ``run_app`` runs ``tui-chat host|join`` and bare ``tui-chat``."""

from __future__ import annotations

import gc
import sys
from typing import TYPE_CHECKING

from .gc_policy import settle_gc

if TYPE_CHECKING:
    from pathlib import Path

    from ..client.sasl import SaslConfig
    from ..client.tls import TLSPolicy
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
    tls: TLSPolicy | None = None,
    tls_port: int | None = None,
    tls_dir: Path | None = None,
    sasl: SaslConfig | None = None,
    tls_files: tuple[Path, Path] | None = None,
) -> int:
    """Run the chat app; returns the process exit status.

    ``mode`` is ``host`` (``host`` is then the bind address, "" for all interfaces), ``join`` or
    ``connect`` (the connect screen). When hosting, the server is started before the screen
    switches to full-screen mode so that a port in use is one clear line on stderr.

    ``rooms``: every room to join (``"#room key"`` for a keyed one; a named server's rooms),
    ``room`` is shown first. ``log``: write chat logs (None: as the config file says, ``--no-log``
    passes False); they go to the platform log directory. ``data_dir``: where a hosted room
    keeps its history (None: no history). ``tls``: how to trust a server joined with TLS (None:
    plaintext). ``tls_port``/``tls_dir``: a hosted room also listens with TLS on that port,
    with the certificate kept in that directory (None: plaintext only). ``sasl``: log in with
    SASL (a named server's account). ``tls_files``: the hosted room's certificate and key
    (``--tls-cert``/``--tls-key``) instead of the self-signed one.
    """
    # No cyclic garbage collection until the first frame is drawn (settle_gc turns it back
    # on, after freezing what exists by then): importing Textual and building the screen
    # allocate a lot and free little, so the collections that would run meanwhile (full ones
    # over everything imported so far) only delay the first frame. This process-wide policy
    # lives here, not in the app, so building an app (in a test) leaves the GC alone.
    gc.disable()
    from ..config import log_dir
    from .app import ChatApp, describe_listen_error, start_server

    server = None
    if mode == "host":
        from ..server.tls import TLSSetupError

        try:
            server = start_server(
                host or "", port, password, data_dir, tls_port, tls_dir, tls_files
            )
        except TLSSetupError as exc:
            print(f"tui-chat: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:
            failed = getattr(exc, "port", port)
            print(f"tui-chat: {describe_listen_error(host or '', failed, exc)}", file=sys.stderr)
            return 1

    def first_frame() -> None:
        # The policy freezes the scrollback as it grows: it counts the app's entries.
        settle_gc(app.chat.model.conversations.scrollback_counts)

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
        server_tls=(tls_port, tls_dir) if tls_port is not None and tls_dir is not None else None,
        on_first_frame=first_frame,
        tls=tls,
        sasl=sasl,
    )
    try:
        status = app.run()
    finally:
        gc.enable()  # whether or not the first frame was ever drawn
        app.controller.stop_server()  # the app never mounted, or died before shutdown
    if app.return_code not in (None, 0):
        return app.return_code
    return status or 0


__all__ = ["run_app", "settle_gc"]
