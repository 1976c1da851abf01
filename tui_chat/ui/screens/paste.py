"""The paste prompt: "Paste N lines?" before a long paste goes out (WeeChat's Ctrl+Y / Ctrl+N).

A paste of more than :data:`~tui_chat.ui.widgets.chat_input.PASTE_ASK_OVER` lines opens this
instead of sending. The lines show in a read-only TextArea; Edit makes it editable in place
(the chat input is an ``Input``, one line by nature, so the editing happens here rather than
there). The screen returns the lines to send, or None, and sends nothing itself: the input posts
them as :class:`~tui_chat.ui.widgets.chat_input.ChatInput.Lines`, one message each, every line
as text (a pasted ``/quit`` is said, not run).

Issue 11 (one multi-line message where the server supports it) adds its choice here: a fourth
button returning the text whole, and a ``Lines`` flag saying so.
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, TextArea


def lines_to_send(text: str) -> list[str]:
    """The lines of ``text`` that can go as messages (IRC has no empty message)."""
    return [line for line in text.splitlines() if line.strip()]


def count_label(count: int) -> str:
    return "1 line" if count == 1 else f"{count} lines"


class PasteScreen(ModalScreen[list[str] | None]):
    """Send N lines / Edit / Cancel, for a paste of several lines."""

    CSS_PATH = Path(__file__).parents[1] / "paste.tcss"  # with app.tcss: packaged as ui data

    # Priority: in Edit the TextArea has focus and binds Ctrl+Y (redo) and Esc itself.
    BINDINGS = [
        Binding("ctrl+y", "send_paste", "Send", priority=True, id="paste.send"),
        Binding("ctrl+e", "edit_paste", "Edit", id="paste.edit"),
        Binding("escape,ctrl+n", "cancel_paste", "Cancel", priority=True, id="paste.cancel"),
    ]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.pasted_text = text

    def compose(self) -> ComposeResult:
        count = len(lines_to_send(self.pasted_text))
        with Vertical(id="paste-box"):
            yield Label(f"Paste {count_label(count)}?", id="paste-title")
            yield TextArea(self.pasted_text, read_only=True, soft_wrap=True, id="paste-text")
            with Horizontal(id="paste-buttons"):
                yield Button(
                    f"Send {count_label(count)} (Ctrl+Y)", id="paste-send", variant="primary"
                )
                yield Button("Edit (Ctrl+E)", id="paste-edit")
                yield Button("Cancel (Esc)", id="paste-cancel")

    def on_mount(self) -> None:
        self.query_one("#paste-send", Button).focus()

    @property
    def editor(self) -> TextArea:
        return self.query_one("#paste-text", TextArea)

    def action_send_paste(self) -> None:
        lines = lines_to_send(self.editor.text)
        self.dismiss(lines or None)

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
        self.query_one("#paste-send", Button).label = f"Send {count_label(count)} (Ctrl+Y)"

    @on(Button.Pressed, "#paste-send")
    def _send_pressed(self) -> None:
        self.action_send_paste()

    @on(Button.Pressed, "#paste-edit")
    def _edit_pressed(self) -> None:
        self.action_edit_paste()

    @on(Button.Pressed, "#paste-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel_paste()
