"""OPER (with throttling), KILL, WALLOPS, operator override and ServerThread.make_operator."""

from __future__ import annotations

import time

import pytest

from .ircclient import TestClient


@pytest.fixture
def oper_server(make_server):
    return make_server(opers={"admin": "hunter2"}, oper_fail_delay=0.4)


@pytest.fixture
def oconnect(oper_server):
    clients = []

    def factory(nick, caps=()):
        c = TestClient(oper_server.port)
        clients.append(c)
        return c.register(nick, caps=caps)

    yield factory
    for c in clients:
        c.close()


def test_oper_success(oconnect):
    alice, bob = oconnect("alice"), oconnect("bob")
    alice.send("OPER admin hunter2")
    assert alice.expect("MODE").params == ("alice", "+o")
    alice.expect("381")
    bob.send("WHOIS alice")
    assert "313" in [m.command for m in bob.collect("318")]
    bob.send("USERHOST alice")
    assert bob.expect("302").params[-1] == "alice*=+alice@127.0.0.1"
    bob.send("LUSERS")
    assert bob.expect("252").params[1] == "1"


def test_wrong_oper_password_is_throttled(oconnect):
    mallory, bystander = oconnect("mallory"), oconnect("bystander")
    mallory.send("OPER admin guess1")
    mallory.expect("464")
    start = time.monotonic()
    mallory.send("OPER admin guess2")
    mallory.expect("464")
    first_delay = time.monotonic() - start
    assert first_delay >= 0.35, "second guess answered without delay"
    start = time.monotonic()
    mallory.send("OPER nobody x")
    mallory.expect("464")
    assert time.monotonic() - start >= 0.7, "delay does not grow"
    # nobody else is slowed down meanwhile
    mallory.send("OPER admin guess4")
    start = time.monotonic()
    bystander.sync()
    assert time.monotonic() - start < 0.5
    mallory.send("OPER admin hunter2")  # the right password still works after the wait
    mallory.expect("381", timeout=10)


def test_kill_and_wallops(oconnect):
    oper, victim, watcher = oconnect("oper"), oconnect("victim"), oconnect("watcher")
    victim.send("KILL watcher :nope")
    victim.expect("481")
    victim.send("WALLOPS :hi")
    victim.expect("481")
    for c in (oper, victim, watcher):
        c.join("#k")
    oper.send("OPER admin hunter2")
    oper.expect("381")
    watcher.send("MODE watcher +w")
    watcher.expect("MODE")
    oper.send("WALLOPS :maintenance soon")
    wallops = watcher.expect("WALLOPS")
    assert wallops.source.startswith("oper!") and wallops.params == ("maintenance soon",)
    assert not [m for m in victim.sync() if m.command == "WALLOPS"]
    oper.send("KILL ghost :x")
    oper.expect("401")
    oper.send("KILL victim :spamming")
    kill = victim.expect("KILL")
    assert kill.params == ("victim", "spamming")
    victim.expect("ERROR")
    victim.expect_closed()
    quit_msg = watcher.expect("QUIT")
    assert quit_msg.source.startswith("victim!")
    assert "Killed (oper (spamming))" in quit_msg.params[-1]


def test_operator_overrides_channel_privileges(oconnect):
    chanop, oper, member = oconnect("chanop"), oconnect("oper"), oconnect("member")
    chanop.join("#o")
    member.join("#o")
    oper.send("OPER admin hunter2")
    oper.expect("381")
    oper.send("MODE #o +m")  # not even on the channel
    chanop.expect_params("MODE", "#o", "+m")
    oper.send("TOPIC #o :set by oper")
    assert member.expect("TOPIC").params == ("#o", "set by oper")
    oper.send("KICK #o member :override")
    assert chanop.expect("KICK").params == ("#o", "member", "override")
    oper.send("KICK #o chanop")
    chanop.expect("KICK")


def test_make_operator_from_the_embedding_program(oper_server, oconnect):
    host = oconnect("host")
    oper_server.make_operator("host")
    assert host.expect("MODE").params == ("host", "+o")
    host.expect("381")
    other = oconnect("other")
    host.send("KILL other :bye")
    other.expect("KILL")
