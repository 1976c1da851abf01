"""The search bar and the panel of log-file matches above it.

The bar posts :class:`SearchBar.Find` (Enter) and :class:`SearchBar.Close` (Esc); the screen
keeps the search state (:mod:`tui_chat.ui.model.search`) and hands results down.
"""

from __future__ import annotations

import re

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ..model.search import STAMP_LEN
from ..text import plain_text


class SearchInput(Input):
    BINDINGS = [
        Binding("escape", "close_search", "Close search", id="search.close"),
        Binding("f4", "search_everywhere", "All history", id="search.everywhere"),
    ]

    def action_close_search(self) -> None:
        self.post_message(SearchBar.Close())

    def action_search_everywhere(self) -> None:
        query = self.value.strip()
        if query:
            self.post_message(SearchBar.Everywhere(query))


class SearchBar(Horizontal):
    """``Search: [text]  3/17``: Enter or F3 goes to the next (older) match."""

    class Find(Message):
        """Enter in the search field."""

        def __init__(self, needle: str) -> None:
            super().__init__()
            self.needle = needle

    class Close(Message):
        """Esc in the search field."""

    class Everywhere(Message):
        """F4 in the search field: search all history on the server (soju.im/search)."""

        def __init__(self, needle: str) -> None:
            super().__init__()
            self.needle = needle

    def compose(self) -> ComposeResult:
        yield Label("Search:", id="search-label")
        yield SearchInput(placeholder="text to find, Enter", id="search-input")
        yield Static(id="search-status")

    @property
    def field(self) -> SearchInput:
        return self.query_one("#search-input", SearchInput)

    def set_status(self, text: str, *, problem: bool = False) -> None:
        status = self.query_one("#search-status", Static)
        status.update(Text(text))
        status.set_class(problem, "-problem")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        query = event.value.strip()
        if query:
            self.post_message(self.Find(query))


class SearchResults(OptionList):
    """Matches from the conversation's log file, oldest at the top."""

    def show_lines(self, lines: list[str], pattern: re.Pattern[str], style: Style) -> None:
        self.clear_options()
        self.add_options([Option(log_line_text(line, pattern, style)) for line in lines])
        self.display = bool(lines)

    def hide(self) -> None:
        self.clear_options()
        self.display = False


def log_line_text(line: str, pattern: re.Pattern[str], style: Style | str = "") -> Text:
    """One log-file line for the results panel: untrusted, shown literally, matches marked."""
    text = plain_text(line)
    text.stylize("dim", 0, STAMP_LEN)
    if style:
        for m in pattern.finditer(text.plain, STAMP_LEN + 1):
            if m.end() > m.start():
                text.stylize(style, m.start(), m.end())
    return text
