"""Who is logged in, in the client's rosters: WHOX after our join, extended-join for those who
join later, account-notify for those who log in while there; all against the real server."""

from __future__ import annotations

import base64

import pytest

from tests.server.ircclient import TestClient
from tui_chat.client.events import Roster
from tui_chat.server import ServerConfig, ServerThread

from .conftest import fast_settings, running_client

PASSWORD = "correct horse battery"


@pytest.fixture
def server():
    srv = ServerThread(ServerConfig(bind="127.0.0.1", port=0, scrypt_n=1 << 10)).start()
    yield srv
    srv.stop()


def account_of(roster: Roster, nick: str) -> str | None:
    return next(m.account for m in roster.members if m.nick == nick)


def has(nick: str, account: str | None):
    return lambda r: any(m.nick == nick and m.account == account for m in r.members)


def test_the_roster_knows_who_is_logged_in(server):
    raw: list[TestClient] = []
    try:
        alice = TestClient(server.port).register("alice")
        raw.append(alice)
        alice.send(f"REGISTER * * :{PASSWORD}")
        alice.expect("900")
        alice.join("#lobby")
        owner = TestClient(server.port).register("carol")
        owner.send(f"REGISTER * * :{PASSWORD}")
        owner.expect("900")
        owner.close()
        with running_client(fast_settings("127.0.0.1", server.port, nick="bob")) as (_, sink):
            # alice was there first: WHOX after our join says she is logged in.
            roster = sink.wait(Roster, buffer="#lobby", where=has("alice", "alice"))
            assert account_of(roster, "bob") is None
            carol = TestClient(server.port)
            raw.append(carol)
            carol.send("CAP LS 302")
            carol.send("NICK carol")
            carol.send("USER carol 0 * :Carol")
            carol.send("AUTHENTICATE PLAIN")
            carol.expect_params("AUTHENTICATE", "+")
            carol.send("AUTHENTICATE " + base64.b64encode(f"\0carol\0{PASSWORD}".encode()).decode())
            carol.expect("903")
            carol.send("CAP END")
            carol.expect("001")
            carol.join("#lobby")
            sink.wait(Roster, buffer="#lobby", where=has("carol", "carol"))  # extended-join
            dave = TestClient(server.port).register("dave")
            raw.append(dave)
            dave.join("#lobby")
            sink.wait(Roster, buffer="#lobby", where=has("dave", None))
            dave.send(f"REGISTER * * :{PASSWORD}")
            roster = sink.wait(Roster, buffer="#lobby", where=has("dave", "dave"))  # account-notify
            assert account_of(roster, "alice") == "alice"
    finally:
        for c in raw:
            c.close()
