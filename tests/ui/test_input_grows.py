"""The input is one row high, wraps a long line onto more rows and grows (up to a cap), and is
one row again once the line is sent: the real app and server, driven by the Pilot at 80x24."""

from __future__ import annotations

from .conftest import Peer, joined, screen_lines, wait_for

EMPTY = "Type a message, or /help"
# 179 characters: three rows of the 74 cells the input has at 80 columns.
LONG = " ".join(f"w{i:03d}" for i in range(36))


def keys(text: str) -> list[str]:
    return ["space" if c == " " else c for c in text]


def input_rows(app) -> list[str]:
    """The input box's rows of text as drawn (without borders and padding), top to bottom."""
    region = app.chat.chat_input.content_region
    lines = screen_lines(app)
    return [lines[y][region.x : region.right] for y in range(region.y, region.bottom)]


async def test_a_long_line_grows_the_input_and_goes_whole(server, make_app, peers):
    app = make_app(server.port)
    async with app.run_test(size=(80, 24)) as pilot:
        await joined(pilot, app)
        chat_input = app.chat.chat_input
        assert [row.strip() for row in input_rows(app)] == [EMPTY]
        await pilot.press(*keys(LONG))
        await wait_for(pilot, lambda: len(input_rows(app)) == 3, what="three rows")
        rows = input_rows(app)
        assert rows[0] + rows[1] + rows[2].rstrip() == LONG  # every character, in order
        assert chat_input.value == LONG
        # Bob joins only now: a Peer's reader stops after 5 s without a line (its timeout).
        bob = Peer(server.port, "bob")
        peers.append(bob)
        await bob.register(pilot)
        await bob.join(pilot, "#lobby")
        await wait_for(pilot, lambda: len(app.chat.current_conversation.members) == 2)
        await pilot.press("enter")
        await bob.expect(pilot, f"PRIVMSG #lobby :{LONG}")
        await wait_for(pilot, lambda: len(input_rows(app)) == 1, what="one row again")
        assert input_rows(app)[0].strip() == EMPTY
