"""SETNAME from a hostile peer: the longest realname still fits every line it appears in, and a
flood of changes is paced like any other command."""

from __future__ import annotations

from .server_helpers import assert_live, connect, make_server, server  # noqa: F401


def test_longest_multibyte_realname_fits_every_line(connect):  # noqa: F811
    nick = "n" * 30
    hostile = connect(nick, caps=("setname",))
    peer = connect("peer", caps=("setname",))
    hostile.join("#room")
    peer.join("#room")
    realname = "\U0001d11e" * 100  # 400 bytes of UTF-8
    hostile.send(f"SETNAME :{realname}")
    hostile.expect("SETNAME")
    relayed = peer.expect("SETNAME")
    assert relayed.params[-1] == realname
    for line in ("WHOIS " + nick, "WHO #room"):
        peer.send(line)
        peer.collect(lambda m: m.command in ("318", "315"))
    raw = [r for r in peer.received if nick in r]
    assert raw and all(len(r.encode()) + 2 <= 512 for r in raw)
    assert "\ufffd" not in "".join(raw)  # cut on a character boundary, if at all


def test_setname_flood_is_paced_and_the_server_stays_live(connect):  # noqa: F811
    hostile = connect("hostile", caps=("setname",))
    watchers = [connect(f"w{i}", caps=("setname",)) for i in range(5)]
    probe = connect("probe")
    hostile.join("#room")
    for w in watchers:
        w.join("#room")
    hostile.send_raw(b"".join(b"SETNAME :name %d\r\n" % i for i in range(200)))
    assert_live(probe, "during a SETNAME flood")
    # Held by the flood limit: far from all 200 have been relayed yet.
    got = [m for m in watchers[0].sync() if m.command == "SETNAME"]
    assert 0 < len(got) < 200
