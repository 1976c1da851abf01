"""Hostile MARKREAD traffic: markers per account stay bounded in memory and on disk, malformed
timestamps are refused without harm, and a flood of markers leaves the server responsive."""

from __future__ import annotations

import sqlite3

from tests.server.ircclient import TestClient
from tests.server.test_accounts import FAST, register_account
from tests.server.test_read_marker import fail, log_in, markread

from .server_helpers import assert_live, make_server  # noqa: F401

STAMP = "timestamp=2026-01-02T03:{:02d}:{:02d}.000Z"


def stamp(i: int) -> str:
    return STAMP.format(i // 60, i % 60)


def make_account(port: int) -> None:
    c = TestClient(port)
    try:
        register_account(c, "alice")
    finally:
        c.close()


def test_many_targets_keep_only_the_most_recent_in_memory_and_on_disk(
    make_server,  # noqa: F811
    tmp_path,
):
    srv = make_server(data_dir=tmp_path, read_markers_per_account=8, flood_limit=False, **FAST)
    make_account(srv.port)
    c = log_in(srv.port, "alice", "alice")
    try:
        for i in range(200):
            c.send(f"MARKREAD #room{i} {stamp(i)}")
        markread(c, "#room199")
        c.send("MARKREAD #room0")
        assert markread(c, "#room0") == ("#room0", "*")
        c.send("MARKREAD #room192")
        assert markread(c, "#room192") == ("#room192", stamp(192))
        c.send("MARKREAD #room191")
        assert markread(c, "#room191") == ("#room191", "*")
    finally:
        c.close()
    srv.stop(timeout=5.0)
    with sqlite3.connect(tmp_path / "accounts.sqlite3") as db:
        rows = db.execute("SELECT target FROM read_markers ORDER BY ms").fetchall()
    assert [r[0] for r in rows] == [f"#room{i}" for i in range(192, 200)]


BOGUS = [
    "timestamp=",
    "timestamp=*",
    "TIMESTAMP=2026-01-02T03:04:05.000Z",
    "timestamp=2026-13-01T00:00:00.000Z",
    "timestamp=2026-02-30T00:00:00.000Z",
    "timestamp=2026-01-01T24:00:00.000Z",
    "timestamp=1969-12-31T23:59:59.999Z",
    "timestamp=2026-01-01 00:00:00.000Z",
    "timestamp=2026-01-01T00:00:00.000",
    "timestamp=2026-01-01T00:00:00.000Zx",
    "timestamp=٢٠٢٦-01-01T00:00:00.000Z",  # digits, but not ASCII ones
    "timestamp=2026-01-01T00:00:00." + "9" * 300 + "Z",
    "timestamp=" + "2026-01-01T" * 30,
]


def test_bogus_timestamps_are_refused_and_change_nothing(make_server):  # noqa: F811
    srv = make_server(flood_limit=False, **FAST)
    make_account(srv.port)
    one = log_in(srv.port, "alice", "alice")
    two = log_in(srv.port, "alice_", "alice")
    probe = TestClient(srv.port).register("probe")
    try:
        for value in BOGUS:
            one.send(f"MARKREAD #room {value}")
            assert fail(one)[:2] == ("INVALID_PARAMS", "#room"), value
        one.send("MARKREAD #room")
        assert markread(one, "#room") == ("#room", "*")
        assert [line for line in two.sync() if "MARKREAD" in line] == []
        assert_live(probe, "after bogus timestamps")
    finally:
        for c in (one, two, probe):
            c.close()


def test_a_flood_of_markers_is_relayed_in_order_and_the_server_stays_live(
    make_server,  # noqa: F811
):
    srv = make_server(flood_limit=False, **FAST)
    make_account(srv.port)
    one = log_in(srv.port, "alice", "alice")
    two = log_in(srv.port, "alice_", "alice")
    probe = TestClient(srv.port).register("probe")
    count = 3000
    try:
        # Every stamp twice: the second of each pair is not newer and must not be relayed.
        one.send_raw("".join(f"MARKREAD #room {stamp(i // 2)}\r\n" for i in range(count)).encode())
        assert_live(probe, "during a MARKREAD flood")
        last = stamp((count - 1) // 2)
        got = two.collect(lambda m: m.command == "MARKREAD" and m.params[1] == last)
        relayed = [m.params[1] for m in got if m.command == "MARKREAD"]
        assert relayed == [stamp(k) for k in range(count // 2)]
        answers = one.collect(lambda m: m.command == "MARKREAD" and m.params[1] == last)
        assert len([m for m in answers if m.command == "MARKREAD"]) >= count - 1
    finally:
        for c in (one, two, probe):
            c.close()
