"""--history-private is bound to the connections that talked, not to nicks a stranger can take."""

from __future__ import annotations

from tests.server.ircclient import TestClient
from tests.server.test_history import FAR_FUTURE, FAR_PAST, batch, say

from .server_helpers import make_server  # noqa: F401

CAPS = ("batch", "server-time", "message-tags", "echo-message", "draft/chathistory")


def test_taking_a_nick_does_not_give_its_private_history(make_server, tmp_path):  # noqa: F811
    srv = make_server(data_dir=tmp_path / "data", history_private=True)
    clients: list[TestClient] = []

    def client(nick: str) -> TestClient:
        c = TestClient(srv.port)
        clients.append(c)
        return c.register(nick, caps=CAPS)

    try:
        alice, bob = client("alice"), client("bob")
        say(alice, "bob", ["psst alice to bob"])
        bob.expect("PRIVMSG")
        say(bob, "alice", ["psst bob to alice"])
        alice.expect("PRIVMSG")
        alice.send("CHATHISTORY LATEST bob * 100")  # the two of them still read it
        assert len(batch(alice)[1]) == 2
        alice.send("QUIT")
        alice.expect_closed()

        mallory = client("alice")
        mallory.send("CHATHISTORY LATEST bob * 100")
        assert batch(mallory)[1] == []
        mallory.send(f"CHATHISTORY TARGETS {FAR_PAST} {FAR_FUTURE} 10")
        assert batch(mallory, "draft/chathistory-targets")[1] == []
        bob.send("CHATHISTORY LATEST alice * 100")  # "alice" is now someone else
        assert batch(bob)[1] == []
        mallory.sync()
        assert not [line for line in mallory.received if "psst" in line]
    finally:
        for c in clients:
            c.close()
