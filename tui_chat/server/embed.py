"""Run the server in a background thread of another program (``tui-chat host``, tests)."""

from __future__ import annotations

import threading

from .config import ServerConfig
from .server import Server


class ServerThread:
    """``start()`` binds (raising OSError in the caller) and returns once clients can connect.

    Every other method is safe to call from any thread: work is handed to the server's loop.
    """

    def __init__(self, config: ServerConfig | None = None) -> None:
        self.config = config or ServerConfig()
        self._server = Server(self.config)
        self._thread: threading.Thread | None = None
        self._stopped = False

    def start(self) -> ServerThread:
        if self._thread is not None:
            raise RuntimeError("server already started")
        self._server.bind()  # listening from here on: connections queue in the backlog
        self._thread = threading.Thread(
            target=self._server.run, name=f"tui-chat-server:{self.port}", daemon=True
        )
        self._thread.start()
        return self

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def addresses(self) -> list[tuple[str, int]]:
        return list(self._server.addresses)

    @property
    def history_error(self) -> str | None:
        """Why history is not being kept (the file is locked by another server, unreadable
        ...), or None when it is, or when none was asked for. Read once after start()."""
        store = self._server.history
        return store.error if store.enabled and not store.healthy else None

    @property
    def tls_port(self) -> int:
        """The TLS port (0: not listening with TLS)."""
        return self._server.tls_port

    @property
    def tls_fingerprint(self) -> str | None:
        """SHA-256 of the TLS certificate (lowercase hex), once listening with TLS."""
        return self._server.tls_fingerprint

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def make_operator(self, nick: str) -> None:
        """Make the connected user ``nick`` an IRC operator (the host of a room is one)."""
        if self.running:
            self._server.call_soon_threadsafe(self._server.make_operator, nick)

    def stop(self, reason: str = "Server shutting down", timeout: float = 5.0) -> None:
        """Tell clients (``ERROR :reason``), flush, close, join the thread. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        if self._thread is None:
            self._server.close()
            return
        if self._thread.is_alive():
            self._server.call_soon_threadsafe(self._server.shutdown, reason)
            self._thread.join(timeout)

    def __enter__(self) -> ServerThread:
        return self.start() if self._thread is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()
