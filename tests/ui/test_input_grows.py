"""The input is one row high, wraps a long line onto more rows and grows (up to a cap), and is
one row again once the line is sent: the real app and server, driven by the Pilot at 80x24."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tui_chat.ui.input_rows import display_text, wrap
from tui_chat.ui.widgets import ChatInput

from .conftest import Peer, joined, screen_lines, wait_for
from .demo import DemoApp

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


async def test_up_and_down_move_between_the_rows_first_then_through_the_history(server, make_app):
    app = make_app(server.port)
    async with app.run_test(size=(80, 24)) as pilot:
        await joined(pilot, app)
        chat_input = app.chat.chat_input
        await pilot.press(*"short", "enter")
        await wait_for(pilot, lambda: chat_input.value == "")
        await pilot.press(*keys(LONG))
        assert chat_input.cursor_position == len(LONG)  # row 2 (of 0..2), column 31
        await pilot.press("up")
        assert (chat_input.value, chat_input.cursor_position) == (LONG, 74 + 31)
        await pilot.press("up")
        assert (chat_input.value, chat_input.cursor_position) == (LONG, 31)
        await pilot.press("up")  # from the first row: the previous line
        assert chat_input.value == "short"
        await pilot.press("down")  # one row: back to what was being typed
        assert (chat_input.value, chat_input.cursor_position) == (LONG, len(LONG))
        await pilot.press("home", "down")
        assert (chat_input.value, chat_input.cursor_position) == (LONG, 74)
        await pilot.press("down", "down")  # the last row, then nowhere further: it stays
        assert (chat_input.value, chat_input.cursor_position) == (LONG, 148)


async def test_a_line_longer_than_the_cap_scrolls_inside_the_input():
    app = DemoApp()
    async with app.run_test(size=(60, 20)) as pilot:  # a third of 20 rows: 4 of text
        await pilot.pause()
        chat_input = app.chat.chat_input
        text = "".join(f"{i:03d}," for i in range(150))  # 600 characters, 12 rows of 54
        chat_input.value = text
        chat_input.cursor_position = len(text)
        await wait_for(pilot, lambda: len(input_rows(app)) == 4, what="four rows")
        assert input_rows(app)[-1].rstrip() == text[54 * 11 :]  # the end, where the cursor is
        await pilot.press("home")
        await wait_for(pilot, lambda: input_rows(app)[0] == text[:54], what="the start")
        assert "".join(input_rows(app)) == text[: 54 * 4]
        assert app.chat.log_view.size.height > 0  # the log keeps the rest of the screen


async def test_a_resize_wraps_the_line_anew():
    app = DemoApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.chat.chat_input.value = LONG
        await wait_for(pilot, lambda: len(input_rows(app)) == 3, what="three rows")
        await pilot.resize_terminal(120, 36)  # 114 cells a row
        await wait_for(pilot, lambda: len(input_rows(app)) == 2, what="two rows")
        rows = input_rows(app)
        assert rows[0] + rows[1].rstrip() == LONG


async def test_a_click_on_the_second_row_puts_the_cursor_there():
    app = DemoApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        chat_input = app.chat.chat_input
        chat_input.value = LONG
        await wait_for(pilot, lambda: len(input_rows(app)) == 3, what="three rows")
        # Offsets from the widget's corner: a border cell and two of padding, a border row.
        await pilot.click(ChatInput, offset=(3 + 10, 1 + 1))
        assert chat_input.cursor_position == 74 + 10
        await pilot.press("x")
        assert chat_input.value == LONG[:84] + "x" + LONG[84:]


def test_rows_of_wide_characters_joiners_and_controls():
    # A wide character that does not fit starts the next row; a joiner takes no cell.
    rows = wrap("ab😀😀c", 5)
    assert rows.starts == (0, 3)
    assert [rows.column_of(i) for i in range(6)] == [0, 1, 2, 0, 2, 3]  # index 3 starts row 1
    assert wrap("a\u200db", 2).starts == (0, 3)  # "a", joiner, "b" fill two cells: + a row
    assert wrap("a\tb", 3).starts == (0, 3)  # a pasted tab is drawn as one blank cell
    assert display_text("a\tb") == "a b"
    assert wrap("", 10).starts == (0,)
    assert wrap("abcd", 4).starts == (0, 4)  # full: the cursor after it has a row


def test_every_cursor_place_maps_back_to_its_index():
    for value in ("x" * 23, "ab😀😀cd😀e" * 3, "é\u200d" * 9):
        for width in (1, 2, 3, 5, 8):
            rows = wrap(value, width)
            for index in range(len(value) + 1):
                row = rows.row_of(index)
                assert rows.index_at(row, rows.column_of(index)) == index or (
                    value[index : index + 1] == "\u200d"  # before a joiner: after it
                ), (value, width, index)


class PasswordApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ChatInput(nick_source=lambda: [], password=True)


async def test_a_password_input_still_shows_dots_on_every_row():
    app = PasswordApp()
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.press(*"secret" * 10)  # 60 characters: two rows of 36
        lines = screen_lines(app)
        assert not any("secret" in line for line in lines)
        assert sum(line.count("•") for line in lines) == 60
