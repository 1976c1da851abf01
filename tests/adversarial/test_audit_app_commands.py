"""Slash commands with hostile arguments: each gets one clear line back, never a traceback.

``/msg a,b hi``, ``/kick :x`` or ``/quote :`` used to end the app: the client refuses such
parameters with ValueError, and nothing between the input and the client caught it.
"""

from __future__ import annotations

import time

import pytest
from ui.conftest import Peer, joined, log_text, make_app, peers, server, type_line, wait_for

__all__ = ["make_app", "peers", "server"]  # fixtures, shared with tests/ui

LIVENESS = 2.0  # the bound: a typed line reaches the server within 2 s
MANY_ROOMS = ",".join(f"#r{i}" for i in range(1000))

# (typed line, a fragment of the one hint it must get)
HOSTILE = [
    ("/msg a,b hello", "'a,b' is not one nick or room"),
    ("/msg #a,#b hello", "'#a,#b' is not one nick or room"),
    ("/notice a,b hello", "'a,b' is not one nick or room"),
    ("/msg :x hello", "':x' is not one nick or room"),
    ("/msg [@click=app.quit] hello", "is not one nick or room"),
    ("/kick :x because", "Not sent: only the last parameter"),
    ("/invite :x #lobby", "Not sent: only the last parameter"),
    ("/mode #lobby :x y", "Not sent: only the last parameter"),
    ("/quote :", "Not sent: not an IRC command"),
    (f"/join {MANY_ROOMS}", "Too long for one JOIN (1000 rooms)"),
    ("/nick 1bad", "Not a valid nick: '1bad'"),
    ("/nick [@click=app.quit]", "Not a valid nick"),
    ("/query [b]x[/b]", "is not a nick"),
    ("/close [@click=app.quit]", "No conversation named [@click=app.quit]."),
    ("/frobnicate " + "x" * 5000, "Unknown command /frobnicate"),
]


@pytest.mark.timeout(60)
async def test_hostile_arguments_get_one_hint_and_the_app_stays(make_app, server, peers):
    bob = Peer(server.port, "bob")
    peers.append(bob)
    app = make_app(server.port)
    async with app.run_test(size=(100, 30)) as pilot:
        await joined(pilot, app)
        await bob.join(pilot, "#lobby")
        await wait_for(pilot, lambda: "bob" in log_text(app), what="bob's join shown")
        conversations = app.chat.model.conversations
        names_before = sorted(c.name for c in conversations)
        for line, hint in HOSTILE:
            log = app.chat.current_conversation.log
            before = len(log.entries)
            await type_line(pilot, line)
            await pilot.pause()
            added = list(log.entries)[before:]
            assert app.is_running, line
            assert [(e.kind, hint in e.plain) for e in added] == [("error", True)], (line, added)
        assert sorted(c.name for c in conversations) == names_before

        # A huge message is split and delivered; a topic with markup is sent as text.
        await type_line(pilot, "/msg bob " + "y" * 5000)
        await type_line(pilot, "/topic [b]bold[/b] [@click=app.quit]")
        await wait_for(pilot, lambda: bob.seen("TOPIC #lobby :[b]bold[/b] [@click=app.quit]"))
        assert sum(line.count("y") for line in bob.received("PRIVMSG bob")) == 5000

        started = time.monotonic()
        await type_line(pilot, "still here")
        left = max(0.1, LIVENESS - (time.monotonic() - started))
        await bob.expect(pilot, "PRIVMSG #lobby :still here", timeout=left)
        assert app.is_running
        await pilot.press("ctrl+q")
