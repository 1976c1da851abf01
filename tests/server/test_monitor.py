"""MONITOR: online/offline notices for watched nicks, the list commands and its limit."""

from __future__ import annotations


def _isupport(c) -> set[str]:
    c.send("VERSION")
    got = c.collect(lambda m: m.command == "005" and "NETWORK" in " ".join(m.params))
    return {t for m in got if m.command == "005" for t in m.params[1:-1]}


def test_adding_targets_reports_who_is_online_and_offline(connect):
    alice = connect("alice")
    connect("bob")
    alice.send("MONITOR + Bob,carol,bad!nick")
    online = alice.expect("730")
    assert online.params == ("alice", "bob!bob@127.0.0.1")
    offline = alice.expect("731")
    assert offline.params == ("alice", "carol")
    assert "MONITOR=100" in _isupport(alice)


def test_watchers_hear_of_connect_nick_change_and_quit(connect):
    alice = connect("alice")
    alice.send("MONITOR + carol,dave")
    alice.expect("731")
    carol = connect("carol")
    assert alice.expect("730").params[1] == "carol!carol@127.0.0.1"
    carol.send("NICK dave")
    assert alice.expect("731").params[1] == "carol"
    assert alice.expect("730").params[1] == "dave!carol@127.0.0.1"
    carol.send("NICK Dave")  # a change of case: still online, nothing to say
    carol.expect("NICK")
    assert not [m for m in alice.sync() if m.command in ("730", "731")]
    carol.send("QUIT :bye")
    assert alice.expect("731").params[1] == "Dave"


def test_list_status_remove_and_clear(connect):
    alice = connect("alice")
    connect("bob")
    alice.send("MONITOR + bob,carol")
    alice.expect("731")
    alice.send("MONITOR L")
    got = alice.collect("733")
    listed = {n for m in got if m.command == "732" for n in m.params[1].split(",")}
    assert listed == {"bob", "carol"}
    alice.send("MONITOR S")
    got = alice.collect("731")
    assert [m.command for m in got if m.command in ("730", "731")] == ["730", "731"]
    alice.send("MONITOR - bob")
    alice.send("MONITOR L")
    got = alice.collect("733")
    assert [m.params[1] for m in got if m.command == "732"] == ["carol"]
    alice.send("MONITOR C")
    alice.send("MONITOR L")
    got = alice.collect("733")
    assert [m for m in got if m.command == "732"] == []
    connect("carol")  # no longer watched: nothing said
    assert not [m for m in alice.sync() if m.command in ("730", "731")]


def test_full_list_gets_734_with_the_targets_left_out(connect):
    alice = connect("alice")
    nicks = [f"n{i}" for i in range(105)]
    alice.send("MONITOR + " + ",".join(nicks[:60]))
    alice.send("MONITOR + " + ",".join(nicks[60:]))
    full = alice.expect("734")
    assert full.params[1:3] == ("100", ",".join(nicks[100:]))
    alice.send("MONITOR L")
    got = alice.collect("733")
    listed = [n for m in got if m.command == "732" for n in m.params[1].split(",")]
    assert sorted(listed) == sorted(nicks[:100])
    assert all(len(line.encode()) <= 510 for line in alice.received)
