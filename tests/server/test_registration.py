"""Registration, CAP negotiation, the welcome burst, PING/PONG, NICK and QUIT."""

from __future__ import annotations

import pytest


def test_welcome_burst_and_isupport(connect):
    c = connect()
    c.send("NICK alice")
    c.send("USER al 0 * :Alice Liddell")
    burst = c.collect(lambda m: m.command in ("376", "422"))
    codes = [m.command for m in burst]
    for code in ("001", "002", "003", "004", "005", "251", "252", "253", "254", "255", "265"):
        assert code in codes
    assert codes.index("001") < codes.index("005") < codes.index("251")
    assert burst[-1].command == "422"  # no MOTD configured
    welcome = burst[0]
    assert welcome.source == "test.server" and welcome.params[0] == "alice"
    assert "alice!al@127.0.0.1" in welcome.params[-1]
    tokens = [p for m in burst if m.command == "005" for p in m.params[1:-1]]
    for token in (
        "NETWORK=tui-chat",
        "CASEMAPPING=ascii",
        "CHANTYPES=#",
        "PREFIX=(ov)@+",
        "CHANMODES=beI,k,l,imnst",
        "NICKLEN=30",
        "CHANNELLEN=50",
        "TOPICLEN=390",
        "UTF8ONLY",
    ):
        assert token in tokens
    lusers = next(m for m in burst if m.command == "251")
    assert "1 users" in lusers.params[-1]


def test_motd_from_file(make_server, tmp_path):
    motd = tmp_path / "motd.txt"
    motd.write_text("Welcome to the test box\nBe nice\n")
    server = make_server(motd_path=motd)
    from .ircclient import TestClient

    c = TestClient(server.port)
    try:
        c.send("NICK m")
        c.send("USER m 0 * :m")
        burst = c.collect("376")
        lines = [m.params[-1] for m in burst if m.command == "372"]
        assert lines == ["- Welcome to the test box", "- Be nice"]
        assert any(m.command == "375" for m in burst)
        c.send("MOTD")
        c.expect("375")
        c.expect("376")
    finally:
        c.close()


def test_commands_before_registration_get_451(connect):
    c = connect()
    c.send("JOIN #x")
    reply = c.expect("451")
    assert reply.params[0] == "*"
    c.send("PRIVMSG #x :hi")
    c.expect("451")
    c.send("PING early")  # allowed before registration
    pong = c.expect("PONG")
    assert pong.params[-1] == "early"
    c.send("FOOBAR")
    c.expect("451")


def test_password_required(make_server):
    from .ircclient import TestClient

    server = make_server(password="s3cret")
    good = TestClient(server.port)
    wrong = TestClient(server.port)
    missing = TestClient(server.port)
    try:
        good.register("good", password="s3cret")
        wrong.send("PASS nope")
        wrong.send("NICK wrong")
        wrong.send("USER w 0 * :w")
        wrong.expect("464")
        assert any(line.startswith("ERROR") for line in wrong.expect_closed())
        missing.send("NICK missing")
        missing.send("USER m 0 * :m")
        missing.expect("464")
        missing.expect("ERROR")
        assert missing.expect_closed() == []
        good.send("PASS again")
        good.expect("462")
    finally:
        for c in (good, wrong, missing):
            c.close()


def test_cap_negotiation_holds_registration(connect):
    c = connect()
    c.send("CAP LS 302")
    ls = c.expect("CAP")
    assert ls.params[:2] == ("*", "LS")
    offered = ls.params[-1].split()
    for cap in (
        "message-tags",
        "server-time",
        "echo-message",
        "multi-prefix",
        "away-notify",
        "userhost-in-names",
        "cap-notify",
    ):
        assert cap in offered
    c.send("NICK capper")
    c.send("USER capper 0 * :c")
    c.send("CAP REQ :multi-prefix bogus-cap")
    nak = c.expect("CAP")
    assert nak.params[1] == "NAK" and nak.params[-1] == "multi-prefix bogus-cap"
    c.send("CAP REQ :multi-prefix server-time")
    ack = c.expect("CAP")
    assert ack.params[1] == "ACK"
    before_end = c.sync()
    assert not [m for m in before_end if m.command == "001"], "registered before CAP END"
    c.send("CAP LIST")
    listed = c.expect("CAP")
    assert set(listed.params[-1].split()) >= {"multi-prefix", "server-time"}
    c.send("CAP END")
    c.expect("001")
    c.send("CAP REQ :-server-time")
    c.expect(lambda m: m.command == "CAP" and m.params[1] == "ACK")
    c.send("CAP LIST")
    listed = c.expect("CAP")
    assert "server-time" not in listed.params[-1].split()
    c.send("CAP BLAH")
    c.expect("410")


def test_nick_errors(connect):
    alice = connect("alice")
    c = connect()
    c.send("NICK")
    c.expect("431")
    c.send("NICK 9lives")
    assert c.expect("432").params[1] == "9lives"
    c.send("NICK ALICE")  # ascii casemapping: same nick
    assert c.expect("433").params[1] == "ALICE"
    c.send("NICK bob")
    c.send("USER bob 0 * :Bob")
    c.expect("001")
    c.send("USER again 0 * :x")
    c.expect("462")
    alice.send("NICK Bob")
    alice.expect("433")


def test_nick_change_seen_once_by_everyone_sharing_a_channel(connect):
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    for c in (alice, bob, carol):
        c.join("#a")
    alice.join("#b")
    bob.join("#b")
    alice.send("NICK alicia")
    for c in (alice, bob, carol):
        nick = c.expect("NICK")
        assert nick.source.startswith("alice!") and nick.params == ("alicia",)
    for c in (bob, carol):
        assert not [m for m in c.sync() if m.command == "NICK"], "NICK seen twice"
    # the old nick is free, the new one is taken
    carol.send("NICK alice")
    carol.expect("NICK")
    bob.send("NICK ALICIA")
    bob.expect("433")


def test_ping_pong_and_no_origin(connect):
    c = connect("pinger")
    c.send("PING :hello world")
    pong = c.expect("PONG")
    assert pong.params == ("test.server", "hello world")
    c.send("PING")
    c.expect("409")


def test_quit_is_seen_once_by_peers(connect):
    alice, bob = connect("alice"), connect("bob")
    for ch in ("#a", "#b"):
        alice.join(ch)
        bob.join(ch)
    alice.send("QUIT :gone fishing")
    closing = alice.expect("ERROR")
    assert "gone fishing" in closing.params[-1]
    quit_msg = bob.expect("QUIT")
    assert quit_msg.source.startswith("alice!")
    assert quit_msg.params == ("Quit: gone fishing",)
    assert not [m for m in bob.sync() if m.command == "QUIT"]
    bob.send("NAMES #a")
    names = bob.expect("353")
    assert "alice" not in names.params[-1]


def test_registration_timeout(make_server):
    from .ircclient import TestClient

    server = make_server(registration_timeout=0.3)
    c = TestClient(server.port)
    try:
        c.send("NICK slow")
        error = c.expect("ERROR", timeout=5)
        assert "Registration timed out" in error.params[-1]
        c.expect_closed()
    finally:
        c.close()


def test_idle_client_is_pinged_then_dropped(make_server):
    from .ircclient import TestClient

    server = make_server(ping_interval=0.3, ping_timeout=1.2)
    idle, watcher = TestClient(server.port), TestClient(server.port)
    try:
        idle.register("idle")
        watcher.register("watcher")
        for c in (idle, watcher):
            c.join("#room")

        def answer_pings_until_idle_quits(m):
            if m.command == "PING":
                watcher.send(f"PONG :{m.params[-1]}")
                return False
            return m.command == "QUIT" and m.source.startswith("idle!")

        # the watcher answers its PINGs and outlives the idle client, who never does
        quit_msg = watcher.expect(answer_pings_until_idle_quits, timeout=5)
        assert "Ping timeout" in quit_msg.params[-1]
        lines = idle.expect_closed()
        assert any(line.startswith("PING") for line in lines)
        assert any(line.startswith("ERROR") and "Ping timeout" in line for line in lines)
    finally:
        idle.close()
        watcher.close()


@pytest.mark.parametrize("version", ["302", ""])
def test_cap_ls_and_list_fit_irc_lines_and_name_every_capability(server, connect, version):
    offered = set(server._server.capabilities)
    c = connect()
    c.send(f"CAP LS {version}".strip())
    lines = c.collect(lambda m: m.command == "CAP" and m.params[2] != "*")
    # Continuation lines carry '*' only for a CAP LS 302 client.
    assert all((m.params[2] == "*") == (bool(version) and m is not lines[-1]) for m in lines)
    names = [item.partition("=")[0] for m in lines for item in m.params[-1].split()]
    assert sorted(names) == sorted(offered)
    c.send(f"CAP REQ :{' '.join(sorted(offered - {'sasl'}))}"[:510])
    c.expect(lambda m: m.command == "CAP" and m.params[1] in ("ACK", "NAK"))
    c.send("CAP LIST")
    listed = c.collect(lambda m: m.command == "CAP" and m.params[2] != "*")
    assert all(m.params[1] == "LIST" for m in listed)
    raw = [line for line in c.received if " CAP " in line]
    assert all(len(line.encode()) <= 510 for line in raw)
