"""labeled-response (with batch): every command's reply carries the client's label."""

from __future__ import annotations

from tui_chat.irc.message import Message

from .ircclient import TestClient

LABELED = ("batch", "labeled-response")


def _reply(c: TestClient, line: str, label: str) -> list[Message]:
    """Send ``line`` labeled; return the labeled reply (a batch comes back whole)."""
    c.send(f"@label={label} {line}")
    first = c.expect(lambda m: m.tags.get("label") == label)
    if first.command != "BATCH":
        return [first]
    ref = first.params[0][1:]
    got = c.collect(lambda m: m.command == "BATCH" and m.params[0] == "-" + ref)
    return [first, *got]


def _batch_body(reply: list[Message]) -> list[Message]:
    """The lines of a labeled-response batch, each checked to carry the batch's tag."""
    start, *body, end = reply
    assert start.params[1] == "labeled-response"
    ref = start.params[0][1:]
    assert end.params == ("-" + ref,)
    assert "label" not in end.tags
    for m in body:
        assert "label" not in m.tags
    return body


def test_ping_reply_carries_the_label(connect):
    alice = connect("alice", caps=LABELED)
    (pong,) = _reply(alice, "PING tok", "a1")
    assert pong.command == "PONG" and pong.params[-1] == "tok"


def test_command_without_reply_gets_ack(connect):
    alice = connect("alice", caps=LABELED)
    bob = connect("bob")
    alice.join("#room")
    bob.join("#room")
    (ack,) = _reply(alice, "PRIVMSG #room :hi", "x")  # no echo-message: nothing to say
    assert ack.command == "ACK" and ack.source == "test.server" and not ack.params
    got = bob.expect("PRIVMSG")
    assert "label" not in got.tags


def test_echo_message_is_the_labeled_reply_and_others_see_no_label(connect):
    alice = connect("alice", caps=(*LABELED, "echo-message", "message-tags"))
    bob = connect("bob", caps=("message-tags",))
    alice.join("#room")
    bob.join("#room")
    (echo,) = _reply(alice, "PRIVMSG #room :hello", "e1")
    assert echo.command == "PRIVMSG" and echo.params == ("#room", "hello")
    assert "msgid" in echo.tags
    relayed = bob.expect("PRIVMSG")
    assert "label" not in relayed.tags and relayed.tags["msgid"] == echo.tags["msgid"]


def test_message_to_self_with_echo_is_labeled_once(connect):
    alice = connect("alice", caps=(*LABELED, "echo-message"))
    (echo,) = _reply(alice, "PRIVMSG alice :me", "s")
    assert echo.command == "PRIVMSG"
    assert [m.command for m in alice.sync()] == []


def test_error_reply_is_labeled(connect):
    alice = connect("alice", caps=LABELED)
    (err,) = _reply(alice, "PRIVMSG nobody :hi", "n")
    assert err.command == "401"
    (unknown,) = _reply(alice, "FROBNICATE", "u")
    assert unknown.command == "421"
    (missing,) = _reply(alice, "JOIN", "m")
    assert missing.command == "461"


def test_whois_who_names_mode_come_in_a_labeled_batch(connect):
    alice = connect("alice", caps=LABELED)
    bob = connect("bob")
    alice.join("#room")
    bob.join("#room")
    whois = _batch_body(_reply(alice, "WHOIS bob", "w"))
    assert whois[0].command == "311" and whois[-1].command == "318"
    who = _batch_body(_reply(alice, "WHO #room", "who"))
    assert {m.params[5] for m in who if m.command == "352"} == {"alice", "bob"}
    assert who[-1].command == "315"
    names = _batch_body(_reply(alice, "NAMES #room", "n"))
    assert [m.command for m in names] == ["353", "366"]
    mode = _batch_body(_reply(alice, "MODE #room", "md"))
    assert [m.command for m in mode] == ["324", "329"]
    # A mode change is one line (the MODE relayed back): labeled without a batch.
    (changed,) = _reply(alice, "MODE #room +m", "mm")
    assert changed.command == "MODE" and changed.params == ("#room", "+m")
    assert "label" not in bob.expect("MODE").tags


def test_chathistory_batch_nests_inside_the_labeled_batch(make_server, tmp_path):
    srv = make_server(data_dir=tmp_path / "data")
    alice = TestClient(srv.port)
    try:
        alice.register("alice", caps=(*LABELED, "draft/chathistory", "server-time", "message-tags"))
        alice.join("#h")
        for i in range(3):
            alice.send(f"PRIVMSG #h :m{i}")
        alice.sync()
        reply = _reply(alice, "CHATHISTORY LATEST #h * 10", "h")
        body = _batch_body(reply)
        outer = reply[0].params[0][1:]
        start, *inner, end = body
        assert start.command == "BATCH" and start.params[1] == "chathistory"
        assert start.tags["batch"] == outer and end.tags["batch"] == outer
        ref = start.params[0][1:]
        assert [m.params[1] for m in inner] == ["m0", "m1", "m2"]
        assert all(m.tags["batch"] == ref for m in inner)
    finally:
        alice.close()


def test_no_label_without_batch_or_without_the_cap(connect):
    only_label = connect("alice", caps=("labeled-response",))
    only_label.send("@label=q PING tok")
    pong = only_label.expect("PONG")
    assert "label" not in pong.tags
    plain = connect("bob", caps=("batch", "message-tags"))
    plain.send("@label=q PING tok")
    assert "label" not in plain.expect("PONG").tags
    # Negotiated in either order, the pair turns labels on.
    only_label.send("CAP REQ batch")
    only_label.expect("CAP")
    only_label.send("@label=r PING tok")
    assert only_label.expect("PONG").tags.get("label") == "r"


def test_label_value_is_escaped_back(connect):
    alice = connect("alice", caps=LABELED)
    alice.send(r"@label=a\sb\:c PING tok")
    pong = alice.expect("PONG")
    assert pong.tags["label"] == "a b;c"


def test_earlier_channel_lines_in_the_same_packet_are_not_part_of_the_reply(connect):
    # The echo of a fast-path channel line waits in the output's channel batch; a labeled
    # command read in the same pass must not take it for its own reply.
    alice = connect("alice", caps=(*LABELED, "echo-message"))
    alice.join("#room")
    alice.send_raw(b"PRIVMSG #room :first\r\n@label=p PING tok\r\n")
    echo = alice.expect("PRIVMSG")
    assert "label" not in echo.tags
    pong = alice.expect("PONG")
    assert pong.tags["label"] == "p"
