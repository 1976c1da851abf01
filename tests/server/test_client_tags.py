"""Client-only tags (IRCv3 message-tags): relayed as sent, up to 4094 bytes of tag data."""

from __future__ import annotations

from tui_chat.irc.limits import MAX_CLIENT_TAGS_BYTES


def _tag_data(size: int, key: str = "+example.com/big") -> str:
    """A tag section (without '@' and space) of exactly ``size`` bytes."""
    head = f"{key}="
    return head + "v" * (size - len(head))


def test_tag_data_up_to_4094_bytes_is_relayed_and_one_byte_more_gets_417(connect):
    alice = connect("alice", caps=("message-tags",))
    bob = connect("bob", caps=("message-tags", "server-time"))
    alice.join("#tags")
    bob.join("#tags")
    data = _tag_data(MAX_CLIENT_TAGS_BYTES)
    assert len(data.encode()) == MAX_CLIENT_TAGS_BYTES
    alice.send(f"@{data} TAGMSG #tags")
    got = bob.expect("TAGMSG")
    assert got.tags["+example.com/big"] == data.partition("=")[2]
    # Server tags come first, the client's after them, all on one line within 8191 bytes.
    assert bob.received[-1].startswith("@time=")
    assert len(bob.received[-1].partition(" ")[0].encode()) <= 8191
    alice.send(f"@{data} PRIVMSG bob :hi")
    got = bob.expect("PRIVMSG")
    assert got.params == ("bob", "hi") and got.tags["+example.com/big"] == data.partition("=")[2]
    assert not [m for m in alice.sync() if m.command == "417"]
    # One byte more is refused with 417, not cut, and not relayed.
    alice.send(f"@{_tag_data(MAX_CLIENT_TAGS_BYTES + 1)} TAGMSG bob")
    alice.expect("417")
    assert not [m for m in bob.sync() if m.command == "TAGMSG"]
    # Under the limit, with several tags and escaped values, still relayed exactly.
    alice.send(r"@+typing=active;+a=x\sy\:z;server-only=1 TAGMSG bob")
    got = bob.expect("TAGMSG")
    assert got.tags["+typing"] == "active" and got.tags["+a"] == "x y;z"
    assert "server-only" not in got.tags  # tags without '+' are never relayed


def test_tagmsg_to_a_nick_without_message_tags_is_not_delivered(connect):
    alice = connect("alice", caps=("message-tags",))
    plain = connect("plain", caps=("server-time",))
    alice.send(f"@{_tag_data(MAX_CLIENT_TAGS_BYTES)} TAGMSG plain")
    alice.send("@+typing=active TAGMSG plain")
    assert not [m for m in plain.sync() if m.command == "TAGMSG"]
    assert not [m for m in alice.sync() if m.command in ("417", "401")]
