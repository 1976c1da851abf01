"""The password prompt: the server refused our password or wants one.

The typed text stays in a masked Input and goes straight to the client; it is never written to
the log, the input history or a notification.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from ..text import sanitize


class PasswordScreen(ModalScreen[str | None]):
    """Dismissed with the password typed, or None when cancelled."""

    # Its own file, read when the screen is first shown: parsing it is not part of start-up.
    CSS_PATH = Path(__file__).parents[1] / "password.tcss"  # packaged as ui data, as app.tcss

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="password.cancel")]

    def __init__(self, *, server: str, sent: bool, reason: str = "") -> None:
        super().__init__()
        self.server_label = server
        self.was_sent = sent
        self.reason = reason

    def compose(self) -> ComposeResult:
        with Vertical(id="password-box"):
            title = "Wrong password for " if self.was_sent else "A password is needed for "
            yield Label(Text.assemble(title, (sanitize(self.server_label), "bold")))
            if self.reason:
                yield Label(Text(f"The server said: {sanitize(self.reason)}"), id="password-said")
            yield Input(password=True, placeholder="password", id="password-input")
            yield Label(
                Text("Enter connects with it · Esc cancels (/reconnect asks again)"),
                id="password-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#password-input", Input).focus()

    @on(Input.Submitted, "#password-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        field = self.query_one("#password-input", Input)
        typed, field.value = field.value, ""
        if typed:
            self.dismiss(typed)

    def action_cancel(self) -> None:
        self.query_one("#password-input", Input).value = ""
        self.dismiss(None)
