"""Read markers in the model: where a conversation was last read (here or on another
connection of the account), and the unread counts that follow from it.

Recounting walks the log back from its newest line to the marker, so it costs at most the
scrollback, and only when a marker moves forward.
"""

from __future__ import annotations

from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING

from .conversations import CHAT_KINDS

if TYPE_CHECKING:
    from .conversations import Conversation
    from .entries import Entry


def readable(entry: Entry) -> bool:
    """A line whose time a read marker may name: a chat line with the server's time (a line
    of ours still waiting for its echo has only our clock's)."""
    return entry.kind in CHAT_KINDS and entry.pending is None


def newest_readable(conv: Conversation, limit: int) -> datetime | None:
    """The time of the newest readable line among the last ``limit`` entries."""
    for entry in islice(reversed(conv.log.entries), limit):
        if readable(entry):
            return entry.time
    return None


def unread_after(conv: Conversation, marker: datetime) -> tuple[int, int]:
    """Lines (and mentions) of others newer than ``marker``: what is still unread."""
    unread = mentions = 0
    for entry in reversed(conv.log.entries):
        if entry.time <= marker:
            break
        if entry.kind in CHAT_KINDS and not entry.is_self:
            unread += 1
            if entry.mention or conv.kind == "query":
                mentions += 1
    return unread, mentions


def apply_marker(conv: Conversation, marker: datetime, shown: bool) -> bool:
    """The account has read ``conv`` up to ``marker``; whether its counts changed.

    Counts only go down: a line read here stays read, whatever an older marker says.
    """
    if conv.read_until is not None and marker <= conv.read_until:
        return False
    conv.read_until = marker
    if shown or not (conv.unread or conv.mentions or conv.noise):
        return False
    unread, mentions = unread_after(conv, marker)
    before = (conv.unread, conv.mentions, conv.noise)
    conv.unread = min(conv.unread, unread)
    conv.mentions = min(conv.mentions, mentions)
    if not conv.unread:
        conv.noise = 0
    return before != (conv.unread, conv.mentions, conv.noise)
