"""setname: SETNAME changes the realname and tells those sharing a channel who asked to know."""

from __future__ import annotations


def _isupport(c) -> set[str]:
    c.send("VERSION")
    got = c.collect(lambda m: m.command == "005" and "NETWORK" in " ".join(m.params))
    return {t for m in got if m.command == "005" for t in m.params[1:-1]}


def test_setname_is_relayed_to_capable_peers_and_seen_in_whois(connect):
    alice = connect("alice", caps=("setname",))
    bob = connect("bob", caps=("setname",))
    carol = connect("carol")  # no capability: never sent SETNAME
    stranger = connect("dave", caps=("setname",))  # shares no channel
    for c in (alice, bob, carol):
        c.join("#room")
    alice.send("SETNAME :Alice Pleasance Liddell")
    mine = alice.expect("SETNAME")
    assert mine.source.startswith("alice!") and mine.params == ("Alice Pleasance Liddell",)
    assert bob.expect("SETNAME").params == ("Alice Pleasance Liddell",)
    assert not [m for m in carol.sync() if m.command == "SETNAME"]
    assert not [m for m in stranger.sync() if m.command == "SETNAME"]
    carol.send("WHOIS alice")
    assert carol.expect("311").params[-1] == "Alice Pleasance Liddell"


def test_setname_without_the_cap_is_obeyed_silently(connect):
    alice = connect("alice")
    alice.send("SETNAME :Quiet Change")
    alice.send("WHOIS alice")
    assert alice.expect("311").params[-1] == "Quiet Change"


def test_invalid_realname_fails_and_namelen_is_advertised(connect):
    alice = connect("alice", caps=("setname",))
    assert "NAMELEN=100" in _isupport(alice)
    alice.send("SETNAME :" + "x" * 101)
    fail = alice.expect("FAIL")
    assert fail.params[:2] == ("SETNAME", "INVALID_REALNAME")
    alice.send("SETNAME :")
    assert alice.expect("FAIL").params[:2] == ("SETNAME", "INVALID_REALNAME")
    alice.send("SETNAME :" + "y" * 100)
    assert alice.expect("SETNAME").params == ("y" * 100,)
