"""Hostile draft/multiline batches: huge, many, never closed. What the server holds stays
bounded (max-lines, max-bytes, one batch per client, a timeout, the connection's life) and
everyone else is served meanwhile."""

from __future__ import annotations

from tests.server.ircclient import TestClient

from .server_helpers import LIVENESS_SECONDS, assert_live, make_server  # noqa: F401

ML = ("draft/multiline", "batch", "server-time", "message-tags")


def _held(srv) -> list[tuple[int, int]]:
    """(lines, bytes) held in every open batch on the server (read after a sync)."""
    out = []
    for c in list(srv._server.clients):
        batch = c.multiline
        if batch is not None:
            out.append((len(batch.lines), sum(len(x.encode()) for x in batch.lines)))
    return out


def test_a_huge_batch_is_cut_off_at_the_limit_and_answered_once(make_server):  # noqa: F811
    srv = make_server(flood_limit=False)
    attacker = TestClient(srv.port).register("attacker", caps=ML)
    peer = TestClient(srv.port).register("peer", caps=ML)
    probe = TestClient(srv.port).register("probe")
    try:
        attacker.join("#room")
        peer.join("#room")
        text = "x" * 400
        lines = ["BATCH +big draft/multiline #room"]
        lines += [f"@batch=big PRIVMSG #room :{text}"] * 3000
        attacker.send_raw("".join(x + "\r\n" for x in lines).encode())
        assert_live(probe, "during a 3000-line batch")
        got = attacker.sync(timeout=30)
        fails = [m for m in got if m.command == "FAIL"]
        assert [m.params[:3] for m in fails] == [("BATCH", "MULTILINE_MAX_BYTES", "8192")]
        assert _held(srv) == [(0, 0)]  # the refused batch keeps nothing
        attacker.send("BATCH -big")
        attacker.sync()
        assert _held(srv) == []
        assert not [m for m in peer.sync() if m.command in ("BATCH", "PRIVMSG")]
    finally:
        for c in (attacker, peer, probe):
            c.close()


def test_many_clients_with_open_batches_hold_a_bounded_amount(make_server):  # noqa: F811
    srv = make_server(flood_limit=False, multiline_timeout=0.5, max_per_ip=64)
    probe = TestClient(srv.port).register("probe")
    attackers = [TestClient(srv.port).register(f"a{i}", caps=ML) for i in range(20)]
    try:
        for i, a in enumerate(attackers):
            out = [f"BATCH +r{i} draft/multiline probe"]
            out += [f"@batch=r{i} PRIVMSG probe :{'y' * 80}"] * 99  # within both limits
            out.append(f"BATCH +again{i} draft/multiline probe")  # a second one: refused
            a.send_raw("".join(x + "\r\n" for x in out).encode())
        for a in attackers:
            assert a.expect("FAIL").params[:2] == ("BATCH", "MULTILINE_INVALID")
        assert _held(srv) == []  # the second open dropped the first
        for i, a in enumerate(attackers):
            out = [f"BATCH +s{i} draft/multiline probe"]
            out += [f"@batch=s{i} PRIVMSG probe :{'y' * 80}"] * 99
            a.send_raw("".join(x + "\r\n" for x in out).encode())
        for a in attackers:
            a.sync()
        held = _held(srv)
        assert len(held) == 20 and all(n <= 100 and size <= 8192 for n, size in held)
        assert_live(probe, "with 20 open batches")
        # Never closed: each is dropped after the timeout, with a FAIL.
        for a in attackers:
            fail = a.expect("FAIL", timeout=10)
            assert fail.params[:2] == ("BATCH", "MULTILINE_INVALID")
        probe.sync()
        assert _held(srv) == []
        assert not [m for m in probe.received if " PRIVMSG probe " in m]
        # A batch goes with its connection.
        attackers[0].send("BATCH +gone draft/multiline probe")
        attackers[0].send("@batch=gone PRIVMSG probe :z")
        attackers[0].sync()
        assert len(_held(srv)) == 1
        attackers[0].close()
        probe.sync()
        for _ in range(50):  # the server notices the close within a few loop passes
            if not _held(srv):
                break
            probe.sync(timeout=LIVENESS_SECONDS)
        assert _held(srv) == []
    finally:
        probe.close()
        for a in attackers:
            a.close()
