"""Start-up (issue 12): what the first frame does not need is loaded after it, and still works.

The client's event classes and the slash commands load after the first frame; the help, connect
and password screens' styles are read when those screens are first shown (snapshot tests show
the help and connect screens unchanged).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tui_chat.ui.screens.help import HelpScreen

from .conftest import joined, screen_text, wait_for

SIZE = (120, 36)
UI = Path(__file__).resolve().parents[2] / "tui_chat" / "ui"

# What a fresh `tui-chat join` imports before its first frame: the CLI, the app, its screen.
FIRST_FRAME_IMPORTS = """
import sys
import tui_chat.cli, tui_chat.config, tui_chat.ui, tui_chat.ui.app
print(" ".join(sorted(m for m in sys.modules if m.startswith("tui_chat"))))
"""


def test_the_first_frame_loads_neither_event_classes_nor_commands() -> None:
    done = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME_IMPORTS],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded = set(done.stdout.split())
    assert "tui_chat.ui.screens.chat" in loaded  # the check sees the screen's imports
    assert "tui_chat.client.events" not in loaded
    assert not {m for m in loaded if m.startswith("tui_chat.ui.commands")}


async def test_help_through_the_loaded_later_commands_reads_its_own_styles(
    server, make_app
) -> None:
    help_css = str(UI / "help.tcss")
    app = make_app(server.port)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        sources = {path for path, _ in app.stylesheet.source}
        assert "ChatApp.CSS" in {name for _, name in app.stylesheet.source}  # app.tcss
        assert help_css not in sources
        # Completion and the commands (both loaded after the first frame) bring up the help.
        chat_input = app.chat.chat_input
        chat_input.value = "/hel"
        chat_input.cursor_position = len(chat_input.value)
        await pilot.press("tab")
        await wait_for(pilot, lambda: chat_input.value.startswith("/help"), what="completion")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help screen")
        await pilot.pause()
        assert help_css in {path for path, _ in app.stylesheet.source}
        box = app.screen.query_one("#help-box")
        assert box.styles.border.top[0] == "thick"  # help.tcss: border: thick $accent
        assert "/join" in screen_text(app)
