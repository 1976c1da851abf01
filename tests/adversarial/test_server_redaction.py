"""REDACT from hostile users: forged and guessed msgids, other people's messages, floods."""

from __future__ import annotations

import pytest

from tests.server.ircclient import TestClient

from .server_helpers import assert_live
from .server_helpers import make_server as make_server

CAPS = ("message-tags", "echo-message", "server-time", "batch", "draft/chathistory")
CAPS += ("draft/message-redaction",)


@pytest.fixture
def srv(make_server, tmp_path):
    return make_server(data_dir=tmp_path / "data", history_private=True)


@pytest.fixture
def clients():
    made: list[TestClient] = []
    yield made
    for c in made:
        c.close()


def user(srv, clients, nick: str, caps=CAPS) -> TestClient:
    c = TestClient(srv.port).register(nick, caps=tuple(caps))
    clients.append(c)
    return c


def said(c: TestClient, target: str, text: str) -> str:
    c.send(f"PRIVMSG {target} :{text}")
    return c.expect(lambda m: m.command == "PRIVMSG" and m.params[-1] == text).tags["msgid"]


def stored(c: TestClient, target: str) -> list[str]:
    c.send(f"CHATHISTORY LATEST {target} * 50")
    start = c.expect(lambda m: m.command == "BATCH" and m.params[0].startswith("+"))
    ref = start.params[0][1:]
    inside = c.collect(lambda m: m.command == "BATCH" and m.params[0] == "-" + ref)[:-1]
    return [m.params[-1] for m in inside if m.command == "PRIVMSG"]


def fail_code(c: TestClient) -> str:
    return c.expect("FAIL").params[1]


def test_forged_and_foreign_msgids(srv, clients):
    alice = user(srv, clients, "alice")
    alice.join("#secret")
    msgid = said(alice, "#secret", "only for #secret")
    mallory = user(srv, clients, "mallory")
    mallory.join("#other")
    # A real msgid of a room mallory is not in: refused without saying whether it exists.
    mallory.send(f"REDACT #secret {msgid}")
    assert fail_code(mallory) == "INVALID_TARGET"
    # The same msgid through a room mallory is in: it is not that room's message.
    mallory.send(f"REDACT #other {msgid}")
    assert fail_code(mallory) == "UNKNOWN_MSGID"
    # The right seq under another run prefix, an overlong tail, junk.
    seq = msgid.rpartition("-")[2]
    for forged in (f"forged-{seq}", "x-" + "f" * 40, "-", "::", "a-zz"):
        mallory.send(f"REDACT #other {forged}")
        assert fail_code(mallory) == "UNKNOWN_MSGID"
    # A private conversation mallory was never part of.
    bob = user(srv, clients, "bob")
    private = said(alice, "bob", "between us")
    mallory.send(f"REDACT alice {private}")
    assert fail_code(mallory) == "UNKNOWN_MSGID"
    mallory.send(f"REDACT bob {private}")
    assert fail_code(mallory) == "UNKNOWN_MSGID"
    assert stored(alice, "#secret") == ["only for #secret"]
    assert stored(bob, "alice") == ["between us"]


def test_taking_a_nick_does_not_give_its_messages(srv, clients):
    alice = user(srv, clients, "alice")
    alice.join("#room")
    msgid = said(alice, "#room", "alice's words")
    witness = user(srv, clients, "witness")
    witness.join("#room")
    alice.send("QUIT :bye")
    alice.expect_closed()
    # Same nick, same user name, same address: the very prefix alice's line was stored with.
    mallory = user(srv, clients, "alice")
    mallory.join("#room")
    mallory.send(f"REDACT #room {msgid}")
    assert fail_code(mallory) == "REDACT_FORBIDDEN"
    assert stored(witness, "#room") == ["alice's words"]


def test_nick_taken_over_at_once_does_not_give_its_messages(srv, clients):
    """The holder renames and a look-alike takes the nick, likely within the same millisecond:
    the prefix matches exactly, and only the order of events tells them apart."""
    witness = user(srv, clients, "witness")
    witness.join("#room")  # the operator: neither of the others is
    bob = user(srv, clients, "bob")
    bob.join("#room")
    mallory = TestClient(srv.port)
    clients.append(mallory)
    mallory.send("CAP REQ :message-tags echo-message draft/message-redaction")
    mallory.send("NICK mallory")
    mallory.send("USER bob 0 * :Real bob")  # bob's user name, from bob's address
    mallory.send("CAP END")
    mallory.expect("001")
    mallory.join("#room")
    bob.send("PRIVMSG #room :bob speaks")
    bob.send("NICK bob2")
    msgid = mallory.expect(lambda m: m.command == "PRIVMSG").tags["msgid"]
    mallory.expect(lambda m: m.command == "NICK" and m.params[0] == "bob2")
    mallory.send("NICK bob")
    mallory.expect(lambda m: m.command == "NICK" and m.params[0] == "bob")
    assert mallory.received[-1].split(" ")[1].startswith(":mallory!bob@")
    mallory.send(f"REDACT #room {msgid}")
    assert fail_code(mallory) == "REDACT_FORBIDDEN"
    assert stored(witness, "#room") == ["bob speaks"]


def test_redact_flood_keeps_the_server_live(srv, clients):
    probe = user(srv, clients, "probe", caps=())
    alice = user(srv, clients, "alice")
    alice.join("#room")
    keep = said(alice, "#room", "stays")
    mallory = user(srv, clients, "mallory")
    mallory.join("#room")
    burst = "".join(f"REDACT #room {keep[:-1]}{i % 10} :x\r\n" for i in range(2000))
    burst += "".join(f"REDACT #room {keep}\r\n" for _ in range(500))
    mallory.send_raw(burst.encode())
    for _ in range(5):
        assert_live(probe, "during a REDACT flood")
    # Not one of them deleted alice's line: mallory is neither its sender nor an operator.
    assert stored(alice, "#room") == ["stays"]
