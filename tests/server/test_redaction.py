"""draft/message-redaction through the real server: REDACT, its relay, and history without it."""

from __future__ import annotations

import pytest

from .ircclient import TestClient

REDACT = "draft/message-redaction"
CAPS = ("message-tags", "echo-message", "server-time", "batch", "draft/chathistory", REDACT)


@pytest.fixture
def server(make_server, tmp_path):
    return make_server(data_dir=tmp_path / "data", history_private=True)


def said(c: TestClient, target: str, text: str) -> str:
    """Send a line with echo-message on; return its msgid."""
    c.send(f"PRIVMSG {target} :{text}")
    echo = c.expect(lambda m: m.command == "PRIVMSG" and m.params[-1] == text)
    return echo.tags["msgid"]


def latest(c: TestClient, target: str) -> list[str]:
    c.send(f"CHATHISTORY LATEST {target} * 50")
    start = c.expect(lambda m: m.command == "BATCH" and m.params[0].startswith("+"))
    ref = start.params[0][1:]
    inside = c.collect(lambda m: m.command == "BATCH" and m.params[0] == "-" + ref)[:-1]
    return [m.params[-1] for m in inside if m.command in ("PRIVMSG", "NOTICE")]


def test_cap_offered_with_history_only(make_server, server):
    bare = make_server()
    for srv, has in ((server, True), (bare, False)):
        c = TestClient(srv.port)
        try:
            c.send("CAP LS 302")
            assert (REDACT in c.expect("CAP").params[-1].split()) is has
        finally:
            c.close()


def test_own_message_redacted_relayed_and_gone_from_history(connect):
    alice = connect("alice", caps=CAPS)
    bob = connect("bob", caps=CAPS)
    carol = connect("carol", caps=("message-tags", "echo-message"))  # no redaction cap
    for c in (alice, bob, carol):
        c.join("#room")
    keep = said(alice, "#room", "keep me")
    gone = said(alice, "#room", "oops, my password")
    bob.expect(lambda m: m.command == "PRIVMSG" and m.params[-1] == "oops, my password")
    alice.send(f"REDACT #room {gone} :typo")
    echo = alice.expect("REDACT")
    assert echo.params == ("#room", gone, "typo")
    assert echo.source.startswith("alice!")
    assert echo.tags.get("msgid") and echo.tags.get("time")
    seen = bob.expect("REDACT")
    assert seen.params == ("#room", gone, "typo")
    # Without the capability: no REDACT (the spec's MUST NOT).
    assert not [m for m in carol.sync() if "REDACT" in m.to_line()]
    assert latest(bob, "#room") == ["keep me"]
    assert keep
    # A later joiner's replay does not carry it either.
    dave = connect("dave")
    dave.send("JOIN #room")
    got = dave.collect(lambda m: m.command == "366")
    got += dave.sync()
    text = "\n".join(m.to_line() for m in got)
    assert "keep me" in text and "password" not in text


def test_redact_without_reason_and_private(connect):
    alice = connect("alice", caps=CAPS)
    bob = connect("bob", caps=CAPS)
    gone = said(alice, "bob", "private oops")
    bob.expect(lambda m: m.command == "PRIVMSG" and m.params[-1] == "private oops")
    # The recipient may not delete what the other party said.
    bob.send(f"REDACT alice {gone}")
    assert bob.expect("FAIL").params == (
        "REDACT",
        "REDACT_FORBIDDEN",
        "alice",
        gone,
        "You are not authorised to delete this message",
    )
    alice.send(f"REDACT bob {gone}")
    assert alice.expect("REDACT").params == ("bob", gone)
    assert bob.expect("REDACT").params == ("bob", gone)
    assert latest(alice, "bob") == []


def test_channel_operator_may_redact_others(connect):
    op = connect("op", caps=CAPS)
    op.join("#mod")  # first in: operator
    spammer = connect("spammer", caps=CAPS)
    spammer.join("#mod")
    bystander = connect("bystander", caps=CAPS)
    bystander.join("#mod")
    spam = said(spammer, "#mod", "buy things")
    mine = said(op, "#mod", "the op's words")
    # An ordinary member may not delete someone else's line.
    bystander.send(f"REDACT #mod {mine}")
    fail = bystander.expect("FAIL").params
    assert fail[:4] == ("REDACT", "REDACT_FORBIDDEN", "#mod", mine)
    op.send(f"REDACT #mod {spam} :spam")
    assert spammer.expect("REDACT").params == ("#mod", spam, "spam")
    assert bystander.expect("REDACT").source.startswith("op!")
    assert latest(bystander, "#mod") == ["the op's words"]


def test_errors(connect):
    alice = connect("alice", caps=CAPS)
    alice.join("#here")
    mine = said(alice, "#here", "hello")
    alice.send(f"REDACT #nowhere {mine}")
    assert alice.expect("FAIL").params[:3] == ("REDACT", "INVALID_TARGET", "#nowhere")
    alice.send(f"REDACT nosuchnick {mine}")
    assert alice.expect("FAIL").params[:3] == ("REDACT", "INVALID_TARGET", "nosuchnick")
    alice.send("REDACT #here no-such-id")
    assert alice.expect("FAIL").params[:4] == ("REDACT", "UNKNOWN_MSGID", "#here", "no-such-id")
    alice.send("REDACT #here")
    alice.expect("461")
    # Redacted once: a second time it is unknown.
    alice.send(f"REDACT #here {mine}")
    alice.expect("REDACT")
    alice.send(f"REDACT #here {mine}")
    assert alice.expect("FAIL").params[1] == "UNKNOWN_MSGID"


def test_unknown_command_without_history(make_server):
    bare = make_server()
    c = TestClient(bare.port)
    try:
        c.register("alice")
        c.send("REDACT #x abc")
        assert c.expect("421").params[1] == "REDACT"
    finally:
        c.close()


def test_standard_client_sees_redact(connect, server):
    """The ``irc`` library (a standard client) negotiates the cap and gets the REDACT."""
    irc_client = pytest.importorskip("irc.client")
    reactor = irc_client.Reactor()
    seen: list[tuple[str, list[str]]] = []
    conn = reactor.server().connect("127.0.0.1", server.port, "libuser")
    conn.add_global_handler("all_raw_messages", lambda c, e: seen.append(("raw", [e.arguments[0]])))
    conn.cap("REQ", "message-tags", REDACT)
    conn.cap("END")
    conn.join("#lib")
    alice = connect("alice", caps=CAPS)

    def pump_until(pred, rounds: int = 200) -> bool:
        for _ in range(rounds):
            reactor.process_once(0.02)
            if pred():
                return True
        return False

    assert pump_until(lambda: any(" 366 " in line[0] for _, line in seen))
    alice.join("#lib")
    msgid = said(alice, "#lib", "to be deleted")
    alice.send(f"REDACT #lib {msgid}")
    alice.expect("REDACT")
    assert pump_until(lambda: any(f"REDACT #lib {msgid}" in line[0] for _, line in seen))
    conn.close()


def test_reply_tag_reaches_others_with_the_msgid(connect):
    """+draft/reply is a client-only tag: relayed as sent, on a line with its own msgid."""
    alice = connect("alice", caps=CAPS)
    bob = connect("bob", caps=("message-tags",))
    plain = connect("plain")  # no message-tags: the same line, no tags
    for c in (alice, bob, plain):
        c.join("#r")
    first = said(alice, "#r", "question?")
    bob.send(f"@+draft/reply={first} PRIVMSG #r :answer")
    got = alice.expect(lambda m: m.command == "PRIVMSG" and m.params[-1] == "answer")
    assert got.tags["+draft/reply"] == first
    assert got.tags["msgid"] and got.tags["msgid"] != first
    seen = plain.expect(lambda m: m.command == "PRIVMSG" and m.params[-1] == "answer")
    assert not seen.tags
