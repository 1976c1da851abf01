"""The server under a hostile peer: texts at the limits, bounded tables, extreme CHATHISTORY.

Each attack runs over loopback against the real server; a second user's PING is answered
within the liveness bound while it does.
"""

from __future__ import annotations

import time

from tests.server.ircclient import TestClient
from tests.server.test_history import CAPABLE, batch, say

from .server_helpers import assert_live, connect, make_server, server  # noqa: F401

HISTORY_CAPS = (*CAPABLE, "draft/chathistory")
EMOJI = "\U0001f600"  # four bytes in UTF-8
LONG_NICK = "n" * 30  # NICKLEN


def body_bytes(line: str) -> int:
    """Bytes of a received line without its tags, with the CR LF it came with."""
    if line.startswith("@"):
        line = line.partition(" ")[2]
    return len(line.encode()) + 2


def test_texts_at_the_limit_are_cut_on_a_character_boundary(connect):  # noqa: F811
    """TOPIC, KICK, PART, QUIT and AWAY of 4-byte characters from a 30-character nick."""
    loud = connect(LONG_NICK)
    watcher = connect("watcher", caps=("away-notify",))
    victim = connect("victim")
    probe = connect("probe")
    for c in (loud, watcher, victim):
        c.join("#edge")
    # Each text fills the 510 bytes a client may send; relayed with the sender's prefix it
    # is too long and must be cut, on a character boundary.
    for head in ("TOPIC #edge :", "AWAY :", "KICK #edge victim :", "PART #edge :", "QUIT :"):
        if head == "QUIT :":
            loud.send("JOIN #edge")  # back after its PART, so the watcher sees the QUIT
        loud.send(head + "x" + EMOJI * ((510 - len(head) - 1) // 4))
    assert_live(probe)
    watcher.sync()
    commands = {}
    for line in watcher.received:
        assert "\ufffd" not in line, f"a character was cut in half: {line!r}"
        assert body_bytes(line) <= 512, line
        if line.startswith(f":{LONG_NICK}!") and " :" in line:
            commands[line.split()[1]] = line.partition(" :")[2]
    assert set(commands) == {"TOPIC", "AWAY", "KICK", "PART", "QUIT"}
    assert all(EMOJI in shown for shown in commands.values())

    # The topic as stored and shown to a newcomer is whole characters too.
    late = connect("late")
    late.send("JOIN #edge")
    topic = late.expect("332").params[-1]
    assert "\ufffd" not in topic and topic.startswith("x" + EMOJI)


def test_whowas_is_bounded_however_many_nicks_a_user_goes_through(make_server):  # noqa: F811
    srv = make_server(whowas_size=50, flood_limit=False)
    shifter = TestClient(srv.port).register("s0")
    probe = TestClient(srv.port).register("probe")
    try:
        for i in range(1, 400):
            shifter.send(f"NICK s{i}")
        shifter.expect(lambda m: m.command == "NICK" and m.params[0] == "s399")
        assert_live(probe)
        probe.send("WHOWAS s0")
        assert probe.expect(lambda m: m.command in ("314", "406")).command == "406"
        # Everyone's history of nicks stays within whowas_size, the newest kept.
        probe.send("WHOWAS s398")
        assert probe.expect(lambda m: m.command in ("314", "406")).command == "314"
        probe.send("WHOWAS s349,s348")
        found = probe.collect(lambda m: m.command == "369" and m.params[1] == "s348")
        assert [m.command for m in found if m.command in ("314", "406")] == ["314", "406"]
    finally:
        shifter.close()
        probe.close()


def fail_code(c: TestClient, line: str) -> tuple[str, ...]:
    c.send(line)
    return c.expect("FAIL").params[1:3]


def test_chathistory_with_extreme_parameters(make_server, tmp_path):  # noqa: F811
    srv = make_server(data_dir=tmp_path / "data", chathistory_max=5, flood_limit=False)
    clients: list[TestClient] = []

    def client(nick: str) -> TestClient:
        c = TestClient(srv.port)
        clients.append(c)
        return c.register(nick, caps=HISTORY_CAPS)

    try:
        alice, bob, probe = client("alice"), client("bob"), client("probe")
        alice.join("#open")
        alice.join("#hidden")
        alice.send("MODE #hidden +s")
        alice.expect("MODE")
        open_echoes = say(alice, "#open", [f"open {i}" for i in range(10)])
        hidden_echoes = say(alice, "#hidden", ["hidden secret"])
        bob.join("#open")

        # limit 0 and limits far past the maximum give the server's maximum, or a FAIL.
        for limit in ("0", str(1 << 62)):
            bob.send(f"CHATHISTORY LATEST #open * {limit}")
            assert [m.params[-1] for m in batch(bob)[1]] == [f"open {i}" for i in range(5, 10)]
        assert fail_code(bob, "CHATHISTORY LATEST #open * " + "9" * 40) == (
            "INVALID_PARAMS",
            "LATEST",
        )
        assert fail_code(bob, "CHATHISTORY LATEST #open * -1")[0] == "INVALID_PARAMS"
        # Impossible and malformed times.
        for bogus in ("2023-02-30T00:00:00.000Z", "2023-01-01T24:00:00Z", "x" * 400, ""):
            code = fail_code(bob, f"CHATHISTORY BEFORE #open timestamp={bogus} 5")
            assert code == ("INVALID_PARAMS", "BEFORE"), bogus
        # A msgid of another room (one bob cannot even see) names nothing here.
        hidden_id = hidden_echoes[0].tags["msgid"]
        assert fail_code(bob, f"CHATHISTORY AROUND #open msgid={hidden_id} 5")[0] == (
            "INVALID_PARAMS"
        )
        # BETWEEN with its references reversed: the same window, nearest the first reference.
        first, last = (open_echoes[i].tags["msgid"] for i in (1, 8))
        bob.send(f"CHATHISTORY BETWEEN #open msgid={last} msgid={first} 3")
        assert [m.params[-1] for m in batch(bob)[1]] == ["open 5", "open 6", "open 7"]
        bob.send(f"CHATHISTORY BETWEEN #open msgid={first} msgid={last} 3")
        assert [m.params[-1] for m in batch(bob)[1]] == ["open 2", "open 3", "open 4"]

        # A non-member of a +s room learns nothing, by name or by its own casing.
        for name in ("#hidden", "#HIDDEN"):
            assert fail_code(bob, f"CHATHISTORY LATEST {name} * 5")[0] == "INVALID_TARGET"
        # Kicked, then banned: no history of the room, live or replayed.
        alice.send("KICK #open bob :out")
        bob.expect("KICK")
        alice.send("MODE #open +b bob!*@*")
        alice.expect("MODE")
        say(alice, "#open", ["after the kick"])
        assert fail_code(bob, "CHATHISTORY LATEST #open * 5")[0] == "INVALID_TARGET"
        bob.send("JOIN #open")
        assert bob.expect(lambda m: m.command in ("JOIN", "474")).command == "474"
        assert not any("hidden secret" in line or "after the kick" in line for line in bob.received)
        assert_live(probe)
    finally:
        for c in clients:
            c.close()


def test_nicks_fold_as_advertised(connect):  # noqa: F811
    """CASEMAPPING=ascii: letters fold, []\\ and {}| stay distinct, so nobody can take a nick
    another server or client would fold onto an existing one while this one does not."""
    alice = connect("alice")
    assert any("CASEMAPPING=ascii" in line.split(" :")[0] for line in alice.received)
    other = connect()
    other.send("NICK ALICE")
    assert other.expect("433").params[1] == "ALICE"
    bracket = connect("a[b]")
    brace = connect("a{b}")
    for c in (bracket, brace):
        c.join("#fold")
    bracket.send("PRIVMSG a{b} :to the brace")
    assert brace.expect("PRIVMSG").params == ("a{b}", "to the brace")
    bracket.sync()
    assert not [line for line in bracket.received if "to the brace" in line]


def test_list_of_many_rooms_with_long_topics_to_a_client_that_never_reads(make_server):  # noqa: F811
    srv = make_server(flood_limit=False, sendq_limit=64 * 1024)
    owners: list[TestClient] = []
    try:
        topic = "t" * 380
        for i in range(8):  # 8 users x 50 rooms, each with a 380-byte topic: ~190 KB of LIST
            owner = TestClient(srv.port).register(f"owner{i}")
            owners.append(owner)
            for j in range(50):
                owner.send(f"JOIN #r{i}-{j}")
                owner.send(f"TOPIC #r{i}-{j} :{topic}")
            owner.sync(timeout=20)
        probe = TestClient(srv.port).register("probe")
        owners.append(probe)
        hog = TestClient(srv.port).register("hog")
        owners.append(hog)
        for _ in range(100):  # ~17 MB asked for, never read
            hog.send("LIST")
        assert_live(probe, "while a non-reader asks for LIST")
        # The non-reader is dropped at its SendQ; the server is not.
        deadline = time.monotonic() + 10
        while True:
            probe.send("WHOIS hog")
            if probe.expect(lambda m: m.command in ("311", "401")).command == "401":
                break
            assert time.monotonic() < deadline, "the non-reader was never dropped"
            probe.expect("318")
            assert_live(probe)
        assert_live(probe)
    finally:
        for c in owners:
            c.close()
