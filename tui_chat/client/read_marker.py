"""Read markers (``draft/read-marker``), the client's side.

The session keeps the newest marker it knows per conversation (from the server, or sent), so it
sends only markers that move forward and forgets the least recently changed past
:data:`MAX_TARGETS`. The UI decides when the user has read a line and gathers those moments in a
:class:`ReadDebounce` that it drains on a timer, so reading a busy room sends one ``MARKREAD``
per conversation per interval, not one per line.
"""

from __future__ import annotations

import collections
from datetime import UTC, datetime

from ..irc.message import Message

CAP = "draft/read-marker"
PREFIX = "timestamp="
MAX_TARGETS = 512  # conversations whose marker is remembered (a server may name many)
MAX_STAMP = 64  # characters of a timestamp parameter worth parsing


def format_marker(when: datetime) -> str:
    """``timestamp=YYYY-MM-DDThh:mm:ss.sssZ`` (server-time's form, in UTC, milliseconds)."""
    utc = when.astimezone(UTC)
    return f"{PREFIX}{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def parse_marker(text: str) -> datetime | None:
    """The time of a ``timestamp=...`` parameter; None for ``*`` or anything malformed."""
    if len(text) > MAX_STAMP or not text.startswith(PREFIX):
        return None
    value = text[len(PREFIX) :]
    if not value.endswith("Z"):
        return None
    try:
        stamp = datetime.fromisoformat(value[:-1] + "+00:00")
    except ValueError:
        return None
    return stamp.astimezone(UTC)


class MarkerState:
    """The newest marker known per casefolded target (owned by the session's thread)."""

    def __init__(self) -> None:
        self._known: collections.OrderedDict[str, datetime] = collections.OrderedDict()

    def clear(self) -> None:
        self._known.clear()

    def get(self, key: str) -> datetime | None:
        return self._known.get(key)

    def advance(self, key: str, when: datetime) -> bool:
        """Remember ``when`` for ``key`` if it is newer; whether it was."""
        known = self._known.get(key)
        if known is not None and when <= known:
            return False
        self._known[key] = when
        self._known.move_to_end(key)
        if len(self._known) > MAX_TARGETS:
            self._known.popitem(last=False)
        return True

    def received(self, msg: Message, fold: str) -> tuple[str, datetime | None] | None:
        """A server ``MARKREAD <target> <timestamp|*>``: (target, time), or None if malformed.

        ``fold`` is the target casefolded. A marker older than one already known is still
        reported (the server's word is final), but never moves the known one back.
        """
        if len(msg.params) < 2 or not msg.params[0]:
            return None
        target, value = msg.params[0], msg.params[1]
        if value == "*":
            return target, None
        when = parse_marker(value)
        if when is None:
            return None
        self.advance(fold, when)
        return target, when


class ReadDebounce:
    """What the user has read since the last send, per conversation (the UI's thread)."""

    def __init__(self) -> None:
        self._pending: dict[str, tuple[str, datetime]] = {}

    def __bool__(self) -> bool:
        return bool(self._pending)

    def note(self, key: str, name: str, when: datetime) -> None:
        old = self._pending.get(key)
        if old is None or when > old[1]:
            self._pending[key] = (name, when)

    def take(self) -> list[tuple[str, datetime]]:
        pending, self._pending = self._pending, {}
        return list(pending.values())
