"""cap-notify used for real: the history capabilities are withdrawn (CAP DEL) while the history
store cannot write, and offered again (CAP NEW) once it has reopened."""

from __future__ import annotations

import threading

from tui_chat.server.state import HISTORY_CAPABILITIES

from .ircclient import TestClient

# Every capability that needs the history store (chathistory, event-playback, redaction).
HISTORY = " ".join(sorted(HISTORY_CAPABILITIES))


def _in_loop(srv, fn) -> None:
    """Run ``fn`` in the server's own thread (the store is the reactor's alone) and wait."""
    done = threading.Event()

    def run() -> None:
        try:
            fn(srv._server)
        finally:
            done.set()

    srv._server.call_soon_threadsafe(run)
    assert done.wait(5.0)


def _cap_list(c: TestClient) -> set[str]:
    c.send("CAP LIST")
    return set(c.expect(lambda m: m.command == "CAP" and m.params[1] == "LIST").params[-1].split())


def test_history_caps_follow_the_store_health(make_server, tmp_path):
    srv = make_server(data_dir=tmp_path / "data", flood_limit=False)
    modern = TestClient(srv.port)  # CAP LS 302: cap-notify implied
    asked = TestClient(srv.port)  # an old-style client that asked for cap-notify
    old = TestClient(srv.port)  # neither: must never see CAP NEW/DEL
    try:
        modern.register("modern", caps=("draft/chathistory", "echo-message"))
        asked.send("CAP LS")
        asked.send("CAP REQ :cap-notify draft/chathistory")
        asked.send("NICK asked")
        asked.send("USER asked 0 * :Asked")
        asked.expect("CAP")
        asked.send("CAP END")
        asked.expect("001")
        old.register("old")
        for c in (modern, asked, old):
            c.join("#h")
        # Writes start failing under the running server (as a file turned read-only would).
        _in_loop(srv, lambda s: s.history._conn.execute("PRAGMA query_only=ON"))
        modern.send("PRIVMSG #h :not kept")
        deleted = modern.expect(lambda m: m.command == "CAP" and m.params[1] == "DEL")
        assert deleted.params == ("modern", "DEL", HISTORY)
        assert asked.expect(lambda m: m.command == "CAP").params[1:] == ("DEL", HISTORY)
        assert "draft/chathistory" not in _cap_list(modern)
        modern.send("CAP LS 302")
        offered = modern.expect(lambda m: m.command == "CAP" and m.params[1] == "LS")
        assert "draft/chathistory" not in offered.params[-1].split()
        # The store's back-off skipped: the next write reopens it, and it works again.
        _in_loop(srv, lambda s: setattr(s.history, "_retry_at", 0.0))
        modern.send("PRIVMSG #h :kept again")
        new = modern.expect(lambda m: m.command == "CAP" and m.params[1] == "NEW")
        assert new.params == ("modern", "NEW", HISTORY)
        assert asked.expect(lambda m: m.command == "CAP").params[1:] == ("NEW", HISTORY)
        modern.send("CAP REQ draft/chathistory")
        assert modern.expect("CAP").params[1] == "ACK"
        assert "draft/chathistory" in _cap_list(modern)
        assert not [m for m in old.sync() if m.command == "CAP"]
    finally:
        for c in (modern, asked, old):
            c.close()
