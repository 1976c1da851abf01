"""Storms from many connections at once: nick changes and invites.

Each storm is paced by the server's per-client token bucket (flood_burst, then flood_rate per
second): what the bystanders see over a measured window is bounded by it, while their own
PINGs are answered within the liveness bound.
"""

from __future__ import annotations

import time

from tests.server.ircclient import TestClient

from .server_helpers import assert_live, make_server, read_for  # noqa: F401

BURST, RATE = 5, 20.0


def at_most(connections: int, elapsed: float) -> int:
    """Commands ``connections`` clients can have run in ``elapsed`` seconds, plus one each."""
    return int(connections * (BURST + RATE * elapsed + 1))


def test_nick_change_storm_from_many_connections(make_server):  # noqa: F811
    srv = make_server(flood_burst=BURST, flood_rate=RATE, whowas_size=50)
    clients: list[TestClient] = []
    try:
        bystander = TestClient(srv.port).register("bystander")
        clients.append(bystander)
        bystander.join("#storm")
        storm = []
        for i in range(30):
            c = TestClient(srv.port).register(f"st{i}")
            clients.append(c)
            storm.append(c)
            c.join("#storm")
            bystander.expect("JOIN")
        bystander.sync()

        # 200 changes each, between two nicks: half in one line separated by bare CRs, half
        # as lines of their own. Either way each is a command of the flood budget.
        started = time.monotonic()
        for i, c in enumerate(storm):
            nicks = [f"s{i}{'ab'[k % 2]}" for k in range(200)]
            c.send_raw("\r".join(f"NICK {n}" for n in nicks[:100]).encode() + b"\r\n")
            c.send_raw(b"".join(f"NICK {n}\r\n".encode() for n in nicks[100:]))
        seen = 0
        for _ in range(5):
            seen += sum(" NICK " in line for line in read_for(bystander, 0.25))
            assert_live(bystander, "during a nick-change storm")
        seen += sum(" NICK " in m.to_line() for m in bystander.sync())
        elapsed = time.monotonic() - started

        assert seen > 0, "the storm was dropped, not paced"
        assert seen <= at_most(len(storm), elapsed), (
            f"{seen} nick changes in {elapsed:.2f}s: the flood bucket did not pace NICK"
        )
        # WHOWAS keeps whowas_size entries in all: the storm pushed out the first nicks.
        bystander.send("WHOWAS st0,st1,s0a,s0b")
        replies = bystander.collect(lambda m: m.command == "369" and m.params[1] == "s0b")
        assert [m.params[1] for m in replies if m.command == "406"][:2] == ["st0", "st1"]
        assert sum(m.command == "314" for m in replies) <= 50
    finally:
        for c in clients:
            c.close()


def test_invite_spam_to_one_target(make_server):  # noqa: F811
    """Five members of an open room INVITE one user 60 times each: the invites and the
    notices to the room's operator arrive at the senders' flood rate, and nobody's pending
    invite is recorded for a room that is not invite-only."""
    srv = make_server(flood_burst=BURST, flood_rate=RATE)
    clients: list[TestClient] = []
    try:
        op = TestClient(srv.port).register("op")
        target = TestClient(srv.port).register("target")
        clients += [op, target]
        op.join("#pub")
        spammers = []
        for i in range(5):
            c = TestClient(srv.port).register(f"spam{i}")
            clients.append(c)
            spammers.append(c)
            c.join("#pub")
        op.sync()
        started = time.monotonic()
        for c in spammers:
            c.send_raw(b"INVITE target #pub\r\n" * 60)
        invites = notices = 0
        for _ in range(4):
            invites += sum(" INVITE " in line for line in read_for(target, 0.25))
            notices += sum(" invited target " in line for line in read_for(op, 0.05))
            assert_live(target, "during INVITE spam")
            assert_live(op, "during INVITE spam")
        elapsed = time.monotonic() - started
        bound = at_most(len(spammers), elapsed)
        assert 0 < invites <= bound, f"{invites} invites in {elapsed:.2f}s (bound {bound})"
        assert notices <= bound, f"{notices} notices in {elapsed:.2f}s (bound {bound})"
        # The room is not +i: a plain member's invite is a notice only. Once it is +i, the
        # target gets in only with an operator's invite.
        op.send("MODE #pub +i")
        op.expect("MODE")
        target.send("JOIN #pub")
        assert target.expect(lambda m: m.command in ("JOIN", "473")).command == "473"
    finally:
        for c in clients:
            c.close()
