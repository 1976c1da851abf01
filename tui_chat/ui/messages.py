"""Messages posted to the app: the only way the network worker reaches the UI."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from ..client.events import Event


class InboxReady(Message):
    """The network worker put events in the inbox; posted to the app, never to a screen.

    The app's queue, unlike the chat screen's, is not where keys, resizes and widget messages
    queue up, so a flood of these cannot keep the screen from running idle. The screen repaints
    and runs its ``call_after_refresh`` callbacks only when its queue runs empty; posted to the
    screen, the wake-ups of a flood cost it about a third of its frames and doubled the key
    latency p99 (bench/ui_bench.py).
    """


class NetworkEvents(Message):
    """A batch of client events handed to the chat screen as they are (demos and tests)."""

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
