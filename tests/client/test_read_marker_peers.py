"""Read markers degrade cleanly: against servers without draft/read-marker (miniircd, ngircd,
InspIRCd as configured here) the client sends no MARKREAD, and against ours it does."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.ui.test_read_markers import ACCOUNT, PASSWORD, register_account
from tui_chat.client.events import Joined, ReadMarker, Registered, ServerInfo
from tui_chat.client.read_marker import CAP
from tui_chat.client.sasl import SaslConfig
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
        sync(client, sink)
        unknown = [e.text for e in sink.of(ServerInfo) if "MARKREAD" in e.text]
        assert unknown == []


def sync(client, sink) -> None:
    """Wait until the server has answered everything the client sent before this."""
    mark = sink.mark()
    client.send_raw(SYNC)
    sink.wait(ServerInfo, after=mark, where=lambda e: SYNC in e.text)


def test_markread_goes_to_our_server_when_logged_in_once_per_newer_time():
    server = ServerThread(ServerConfig(bind="127.0.0.1", port=0, scrypt_n=1 << 10)).start()
    try:
        register_account(server.port)
        login = SaslConfig("PLAIN", ACCOUNT, PASSWORD)
        when = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
        with registered(server.port, "alice", sasl=login) as (client, sink):
            sink.wait(Joined, buffer="#lobby", is_self=True)
            assert CAP in sink.of(Registered)[0].caps
            client.mark_read("#lobby", when)
            client.mark_read("#lobby", when)  # not newer: not sent again
            sync(client, sink)
            # The server answers each MARKREAD set with the marker: one answer, one line sent.
            markers = [e.read_until for e in sink.of(ReadMarker, buffer="#lobby")]
            assert markers == [None, when]  # the JOIN's "*", then the answer
        # Not logged in: markers have no account to go to, so none is sent (our server would
        # refuse it with FAIL MARKREAD ACCOUNT_REQUIRED, shown as an error).
        with registered(server.port, "bob") as (client, sink):
            sink.wait(Joined, buffer="#lobby", is_self=True)
            client.mark_read("#lobby", when)
            sync(client, sink)
            assert [e.text for e in sink.of(ServerInfo) if "MARKREAD" in e.text] == []
            assert [e.read_until for e in sink.of(ReadMarker)] == [None]
    finally:
        server.stop()
