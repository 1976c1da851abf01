"""PRIVMSG, NOTICE, TAGMSG, AWAY and the IRCv3 capabilities that shape delivery."""

from __future__ import annotations

import re

TIME_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\Z")


def test_privmsg_and_notice_to_nick_and_channel(connect):
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    alice.send("PRIVMSG bob :hi bob")
    msg = bob.expect("PRIVMSG")
    assert msg.source == "alice!alice@127.0.0.1" and msg.params == ("bob", "hi bob")
    alice.send("NOTICE BOB :case-insensitive")
    assert bob.expect("NOTICE").params == ("bob", "case-insensitive")
    alice.join("#c")
    bob.join("#c")
    carol.join("#c")
    alice.send("PRIVMSG #c,carol :to both")
    assert bob.expect("PRIVMSG").params == ("#c", "to both")
    got = [carol.expect("PRIVMSG").params for _ in range(2)]
    assert sorted(got) == [("#c", "to both"), ("carol", "to both")]
    # the sender does not get its own channel message back without echo-message
    assert not [m for m in alice.sync() if m.command == "PRIVMSG"]


def test_message_errors(connect):
    alice = connect("alice")
    alice.send("PRIVMSG")
    alice.expect("411")
    alice.send("PRIVMSG ghost")
    alice.expect("412")
    alice.send("PRIVMSG ghost :anyone?")
    assert alice.expect("401").params[1] == "ghost"
    alice.send("PRIVMSG #ghost :anyone?")
    alice.expect("403")
    alice.send("PRIVMSG a,b,c,d,e :too many")
    alice.expect("407")
    alice.send("NOTICE ghost :no automatic replies to notices")
    assert not [m for m in alice.sync() if m.command == "401"]


def test_banned_member_cannot_speak(connect):
    alice, bob = connect("alice"), connect("bob")
    alice.join("#b")
    bob.join("#b")
    alice.send("MODE #b +b bob!*@*")
    bob.expect("MODE")
    bob.send("PRIVMSG #b :still here")
    bob.expect("404")
    alice.send("MODE #b +v bob")  # voice overrides the ban for speaking
    bob.expect_params("MODE", "#b", "+v", "bob")
    bob.send("PRIVMSG #b :voiced")
    assert alice.expect("PRIVMSG").params[-1] == "voiced"


def test_statusmsg_reaches_only_ops(connect):
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    for c in (alice, bob, carol):
        c.join("#st")
    carol.send("NOTICE @#st :ops only")
    assert alice.expect("NOTICE").params == ("@#st", "ops only")
    assert not [m for m in bob.sync() if m.command == "NOTICE"]


def test_echo_message_server_time_and_msgid(connect):
    tagged = connect("tagged", caps=("message-tags", "server-time", "echo-message"))
    timed = connect("timed", caps=("server-time",))
    plain = connect("plain")
    for c in (tagged, timed, plain):
        c.join("#caps")
    tagged.send("@+draft/reply=abc;+example.com/x=a\\sb;secret=no PRIVMSG #caps :hello")
    echo = tagged.expect("PRIVMSG")
    assert echo.params == ("#caps", "hello")
    assert TIME_RE.match(echo.tags["time"])
    assert echo.tags["+draft/reply"] == "abc" and echo.tags["+example.com/x"] == "a b"
    assert "secret" not in echo.tags  # only client-only (+) tags are relayed
    msgid = echo.tags["msgid"]
    at_timed = timed.expect("PRIVMSG")
    assert set(at_timed.tags) == {"time"}
    at_plain = plain.expect("PRIVMSG")
    assert at_plain.tags == {} and at_plain.params == ("#caps", "hello")
    tagged.send("PRIVMSG #caps :again")
    assert tagged.expect("PRIVMSG").tags["msgid"] != msgid
    # private messages carry the same msgid to recipient and echo
    other = connect("other", caps=("message-tags",))
    tagged.send("PRIVMSG other :direct")
    direct = other.expect("PRIVMSG")
    echoed = tagged.expect("PRIVMSG")
    assert echoed.params == ("other", "direct")
    assert direct.tags["msgid"] == echoed.tags["msgid"]


def test_tagmsg_only_to_message_tags_clients(connect):
    tagged = connect("tagged", caps=("message-tags",))
    other = connect("other", caps=("message-tags",))
    plain = connect("plain")
    for c in (tagged, other, plain):
        c.join("#tm")
    tagged.send("@+typing=active TAGMSG #tm")
    got = other.expect("TAGMSG")
    assert got.params == ("#tm",) and got.tags["+typing"] == "active" and got.tags["msgid"]
    assert not [m for m in plain.sync() if m.command == "TAGMSG"]
    tagged.send("@+typing=done TAGMSG other")
    assert other.expect("TAGMSG").params == ("other",)


def test_away(connect):
    alice = connect("alice")
    bob = connect("bob", caps=("away-notify",))
    carol = connect("carol")
    for c in (alice, bob, carol):
        c.join("#aw")
    alice.send("AWAY :lunch")
    alice.expect("306")
    notify = bob.expect("AWAY")
    assert notify.source.startswith("alice!") and notify.params == ("lunch",)
    assert not [m for m in carol.sync() if m.command == "AWAY"]
    carol.send("PRIVMSG alice :you there?")
    assert carol.expect("301").params[1:] == ("alice", "lunch")
    carol.send("NOTICE alice :no 301 for notices")
    assert not [m for m in carol.sync() if m.command == "301"]
    carol.send("WHO #aw")
    who = {m.params[5]: m.params[6] for m in carol.collect("315") if m.command == "352"}
    assert who["alice"].startswith("G") and who["carol"].startswith("H")
    alice.send("AWAY")
    alice.expect("305")
    back = bob.expect("AWAY")
    assert back.params == ()


def test_nul_cr_lf_never_reach_another_client(connect):
    alice, bob = connect("alice"), connect("bob")
    alice.join("#x")
    bob.join("#x")
    alice.send_raw(b"PRIVMSG #x :one\rPRIVMSG #x :two\r\n")
    alice.send_raw(b"PRIVMSG #x :nul\x00byte\r\n")
    alice.send_raw(b"@+t=a\\r\\nb PRIVMSG #x :tag\r\n")
    alice.expect("400")
    alice.send("PRIVMSG #x :done")
    raw_lines = []
    while True:
        msg = bob.expect("PRIVMSG")
        raw_lines.append(bob.received[-1])
        if msg.params[-1] == "done":
            break
    texts = [line.split(" :", 1)[1] for line in raw_lines]
    assert texts == ["one", "two", "tag", "done"]
    for line in raw_lines:
        assert "\x00" not in line and "\r" not in line


def test_echo_reaches_a_sender_outside_the_audience(connect):
    op = connect("op")
    talker = connect("talker", caps=("echo-message",))
    op.join("#open")
    op.send("MODE #open -n")
    op.expect("MODE")
    talker.send("PRIVMSG #open :from outside")
    assert op.expect("PRIVMSG").params == ("#open", "from outside")
    assert talker.expect("PRIVMSG").params == ("#open", "from outside")
    talker.join("#open")
    talker.send("NOTICE @#open :to the ops")
    assert op.expect("NOTICE").params == ("@#open", "to the ops")
    assert talker.expect("NOTICE").params == ("@#open", "to the ops")


def test_relays_batched_in_one_read_keep_their_order_with_other_output(connect):
    """Channel lines are appended to members in batches; nothing may overtake or join late."""
    alice = connect("alice")
    bob = connect("bob")
    tagged = connect("tagged", caps=("message-tags", "server-time"))
    for c in (alice, bob, tagged):
        c.join("#a")
        c.join("#b")
    for c in (bob, tagged):
        c.sync()
    lines = [
        "PRIVMSG #a :1",
        "PRIVMSG #a :2",
        "PRIVMSG #b :3",
        "PRIVMSG bob,tagged :4",
        "NOTICE #a :5",
        "TOPIC #a :6",
        "PRIVMSG #a :7",
        "PART #b",
        "PRIVMSG #b :8",  # 442-ish refusal for alice; no one sees it
        "PRIVMSG #a :9",
    ]
    alice.send_raw("".join(line + "\r\n" for line in lines).encode())
    want = ["1", "2", "3", "4", "5", "6", "7", "PART", "9"]
    for c in (bob, tagged):
        got = c.collect(lambda m: m.params[-1:] == ("9",))
        seen = [
            m.command if m.command == "PART" else m.params[-1]
            for m in got
            if m.command in ("PRIVMSG", "NOTICE", "TOPIC", "PART")
        ]
        assert seen == want, c.received
    assert all("msgid" in m.tags for m in got if m.command == "PRIVMSG")
    # a member who joins after the batch gets none of it
    carol = connect("carol")
    alice.send_raw(b"PRIVMSG #a :before\r\n")
    bob.expect_params("PRIVMSG", "#a", "before")
    carol.join("#a")
    alice.send_raw(b"PRIVMSG #a :after\r\n")
    got = carol.collect(lambda m: m.command == "PRIVMSG")
    assert [m.params for m in got if m.command == "PRIVMSG"] == [("#a", "after")]


def test_plain_channel_privmsg_lines_behave_like_the_generic_path(connect):
    """``PRIVMSG #chan :text`` has a fast path; its edge cases must get the usual answers."""
    stranger = connect()
    stranger.send("PRIVMSG #c :too early")
    stranger.expect("451")
    alice, bob = connect("alice"), connect("bob")
    alice.join("#c")
    bob.join("#c")
    alice.send("PRIVMSG #nowhere :x")
    assert alice.expect("403").params[1] == "#nowhere"
    alice.send("PRIVMSG #c :")
    alice.expect("412")
    alice.send_raw(b"PRIVMSG #c :bad \xff utf-8\r\n")
    alice.expect("FAIL")
    carol = connect("carol")
    carol.send("PRIVMSG #C :from outside")
    assert carol.expect("404").params[1] == "#c"
    alice.send("PRIVMSG #C,bob :two targets")
    assert [bob.expect("PRIVMSG").params for _ in range(2)] == [
        ("#c", "two targets"),
        ("bob", "two targets"),
    ]
    alice.send("PRIVMSG #c :ok :with colon")
    assert bob.expect("PRIVMSG").params == ("#c", "ok :with colon")
