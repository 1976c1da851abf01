"""Every paste path, as a terminal's bracketed paste (ESC [200~ … ESC [201~) delivers it.

What was sent is checked at the peer, after a PING round trip, so "sent once" and "nothing
sent" are facts about the wire, not the screen.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tui_chat.server import ServerConfig, ServerThread

from .conftest import ChatTerminal, start_chat
from .harness import covers

pytestmark = pytest.mark.timeout(120)

EMPTY = "Type a message, or /help"


@covers("help:Paste")
def test_a_one_line_paste_goes_in_once_and_is_sent_once(fresh: ChatTerminal) -> None:
    term = fresh.term
    term.type("say ")
    term.paste("pasted words\n")  # copied with its newline: still one line, not sent yet
    fresh.wait_input("say pasted words")
    assert fresh.peer_heard() == []
    term.press("enter")
    fresh.peer_hears("say pasted words")
    assert fresh.peer_heard() == []


def test_a_pasted_command_line_is_said_not_run(fresh: ChatTerminal) -> None:
    term = fresh.term
    term.paste("/part #keys bye")
    fresh.wait_input("//part #keys bye")  # shown escaped: Enter says it
    term.press("enter")
    fresh.peer_hears("/part #keys bye")
    assert fresh.header() == "#keys"


def test_two_or_three_lines_are_sent_once_each_with_what_was_typed(fresh: ChatTerminal) -> None:
    term = fresh.term
    term.type("before: ")
    term.paste("line one\n/quit\nline three")
    fresh.peer_hears("before: line one")
    fresh.peer_hears("/quit")  # as text: the app is still here
    fresh.peer_hears("line three")
    fresh.wait_input(EMPTY)
    assert fresh.peer_heard() == []
    assert term.proc.poll() is None


LONG = "\n".join(f"long paste {i}" for i in range(1, 8))


@covers("paste.send")
@pytest.mark.parametrize("send", ["ctrl+y", "enter"])
def test_a_long_paste_asks_then_sends_every_line_once(fresh: ChatTerminal, send: str) -> None:
    term = fresh.term
    term.paste(LONG)
    term.wait_for("Paste 7 lines?")
    assert fresh.peer_heard() == []  # nothing goes before the answer
    term.press(send)
    for i in range(1, 8):
        fresh.peer_hears(f"long paste {i}")
    term.wait_gone("Paste 7 lines?")
    fresh.wait_input(EMPTY)
    assert fresh.peer_heard() == []


@covers("paste.cancel")
@pytest.mark.parametrize("cancel", ["escape", "ctrl+n"])
def test_cancel_sends_nothing_and_keeps_what_was_typed(fresh: ChatTerminal, cancel: str) -> None:
    term = fresh.term
    term.type("typed")
    term.paste(LONG)
    term.wait_for("Paste 7 lines?")
    term.press(cancel)
    term.wait_gone("Paste 7 lines?")
    fresh.wait_input("typed")
    assert fresh.peer_heard() == []


@covers("paste.edit")
def test_edit_then_send_sends_the_edited_lines(fresh: ChatTerminal) -> None:
    term = fresh.term
    term.paste("/nick nope\n" + LONG)
    term.wait_for("Paste 8 lines?")
    term.press("ctrl+e")
    term.wait_for("Edit the lines")
    term.type("edited ")  # the cursor starts at the top of the text
    term.wait_for("edited /nick nope")
    term.press("ctrl+y")
    fresh.peer_hears("edited /nick nope")
    for i in range(1, 8):
        fresh.peer_hears(f"long paste {i}")
    fresh.wait_input(EMPTY)
    assert fresh.peer_heard() == []


def test_the_prompt_fits_80_by_24_with_a_long_paste(tmp_path: Path) -> None:
    server = ServerThread(
        ServerConfig(bind="127.0.0.1", port=0, server_name="test.server", flood_limit=False)
    ).start()
    term, peer = None, None
    try:
        term, peer = start_chat(tmp_path, server, cols=80, rows=24)
        term.paste("\n".join(f"row {i}" for i in range(40)))
        term.wait_for("Paste 40 lines?")
        # Our server takes multi-line messages: four buttons, on two rows.
        term.wait_for("Send as one message (Ctrl+Y)")
        term.wait_for("Send 40 lines")
        term.wait_for("Cancel (Esc)")
        term.press("escape")
        term.wait_gone("Paste 40 lines?")
    finally:
        if term is not None:
            term.close()
        if peer is not None:
            peer.close()
        server.stop(timeout=5.0)
