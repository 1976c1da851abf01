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


def test_our_own_ghost_holding_the_nick_we_had_gives_it_back_when_it_leaves(fake_server):
    """The link dropped without the server noticing: our old connection (a ghost) still holds
    the nick we had. We register with a suffix and take the nick back when the ghost goes."""
    settings = fast_settings("127.0.0.1", fake_server.port, nick="alice")
    with running_client(settings) as (client, sink):
        conn = fake_server.accept()
        conn.register("alice_")  # someone else is alice
        conn.accept_join("alice_", "#lobby", members="alice alice_")
        sink.wait(Registered)
        conn.close()
        conn2 = fake_server.accept()
        conn2.expect("CAP")
        assert conn2.expect("NICK").param(0) == "alice_"  # the nick we had, first
        conn2.send(":irc.test 433 * alice_ :Nickname is already in use")
        assert conn2.expect("NICK").param(0) == "alice__"
        conn2.send(":irc.test 001 alice__ :Welcome", ":irc.test 422 alice__ :No MOTD")
        conn2.accept_join("alice__", "#lobby", members="alice alice_ alice__")
        conn2.send(":alice_!u@h QUIT :Ping timeout")
        assert conn2.expect("NICK").param(0) == "alice_"
        mark = sink.mark()
        conn2.send(":alice__!u@h NICK alice_")
        sink.wait(NickChanged, new="alice_", is_self=True, after=mark)
        assert client.nick == "alice_"
