"""MONITOR from hostile peers: lists stay bounded, the table is freed with its connections,
and a nick's coming and going is told to its watchers only."""

from __future__ import annotations

from tests.server.ircclient import TestClient

from .server_helpers import assert_live, connect, make_server, server  # noqa: F401


def watch(c: TestClient, nicks: list[str]) -> None:
    """MONITOR + in lines that fit, waiting for each answer."""
    for i in range(0, len(nicks), 40):
        c.send("MONITOR + " + ",".join(nicks[i : i + 40]))
        c.expect(lambda m: m.command in ("730", "731"))


def test_a_full_line_of_targets_adds_at_most_the_limit(connect):  # noqa: F811
    hostile = connect("hostile")
    targets = ",".join(f"x{i}" for i in range(120))  # about 470 bytes
    line = "MONITOR + " + targets
    assert len(line) < 510
    for _ in range(3):
        hostile.send(line)
    hostile.send("MONITOR L")
    got = hostile.collect("733")
    listed = [n for m in got if m.command == "732" for n in m.params[1].split(",")]
    assert len(listed) == 100
    assert sum(m.command == "734" for m in got) == 3
    assert all(len(r.encode()) + 2 <= 512 for r in hostile.received)


def test_the_table_is_freed_when_watchers_leave(make_server):  # noqa: F811
    srv = make_server(flood_limit=False)
    probe = TestClient(srv.port).register("probe")
    watchers = [TestClient(srv.port).register(f"w{i}") for i in range(10)]
    try:
        for i, w in enumerate(watchers):
            watch(w, [f"t{i}x{j}" for j in range(100)])
        table = srv._server.monitor.watchers
        assert len(table) == 1000
        for w in watchers:
            w.send("QUIT")
            w.expect_closed()
        probe.sync()
        assert len(table) == 0
    finally:
        probe.close()
        for w in watchers:
            w.close()


def test_nick_changes_reach_only_the_watchers_of_those_nicks(connect):  # noqa: F811
    crowd = [connect(f"c{i}") for i in range(10)]
    for i, c in enumerate(crowd):
        watch(c, [f"other{i}x{j}" for j in range(100)])
    fan = connect("fan")
    fan.send("MONITOR + flip1")
    fan.expect("731")
    flipper = connect("flipper")
    probe = connect("probe")
    flipper.send_raw(b"".join(b"NICK flip%d\r\n" % (i % 3) for i in range(24)))
    assert_live(probe, "during a nick-change storm")
    flipper.send("NICK last")
    flipper.expect(lambda m: m.command == "NICK" and m.params[0] == "last", timeout=30)
    heard = [m for m in fan.sync() if m.command in ("730", "731")]
    assert heard and all(m.params[1].startswith("flip1") for m in heard)
    assert heard[-1].command == "731"
    for c in crowd:
        assert not [m for m in c.sync() if m.command in ("730", "731")]
