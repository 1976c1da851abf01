"""A long paste must not starve the lines that keep the connection alive.

Written to the socket at once, 800 lines sat in the server's input buffer behind its flood
control, with the client's PONG and lag PING queued after them: the lag probe timed out and the
client reconnected in the middle of its own paste. Chat lines now leave through a paced lane and
control lines through an urgent one.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from client.conftest import fast_settings, running_client

from tests.server.ircclient import TestClient
from tui_chat.client.events import ConnectionState, Joined, Lag
from tui_chat.irc import Message
from tui_chat.server import ServerConfig, ServerThread

from .hostile_server import hostile_server

PASTE = 800


def test_paste_of_800_lines_keeps_the_connection_and_arrives_once_in_order():
    # Our server's flood control at ten times its default rate, and the client paced below it,
    # so the paste takes about ten seconds rather than minutes.
    server = ServerThread(
        ServerConfig(
            bind="127.0.0.1",
            port=0,
            server_name="test.server",
            flood_burst=20,
            flood_rate=100.0,
            ping_interval=1.0,
            ping_timeout=3.0,
        )
    ).start()
    peer = TestClient(server.port, timeout=10.0)
    try:
        peer.register("peer")
        peer.join("#lobby")
        peer.sync()
        settings = fast_settings(
            "127.0.0.1",
            server.port,
            lag_interval=0.5,
            lag_timeout=3.0,
            chat_burst=10,
            chat_rate=80.0,
        )
        with running_client(settings) as (client, sink):
            sink.wait(Joined, is_self=True)
            mark = sink.mark()
            lines = [f"paste line {i:04d}" for i in range(PASTE)]
            ids = client.say("#lobby", "\n".join(lines))
            assert len(ids) == PASTE
            got: list[str] = []
            deadline = time.monotonic() + 30.0
            while len(got) < PASTE:
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"only {len(got)} of {PASTE} lines arrived"
                msg = peer.expect(_chat_answering_pings(peer), timeout=remaining)
                got.append(msg.param(1))
            assert got == lines
            # The lag probe kept coming back while the paste was going out.
            assert sum(isinstance(e, Lag) for e in sink.events[mark:]) >= 5
            phases = [e.phase for e in sink.events[mark:] if isinstance(e, ConnectionState)]
            assert "reconnecting" not in phases and "connecting" not in phases
            assert not [m for m in peer.sync() if m.command == "PRIVMSG"], "a line came twice"
    finally:
        peer.close()
        server.stop(timeout=5.0)


def _chat_answering_pings(peer: TestClient) -> Callable[[Message], bool]:
    """A matcher for channel lines that also keeps the (low ping timeout) peer connected."""

    def match(m: Message) -> bool:
        if m.command == "PING":
            peer.send(f"PONG :{m.param(0)}")
        return m.command == "PRIVMSG" and m.param(0) == "#lobby"

    return match


def test_pong_overtakes_a_paced_paste():
    with hostile_server() as hs:
        settings = fast_settings("127.0.0.1", hs.port, chat_burst=2, chat_rate=4.0)
        with running_client(settings) as (client, sink):
            sink.wait(Joined, is_self=True)
            client.say("#lobby", "\n".join(f"slow {i}" for i in range(40)))
            hs.wait_line("slow 0")
            hs.send("PING :are-you-there")
            pong = hs.wait_line(lambda line: line.startswith("PONG") and "are-you-there" in line)
            assert pong
            # Most of the paste is still waiting in the chat lane when the PONG leaves.
            assert not hs.seen("slow 39")
            hs.wait_line("slow 39", timeout=15)
            order = [line for _, line in hs.lines if "slow" in line]
            assert [line.rsplit(" ", 1)[1] for line in order] == [str(i) for i in range(40)]
