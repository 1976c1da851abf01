"""Limits other servers enforce, proven here with the other users kept served (new ground:
tests/server/test_abuse.py covers lines, floods, SendQ and connection counts)."""

from __future__ import annotations

from tui_chat.irc.limits import MAX_CHANNELS_PER_USER, MAX_LIST_ENTRIES

from .server_helpers import assert_live, connect, make_server, server  # noqa: F401


def test_join_storm_stops_at_the_channel_limit(connect):  # noqa: F811
    c, probe = connect("joiner"), connect("probe")
    names = [f"#s{i}" for i in range(MAX_CHANNELS_PER_USER + 10)]
    c.send("JOIN " + ",".join(names))
    refused = [c.expect("405").params[1] for _ in range(10)]
    assert refused == names[MAX_CHANNELS_PER_USER:]
    assert_live(probe, "after a JOIN storm")
    c.send("LUSERS")
    assert c.expect("254").params[1] == str(MAX_CHANNELS_PER_USER)


def test_ban_list_is_bounded(make_server):  # noqa: F811
    from tests.server.ircclient import TestClient

    srv = make_server(flood_limit=False)
    op, probe = TestClient(srv.port).register("op"), TestClient(srv.port).register("probe")
    try:
        op.join("#b")
        for i in range(0, MAX_LIST_ENTRIES + 8, 4):
            op.send("MODE #b +bbbb " + " ".join(f"n{j}!*@*" for j in range(i, i + 4)))
        op.expect("478")
        assert_live(probe, "while the ban list fills")
        op.send("MODE #b +b")
        listed = [m for m in op.collect("368") if m.command == "367"]
        assert len(listed) == MAX_LIST_ENTRIES
    finally:
        op.close()
        probe.close()


def test_a_line_with_hundreds_of_tags(connect):  # noqa: F811
    alice, bob = connect("alice", caps=("message-tags",)), connect("bob", caps=("message-tags",))
    tags = ";".join(f"+t{i}" for i in range(800))[:4000]
    alice.send(f"@{tags} PRIVMSG bob :tagged")
    got = bob.expect("PRIVMSG")
    assert got.params[-1] == "tagged"
    assert_live(alice, "after a line with hundreds of tags")
