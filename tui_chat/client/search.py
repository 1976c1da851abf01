"""Server-side search of stored history (the ``soju.im/search`` extension), client side.

:func:`search_line` builds the ``SEARCH`` request; :class:`ServerSearch` takes the answer (a
``soju.im/search`` batch) out of the line stream before the session treats it as chat, and
turns it into one :class:`SearchResults` event. A server without the cap never sees a request:
the UI offers the option only when ``Registered.caps`` has :data:`CAP`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ..irc.message import Message, escape_tag_value, source_nick
from .events import Event

CAP = "soju.im/search"
BATCH_TYPE = "soju.im/search"
# Results asked for and kept per search; the server may send fewer.
MAX_RESULTS = 100
# Search batches open at once (a hostile server could open many and never close them).
MAX_OPEN = 4


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One stored line the server found: raw, untrusted text."""

    time: datetime | None
    sender: str
    target: str  # a channel, or the other party of a private conversation
    text: str
    msgid: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchResults(Event):
    """The answer to the last SEARCH: hits oldest first, or ``error`` (a FAIL SEARCH)."""

    hits: tuple[SearchHit, ...] = ()
    error: str = ""


def search_line(text: str, target: str | None = None, limit: int = MAX_RESULTS) -> str:
    """The ``SEARCH`` line for ``text`` (in ``target`` only, if given)."""
    attrs = [("text", text)]
    if target:
        attrs.append(("in", target))
    attrs.append(("limit", str(limit)))
    return "SEARCH " + ";".join(f"{k}={escape_tag_value(v)}" for k, v in attrs)


class ServerSearch:
    def __init__(self, is_me: Callable[[str], bool]) -> None:
        self._is_me = is_me
        self.connection_made()

    def connection_made(self) -> None:
        self._open: dict[str, list[SearchHit]] = {}

    def take(self, msg: Message, when: datetime | None) -> bool:
        """A line inside an open search batch: keep it as a hit and return True (consumed)."""
        ref = msg.tags.get("batch")
        if ref is None or msg.command == "BATCH" or ref not in self._open:
            return False
        hits = self._open[ref]
        kept = msg.command in ("PRIVMSG", "NOTICE") and len(msg.params) >= 2
        if kept and len(hits) < MAX_RESULTS:
            sender = source_nick(msg.source)
            target = msg.params[0]
            if self._is_me(target):
                target = sender  # a private line to us: the conversation is the sender's
            hits.append(SearchHit(when, sender, target, msg.params[1], msg.tags.get("msgid")))
        return True

    def on_batch(self, msg: Message) -> tuple[bool, tuple[SearchHit, ...] | None]:
        """A BATCH line: (whether it was a search batch's, its hits when it closed one)."""
        ref = msg.param(0)
        if ref.startswith("+") and msg.param(1) == BATCH_TYPE:
            if len(self._open) < MAX_OPEN:
                self._open[ref[1:]] = []
            return True, None
        if ref.startswith("-") and ref[1:] in self._open:
            return True, tuple(self._open.pop(ref[1:]))
        return False, None
