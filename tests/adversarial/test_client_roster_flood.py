"""A JOIN/PART/NICK flood in a big channel costs one member list per batch, not one per line.

Each of those lines used to sort and emit the whole member list: with 10,000 members and 5,000
lines, 5,000 sorted tuples of 10,000 members for the UI to rebuild.
"""

from __future__ import annotations

from client.conftest import fast_settings, running_client

from tui_chat.client.events import Joined, Roster

from .hostile_server import ROSTER_FLOOD, ROSTER_MEMBERS, flood_lines, hostile_server, names_lines

# Lines arrive in reads of up to 64 KiB (hundreds of lines each): a handful of reads in all.
MAX_ROSTERS = 50


def test_join_part_nick_flood_emits_few_rosters_and_the_right_members():
    with (
        hostile_server() as hs,
        running_client(fast_settings("127.0.0.1", hs.port)) as (_client, sink),
    ):
        sink.wait(Joined, is_self=True)
        nick = hs.nick
        hs.send(*names_lines(nick))
        sink.wait(Roster, buffer="#lobby", where=lambda r: len(r.members) == ROSTER_MEMBERS + 1)
        mark = sink.mark()
        lines, expected = flood_lines()
        hs.send(*lines)
        final = sink.wait(
            Roster,
            timeout=30,
            after=mark,
            buffer="#lobby",
            where=lambda r: (
                any(m.nick == f"m{ROSTER_FLOOD - 1}" for m in r.members) is False
                and any(m.nick == f"j{ROSTER_FLOOD - 2}" for m in r.members)
            ),
        )
        assert {m.nick for m in final.members} == expected | {nick}
        rosters = [e for e in sink.events[mark:] if isinstance(e, Roster)]
        assert len(rosters) <= MAX_ROSTERS, f"{len(rosters)} rosters for {ROSTER_FLOOD} lines"
        assert rosters[-1] is final
