"""A bracketed paste of 20 lines sent as ONE message (draft/multiline), in a real terminal."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.server.ircclient import TestClient
from tui_chat.server import ServerConfig, ServerThread

from .conftest import ROOM, start_chat

pytestmark = pytest.mark.timeout(120)

PASTE = [f"paste row {i:02d}" for i in range(1, 21)]
ML = ("draft/multiline", "batch", "server-time", "message-tags")


def test_a_20_line_bracketed_paste_goes_as_one_message(tmp_path: Path) -> None:
    server = ServerThread(
        ServerConfig(bind="127.0.0.1", port=0, server_name="test.server", flood_limit=False)
    ).start()
    capable = TestClient(server.port).register("capable", caps=ML)
    term, peer = None, None
    try:
        capable.join(ROOM)
        term, peer = start_chat(tmp_path, server, cols=120, rows=40)
        term.paste("\n".join(PASTE))
        term.wait_for("Paste 20 lines?")
        term.wait_for("Send as one message (Ctrl+Y)")
        term.press("ctrl+y")

        # A multiline client gets one batch of twenty lines.
        start = capable.expect(lambda m: m.command == "BATCH" and m.params[0].startswith("+"))
        assert start.params[1:] == ("draft/multiline", ROOM)
        ref = start.params[0][1:]
        got = capable.collect(lambda m: m.command == "BATCH" and m.params[0] == "-" + ref)
        assert [m.params[1] for m in got if m.command == "PRIVMSG"] == PASTE
        # The plain peer, without the capability, gets twenty ordinary lines.
        for text in PASTE:
            peer.expect(lambda m, text=text: m.command == "PRIVMSG" and m.params == (ROOM, text))

        # On screen: one block under one nick, the echo having replaced the local echo.
        term.wait_for(lambda t: "paste row 20" in t.text() and "(sending" not in t.text())
        rows = [term.row(y) for y in range(term.screen.lines)]
        first = next(y for y, row in enumerate(rows) if "paste row 01" in row)
        column = rows[first].index("paste row 01")
        assert "<me>" in rows[first][:column]
        for offset, text in enumerate(PASTE):
            row = rows[first + offset]
            assert row[column:].startswith(text), rows
            if offset:
                assert "<me>" not in row and not row[column - 8 : column].strip(), rows
    finally:
        if term is not None:
            term.close()
        if peer is not None:
            peer.close()
        capable.close()
        server.stop(timeout=5.0)
