"""The password prompt in a real terminal: Esc cancels it and says how to try again; the right
password typed into it joins."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui_chat.server import ServerConfig, ServerThread

from .conftest import ME, ROOM, start_app
from .harness import covers

pytestmark = pytest.mark.timeout(120)


@covers("password.cancel")
def test_esc_cancels_the_prompt_and_reconnect_asks_again(tmp_path: Path) -> None:
    server = ServerThread(
        ServerConfig(bind="127.0.0.1", port=0, server_name="test.server", password="sesame")
    ).start()
    term = None
    try:
        term = start_app(
            tmp_path / "home",
            *("join", f"127.0.0.1:{server.port}", "--nick", ME, "--room", ROOM, "--no-log"),
        )
        term.wait_for("A password is needed for", timeout=30)
        term.press("escape")
        term.wait_gone("A password is needed for")
        term.wait_for("/reconnect")
        term.type("/reconnect\r")
        term.wait_for("password is needed for", timeout=30)
        term.type("sesame")
        assert "sesame" not in term.text()  # masked
        term.press("enter")
        term.wait_for(f"You joined {ROOM}", timeout=30)
        assert "sesame" not in term.text()
    finally:
        if term is not None:
            term.close()
        server.stop()
