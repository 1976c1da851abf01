"""F4 in the search bar, as a terminal sends it: search all history on the server."""

from __future__ import annotations

from .conftest import ChatTerminal
from .harness import covers


@covers("search.everywhere", "help:F4")
def test_f4_in_the_search_bar_asks_the_server(fresh: ChatTerminal) -> None:
    # The terminal tests' server keeps no history, so it has no soju.im/search: F4 says so
    # (the search itself is proven against a server with history in tests/ui).
    term = fresh.term
    term.press("ctrl+f")
    term.wait_for("Search:")
    term.type("anything")
    term.press("f4")
    term.wait_for("Server cannot search")
    term.press("escape")
    term.wait_gone("Search:")
    assert fresh.input_text() == "Type a message, or /help"
