"""History sync for one user: context on a first join, gap fill after a reconnect, no dupes.

A :class:`HistorySync` belongs to a :class:`~tui_chat.client.session.Session` and sees the lines
the session is fed that concern history: ``BATCH`` (history batches and the messages inside
them), ``FAIL CHATHISTORY``, the PONG answering its sentinel PINGs, our own JOINs, and every
live message (for its msgid). It asks for what was missed with ``CHATHISTORY AFTER`` followed
by a PING: servers answer in order, so that PING's PONG means every batch of the request has
arrived. No sockets, no threads, no clock: it writes lines to and posts events through its
:class:`HistoryHost`.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from tui_chat.irc import Message
from tui_chat.irc.numbers import parse_decimal

from .events import SERVER_BUFFER, ChatMessage, Event, HistoryKind, HistoryReplayed, ServerInfo

# A PING sent right behind a CHATHISTORY request: servers answer in order, so its PONG means
# every batch the request (and the JOIN before it) produced has arrived.
HISTORY_TOKEN_PREFIX = "tui-chat-history-"
HISTORY_BATCH_TYPES = frozenset({"chathistory", "draft/chathistory"})
# Messages asked for on a first join, as context: what our server used to replay unasked.
JOIN_CONTEXT = 50
HISTORY_FETCH_LIMIT = 200  # messages asked for per gap; the server's ISUPPORT value may lower it
# msgids remembered per buffer for dropping duplicates: well above any one replay or gap fill.
SEEN_IDS_PER_BUFFER = 2000
HISTORY_UNAVAILABLE = "history is unavailable on this server"
# Buffers whose history position and msgids are kept: a peer-controlled name is a key here, so
# the oldest are forgotten.
MAX_TRACKED_BUFFERS = 512
# What a server can make the client hold. Beyond a bound, the excess is dropped: a history
# batch keeps its first MAX_BATCH_LINES messages and says once that the rest was dropped.
MAX_OPEN_BATCHES = 32
MAX_BATCH_LINES = 5000
BATCH_TRUNCATED = "history batch too long: the rest of it was dropped"


class HistoryHost(Protocol):
    """What the history sync uses of the session that owns it."""

    caps: set[str]
    isupport: dict[str, str]
    out: list[str]
    events: list[Event]

    @property
    def message_time(self) -> datetime | None: ...

    def fold(self, name: str) -> str: ...

    def buffer_for(self, name: str) -> str: ...

    def make_event(self, cls: type[Event], **fields: Any) -> Event: ...

    def info(self, buffer: str, text: str, command: str, level: str = "info") -> None: ...


@dataclass
class _Gap:
    """A rejoined channel waiting for the answer to its CHATHISTORY AFTER."""

    buffer: str
    seq: int  # number of the sentinel PING that closes the current request
    by_msgid: bool  # asked by msgid; a server that forgot it gets asked again by timestamp
    messages: list[ChatMessage] = field(default_factory=list)
    live_last: tuple[str | None, datetime] | None = None


def format_server_time(stamp: datetime) -> str:
    """``2024-05-01T12:00:00.123Z``, the form server-time and CHATHISTORY use."""
    stamp = stamp.astimezone(UTC) if stamp.tzinfo is not None else stamp
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


class HistorySync:
    """History batches, CHATHISTORY requests and gap fill, msgid de-duplication per buffer."""

    def __init__(self, host: HistoryHost) -> None:
        self._host = host
        # This part lives as long as the client: gaps span connections.
        # Folded buffer -> msgids shown, oldest first. OrderedDict: dropping a plain dict's
        # oldest key with next(iter()) scans the holes earlier deletions left (~5x the cost).
        self._seen: dict[str, OrderedDict[str, None]] = {}
        self._last: dict[str, tuple[str | None, datetime]] = {}  # folded channel -> last seen
        self._joined_before: set[str] = set()
        self._told_unavailable: set[str] = set()
        self._sentinels = itertools.count(1)
        self.connection_made()

    def connection_made(self) -> None:
        """Forget what belongs to one connection: open batches, requests waiting for answers."""
        self._batches: dict[str, tuple[str, str]] = {}  # ref -> (type, first parameter)
        self._batch_messages: dict[str, list[ChatMessage]] = {}
        self._batch_truncated: set[str] = set()
        self._collect: list[ChatMessage] | None = None  # set while feeding a history line
        self._gaps: dict[str, _Gap] = {}  # folded channel -> its pending gap fill
        self._sentinel_done = 0
        self._rejoined: set[str] = set()  # rejoined without CHATHISTORY: a replay is "missed"

    # ---------------------------------------------------------------- the session's hooks

    @property
    def replaying(self) -> bool:
        """The line being handled is inside a history batch: it is the past, not news."""
        return self._collect is not None

    def begin_line(self, msg: Message) -> bool:
        """Called before each line is handled; False when it must be dropped (a history batch
        past its bound)."""
        self._collect = None
        ref = msg.tags.get("batch")
        if ref is None or msg.command == "BATCH":
            return True
        batch = self._batches.get(ref)
        if batch is None or batch[0] not in HISTORY_BATCH_TYPES:
            return True
        self._collect = self._batch_messages.setdefault(ref, [])
        if len(self._collect) < MAX_BATCH_LINES:
            return True
        if ref not in self._batch_truncated:
            self._batch_truncated.add(ref)
            host = self._host
            host.events.append(
                host.make_event(ServerInfo, buffer=SERVER_BUFFER, text=BATCH_TRUNCATED)
            )
        return False

    def keep_replayed(self, event: ChatMessage) -> bool:
        """Inside a history batch: keep the message for the batch's end and return True."""
        if self._collect is None:
            return False
        self._collect.append(event)
        return True

    def shown_live(self, key: str, msgid: str | None, when: datetime) -> bool:
        """A live message for buffer ``key``: False if its msgid was shown before."""
        return self._first_sight(key, msgid, when, live=True)

    def on_batch(self, msg: Message) -> None:
        ref = msg.param(0)
        if ref.startswith("+"):
            if len(self._batches) < MAX_OPEN_BATCHES:
                self._batches[ref[1:]] = (msg.param(1), msg.param(2))
        elif ref.startswith("-"):
            self._batch_truncated.discard(ref[1:])
            batch = self._batches.pop(ref[1:], None)
            messages = self._batch_messages.pop(ref[1:], [])
            if batch is not None and batch[0] in HISTORY_BATCH_TYPES:
                self._batch_ended(batch[1], messages)

    def on_pong(self, token: str) -> None:
        if token.startswith(HISTORY_TOKEN_PREFIX):
            sentinel = parse_decimal(token[len(HISTORY_TOKEN_PREFIX) :])
            if sentinel is not None:
                self._sentinel(sentinel)

    def on_fail(self, msg: Message) -> bool:
        """A FAIL CHATHISTORY: answers come in order, so it is for the oldest open request.

        True when it was ours to handle.
        """
        open_gaps = [(g.seq, k, g) for k, g in self._gaps.items() if g.seq > self._sentinel_done]
        if not open_gaps:
            return False
        _, key, gap = min(open_gaps, key=lambda item: item[0])
        if gap.by_msgid:
            # The server no longer knows our last msgid (pruned, or its history was reset).
            gap.by_msgid = False
            self._request_after(key, gap)
            return True
        self._host.info(
            gap.buffer, f"could not fetch missed messages: {msg.params[-1]}", "FAIL", "error"
        )
        return True

    def joined(self, key: str, display: str) -> None:
        """We joined channel ``key`` (shown as ``display``); if we were in it before, ask for
        what was said meanwhile."""
        if key not in self._last:
            # Nothing seen here yet: a later gap starts at the moment we joined.
            _make_room(self._last, MAX_TRACKED_BUFFERS)
            self._last[key] = (None, self._host.message_time or datetime.now(UTC))
        if key in self._joined_before:
            self._rejoined_channel(display, key)
        elif self.available():
            self._request_latest(display)
        self._joined_before.add(key)

    def available(self) -> bool:
        # Without batch the answer would be indistinguishable from live chat.
        caps = self._host.caps
        return "batch" in caps and (
            "draft/chathistory" in caps or "CHATHISTORY" in self._host.isupport
        )

    # ---------------------------------------------------------------- requests and answers

    def _limit(self) -> int:
        advertised = parse_decimal(self._host.isupport.get("CHATHISTORY", ""), 1)
        return min(HISTORY_FETCH_LIMIT, advertised or HISTORY_FETCH_LIMIT)

    def _rejoined_channel(self, buffer: str, key: str) -> None:
        if not self.available():
            self._rejoined.add(key)
            if key not in self._told_unavailable:
                self._told_unavailable.add(key)
                self._host.info(buffer, HISTORY_UNAVAILABLE, "CHATHISTORY")
            return
        msgid, _ = self._last.get(key, (None, None))
        gap = _Gap(buffer, 0, by_msgid=msgid is not None)
        self._gaps[key] = gap
        self._request_after(key, gap)

    def _request_latest(self, buffer: str) -> None:
        # A server that offers draft/chathistory does not replay on join (the spec says it
        # SHOULD NOT): the context of a first join is asked for. A server that replays anyway
        # sends the same msgids twice, and the second copy is dropped.
        count = min(JOIN_CONTEXT, self._limit())
        self._host.out.append(
            Message.of("CHATHISTORY", "LATEST", buffer, "*", str(count)).to_line()
        )

    def _request_after(self, key: str, gap: _Gap) -> None:
        host = self._host
        msgid, when = self._last.get(key, (None, host.message_time or datetime.now(UTC)))
        if gap.by_msgid and msgid:
            ref = f"msgid={msgid}"
        else:
            ref = f"timestamp={format_server_time(when)}"
        host.out.append(
            Message.of("CHATHISTORY", "AFTER", gap.buffer, ref, str(self._limit())).to_line()
        )
        gap.seq = next(self._sentinels)
        host.out.append(Message.of("PING", f"{HISTORY_TOKEN_PREFIX}{gap.seq}").to_line())

    def _sentinel(self, seq: int) -> None:
        self._sentinel_done = max(self._sentinel_done, seq)
        for key, gap in list(self._gaps.items()):
            if gap.seq == seq:
                del self._gaps[key]
                self._release(gap.buffer, gap.messages, "missed")
                if gap.live_last is not None:
                    self._note_last(key, *gap.live_last, live=False)

    def _batch_ended(self, target: str, messages: list[ChatMessage]) -> None:
        host = self._host
        key = host.fold(target)
        gap = self._gaps.get(key)
        if gap is not None:
            # The replay on join and the answer to AFTER overlap; merge them before showing.
            gap.messages.extend(messages)
            return
        kind: HistoryKind = "missed" if key in self._rejoined else "earlier"
        self._rejoined.discard(key)
        self._release(host.buffer_for(target) if target else "", messages, kind)

    def _release(self, buffer: str, messages: list[ChatMessage], kind: HistoryKind) -> None:
        """Emit replayed messages oldest first, minus what was shown already, then a summary."""
        host = self._host
        before = dict(self._last)
        kept: list[ChatMessage] = []
        for m in sorted(messages, key=lambda m: m.time):
            key = host.fold(m.buffer)
            if m.msgid is None and key in before and m.time <= before[key][1]:
                continue  # no msgid to compare: anything not newer was shown live
            if self._first_sight(key, m.msgid, m.time, live=False):
                kept.append(m)
        host.events.extend(kept)
        if buffer:
            mentions = sum(1 for m in kept if m.is_mention)
            host.events.append(
                host.make_event(
                    HistoryReplayed, buffer=buffer, count=len(kept), mentions=mentions, kind=kind
                )
            )

    # ---------------------------------------------------------------- what was shown

    def _first_sight(self, key: str, msgid: str | None, when: datetime, live: bool) -> bool:
        """Record a message about to be shown; False if its msgid was shown before."""
        if msgid:
            seen = self._seen.get(key)
            if seen is None:
                _make_room(self._seen, MAX_TRACKED_BUFFERS)
                seen = self._seen[key] = OrderedDict()
            if msgid in seen:
                return False
            seen[msgid] = None
            if len(seen) > SEEN_IDS_PER_BUFFER:
                seen.popitem(last=False)
        self._note_last(key, msgid, when, live)
        return True

    def _note_last(self, key: str, msgid: str | None, when: datetime, live: bool) -> None:
        """Remember where the next gap starts: the newest message seen in this buffer.

        Live messages arrive in order and always win (our clock and the server's may disagree,
        which matters for the join-time placeholder); replayed ones only when newer.
        """
        gap = self._gaps.get(key)
        if gap is not None:
            # Until the gap is filled the next request must still start before it.
            if live:
                gap.live_last = (msgid, when)
            return
        old = self._last.get(key)
        if live or old is None or when >= old[1]:
            if old is None:
                _make_room(self._last, MAX_TRACKED_BUFFERS)
            self._last[key] = (msgid, when)


def _make_room(table: dict[Any, Any], limit: int) -> None:
    """Forget the oldest entries of ``table`` so that one more fits within ``limit``."""
    while len(table) >= limit:
        del table[next(iter(table))]
