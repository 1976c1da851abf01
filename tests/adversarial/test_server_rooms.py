"""History outlives nobody's protection: a room comes back as shut as it was (empty or restart)."""

from __future__ import annotations

from tests.server.ircclient import TestClient
from tests.server.test_history import CAPABLE, batch, say
from tui_chat.server.history import HistoryRecord, HistoryStore, format_time

from .server_helpers import assert_live, make_server  # noqa: F401

HISTORY_CAPS = (*CAPABLE, "draft/chathistory")


def client(srv, nick: str, clients: list[TestClient]) -> TestClient:
    c = TestClient(srv.port)
    clients.append(c)
    return c.register(nick, caps=HISTORY_CAPS)


def leaked(c: TestClient, secret: str) -> list[str]:
    """Lines carrying ``secret`` that reached ``c`` (after a PING round trip)."""
    c.sync()
    return [line for line in c.received if secret in line]


def refused_without_key(srv, nick: str, clients: list[TestClient]) -> TestClient:
    stranger = client(srv, nick, clients)
    stranger.send("JOIN #vault")
    assert stranger.expect("475").params[1] == "#vault"
    stranger.send("CHATHISTORY LATEST #vault * 100")
    assert stranger.expect("FAIL").params[1] == "INVALID_TARGET"
    assert not leaked(stranger, "secret")
    return stranger


def admitted_with_key(srv, nick: str, clients: list[TestClient]) -> TestClient:
    friend = client(srv, nick, clients)
    friend.send("JOIN #vault sesame")
    friend.expect("JOIN")
    friend.send("CHATHISTORY LATEST #vault * 100")
    assert [m.params[-1] for m in batch(friend)[1]] == ["secret one", "secret two"]
    friend.send("MODE #vault -k sesame")
    friend.expect("482")  # joined with the key, but not the room's operator
    friend.send("MODE #vault")
    assert friend.expect("324").params[2].startswith("+k")
    return friend


def test_keyed_secret_room_keeps_its_key_when_empty_and_after_restart(make_server, tmp_path):  # noqa: F811
    data = tmp_path / "data"
    clients: list[TestClient] = []
    try:
        srv = make_server(data_dir=data)
        alice = client(srv, "alice", clients)
        alice.join("#vault")
        alice.send("MODE #vault +sk sesame")
        alice.expect("MODE")
        say(alice, "#vault", ["secret one", "secret two"])
        alice.send("PART #vault")
        alice.expect("PART")

        probe = client(srv, "probe", clients)
        refused_without_key(srv, "mallory", clients)
        assert_live(probe)
        friend = admitted_with_key(srv, "friend", clients)
        friend.send("PART #vault")
        friend.expect("PART")

        srv.stop()
        srv = make_server(data_dir=data)
        refused_without_key(srv, "mallory2", clients)
        friend = admitted_with_key(srv, "friend2", clients)
        friend.send("PART #vault")
        friend.expect("PART")
        # The founder (same nick and host) gets the room back.
        founder = client(srv, "alice", clients)
        founder.send("JOIN #vault sesame")
        founder.expect("JOIN")
        founder.send("MODE #vault -k sesame")
        assert founder.expect("MODE").params[1] == "-k"
    finally:
        for c in clients:
            c.close()


def test_invite_only_room_stays_invite_only(make_server, tmp_path):  # noqa: F811
    clients: list[TestClient] = []
    try:
        srv = make_server(data_dir=tmp_path / "data")
        alice = client(srv, "alice", clients)
        alice.join("#club")
        alice.send("MODE #club +i")
        alice.expect("MODE")
        say(alice, "#club", ["secret plans"])
        alice.send("QUIT")
        alice.expect_closed()
        stranger = client(srv, "stranger", clients)
        stranger.send("JOIN #club")
        stranger.expect("473")
        assert not leaked(stranger, "secret")
    finally:
        for c in clients:
            c.close()


def test_history_of_a_room_whose_protection_is_unknown_is_sealed(make_server, tmp_path):  # noqa: F811
    data = tmp_path / "data"
    store = HistoryStore(data)  # lines stored with no room state (an older layout)
    store.append(
        HistoryRecord("old-1", format_time(1_700_000_000_000), "a!a@h", "PRIVMSG", "#old", "secret")
    )
    assert store.commit()
    store.close()
    clients: list[TestClient] = []
    try:
        srv = make_server(data_dir=data)
        c = client(srv, "first", clients)
        c.join("#old")
        c.send("CHATHISTORY LATEST #old * 100")
        assert batch(c)[1] == []
        assert not leaked(c, "secret")
        say(c, "#old", ["new line"])  # what it says from now on is history as usual
        c.send("CHATHISTORY LATEST #old * 100")
        assert [m.params[-1] for m in batch(c)[1]] == ["new line"]
        c.send("PART #old")
        c.expect("PART")
        srv.stop()
        srv = make_server(data_dir=data)
        again = client(srv, "again", clients)
        again.join("#old")
        again.send("CHATHISTORY LATEST #old * 100")
        assert [m.params[-1] for m in batch(again)[1]] == ["new line"]
    finally:
        for c in clients:
            c.close()
