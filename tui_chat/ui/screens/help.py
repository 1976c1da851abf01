"""The help screen (F1, /help): every key and every command."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from ..commands import help_commands

KEYS: tuple[tuple[str, str], ...] = (
    ("Enter", "Send the line"),
    (
        "Paste",
        "One line goes into the input; 2-3 lines are sent, one message each; more ask first "
        "(Ctrl+Y sends, Ctrl+E edits, Esc cancels). Pasted lines go as text, never as /commands",
    ),
    ("Up / Down", "Move between the rows of a long line, then walk the input history"),
    ("Tab", 'Complete a nick ("nick: " at the start of a line) or a /command'),
    ("Alt+1 … Alt+9", "Switch to conversation 1-9 in the sidebar"),
    ("Ctrl+Up / Ctrl+Down", "Previous / next conversation"),
    ("Ctrl+P / Ctrl+N", "The same, where the terminal takes Ctrl+arrows or Alt+digits"),
    ("Alt+A", "Next conversation with mentions, then with messages, then back"),
    ("F7 / F8", "Show or hide the room list / the user list (folded below 100 columns)"),
    ("Page Up / Page Down", "Scroll the messages"),
    ("End (at end of line), Ctrl+End", "Jump back to the newest message"),
    ("Ctrl+F", "Search this conversation and its log file (same as /search TEXT)"),
    ("Enter / F3, Shift+F3", "In a search: next (older) match / previous (newer) match"),
    ("F4", "In a search: search all history on the server (if it offers soju.im/search)"),
    ("Esc", "Close the search and its highlights"),
    ("F1", "This help (/help where a terminal swallows F1)"),
    ("Ctrl+Q", "Quit"),
)

SEARCH_NOTES: tuple[str, ...] = (
    "Search ignores case and takes the text literally. Matches are numbered newest first: 1/17 "
    "is the newest match in the scrollback, F3 steps back in time. Matches older than the "
    "scrollback come from the conversation's log file and are listed in a panel above the "
    "search bar, oldest at the top; F3 continues into them.",
    "Replayed history shows with its original times above a line '── earlier messages ──' or "
    "'── while you were away: N messages, M mentions ──'.",
)


def help_table(style_key: str = "", style_cmd: str = "") -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True, style=style_key)
    table.add_column()
    table.add_row(Text("Keys", style="bold"), "")
    for key, what in KEYS:
        table.add_row(Text(key), Text(what))
    table.add_row("", "")
    table.add_row(Text("Commands", style="bold"), "")
    for spec in help_commands():
        names = spec.synopsis
        if spec.aliases:
            names += "  (" + ", ".join("/" + a for a in spec.aliases) + ")"
        table.add_row(Text(names, style=style_cmd), Text(spec.help))
    table.add_row("", "")
    table.add_row(Text("//text", style=style_cmd), Text("Send text that starts with a slash"))
    table.add_row("", "")
    table.add_row(Text("Search and history", style="bold"), "")
    for note in SEARCH_NOTES:
        table.add_row("", Text(note))
    return table


class HelpScreen(ModalScreen[None]):
    """Every command and key."""

    # Its own file, read when the screen is first shown: parsing it is not part of start-up.
    CSS_PATH = Path(__file__).parents[1] / "help.tcss"  # packaged as ui data, as app.tcss

    BINDINGS = [
        Binding("escape,f1,q", "dismiss", "Close help", id="help.close"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Label("tui-chat help", id="help-title")
            with VerticalScroll(id="help-scroll"):
                yield Static(help_table(), id="help-table")
            yield Label("Esc, F1 or q closes this screen", id="help-hint")

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
