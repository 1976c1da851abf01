"""Nothing typed is lost at quit (issue 7).

Chat lines wait in a paced lane; QUIT went out ahead of them, so lines pasted just before /quit
never left. Quitting now sends the chat lane first (using the server's burst), and when some
would still be left the first quit says how many and only a second one quits anyway.
"""

from __future__ import annotations

import re

import pytest
from textual import events
from ui.conftest import (
    Peer,
    joined,
    make_app,
    peers,
    screen_text,
    server,
    start_test_server,
    type_line,
    wait_for,
)

from tui_chat.ui.screens.paste import PasteScreen
from tui_chat.ui.textual_compat import notifications

__all__ = ["make_app", "peers", "server"]  # fixtures shared with tests/ui

PASTE = 15


async def _paste(pilot, app, lines: list[str]) -> None:
    """Paste, and send from the paste prompt (a paste of more than 3 lines asks first) as
    lines: our server takes multi-line messages, so "Send N lines" is the second button."""
    app.chat.chat_input.post_message(events.Paste("\n".join(lines)))
    await wait_for(pilot, lambda: isinstance(app.screen, PasteScreen), what="the paste prompt")
    await pilot.press("tab", "enter")  # from "Send as one message" to "Send N lines"


def _said_then_quit(peer: Peer, nick: str = "alice") -> tuple[list[str], list[str]]:
    """(what ``nick`` said in #lobby before its QUIT, and after it) as the peer saw it."""
    with peer._lock:
        lines = list(peer.lines)
    quit_at = next(
        i for i, line in enumerate(lines) if line.startswith(f":{nick}!") and " QUIT " in line
    )

    def said(part: list[str]) -> list[str]:
        return [
            line.split(" :", 1)[1]
            for line in part
            if line.startswith(f":{nick}!") and " PRIVMSG #lobby " in line
        ]

    return said(lines[:quit_at]), said(lines[quit_at:])


@pytest.mark.timeout(60)
async def test_lines_pasted_right_before_quit_all_reach_the_peer_before_the_quit(make_app, peers):
    # Our server with its flood control on (20 at once, then 5 a second): the quit burst must
    # stay within it, or the server would hold the lines and drop them with the connection.
    srv = start_test_server(flood_limit=True)
    try:
        bob = Peer(srv.port, "bob")
        peers.append(bob)
        bob.wait_sync(" 001 ")
        # One line at once, then one a second: the paste stays waiting for seconds, however
        # slowly a loaded machine runs the test (at the default 2.5 a second a slow run sent
        # it before the check below). The quit burst of 14 sends all that is left, and with
        # the one line it stays under the server's burst of 20.
        pace = {"chat_burst": 1, "chat_rate": 1.0, "quit_burst": PASTE - 1}
        app = make_app(srv.port, client_options=pace)
        async with app.run_test(size=(100, 30)) as pilot:
            await joined(pilot, app)
            await bob.join(pilot, "#lobby")
            client = app.controller.client
            lines = [f"pasted line {i:02d}" for i in range(PASTE)]
            await _paste(pilot, app, lines)
            await wait_for(pilot, lambda: client.unsent_lines() > 0, what="the paste handled")
            # Most of the paste is still waiting for the pace when the user quits.
            assert client.unsent_lines() >= PASTE - 1 - 4
            await type_line(pilot, "/quit")
            await wait_for(pilot, lambda: bob.seen("alice!") and bob.seen(" QUIT "), what="QUIT")
        before, after = _said_then_quit(bob)
        assert before == lines
        assert after == []
    finally:
        srv.stop()


@pytest.mark.timeout(60)
async def test_quit_over_lines_that_cannot_leave_in_time_asks_and_a_second_ctrl_q_quits(
    server, make_app, peers
):
    bob = Peer(server.port, "bob")
    peers.append(bob)
    bob.wait_sync(" 001 ")
    # A pace so slow that the lines stay: one at once (the JOIN may have used it), then one
    # every ten seconds.
    app = make_app(server.port, client_options={"chat_burst": 1, "chat_rate": 0.1, "quit_burst": 2})
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await joined(pilot, app)
        await bob.join(pilot, "#lobby")
        client = app.controller.client
        lines = [f"slow line {i:02d}" for i in range(PASTE)]
        await _paste(pilot, app, lines)
        await wait_for(pilot, lambda: client.unsent_lines() > 0, what="the paste handled")

        await pilot.press("ctrl+q")
        await wait_for(
            pilot,
            lambda: "still being sent" in " ".join(screen_text(app).split()),
            what="the warning on screen",
        )
        (note,) = [n for n in notifications(app) if "still being sent" in n.message]
        assert note.markup is False
        count = int(re.match(r"(\d+) lines are still being sent", note.message).group(1))
        assert PASTE - 1 <= count <= PASTE
        assert note.message.endswith("- press Ctrl+Q again to quit anyway")
        # Still running and still connected: nothing was dropped and no QUIT was sent.
        await pilot.pause(0.2)
        assert app.is_running and app.return_code is None
        assert not bob.seen(" QUIT ")

        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: bob.seen("alice!") and bob.seen(" QUIT "), what="QUIT")
        await wait_for(pilot, lambda: app.return_code is not None, what="the app exited")
    before, after = _said_then_quit(bob)
    # The quit burst (two lines, the first of them maybe the WHO queued after the JOIN) still
    # went out ahead of the QUIT; the rest was dropped, as the user chose.
    assert before == lines[: len(before)] and len(before) >= 1
    assert after == []
