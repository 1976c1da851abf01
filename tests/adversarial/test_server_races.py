"""KICK and MODE racing each other: two operators kick each other in the same instant, an
operator deops itself before kicking, the last member kicks itself out of the room.

Whatever order the server picks, the room's state stays consistent, the loser's pipelined
commands are refused, nobody gets an internal error, and the bystander stays live.
"""

from __future__ import annotations

from tests.server.ircclient import TestClient

from .server_helpers import assert_live, connect, make_server, server  # noqa: F401


def names(c: TestClient, channel: str) -> set[str]:
    c.send(f"NAMES {channel}")
    got = c.collect(lambda m: m.command == "366")
    return {n for m in got if m.command == "353" for n in m.params[-1].split()}


def test_two_operators_kick_each_other_at_once(connect):  # noqa: F811
    a, b, watcher = connect("opa"), connect("opb"), connect("watcher")
    a.join("#r")
    b.join("#r")
    watcher.join("#r")
    a.send("MODE #r +o opb")
    watcher.expect("MODE")
    # Both in flight together; b pipelines more behind its KICK.
    a.send_raw(b"KICK #r opb :race\r\n")
    b.send_raw(b"KICK #r opa :race\r\nMODE #r +i\r\nPRIVMSG #r :after\r\n")
    kick = watcher.expect("KICK")
    winner, loser = (a, b) if kick.params[1] == "opb" else (b, a)
    assert_live(watcher, "after a KICK race")
    seen = watcher.sync()
    assert not [m for m in seen if m.command == "KICK"], "both were kicked"
    assert names(watcher, "#r") == {f"@{winner.nick}", "watcher"}
    if loser is b:  # b's later commands ran after it was out of the room: refused
        assert not [m for m in seen if m.command in ("MODE", "PRIVMSG")]
    else:
        assert [m.params[-1] for m in seen if m.command == "PRIVMSG"] == ["after"]
    for c in (a, b):
        assert not [m for m in c.sync() if m.command == "400"], "an internal error"


def test_deop_then_kick_and_the_last_member_kicking_itself(connect):  # noqa: F811
    op, member, probe = connect("op"), connect("member"), connect("probe")
    op.join("#s")
    member.join("#s")
    op.send_raw(b"MODE #s -o op\r\nKICK #s member\r\nMODE #s +o op\r\n")
    assert op.expect(lambda m: m.command in ("KICK", "482")).command == "482"
    assert op.expect(lambda m: m.command in ("MODE", "482")).command == "482"
    member.send("PART #s")
    member.expect("PART")
    # Alone and without operator status: it cannot kick itself; opped again it can, and the
    # room is gone at once; a MODE behind the KICK finds no room.
    op.send("KICK #s op")
    op.expect("482")
    op.send("PART #s")
    op.expect("PART")
    op.join("#s")  # recreated: op again
    op.send_raw(b"KICK #s op :bye\r\nMODE #s +i\r\n")
    op.expect("KICK")
    assert op.expect(lambda m: m.command in ("MODE", "403")).command == "403"
    op.send("JOIN #s")
    op.expect("JOIN")
    assert names(op, "#s") == {"@op"}, "a room recreated after its last member left"
    op.send("MODE #s")
    assert "i" not in op.expect("324").params[2]
    assert_live(probe)
