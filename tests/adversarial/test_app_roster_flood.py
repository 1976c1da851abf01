"""A JOIN/PART/NICK flood in a 10,000-member channel leaves the app live and its user list right.

The user list used to be sorted and rebuilt for every one of those lines.
"""

from __future__ import annotations

import time

import pytest
from ui.conftest import joined, make_app, type_line, wait_for

from tui_chat.ui.widgets import UserList

from .hostile_server import ROSTER_FLOOD, ROSTER_MEMBERS, flood_lines, hostile_server, names_lines

__all__ = ["make_app"]  # the fixture, shared with tests/ui

LIVENESS = 2.0  # the bound: a typed line reaches the server within 2 s


@pytest.mark.timeout(90)
async def test_roster_flood_keeps_app_live_and_user_list_exact(make_app):
    with hostile_server() as hs:
        app = make_app(hs.port)
        async with app.run_test(size=(100, 30)) as pilot:
            await joined(pilot, app)
            userlist = app.chat.query_one("#userlist", UserList)
            rebuilds = 0
            original = userlist.watch_roster

            def counting(roster):  # type: ignore[no-untyped-def]
                nonlocal rebuilds
                rebuilds += 1
                original(roster)

            userlist.watch_roster = counting  # type: ignore[method-assign]
            hs.send(*names_lines(hs.nick))
            await wait_for(
                pilot,
                lambda: len(userlist.roster.members) == ROSTER_MEMBERS + 1,
                timeout=30,
                what="the 10,000 names",
            )
            lines, expected = flood_lines()
            rebuilds = 0
            hs.send(*lines)
            started = time.monotonic()
            await type_line(pilot, "typed during the flood")
            left = max(0.1, LIVENESS - (time.monotonic() - started))
            await wait_for(
                pilot,
                lambda: hs.seen("PRIVMSG #lobby :typed during the flood"),
                timeout=left,
                what="the typed line on the server",
            )
            await wait_for(
                pilot,
                lambda: {m.nick for m in userlist.roster.members} == expected | {hs.nick},
                timeout=30,
                what="the final user list",
            )
            assert 0 < rebuilds <= 50, f"{rebuilds} rebuilds for {ROSTER_FLOOD} lines"
            await pilot.press("ctrl+q")
