"""WHO, WHOIS, WHOWAS, ISON, USERHOST, LUSERS, VERSION, TIME, INFO."""

from __future__ import annotations


def test_who_channel_and_mask(connect):
    alice = connect("alice")
    bob = connect("bob", caps=("multi-prefix",))
    alice.join("#w")
    bob.join("#w")
    alice.send("MODE #w +v alice")
    bob.expect("MODE")
    bob.send("WHO #w")
    replies = bob.collect("315")
    rows = {m.params[5]: m.params for m in replies if m.command == "352"}
    assert set(rows) == {"alice", "bob"}
    a = rows["alice"]
    assert a[:6] == ("bob", "#w", "alice", "127.0.0.1", "test.server", "alice")
    assert a[6] == "H@+" and a[7] == "0 Real alice"
    assert rows["bob"][6] == "H"
    assert replies[-1].params[1] == "#w"
    bob.send("WHO ali*")
    rows = [m.params for m in bob.collect("315") if m.command == "352"]
    assert [r[5] for r in rows] == ["alice"] and rows[0][1] == "#w"


def test_who_hides_invisible_strangers(connect):
    alice, stranger = connect("alice"), connect("stranger")
    alice.send("MODE alice +i")
    alice.expect("MODE")
    stranger.send("WHO alice")
    assert not [m for m in stranger.collect("315") if m.command == "352"]


def test_whois(connect):
    alice, bob = connect("alice"), connect("bob")
    alice.join("#one")
    alice.send("AWAY :busy")
    alice.expect("306")
    bob.send("WHOIS alice")
    replies = {m.command: m.params for m in bob.collect("318")}
    assert replies["311"][1:] == ("alice", "alice", "127.0.0.1", "*", "Real alice")
    assert replies["319"][1:] == ("alice", "@#one")
    assert replies["312"][1:3] == ("alice", "test.server")
    assert replies["301"][1:] == ("alice", "busy")
    assert replies["317"][1] == "alice" and replies["317"][2].isdigit()
    assert "313" not in replies
    bob.send("WHOIS ghost")
    assert bob.expect("401").params[1] == "ghost"
    bob.expect("318")
    bob.send("WHOIS")
    bob.expect("431")


def test_whowas(connect):
    alice, bob = connect("alice"), connect("bob")
    alice.send("NICK alicia")
    alice.expect("NICK")
    bob.send("WHOWAS alice")
    replies = bob.collect("369")
    assert replies[0].command == "314"
    assert replies[0].params[1:] == ("alice", "alice", "127.0.0.1", "*", "Real alice")
    bob.send("WHOWAS nobody")
    assert bob.expect("406").params[1] == "nobody"
    bob.expect("369")


def test_ison_and_userhost(connect):
    alice, bob = connect("alice"), connect("bob")
    alice.send("AWAY :afk")
    alice.expect("306")
    bob.send("ISON alice ghost BOB")
    assert bob.expect("303").params[-1] == "alice bob"
    bob.send("USERHOST alice bob ghost")
    entries = bob.expect("302").params[-1].split()
    assert entries == ["alice=-alice@127.0.0.1", "bob=+bob@127.0.0.1"]
    bob.send("ISON")
    bob.expect("461")


def test_server_queries(connect):
    c = connect("c")
    connect("d")
    c.send("LUSERS")
    lusers = {m.command: m.params for m in c.collect("266")}
    assert "2 users" in lusers["251"][-1]
    assert lusers["255"][-1] == "I have 2 clients and 0 servers"
    c.send("VERSION")
    version = c.expect("351")
    assert version.params[1].startswith("tui-chat") and version.params[2] == "test.server"
    c.expect("005")
    c.send("TIME")
    assert c.expect("391").params[1] == "test.server"
    c.send("INFO")
    info = c.collect("374")
    assert info[0].command == "371"
    c.send("MOTD")
    c.expect("422")
    c.send("NOSUCHCOMMAND arg")
    assert c.expect("421").params[1] == "NOSUCHCOMMAND"
