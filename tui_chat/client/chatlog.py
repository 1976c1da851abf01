"""Plain-text chat logs: one file per server and conversation, appended as events arrive.

Written by the client worker thread (never the UI thread). A line is
``YYYY-MM-DD HH:MM:SS <nick> text`` in local time; actions are ``* nick text``, notices
``-nick- text`` and joins, parts, quits, nick and topic changes and kicks ``-- ...``. Every piece
of remote text is reduced to plain printable text first, so a peer can neither forge a line
(newlines, line and paragraph separators) nor leave escape sequences, bidi tricks or mIRC codes
for whoever later runs ``cat`` or ``grep`` on the file.

:func:`chat_log_path` is pure, so the UI's search reads the very file this module writes.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from tui_chat.irc.casemap import casefold
from tui_chat.irc.formatting import strip_formatting

from .events import (
    SERVER_BUFFER,
    ChatMessage,
    Event,
    HistoryReplayed,
    Joined,
    Kicked,
    MessageRedacted,
    NickChanged,
    Parted,
    Quit,
    Topic,
)

log = logging.getLogger(__name__)

DEFAULT_PORT = 6667
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_MAX_OPEN = 32  # file handles kept open; a busy user can have far more conversations
_MAX_NAME = 120  # bytes of escaped name kept before a hash stands in for the rest
# Characters that are safe in a file name on every common filesystem and shell; everything else
# is %XX-escaped, which keeps the mapping one-to-one (no two buffers share a file).
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789#&+!-_.,=@^{}~'")
# Device names Windows reserves whatever the extension ("con.log" cannot be created there).
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
)
# Line breaks of every kind become spaces (removing them would glue words together), so a
# peer cannot start a forged log line.
_LINE_BREAKS_RE = re.compile("[\r\n\x0b\x0c\x85\u2028\u2029]")


def safe_name(name: str) -> str:
    """A file-name stem for ``name``: lowercase, no separators or dots to climb with, bounded."""
    name = casefold(name, "rfc1459")  # "#Room" and "#room" are one channel: one file
    out = []
    for i, ch in enumerate(name):
        keep = ch in _SAFE or (ord(ch) > 0x7F and ch.isprintable() and ch == ch.lower())
        if ch == "." and (i == 0 or i == len(name) - 1):
            keep = False  # no ".", "..", hidden files, or Windows' dropped trailing dots
        out.append(ch if keep else "".join(f"%{b:02X}" for b in ch.encode("utf-8", "replace")))
    stem = "".join(out) or "%00"
    if stem.split(".", 1)[0] in _RESERVED:
        stem = f"%{ord(stem[0]):02X}{stem[1:]}"
    if len(stem.encode("utf-8")) > _MAX_NAME:
        digest = hashlib.sha256(stem.encode("utf-8")).hexdigest()[:16]
        cut = stem.encode("utf-8")[: _MAX_NAME - 17].decode("utf-8", "ignore")
        stem = f"{cut}~{digest}"
    return stem


def server_dir_name(host: str, port: int = DEFAULT_PORT) -> str:
    """``irc.example.org``, or ``irc.example.org,6697`` for another port."""
    host = host.strip("[]")
    return safe_name(host if port == DEFAULT_PORT else f"{host},{port}")


def chat_log_path(log_dir: Path, host: str, buffer: str, port: int = DEFAULT_PORT) -> Path:
    """Where the log of ``buffer`` (a channel or a nick) on server ``host:port`` is kept."""
    return log_dir / server_dir_name(host, port) / f"{safe_name(buffer)}.log"


def clean(text: str) -> str:
    """Remote text as one printable line: no controls, formatting codes, bidi or line breaks."""
    return strip_formatting(_LINE_BREAKS_RE.sub(" ", text)).replace("\t", " ")


def format_event(event: Event) -> list[tuple[str, str]]:
    """The (buffer, line) pairs an event adds to the logs; empty for events not logged."""
    stamp = _local(event.time).strftime(TIME_FORMAT)

    def line(body: str) -> str:
        return f"{stamp} {body}"

    if isinstance(event, ChatMessage):
        nick = clean(event.sender)
        out = []
        # A multi-line message (draft/multiline) is a log line per line, as each would have
        # been sent without it: one line per entry keeps the file greppable.
        for part in event.text.split("\n"):
            text = clean(part)
            if event.kind == "action":
                body = f"* {nick} {text}"
            elif event.kind == "notice":
                body = f"-{nick}- {text}"
            else:
                body = f"<{nick}> {text}"
            out.append((event.buffer, line(body)))
        return out
    if isinstance(event, Joined):
        who = clean(event.nick) + (f" ({clean(event.userhost)})" if event.userhost else "")
        return [(event.buffer, line(f"-- {who} joined {clean(event.buffer)}"))]
    if isinstance(event, Parted):
        reason = f" ({clean(event.reason)})" if event.reason else ""
        return [(event.buffer, line(f"-- {clean(event.nick)} left {clean(event.buffer)}{reason}"))]
    if isinstance(event, Kicked):
        reason = f" ({clean(event.reason)})" if event.reason else ""
        body = f"-- {clean(event.nick)} was kicked by {clean(event.by)}{reason}"
        return [(event.buffer, line(body))]
    if isinstance(event, Quit):
        reason = f" ({clean(event.reason)})" if event.reason else ""
        body = line(f"-- {clean(event.nick)} quit{reason}")
        return [(b, body) for b in event.buffers]
    if isinstance(event, NickChanged):
        body = line(f"-- {clean(event.old)} is now known as {clean(event.new)}")
        return [(b, body) for b in event.buffers]
    if isinstance(event, MessageRedacted):
        # The file is append-only: the deleted line stays above, this says it was withdrawn.
        reason = f" ({clean(event.reason)})" if event.reason else ""
        body = f"-- {clean(event.by)} deleted a message (id {clean(event.msgid)}){reason}"
        return [(event.buffer, line(body))]
    if isinstance(event, Topic):
        topic = clean(event.topic)
        if event.is_change:
            body = f"-- {clean(event.setter or '?')} changed the topic to: {topic}"
        else:
            body = f"-- Topic: {topic}"
        return [(event.buffer, line(body))]
    return []


def _local(stamp: datetime) -> datetime:
    return (stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)).astimezone()


class ChatLog:
    """Appends the events of one server connection to its log files.

    ``write`` takes one batch of events and flushes what it wrote before returning, so a crash
    loses nothing the UI has shown. Replays a server sends on a first join ("earlier" history)
    are only logged where they are newer than the file's last line: an earlier run already
    logged the rest. Missed messages filled in after a reconnect are always logged (the session
    has dropped any it showed before).
    """

    def __init__(self, log_dir: Path, host: str, port: int = DEFAULT_PORT) -> None:
        self.log_dir = log_dir
        self.host = host
        self.port = port
        self._files: OrderedDict[Path, TextIO] = OrderedDict()
        self._last_line: dict[Path, str] = {}  # "YYYY-MM-DD HH:MM:SS" of the newest line
        self.failed: str | None = None  # why logging stopped, once it did

    def path(self, buffer: str) -> Path:
        return chat_log_path(self.log_dir, self.host, buffer, self.port)

    def write(self, events: Iterable[Event]) -> None:
        if self.failed is not None:
            return
        try:
            self._write(events)
        except OSError as e:
            # A full disk or a read-only directory must not take the chat down with it.
            self.failed = f"chat log disabled: {e.strerror or e}"
            log.warning("%s", self.failed)
            self.close()

    def _write(self, events: Iterable[Event]) -> None:
        touched: set[Path] = set()
        held: dict[str, list[ChatMessage]] = {}  # replayed messages until their summary
        for event in events:
            if isinstance(event, ChatMessage) and event.is_history:
                held.setdefault(event.buffer, []).append(event)
                continue
            if isinstance(event, HistoryReplayed):
                for message in held.pop(event.buffer, []):
                    self._append(message, touched, only_newer=event.kind == "earlier")
                continue
            self._append(event, touched)
        for messages in held.values():
            for message in messages:
                self._append(message, touched)
        for path in touched:
            f = self._files.get(path)
            if f is not None:
                f.flush()

    def _append(self, event: Event, touched: set[Path], only_newer: bool = False) -> None:
        # The lines of one multi-line message share a time: kept or skipped together.
        kept: set[Path] = set()
        skipped: set[Path] = set()
        for buffer, line in format_event(event):
            if not buffer or buffer == SERVER_BUFFER:
                continue
            path = self.path(buffer)
            f = self._open(path)
            if only_newer and path not in kept:
                stamp = line[: len("YYYY-MM-DD HH:MM:SS")]
                if path in skipped or stamp <= self._last_line.get(path, ""):
                    skipped.add(path)
                    continue
            kept.add(path)
            f.write(line + "\n")
            self._last_line[path] = max(self._last_line.get(path, ""), line[:19])
            touched.add(path)

    def _open(self, path: Path) -> TextIO:
        f = self._files.get(path)
        if f is not None:
            self._files.move_to_end(path)
            return f
        while len(self._files) >= _MAX_OPEN:
            _, old = self._files.popitem(last=False)
            old.close()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if path not in self._last_line:
            self._last_line[path] = _last_stamp(path)
        # Logs hold private conversations: readable by their owner only.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        f = open(fd, "a", encoding="utf-8", errors="replace", newline="\n")  # noqa: SIM115
        self._files[path] = f
        return f

    def close(self) -> None:
        files, self._files = list(self._files.values()), OrderedDict()
        for f in files:
            with contextlib.suppress(OSError):
                f.close()


def _last_stamp(path: Path) -> str:
    """The timestamp of the file's last line ("" if none), read from its tail only."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 4096))
            tail = f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""
    for line in reversed(tail.splitlines()):
        if re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", line):
            return line[:19]
    return ""
