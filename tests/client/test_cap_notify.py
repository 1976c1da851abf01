"""The client follows CAP DEL / CAP NEW: a withdrawn capability is dropped, and one offered
again is requested again (our server withdraws history while its store cannot write)."""

from __future__ import annotations

import threading
import time

from tui_chat.client.events import Joined, Registered
from tui_chat.server import ServerConfig, ServerThread

from .conftest import TIMEOUT, fast_settings, running_client


def _in_loop(server: ServerThread, fn) -> None:
    done = threading.Event()

    def run() -> None:
        try:
            fn(server._server)
        finally:
            done.set()

    server._server.call_soon_threadsafe(run)
    assert done.wait(5.0)


def _until(condition, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)  # polling another thread's state: there is no event to wait on


def test_client_drops_and_requests_again_the_history_capability(tmp_path):
    server = ServerThread(ServerConfig(bind="127.0.0.1", port=0, data_dir=tmp_path / "d"))
    server.start()
    try:
        with running_client(fast_settings("127.0.0.1", server.port, nick="alice")) as (
            client,
            sink,
        ):
            assert "draft/chathistory" in sink.wait(Registered).caps
            sink.wait(Joined, is_self=True)
            caps = client._session.caps
            _in_loop(server, lambda s: s.history._conn.execute("PRAGMA query_only=ON"))
            client.say("#lobby", "not kept")
            _until(lambda: "draft/chathistory" not in caps, "CAP DEL applied")
            _in_loop(server, lambda s: setattr(s.history, "_retry_at", 0.0))
            client.say("#lobby", "kept again")
            _until(lambda: "draft/chathistory" in caps, "CAP NEW requested and ACKed")
    finally:
        server.stop()
