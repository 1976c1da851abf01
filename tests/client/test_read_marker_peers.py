"""Read markers degrade cleanly: against servers without draft/read-marker (miniircd, ngircd,
InspIRCd as configured here) the client sends no MARKREAD, and against ours it does."""

from __future__ import annotations

from datetime import UTC, datetime

from tui_chat.client.events import ChatMessage, Joined, ReadMarker, Registered, ServerInfo
from tui_chat.client.read_marker import CAP
from tui_chat.server import ServerConfig, ServerThread

from .test_real_servers import real_server, registered

__all__ = ["real_server"]

SYNC = "TUICHATSYNC"  # a command no server knows: its 421 marks "everything before it is done"


def test_no_markread_goes_to_a_server_without_the_capability(real_server):
    _name, port = real_server
    with registered(port, "alice") as (client, sink):
        sink.wait(Joined, buffer="#lobby", is_self=True)
        assert CAP not in sink.of(Registered)[0].caps
        client.mark_read("#lobby", datetime.now(UTC))
        client.send_raw(SYNC)
        sink.wait(ServerInfo, where=lambda e: SYNC in e.text)
        unknown = [e.text for e in sink.of(ServerInfo) if "MARKREAD" in e.text]
        assert unknown == []


def test_markread_goes_to_our_server_once_per_newer_time():
    server = ServerThread(ServerConfig(bind="127.0.0.1", port=0, scrypt_n=1 << 10)).start()
    try:
        with registered(server.port, "alice") as (client, sink):
            sink.wait(Joined, buffer="#lobby", is_self=True)
            assert CAP in sink.of(Registered)[0].caps
            when = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
            client.mark_read("#lobby", when)
            client.mark_read("#lobby", when)  # not newer: not sent again
            client.send_raw(SYNC)
            sink.wait(ServerInfo, where=lambda e: SYNC in e.text)
            # Not logged in: our server refuses it, which shows that it was sent, once.
            refused = [e for e in sink.of(ServerInfo) if "ACCOUNT_REQUIRED" in e.text]
            assert len(refused) == 1
            assert not sink.of(ChatMessage, buffer="#lobby")
            assert [e.read_until for e in sink.of(ReadMarker)] == [None]  # the JOIN's "*"
    finally:
        server.stop()
