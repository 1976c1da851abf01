"""TAGMSG spam is not a free flood: its own bounded budget, and the spammer's chat still flows.

A TAGMSG may carry 4 KB of client tags to every member of a room. Typing notifications come
at most one per 3 s per target, so past a small burst the server drops them; the sender is
neither disconnected nor held, and its next PRIVMSG arrives at once.
"""

from __future__ import annotations

from tui_chat.server.config import ServerConfig

from .server_helpers import assert_live, connect, make_server, server  # noqa: F401

BURST = ServerConfig.tagmsg_burst


def test_a_tagmsg_burst_is_cut_at_the_budget_and_chat_still_flows(connect):  # noqa: F811
    spammer = connect("spammer", caps=("message-tags",))
    victim = connect("victim", caps=("message-tags",))
    probe = connect("probe")
    spammer.join("#room")
    victim.join("#room")
    big = "+big=" + "v" * 4000
    count = BURST * 3
    spammer.send_raw(
        b"".join(f"@{big};+n={i} TAGMSG #room\r\n".encode() for i in range(count))
        + b"PRIVMSG #room :after the spam\r\n"
    )
    got = victim.collect(lambda m: m.command == "PRIVMSG")
    tagmsgs = [m for m in got if m.command == "TAGMSG"]
    # A typist's burst (switching conversations, say) gets through whole...
    assert [m.tags["+n"] for m in tagmsgs[:BURST]] == [str(i) for i in range(BURST)]
    # ...and the rest, but for what the bucket refilled meanwhile, is dropped.
    assert BURST <= len(tagmsgs) < BURST + 5, len(tagmsgs)
    assert got[-1].params == ("#room", "after the spam")
    assert_live(probe, "after a TAGMSG burst")
    spammer.send("PRIVMSG victim :still here")
    assert victim.expect("PRIVMSG").params == ("victim", "still here")


def test_each_target_of_a_tagmsg_costs_a_token(connect):  # noqa: F811
    spammer = connect("spammer", caps=("message-tags",))
    victims = [connect(f"v{i}", caps=("message-tags",)) for i in range(4)]
    targets = ",".join(v.nick or "" for v in victims)
    rounds = BURST  # 4 targets each: 4x the budget if a TAGMSG cost one token however many
    spammer.send_raw(
        b"".join(f"@+typing=active;+n={i} TAGMSG {targets}\r\n".encode() for i in range(rounds))
    )
    spammer.sync()
    total = sum(1 for v in victims for m in v.sync() if m.command == "TAGMSG")
    assert BURST <= total < BURST + 5, total
