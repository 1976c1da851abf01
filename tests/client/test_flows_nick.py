"""Nicks survive a server restart: each client asks first for the nick it had."""

from __future__ import annotations

from tui_chat.client.events import ConnectionState, NickChanged, Registered
from tui_chat.server import ServerConfig, ServerThread

from .conftest import fast_settings, running_client


def _server(port: int = 0) -> ServerThread:
    return ServerThread(ServerConfig(bind="127.0.0.1", port=port, flood_limit=False)).start()


def test_nicks_do_not_swap_when_the_second_user_reconnects_first():
    servers = [_server()]
    port = servers[0].port
    # Reconnects wait long: the test says who goes first with retry_now().
    slow = {"nick": "alice", "reconnect_min": 30.0, "reconnect_max": 30.0}
    try:
        with running_client(fast_settings("127.0.0.1", port, **slow)) as (a, sa):
            assert sa.wait(Registered).nick == "alice"
            with running_client(fast_settings("127.0.0.1", port, **slow)) as (b, sb):
                assert sb.wait(Registered).nick == "alice_"
                mark_a, mark_b = sa.mark(), sb.mark()
                servers[0].stop()
                sa.wait(ConnectionState, phase="reconnecting", after=mark_a)
                sb.wait(ConnectionState, phase="reconnecting", after=mark_b)
                servers.append(_server(port))
                b.retry_now()
                assert sb.wait(Registered, after=mark_b).nick == "alice_"
                a.retry_now()
                assert sa.wait(Registered, after=mark_a).nick == "alice"
                assert (a.nick, b.nick) == ("alice", "alice_")
                # Nobody was told of a nick change: each got the nick it asked for.
                assert not sa.of(NickChanged)
                assert len(sb.of(NickChanged)) == 1  # the first registration's alice_
    finally:
        for server in servers:
            server.stop()
