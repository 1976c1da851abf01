"""The private Textual code we copy or call (tui_chat/ui/textual_compat.py) and what it fixes."""

from __future__ import annotations

import hashlib
import inspect
import re
import time
from pathlib import Path

import textual
from textual import events
from textual._xterm_parser import XTermParser
from textual.app import App, ComposeResult
from textual.widget import Widget
from textual.widgets import Input

import tui_chat.ui as ui_package
from tui_chat.ui.terminal_keys import key_from_cursor_report
from tui_chat.ui.textual_compat import (
    ESCAPE_DIGIT_UPSTREAM,
    INPUT_COPIES_SHA256,
    own_key_bindings,
    read_escape_digits_as_alt,
)
from tui_chat.ui.widgets import ChatInput


def test_the_copied_input_methods_match_upstream():
    # FastInput copies or replaces these: when an upgrade changes one, re-copy or re-check it.
    changed = []
    classes = {"Input": Input, "Widget": Widget}
    for qualified, digest in INPUT_COPIES_SHA256.items():
        owner, name = qualified.split(".")
        member = inspect.getattr_static(classes[owner], name)
        code = member.fget if isinstance(member, property) else member
        if hashlib.sha256(inspect.getsource(code).encode()).hexdigest() != digest:
            changed.append(qualified)
    assert changed == []


def test_private_textual_names_are_used_only_in_textual_compat():
    private = re.compile(
        r"\._(watch_value|display|driver|get_suggestion|on_key|on_paste|scroll_update|"
        r"compositor|suggestion|initial_value|notifications|bindings)\b"
    )
    root = Path(ui_package.__file__).parents[2]
    sources = [*(root / "tui_chat").rglob("*.py"), *(root / "tests").rglob("*.py")]
    sources += (root / "bench").rglob("*.py")
    offenders = [
        f"{path.relative_to(root)}:{n}"
        for path in sources
        if path.name not in ("textual_compat.py", "test_textual_compat.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if private.search(line)
        or re.search(r"def _on_(key|paste)\b", line)
        or re.search(r"\b_ansi_sequences\b|\b_xterm_parser\b", line)
    ]
    assert offenders == []


def parse_keys(data: str) -> list[object]:
    parser = XTermParser()
    return [*parser.feed(data), *parser.feed("")]


def test_upstream_still_maps_escape_digits_to_macos_characters():
    # read_escape_digits_as_alt overrides these entries of the table; when an upgrade changes
    # them (or fixes the mapping), look again at whether the override is still needed.
    source = (Path(textual.__file__).parent / "_ansi_sequences.py").read_text()
    for sequence, character in ESCAPE_DIGIT_UPSTREAM.items():
        entry = f'"{sequence.encode("unicode_escape").decode()}": "{character}",'
        assert entry in source, entry


def test_escape_digits_parse_as_alt_digits():
    read_escape_digits_as_alt()
    for n in range(10):
        keys = parse_keys(f"\x1b{n}")
        assert [(k.key, k.character) for k in keys] == [(f"alt+{n}", None)]  # type: ignore[attr-defined]
    # Typed characters are untouched: a macOS Option+1 sends "¡" itself.
    assert [k.key for k in parse_keys("¡a")] == ["inverted_exclamation_mark", "a"]  # type: ignore[attr-defined]


def test_shift_f3_arrives_as_a_cursor_report_and_is_read_back_as_the_key():
    # xterm's Shift+F3 is CSI 1;2R; Textual 8.2.8 reads it as a cursor position report, and
    # ChatApp turns that back into the key. When the parser learns the key, this fails.
    [report] = parse_keys("\x1b[1;2R")
    assert isinstance(report, events.CursorPosition)
    assert (report.x, report.y) == (1, 0)
    key = key_from_cursor_report(report)
    assert key is not None and key.key == "shift+f3"
    [ctrl] = parse_keys("\x1b[1;5R")
    assert isinstance(ctrl, events.CursorPosition)
    key = key_from_cursor_report(ctrl)
    assert key is not None and key.key == "ctrl+f3"
    assert key_from_cursor_report(events.CursorPosition(1, 4)) is None


class InputApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.submitted: list[str] = []

    def compose(self) -> ComposeResult:
        yield ChatInput(nick_source=lambda: [], id="input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.submitted.append(event.value)  # ChatInput empties itself on Enter


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


async def test_the_inputs_own_keys_act_in_order_with_the_characters_around_them():
    # Keys posted back to back, as the driver does with one read of several keys. Textual runs
    # a widget's bindings after a trip up to the App (issue #6605); ChatInput runs its own
    # inline (textual_compat.own_key_bindings). When upstream fixes this, the order holds anyway.
    app = InputApp()
    async with app.run_test() as pilot:
        chat_input = app.query_one(ChatInput)
        chat_input.focus()
        await pilot.pause()
        keys = [*"helo", "backspace", *"lo", "enter", *"next", "ctrl+u", *"fresh"]
        for key in keys:
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await wait_until_idle(pilot, lambda: chat_input.value == "fresh")
        assert app.submitted == ["hello"]
        assert own_key_bindings(chat_input, "backspace")[0].action == "delete_left"


async def wait_until_idle(pilot, condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.02)
