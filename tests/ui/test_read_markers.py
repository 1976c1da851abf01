"""Read markers, issue 11's "Done when": two tui-chat apps logged in to one account on a tui-chat
server clear each other's unread counts."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator

import pytest

from tui_chat.client.names import SERVER_BUFFER
from tui_chat.client.sasl import SaslConfig
from tui_chat.server import ServerThread
from tui_chat.ui.read_markers import SEND_DELAY

from .conftest import Peer, joined, start_test_server, wait_for
from .test_gap_fill import NO_AUTO_RETRY, join_peer, lobby, say_committed

SIZE = (110, 30)
ACCOUNT = "alice"
PASSWORD = "correct horse battery"


def register_account(port: int) -> None:
    """Create the account the way any client would: REGISTER on a connection of its own."""
    lines = [f"NICK {ACCOUNT}", f"USER {ACCOUNT} 0 * :x", f"REGISTER * * :{PASSWORD}", "QUIT"]
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall("".join(line + "\r\n" for line in lines).encode())
        got = b""
        for _ in range(200):  # reads, each bounded by the socket timeout
            if b"REGISTER SUCCESS" in got:
                return
            data = sock.recv(4096)
            assert data, f"no REGISTER SUCCESS: {got!r}"
            got += data
        raise AssertionError(f"no REGISTER SUCCESS: {got[-500:]!r}")


@pytest.fixture
def account_server():
    srv: ServerThread = start_test_server(scrypt_n=1 << 10)
    register_account(srv.port)
    yield srv
    srv.stop()


def login() -> dict:
    return {"sasl": SaslConfig("PLAIN", ACCOUNT, PASSWORD)}


@contextlib.asynccontextmanager
async def two_apps_and_bob(port: int, make_app, peers) -> AsyncIterator[tuple]:
    """Apps 1 and 2 logged in to one account and in #lobby, app 2 looking at another
    conversation (the server window), and bob in #lobby: yields (one, p1, two, p2, bob)."""
    one = make_app(port, nick="alice", app_options=login())
    two = make_app(port, nick="alice2", app_options=login())
    async with one.run_test(size=SIZE) as p1, two.run_test(size=SIZE) as p2:
        await joined(p1, one)
        await joined(p2, two)
        two.chat.show(two.chat.model.key(SERVER_BUFFER))
        bob = Peer(port, "bob")
        peers.append(bob)
        await bob.register(p2)
        await bob.join(p2, "#lobby")
        yield one, p1, two, p2, bob


async def test_reading_in_one_app_clears_the_unread_count_in_the_other(
    account_server, make_app, peers
):
    async with two_apps_and_bob(account_server.port, make_app, peers) as (one, p1, two, p2, bob):
        bob.send("PRIVMSG #lobby :are you there?")
        lobby2 = two.chat.model.conversations.get("#lobby")
        await wait_for(p2, lambda: lobby2.unread == 1, what="app 2 counts the line as unread")
        await wait_for(
            p1,
            lambda: (
                "are you there?"
                in "".join(e.plain for e in one.chat.model.conversations.get("#lobby").log.entries)
            ),
            what="app 1 shows the line",
        )
        # App 1 shows #lobby at its end: the line is read there, and app 2's count clears.
        await wait_for(p2, lambda: lobby2.unread == 0, what="app 2's unread count cleared")
        assert lobby2.mentions == 0
        await wait_for(
            p2,
            lambda: (
                not any(
                    row.unread
                    for row in two.chat.query_one("#sidebar").rows
                    if row.name == "#lobby"
                )
            ),
            what="app 2's sidebar shows no unread count",
        )


async def test_lines_that_came_while_the_terminal_was_in_the_background_are_read_on_return(
    account_server, make_app, peers
):
    async with two_apps_and_bob(account_server.port, make_app, peers) as (one, p1, two, p2, bob):
        one.app_focus = False  # the terminal of app 1 is in the background
        bob.send("PRIVMSG #lobby :while you were elsewhere")
        lobby1 = one.chat.model.conversations.get("#lobby")
        lobby2 = two.chat.model.conversations.get("#lobby")
        await wait_for(p2, lambda: lobby2.unread == 1, what="app 2 counts the line as unread")
        await wait_for(
            p1,
            lambda: "while you were elsewhere" in "".join(e.plain for e in lobby1.log.entries),
            what="app 1 shows the line",
        )
        # Shown, but nobody looked: longer than a marker's send delay, nothing is read.
        await p1.pause(2 * SEND_DELAY)
        assert lobby2.unread == 1
        one.app_focus = True  # back at the terminal: the shown room is read now
        await wait_for(p2, lambda: lobby2.unread == 0, what="app 2's unread count cleared")


async def test_the_away_line_goes_where_another_connection_stopped_reading(
    tmp_path, make_app, peers
):
    server = start_test_server(data_dir=tmp_path / "server", scrypt_n=1 << 10)
    try:
        register_account(server.port)
        one = make_app(server.port, nick="alice", app_options=login())
        two = make_app(server.port, nick="alice2", app_options=login())
        two.controller.client_options.update(NO_AUTO_RETRY)
        async with one.run_test(size=SIZE) as p1, two.run_test(size=SIZE) as p2:
            await joined(p1, one)
            await joined(p2, two)
            bob = await join_peer(p2, server.port, "bob", peers)
            carol = await join_peer(p2, server.port, "carol", peers)
            await say_committed(p2, bob, carol, "before")
            await wait_for(p2, lambda: any(e.plain == "before" for e in lobby(two)))
            server.make_operator("bob")
            await bob.expect(p2, " 381 ")
            bob.send("KILL alice2 :testing read markers")
            await wait_for(p2, lambda: two.chat.model.status.phase == "reconnecting")

            # App 1 reads "one" and "two" (shown, at the end), then looks elsewhere.
            for text in ("one", "alice: two"):
                await say_committed(p1, bob, carol, text)
            await wait_for(p1, lambda: any(e.plain == "alice: two" for e in lobby(one)))
            [two_line] = [e for e in lobby(one) if e.plain == "alice: two"]
            lobby1 = one.chat.model.conversations.get("#lobby")
            await wait_for(
                p1, lambda: lobby1.read_until == two_line.time, what="the server took the marker"
            )
            one.chat.show(one.chat.model.key(SERVER_BUFFER))
            await say_committed(p1, bob, carol, "three")

            two.controller.client.retry_now()
            separator = "while you were away: 1 unread message, 0 mentions below"
            await wait_for(
                p2,
                lambda: any(e.plain == separator for e in lobby(two)),
                what="the gap filled, the away line at the marker",
            )
            shown = [e.plain for e in lobby(two) if e.nick == "bob" or e.kind == "separator"]
            assert shown == ["before", "one", "alice: two", separator, "three"]
    finally:
        server.stop()
