"""``tui-chat serve``: the server in the foreground until SIGINT or SIGTERM."""

from __future__ import annotations

import logging
import signal
import sys
from types import FrameType

from .config import ServerConfig
from .reactor import BindError
from .server import Server
from .tls import TLSSetupError, colon_fingerprint

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
    except TLSSetupError as exc:
        server.close()
        print(f"tui-chat serve: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        port = exc.port if isinstance(exc, BindError) else config.port
        where = format_address(config.bind or "*", port)
        print(f"tui-chat serve: cannot listen on {where}: {exc.strerror or exc}", file=sys.stderr)
        return 1

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # Runs in this (the loop's) thread between bytecodes; the wake socket ends the select.
        server.call_soon_threadsafe(server.shutdown, "Server shutting down")

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for host, port in server.addresses:
            log.info("listening on %s", format_address(host, port))
        for host, port in server.tls_addresses:
            log.info("listening with TLS on %s", format_address(host, port))
        if server.tls_fingerprint is not None:
            log.info("TLS certificate SHA-256 %s", colon_fingerprint(server.tls_fingerprint))
        # The first line is what scripts wait for: the plaintext address when there is one.
        lines = [f"listening on {format_address(*a)}" for a in server.addresses[:1]]
        lines += [f"listening with TLS on {format_address(*a)}" for a in server.tls_addresses[:1]]
        if server.tls_fingerprint is not None:
            lines.append(f"TLS certificate SHA-256 {server.tls_fingerprint}")
        print("\n".join(lines), flush=True)
        server.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    server.connlog.report_skipped()
    log.info("server stopped")
    return 0
