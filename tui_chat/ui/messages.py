"""Messages posted to the app: the only way the network worker reaches the UI."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from ..client.events import Event


class NetworkEvents(Message):
    """A batch of client events, posted from the network worker thread."""

    def __init__(self, events: tuple[Event, ...]) -> None:
        super().__init__()
        self.events = events


class SearchLogResult(Message):
    """The log-file part of a search, from the search worker thread."""

    def __init__(self, token: int, lines: list[str], total: int, error: str = "") -> None:
        super().__init__()
        self.token = token
        self.lines = lines
        self.total = total
        self.error = error
