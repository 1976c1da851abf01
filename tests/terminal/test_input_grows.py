"""The input box in a real 80-column terminal: one row, more as a long line wraps, one again after.

The app runs on a pty at 80x24 (the input has 74 cells a row there) joined to a real server
with a peer in the room; the screen is read back through pyte.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tui_chat.server import ServerConfig, ServerThread

from .conftest import ChatTerminal, start_chat

pytestmark = pytest.mark.timeout(120)

EMPTY = "Type a message, or /help"
# 179 characters: three rows of 74 cells, every word different so a lost piece shows.
LONG = " ".join(f"w{i:03d}" for i in range(36))


@pytest.fixture(scope="module")
def narrow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatTerminal]:
    server = ServerThread(
        ServerConfig(bind="127.0.0.1", port=0, server_name="test.server", flood_limit=False)
    ).start()
    try:
        term, peer = start_chat(tmp_path_factory.mktemp("grows"), server, cols=80, rows=24)
        chat = ChatTerminal(term, server, peer)
        try:
            yield chat
        finally:
            term.close()
            peer.close()
    finally:
        server.stop(timeout=5.0)


@pytest.fixture
def at80(narrow: ChatTerminal) -> Iterator[ChatTerminal]:
    narrow.reset()
    yield narrow
    narrow.reset()


def test_a_long_line_grows_the_input_and_goes_whole(at80: ChatTerminal) -> None:
    assert at80.input_height() == 1
    at80.term.type(LONG)
    at80.wait_input(LONG)  # every character on screen, wrapped over the rows
    assert at80.input_height() == 3
    at80.term.press("enter")
    at80.peer_hears(LONG)
    at80.wait_input(EMPTY)
    assert at80.input_height() == 1
    assert at80.peer_heard() == []


def test_deleting_shrinks_the_input_back(at80: ChatTerminal) -> None:
    at80.term.type("x" * 100)
    at80.wait_input("x" * 100)
    assert at80.input_height() == 2
    at80.term.send("\x7f" * 30)  # Backspace
    # The text fits one row in the frame that shows it; the box may take its one row in the
    # next frame (a layout follows the text's), so wait for both, as a user's eye would.
    at80.term.wait_for(lambda term: at80.input_text() == "x" * 70 and at80.input_height() == 1)


def test_the_log_keeps_its_last_line_in_view_over_a_grown_input(at80: ChatTerminal) -> None:
    # The input grows upwards into the log's rows; the newest line must not go under it.
    for i in range(30):  # more than the log's rows, so it is scrolled to its end
        at80.say_from_peer(f"filler {i}")
    at80.term.wait_for("filler 29")
    at80.term.type(LONG)
    at80.wait_input(LONG)
    at80.term.wait_for("filler 29")  # the log follows its end a frame after the input grows
    assert at80.input_height() == 3
    footer = at80.term.row(at80.term.screen.lines - 1)
    at80.term.press("enter")
    at80.wait_input(EMPTY)
    at80.term.wait_for(LONG[:20])  # our own line, at the end of the log
    assert at80.term.row(at80.term.screen.lines - 1) == footer
