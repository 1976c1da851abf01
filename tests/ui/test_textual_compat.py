"""The private Textual code we copy or call (tui_chat/ui/textual_compat.py) and what it fixes."""

from __future__ import annotations

import hashlib
import inspect
import re
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import Input

import tui_chat.ui as ui_package
from tui_chat.ui.textual_compat import INPUT_WATCH_VALUE_SHA256
from tui_chat.ui.widgets import ChatInput


def test_the_copied_input_watch_value_matches_upstream():
    # FastInput._watch_value is a copy of this method: when an upgrade changes it, re-copy it.
    source = inspect.getsource(Input._watch_value)
    assert hashlib.sha256(source.encode()).hexdigest() == INPUT_WATCH_VALUE_SHA256


def test_private_textual_names_are_used_only_in_textual_compat():
    private = re.compile(
        r"\._(watch_value|display|driver|get_suggestion|on_key|on_paste|scroll_update|"
        r"compositor|suggestion|initial_value|notifications)\b"
    )
    root = Path(ui_package.__file__).parents[2]
    sources = [*(root / "tui_chat").rglob("*.py"), *(root / "tests").rglob("*.py")]
    sources += (root / "bench").rglob("*.py")
    offenders = [
        f"{path.relative_to(root)}:{n}"
        for path in sources
        if path.name not in ("textual_compat.py", "test_textual_compat.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if private.search(line) or re.search(r"def _on_(key|paste)\b", line)
    ]
    assert offenders == []


class InputApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.submitted: list[str] = []

    def compose(self) -> ComposeResult:
        yield ChatInput(nick_source=lambda: [], id="input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.submitted.append(event.value)
        event.input.value = ""


async def test_after_sending_the_cursor_is_back_at_the_start():
    app = InputApp()
    async with app.run_test() as pilot:
        chat_input = app.query_one(ChatInput)
        chat_input.focus()
        await pilot.press(*"hello", "enter")
        await pilot.pause()
        assert app.submitted == ["hello"]
        assert chat_input.value == "" and chat_input.cursor_position == 0
        await pilot.press("x")
        assert chat_input.value == "x"
