"""The bounded model of a conversation's lines: :class:`Entry` and :class:`BufferLog`.

Plain Python (no Textual): the message log widget renders entries; the layout it caches per
buffer is attached to the :class:`BufferLog` so a buffer keeps it while another one is shown.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from sys import intern
from typing import TYPE_CHECKING

from ...irc.formatting import strip_formatting

if TYPE_CHECKING:
    from ..widgets.log_layout import Layout

# Part roles: our own literal words, a remote nick, remote text with mIRC formatting, remote
# text shown without formatting (channel names, hosts).
LIT, NICK, IRC, PLAIN = "lit", "nick", "irc", "plain"
# A line break inside one message (draft/multiline): its value is "\n", so ``plain`` and search
# see the lines apart.
BREAK = "br"

Part = tuple[str, str]


def text_parts(text: str) -> tuple[Part, ...]:
    """Remote message text as parts: one IRC part per line of a multi-line message."""
    if "\n" not in text:
        return ((IRC, text),)
    parts: list[Part] = []
    for line in text.split("\n"):
        if parts:
            parts.append((BREAK, "\n"))
        parts.append((IRC, line))
    return tuple(parts)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# Bits of Entry._flags: one int instead of five bool slots.
_MENTION, _SELF, _HISTORY, _SMART, _DELETED = 1, 2, 4, 8, 16


class _Rare:
    """The fields few lines have (an event's glyph and subject, a pending line's state, a
    reply), held apart so that a plain chat line does not carry six empty slots."""

    __slots__ = ("about", "glyph", "pending", "pending_id", "quote", "reply_to")

    def __init__(self) -> None:
        self.glyph = ""
        self.pending: str | None = None
        self.pending_id: str | None = None
        self.about = ""
        self.reply_to: str | None = None
        self.quote: tuple[str, str] | None = None


class Entry:
    """One line of conversation, as a model: rendering happens in :class:`MessageLog`.

    ``kind`` is ``message``, ``action``, ``notice``, ``event`` (join/part/quit/nick/kick/topic/
    mode, shown quieter), ``info``, ``error``, ``day`` or ``separator`` (history). Mutable only
    for pending state, and only on the UI thread. Compared and hashed by identity (the log's
    caches are keyed by entry).

    Compact, because a scrollback holds 10,000 of them per conversation: a line whose text is
    one remote part (most lines) keeps the string itself and makes the ``parts`` tuple when
    asked; five flags share one int; the fields few lines have live in one optional
    :class:`_Rare`. A chat line costs 96 bytes here instead of 272 (entry and parts tuples).
    """

    __slots__ = ("_body", "_flags", "_rare", "kind", "msgid", "nick", "prefix", "time")

    def __init__(
        self,
        time: datetime,
        kind: str,
        nick: str = "",
        parts: tuple[Part, ...] = (),
        glyph: str = "",
        mention: bool = False,
        is_self: bool = False,
        pending: str | None = None,
        pending_id: str | None = None,
        msgid: str | None = None,
        history: bool = False,
        prefix: str = "",
        about: str = "",
        smart: bool = False,
        deleted: bool = False,
        reply_to: str | None = None,
        quote: tuple[str, str] | None = None,
    ) -> None:
        self.time = time
        self.kind = kind
        self.nick = nick
        self._body: str | tuple[Part, ...] = ()
        self.parts = parts
        self.msgid = msgid  # set later for a line of ours when the server echoes it
        self.prefix = prefix  # the sender's channel status ("@", "+") when the line arrived
        self._flags = (
            (_MENTION if mention else 0)
            | (_SELF if is_self else 0)
            | (_HISTORY if history else 0)
            | (_SMART if smart else 0)
            | (_DELETED if deleted else 0)
        )
        self._rare: _Rare | None = None
        if glyph or pending or pending_id or about or reply_to or quote:
            rare = self._rare = _Rare()
            rare.glyph = glyph
            rare.pending = pending
            rare.pending_id = pending_id
            rare.about = about
            rare.reply_to = reply_to
            rare.quote = quote

    def __repr__(self) -> str:
        return f"Entry(kind={self.kind!r}, nick={self.nick!r}, plain={self.plain[:40]!r})"

    @property
    def parts(self) -> tuple[Part, ...]:
        body = self._body
        if isinstance(body, str):
            return ((IRC, body),)
        return body

    @parts.setter
    def parts(self, parts: tuple[Part, ...]) -> None:
        if len(parts) == 1 and parts[0][0] == IRC:
            self._body = parts[0][1]
        else:
            self._body = parts

    @property
    def plain(self) -> str:
        """Text content without styles (tests, notifications)."""
        body = self._body
        if isinstance(body, str):
            return body
        return "".join(text for _, text in body)

    # Flags.
    @property
    def mention(self) -> bool:
        return bool(self._flags & _MENTION)

    @mention.setter
    def mention(self, value: bool) -> None:
        self._flags = self._flags | _MENTION if value else self._flags & ~_MENTION

    @property
    def is_self(self) -> bool:
        return bool(self._flags & _SELF)

    @is_self.setter
    def is_self(self, value: bool) -> None:
        self._flags = self._flags | _SELF if value else self._flags & ~_SELF

    # Replayed by the server, not seen live.
    @property
    def history(self) -> bool:
        return bool(self._flags & _HISTORY)

    @history.setter
    def history(self, value: bool) -> None:
        self._flags = self._flags | _HISTORY if value else self._flags & ~_HISTORY

    # Noise from someone quiet: hidden while the smart filter is on.
    @property
    def smart(self) -> bool:
        return bool(self._flags & _SMART)

    @smart.setter
    def smart(self, value: bool) -> None:
        self._flags = self._flags | _SMART if value else self._flags & ~_SMART

    # draft/message-redaction: the text is gone (``parts`` emptied), nick and time stay.
    @property
    def deleted(self) -> bool:
        return bool(self._flags & _DELETED)

    @deleted.setter
    def deleted(self, value: bool) -> None:
        self._flags = self._flags | _DELETED if value else self._flags & ~_DELETED

    # The rare fields.
    @property
    def glyph(self) -> str:
        rare = self._rare
        return "" if rare is None else rare.glyph

    @glyph.setter
    def glyph(self, value: str) -> None:
        if self._rare is None:
            if value == "":
                return
            self._rare = _Rare()
        self._rare.glyph = value

    # "queued" or "sent" until delivered, then None.
    @property
    def pending(self) -> str | None:
        rare = self._rare
        return None if rare is None else rare.pending

    @pending.setter
    def pending(self, value: str | None) -> None:
        if self._rare is None:
            if value is None:
                return
            self._rare = _Rare()
        self._rare.pending = value

    @property
    def pending_id(self) -> str | None:
        rare = self._rare
        return None if rare is None else rare.pending_id

    @pending_id.setter
    def pending_id(self, value: str | None) -> None:
        if self._rare is None:
            if value is None:
                return
            self._rare = _Rare()
        self._rare.pending_id = value

    # Whose join, part or quit this event is (the smart filter's subject).
    @property
    def about(self) -> str:
        rare = self._rare
        return "" if rare is None else rare.about

    @about.setter
    def about(self, value: str) -> None:
        if self._rare is None:
            if value == "":
                return
            self._rare = _Rare()
        self._rare.about = value

    # +draft/reply: the msgid this line answers, and (nick, first words) of that line when
    # the log had it on arrival: a copy, so no chain of replies keeps old entries alive.
    @property
    def reply_to(self) -> str | None:
        rare = self._rare
        return None if rare is None else rare.reply_to

    @reply_to.setter
    def reply_to(self, value: str | None) -> None:
        if self._rare is None:
            if value is None:
                return
            self._rare = _Rare()
        self._rare.reply_to = value

    @property
    def quote(self) -> tuple[str, str] | None:
        rare = self._rare
        return None if rare is None else rare.quote

    @quote.setter
    def quote(self, value: tuple[str, str] | None) -> None:
        if self._rare is None:
            if value is None:
                return
            self._rare = _Rare()
        self._rare.quote = value


DELETED_TEXT = "(message deleted)"
QUOTE_WORDS = 40  # characters of the quoted line shown before a reply


def quote_of(original: Entry) -> tuple[str, str]:
    """(nick, first words) of a line being answered, as a reply shows it."""
    if original.deleted:
        return original.nick, DELETED_TEXT
    words = " ".join(strip_formatting(original.plain[: QUOTE_WORDS * 4]).split())
    if len(words) > QUOTE_WORDS:
        cut = words[:QUOTE_WORDS].rsplit(" ", 1)[0] or words[:QUOTE_WORDS]
        words = cut + "…"
    return original.nick, words


def quote_line(entry: Entry) -> str | None:
    """The one-line quote shown before a reply ("↳ alice: first words…"), or None."""
    if not entry.reply_to:
        return None
    if entry.quote is None:
        return "↳ reply to an earlier message"
    nick, words = entry.quote
    return f"↳ {nick}: {words}"


def event_entry(time: datetime, glyph: str, *parts: Part, about: str = "") -> Entry:
    """A join, part, nick change...; ``about`` names the nick of a join, part or quit."""
    return Entry(time=time, kind="event", parts=tuple(parts), glyph=glyph, about=about)


def info_entry(text: str, *, error: bool = False, time: datetime | None = None) -> Entry:
    """A line of our own (hints, status); ``text`` is trusted and shown literally."""
    kind = "error" if error else "info"
    return Entry(
        time=time or datetime.now(UTC),
        kind=kind,
        parts=((LIT, text),),
        glyph="!!" if error else "--",
    )


class BufferLog:
    """The bounded list of entries of one conversation, plus its layout cache and scroll state.

    Entries are appended at the end (``push``) and dropped from the front when over ``limit``;
    ``dropped`` counts those, so an entry's sequence number ``dropped + index`` stays stable
    while the layout caches per-entry heights. Inserting in the middle (history arriving late)
    or clearing bumps ``version``, which makes the layout re-index (cheaply: estimates only).
    """

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.entries: deque[Entry] = deque()
        self.layout: Layout | None = None
        self.last_day: date | None = None
        self.following = True  # False while the reader has scrolled up
        self.saved_top: tuple[Entry, int] | None = None  # top line while another buffer shows
        self.unseen = 0
        self.dropped = 0
        self.version = 0
        # The local day of the last entry as an interval: most entries need no date arithmetic.
        self._day_span: tuple[datetime, datetime] = (_EPOCH, _EPOCH)
        # msgid -> its entry, for REDACT and replies: at most one key per entry held.
        self._by_msgid: dict[str, Entry] = {}

    def note_msgid(self, entry: Entry) -> None:
        """Index ``entry`` by its msgid (called again when a pending line gets one)."""
        if entry.msgid:
            self._by_msgid[entry.msgid] = entry

    def find_msgid(self, msgid: str) -> Entry | None:
        return self._by_msgid.get(msgid)

    def link_replies(self, entries: Sequence[Entry]) -> None:
        """Point each reply among ``entries`` (about to be added) at the line it answers, in
        this log or earlier in ``entries``."""
        batch: dict[str, Entry] = {}
        for entry in entries:
            if entry.reply_to and entry.quote is None:
                original = batch.get(entry.reply_to) or self._by_msgid.get(entry.reply_to)
                if original is not None:
                    entry.quote = quote_of(original)
            if entry.msgid:
                batch[entry.msgid] = entry

    def push(self, entry: Entry) -> tuple[list[Entry], int]:
        """Add an entry (after a day-change line when the local date changed).

        Returns the entries added and how many old entries were dropped from the front.
        """
        added: list[Entry] = []
        if entry.kind != "day" and not (self._day_span[0] <= entry.time < self._day_span[1]):
            local = entry.time.astimezone()
            day = local.date()
            midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
            self._day_span = (midnight, midnight + timedelta(days=1))
            if self.last_day is not None and day != self.last_day:
                added.append(
                    Entry(
                        time=entry.time,
                        kind="day",
                        parts=((LIT, day.strftime("%A %d %B %Y")),),
                    )
                )
            self.last_day = day
        # One string per nick, not one per line: a busy room's senders repeat.
        entry.nick = intern(entry.nick)
        added.append(entry)
        self.entries.extend(added)
        if entry.msgid:
            self._by_msgid[entry.msgid] = entry
        return added, self._trim()

    def _trim(self) -> int:
        dropped = 0
        while len(self.entries) > self.limit:
            gone = self.entries.popleft()
            if gone.msgid and self._by_msgid.get(gone.msgid) is gone:
                del self._by_msgid[gone.msgid]
            dropped += 1
        self.dropped += dropped
        return dropped

    def insert(self, index: int, entries: Sequence[Entry]) -> None:
        """Insert ``entries`` before position ``index`` (replayed history), keeping the bound."""
        if index >= len(self.entries):
            self.entries.extend(entries)
        else:
            self.entries.rotate(-index)
            self.entries.extendleft(reversed(entries))
            self.entries.rotate(index)
            self.version += 1
        for entry in entries:
            entry.nick = intern(entry.nick)  # as push does
            if entry.msgid:
                self._by_msgid.setdefault(entry.msgid, entry)
        self._trim()

    def clear(self) -> None:
        self.entries.clear()
        self._by_msgid.clear()
        self.layout = None
        self.following = True
        self.saved_top = None
        self.unseen = 0
        self.version += 1

    def index_of(self, entry: Entry) -> int | None:
        """Index of ``entry`` searching from the newest (pending lines are recent)."""
        for i in range(len(self.entries) - 1, -1, -1):
            if self.entries[i] is entry:
                return i
        return None
