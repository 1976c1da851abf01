"""Start-up (issue 12): what the first frame does not need is loaded after it, and still works.

The client's event classes and the slash commands load after the first frame; the help, connect
and password screens' styles are read when those screens are first shown (snapshot tests show
the help and connect screens unchanged). The search bar's widgets load with the first search;
the TLS policy only for a TLS connection; tomllib only with a config file to read.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tui_chat.ui.screens.help import HelpScreen

from .conftest import joined, screen_text, type_line, wait_for

SIZE = (120, 36)
UI = Path(__file__).resolve().parents[2] / "tui_chat" / "ui"

# What a fresh `tui-chat join` imports before its first frame: the CLI, the app, its screen.
FIRST_FRAME_IMPORTS = """
import sys
import tui_chat.cli, tui_chat.config, tui_chat.ui, tui_chat.ui.app
print(" ".join(sorted(m for m in sys.modules if m.startswith("tui_chat"))))
"""

# `tui-chat join` as far as its first frame, without the terminal: parse the line, read the
# (missing) config, build the app; then what is loaded, and how many dataclasses were built.
JOIN_IMPORTS = """
import dataclasses, sys
built = []
process = dataclasses._process_class
def counting(cls, *args, **kwargs):
    built.append(cls.__module__ + "." + cls.__qualname__)
    return process(cls, *args, **kwargs)
dataclasses._process_class = counting
from tui_chat import cli
import tui_chat.ui, tui_chat.ui.app
tui_chat.ui.app.ChatApp.run = lambda self: 0
cli.main(["join", "127.0.0.1:1", "--nick", "x", "--room", "#r", "--config", sys.argv[1]])
print(" ".join(sorted(sys.modules)))
print(" ".join(b for b in built if b.startswith("tui_chat")))
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
    assert "tui_chat.ui.widgets.search_panel" not in loaded


def test_join_builds_what_its_first_frame_needs_and_no_more(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", JOIN_IMPORTS, str(tmp_path / "missing.toml")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    modules, built = (set(line.split()) for line in done.stdout.splitlines()[-2:])
    assert "tui_chat.ui.screens.chat" in modules  # the check sees the screen's imports
    assert "tui_chat.client.tls" not in modules  # a plaintext join
    assert "tomllib" not in modules  # no config file to read
    # A dataclass costs ~4 M instructions to build; the widgets' value types are NamedTuples.
    assert not {b for b in built if b.startswith("tui_chat.ui.widgets.")} - {
        "tui_chat.ui.widgets.message_log.Highlight"  # the log's (another part of issue 12)
    }
    assert "tui_chat.client.address.JoinTarget" not in built
    assert not {b for b in built if b.startswith("tui_chat.client.typing.")}
    assert "tui_chat.irc.formatting.Span" not in built
    assert "tui_chat.ui.input_rows.Rows" not in built


async def test_the_search_bar_loaded_later_still_finds(server, make_app) -> None:
    app = make_app(server.port)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        await type_line(pilot, "a line with a NEEDLE in it")
        await wait_for(pilot, lambda: "NEEDLE" in screen_text(app), what="the line")
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: app.chat.query("#searchbar"), what="the search bar")
        app.chat.searching.bar.query_one("#search-input").value = "needle"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.chat.log_view.highlight is not None, what="a match")
        assert "1/1" in str(app.chat.searching.bar.query_one("#search-status").render())
        await pilot.press("escape")  # SearchBar.Close, handled by name on the screen
        await wait_for(pilot, lambda: not app.chat.searching.bar.display, what="closed")
        assert app.chat.log_view.highlight is None


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
