"""TAGMSG spam is not a free flood: its own bounded budget, and the spammer's chat still flows.

A TAGMSG may carry 4 KB of client tags to every member of a room. Typing notifications come
at most one per 3 s per target, so past a small burst the server drops them; the sender is
neither disconnected nor held, and its next PRIVMSG arrives at once. The flood burst is raised
here so that every line is run at once and only the TAGMSG budget decides.
"""

from __future__ import annotations

from tests.server.ircclient import TestClient
from tui_chat.server.config import ServerConfig

from .server_helpers import assert_live, make_server  # noqa: F401

BURST = ServerConfig.tagmsg_burst
# What the bucket may refill (1 a second) while the server runs the burst on a busy machine.
SLACK = 3


def test_a_tagmsg_burst_is_cut_at_the_budget_and_chat_still_flows(make_server):  # noqa: F811
    srv = make_server(flood_burst=200)
    spammer = TestClient(srv.port).register("spammer", caps=("message-tags",))
    victim = TestClient(srv.port).register("victim", caps=("message-tags",))
    probe = TestClient(srv.port).register("probe")
    try:
        spammer.join("#room")
        victim.join("#room")
        big = "+big=" + "v" * 4000
        spammer.send_raw(
            b"".join(f"@{big};+n={i} TAGMSG #room\r\n".encode() for i in range(BURST * 3))
            + b"PRIVMSG #room :after the spam\r\n"
        )
        got = victim.collect(lambda m: m.command == "PRIVMSG")
        tagmsgs = [m for m in got if m.command == "TAGMSG"]
        # A typist's burst (switching conversations, say) gets through whole...
        assert [m.tags["+n"] for m in tagmsgs[:BURST]] == [str(i) for i in range(BURST)]
        # ...and the rest, but for what the bucket refilled meanwhile, is dropped.
        assert BURST <= len(tagmsgs) < BURST + SLACK, len(tagmsgs)
        assert got[-1].params == ("#room", "after the spam")
        assert_live(probe, "after a TAGMSG burst")
        spammer.send("PRIVMSG victim :still here")
        assert victim.expect("PRIVMSG").params == ("victim", "still here")
    finally:
        for c in (spammer, victim, probe):
            c.close()


def test_each_target_of_a_tagmsg_costs_a_token(make_server):  # noqa: F811
    srv = make_server(flood_burst=200)
    spammer = TestClient(srv.port).register("spammer", caps=("message-tags",))
    victims = [TestClient(srv.port).register(f"v{i}", caps=("message-tags",)) for i in range(4)]
    try:
        targets = ",".join(f"v{i}" for i in range(4))
        # BURST lines of 4 targets each: 4 times the budget if a line cost one token.
        spammer.send_raw(
            b"".join(f"@+typing=active;+n={i} TAGMSG {targets}\r\n".encode() for i in range(BURST))
        )
        spammer.sync()
        total = sum(1 for v in victims for m in v.sync() if m.command == "TAGMSG")
        assert BURST <= total < BURST + SLACK, total
    finally:
        for c in (spammer, *victims):
            c.close()
