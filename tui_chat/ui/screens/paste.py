"""The paste prompt: "Paste N lines?" before a long paste goes out (WeeChat's Ctrl+Y / Ctrl+N).

A paste of more than :data:`~tui_chat.ui.widgets.chat_input.PASTE_ASK_OVER` lines opens this
instead of sending. The lines show in a read-only TextArea; Edit makes it editable in place
(the chat input is an ``Input``, one line by nature, so the editing happens here rather than
there). The screen returns a :class:`Pasted` (or None), and sends nothing itself: the input
posts it as :class:`~tui_chat.ui.widgets.chat_input.ChatInput.Lines`, every line as text (a
pasted ``/quit`` is said, not run).

Where the server takes multi-line messages (IRCv3 ``draft/multiline``), the first choice
(Ctrl+Y) is "Send as one message": the text goes whole, as one message people see as one block;
"Send N lines" (the second button) still sends a message per line. Elsewhere Ctrl+Y sends lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, TextArea


@dataclass(frozen=True, slots=True)
class Pasted:
    """What to send: the lines, and whether as one multi-line message (``whole``)."""

    lines: list[str]
    whole: bool = False


def multiline_offered(screen: object) -> bool:
    """Whether the screen the input is on can send a paste as one message (its server takes
    ``draft/multiline``); a screen that cannot tell says no."""
    available = getattr(screen, "multiline_available", None)
    return bool(available()) if callable(available) else False


def lines_to_send(text: str) -> list[str]:
    """The lines of ``text`` that can go as messages (IRC has no empty message)."""
    return [line for line in text.splitlines() if line.strip()]


def count_label(count: int) -> str:
    return "1 line" if count == 1 else f"{count} lines"


class PasteScreen(ModalScreen[Pasted | None]):
    """Send as one message / Send N lines / Edit / Cancel, for a paste of several lines."""

    CSS_PATH = Path(__file__).parents[1] / "paste.tcss"  # with app.tcss: packaged as ui data

    # Priority: in Edit the TextArea has focus and binds Ctrl+Y (redo) and Esc itself.
    BINDINGS = [
        Binding("ctrl+y", "send_paste", "Send", priority=True, id="paste.send"),
        Binding("ctrl+e", "edit_paste", "Edit", id="paste.edit"),
        Binding("escape,ctrl+n", "cancel_paste", "Cancel", priority=True, id="paste.cancel"),
    ]

    def __init__(self, text: str, multiline: bool = False) -> None:
        super().__init__()
        self.pasted_text = text
        self.as_one = multiline  # "Send as one message" is offered, and is the first choice

    def compose(self) -> ComposeResult:
        count = len(lines_to_send(self.pasted_text))
        with Vertical(id="paste-box", classes="as-one" if self.as_one else ""):
            yield Label(f"Paste {count_label(count)}?", id="paste-title")
            yield TextArea(self.pasted_text, read_only=True, soft_wrap=True, id="paste-text")
            if self.as_one:
                # Two rows, so that four buttons fit an 80-column terminal.
                with Horizontal(id="paste-buttons"):
                    yield Button(
                        "Send as one message (Ctrl+Y)", id="paste-whole", variant="primary"
                    )
                    yield Button(f"Send {count_label(count)}", id="paste-send")
                with Horizontal(id="paste-more-buttons"):
                    yield Button("Edit (Ctrl+E)", id="paste-edit")
                    yield Button("Cancel (Esc)", id="paste-cancel")
            else:
                with Horizontal(id="paste-buttons"):
                    yield Button(
                        f"Send {count_label(count)} (Ctrl+Y)", id="paste-send", variant="primary"
                    )
                    yield Button("Edit (Ctrl+E)", id="paste-edit")
                    yield Button("Cancel (Esc)", id="paste-cancel")

    def on_mount(self) -> None:
        self.query_one("#paste-whole" if self.as_one else "#paste-send", Button).focus()

    @property
    def editor(self) -> TextArea:
        return self.query_one("#paste-text", TextArea)

    def action_send_paste(self) -> None:
        if self.as_one:
            self._send_whole()
        else:
            self._send_lines()

    def _send_lines(self) -> None:
        lines = lines_to_send(self.editor.text)
        self.dismiss(Pasted(lines) if lines else None)

    def _send_whole(self) -> None:
        # Blank lines inside stay (a code block keeps its shape); around it they go.
        lines = self.editor.text.splitlines()
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        self.dismiss(Pasted(lines, whole=True) if lines else None)

    def action_edit_paste(self) -> None:
        editor = self.editor
        editor.read_only = False
        editor.focus()
        self.query_one("#paste-title", Label).update("Edit the lines, then Ctrl+Y sends them")

    def action_cancel_paste(self) -> None:
        self.dismiss(None)

    @on(TextArea.Changed, "#paste-text")
    def _recount(self) -> None:
        count = len(lines_to_send(self.editor.text))
        keys = "" if self.as_one else " (Ctrl+Y)"
        self.query_one("#paste-send", Button).label = f"Send {count_label(count)}{keys}"

    @on(Button.Pressed, "#paste-send")
    def _send_pressed(self) -> None:
        self._send_lines()

    @on(Button.Pressed, "#paste-whole")
    def _whole_pressed(self) -> None:
        self._send_whole()

    @on(Button.Pressed, "#paste-edit")
    def _edit_pressed(self) -> None:
        self.action_edit_paste()

    @on(Button.Pressed, "#paste-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel_paste()
