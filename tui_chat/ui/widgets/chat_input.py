"""The line editor: history on Up/Down, Tab completion, paste, End to the log."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from textual import events
from textual.binding import Binding
from textual.message import Message

from ..textual_compat import FastInput, own_key_bindings

MAX_HISTORY = 500

# A paste of more lines than this asks first (the paste prompt); up to this many are sent.
PASTE_ASK_OVER = 3

# Format characters that belong inside what people type: zero-width joiner and non-joiner
# (emoji sequences, Persian and Indic scripts) and the tag characters of flag emoji.
# str.isprintable() is False for them, so Input drops them as if they were control keys.
_JOINERS = frozenset({"\u200c", "\u200d", *map(chr, range(0xE0020, 0xE0080))})


def keeps_joiner(character: str | None) -> bool:
    """A key whose character Input would drop though it belongs in the text."""
    return character is not None and character in _JOINERS


class ChatInput(FastInput):
    """The line editor: history on Up/Down, Tab completion, paste, End to the log.

    A paste goes in once. One line is inserted at the cursor (a leading ``/`` doubled when it
    lands at the start, so a pasted ``/quit`` is said rather than run); two or three lines are
    sent, one message each, with what was typed around the cursor joined to the first and
    last; more lines open the paste prompt first (:mod:`..screens.paste`).
    """

    BINDINGS = [
        Binding("up", "history(-1)", "Previous line", show=False, id="input.history_previous"),
        Binding("down", "history(1)", "Next line", show=False, id="input.history_next"),
        Binding("tab", "complete", "Complete", show=False, id="input.complete"),
    ]

    class Lines(Message):
        """Several lines pasted at once, sent as text: as one multi-line message when ``whole``
        and the server takes them (draft/multiline), else each as its own message."""

        def __init__(self, lines: list[str], whole: bool = False) -> None:
            super().__init__()
            self.lines = lines
            self.whole = whole

    class EndOfLog(Message):
        """End pressed with the cursor already at the end of the line."""

    def __init__(
        self,
        *,
        nick_source: Callable[[], Sequence[str]],
        on_edit: Callable[[], object] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.nick_source = nick_source
        # Told at once, in this widget's turn, whenever the value changes: the screen holds
        # network work back from then until the change is drawn (Changed arrives a turn later).
        self.on_edit = on_edit
        self.history: list[str] = []
        self._history_index: int | None = None
        self._draft = ""
        self._completion: tuple[int, list[str], int, str] | None = None  # start, options, i, typed

    def watch_value(self) -> None:
        if self.on_edit is not None:
            self.on_edit()

    # -- history -----------------------------------------------------------------------

    def remember(self, line: str) -> None:
        if line and (not self.history or self.history[-1] != line):
            self.history.append(line)
            del self.history[:-MAX_HISTORY]
        self._history_index = None
        self._draft = ""

    def action_history(self, step: int) -> None:
        # In a line wrapped onto several rows, Up and Down first move between its rows (as
        # WeeChat and Slack do); from the first row Up recalls the previous line.
        if self.move_cursor_row(step) or not self.history:
            return
        if self._history_index is None:
            if step > 0:
                return
            self._draft = self.value
            index = len(self.history) - 1
        else:
            index = self._history_index + step
        if index < 0:
            index = 0
        if index >= len(self.history):
            self._history_index = None
            self._set_value(self._draft)
            return
        self._history_index = index
        self._set_value(self.history[index])

    def _set_value(self, value: str) -> None:
        self._completion = None
        self.value = value
        self.cursor_position = len(value)

    # -- completion --------------------------------------------------------------------

    def action_complete(self) -> None:
        value = self.value
        cursor = self.cursor_position
        if self._completion is not None:
            start, options, index, typed = self._completion
            index = (index + 1) % len(options)
        else:
            start = value.rfind(" ", 0, cursor) + 1
            typed = value[start:cursor]
            if start == 0 and typed.startswith("/"):
                from ..commands.registry import complete_command  # not before the first frame

                options = complete_command(typed)
            else:
                if not typed:
                    return
                lowered = typed.lower()
                options = sorted(
                    {n for n in self.nick_source() if n.lower().startswith(lowered)},
                    key=str.lower,
                )
            if not options:
                self.app.bell()
                return
            index = 0
        option = options[index]
        if start == 0 and option.startswith("/"):
            suffix = " "
        elif start == 0:
            suffix = ": "
        else:
            suffix = " "
        previous = self._completion
        end = cursor
        if previous is not None:
            # Replace what the previous Tab inserted.
            end = start + len(previous[1][previous[2]]) + len(suffix)
        rest = value[end:]
        new_value = value[:start] + option + suffix + rest
        self.value = new_value
        self.cursor_position = start + len(option) + len(suffix)
        self._completion = (start, options, index, typed)

    async def on_key(self, event: events.Key) -> None:
        # Runs before Input's own key handling (which then goes on as usual).
        focused = self.screen.focused
        if focused is not None and focused is not self:
            # Keys that were queued for us before a key moved the focus (Ctrl+F and the first
            # letters of the search, in one read from the terminal) go where the focus is now.
            event.prevent_default()
            event.stop()
            focused.post_message(events.Key(event.key, event.character))
            return
        if event.key != "tab":
            self._completion = None
        if keeps_joiner(event.character):
            event.prevent_default()
            event.stop()
            assert event.character is not None
            self._insert(event.character)
            return
        # Run our own keys (Backspace, Ctrl+U, Enter, Tab...) now, in order with the characters
        # typed around them, instead of after a trip up to the App. One that declines (Input's
        # Page Up when it has nothing to scroll) leaves the key to go on to the app's bindings.
        for binding in own_key_bindings(self, event.key):
            if await self.app.run_action(binding.action, self):
                event.prevent_default()
                event.stop()
                if binding.action == "submit":
                    # The line left in Submitted; what is typed next starts the next one.
                    self._set_value("")
                return
        # The app's keys (Ctrl+F, Ctrl+Up...) run now as well, in order with the keys around
        # them: after a trip up to the App, the keys behind them would already have been typed.
        for binding in own_key_bindings(self.app, event.key):
            if await self.app.run_action(binding.action, self.app):
                event.prevent_default()
                event.stop()
                return
        if event.key.startswith(("alt+", "ctrl+")) and event.character is not None:
            # A terminal's Alt+A (ESC a) reaches us as "alt+a" with the character "a": Input
            # would type the "a" and the key would never reach the app's binding. A modified
            # key is a command, never text; it goes on up unchanged.
            event.prevent_default()

    def _insert(self, text: str) -> None:
        selection = self.selection
        if selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *selection)

    # -- paste and End -----------------------------------------------------------------

    def on_paste(self, event: events.Paste) -> None:
        # Every paste is handled here: Input's own handler would insert the first line only.
        event.prevent_default()
        event.stop()
        # Blank lines inside stay for a paste sent as one message (a code block keeps its
        # shape); sent as lines, they are skipped.
        lines = event.text.splitlines()
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        if not lines:
            return
        if len(lines) == 1:
            line = lines[0]
            at_start = self.cursor_position == 0 and self.selection.is_empty
            self._insert("/" + line if at_start and line.startswith("/") else line)
            return
        before = self.value[: self.cursor_position]
        after = self.value[self.cursor_position :]
        lines[0] = before + lines[0]
        lines[-1] = lines[-1] + after
        if sum(1 for line in lines if line.strip()) <= PASTE_ASK_OVER:
            self._set_value("")
            self.post_message(self.Lines(lines, whole=True))
            return
        from ..screens.paste import Pasted, PasteScreen, multiline_offered

        def answered(chosen: Pasted | None) -> None:
            # Cancel leaves the input as it was, with what had been typed.
            if chosen:
                self._set_value("")
                self.post_message(self.Lines(chosen.lines, whole=chosen.whole))
            self.focus()

        paste = PasteScreen("\n".join(lines), multiline_offered(self.screen))
        self.app.push_screen(paste, answered)

    def action_end(self, select: bool = False) -> None:
        if not select and self.cursor_position >= len(self.value):
            self.post_message(self.EndOfLog())
        super().action_end(select)
