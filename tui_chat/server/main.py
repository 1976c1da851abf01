"""``tui-chat serve``: the server in the foreground until SIGINT or SIGTERM."""

from __future__ import annotations

import logging
import signal
import sys
from types import FrameType

from .config import ServerConfig
from .server import Server

log = logging.getLogger("tui_chat.server")


def format_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def run_server(config: ServerConfig, log_level: int | str = logging.INFO) -> int:
    """Serve until a signal; prints ``listening on ADDR:PORT`` once ready. Returns the exit code."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=log_level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s"
        )
    server = Server(config)
    try:
        server.bind()
    except OSError as exc:
        where = format_address(config.bind or "*", config.port)
        print(f"tui-chat serve: cannot listen on {where}: {exc.strerror or exc}", file=sys.stderr)
        return 1

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # Runs in this (the loop's) thread between bytecodes; the wake socket ends the select.
        server.call_soon_threadsafe(server.shutdown, "Server shutting down")

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for host, port in server.addresses:
            log.info("listening on %s", format_address(host, port))
        print(f"listening on {format_address(*server.addresses[0])}", flush=True)
        server.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    server.connlog.report_skipped()
    log.info("server stopped")
    return 0
