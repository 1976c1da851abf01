"""Durable per-channel message history on stdlib sqlite3 (WAL), for the single-threaded server.

Owned by the reactor thread. The contract with the loop is *group commit*:

- ``append(record)`` only buffers (no I/O);
- ``write_ahead()`` makes everything buffered durable in one ``write()`` to the journal
  (history_journal), once per loop pass, and the server calls it *before* flushing output, so a
  line is never seen by any client before it is durable ("a message is relayed and echoed only
  after it is stored");
- SQLite lags the journal: ``settle()``, after the pass's sends and on a timer, commits what
  the journal holds once it is due (LAG_SECONDS after the oldest line, or LAG_LINES lines;
  never while the checkpointer copies the WAL, within bounds), the lines of the passes since
  the last settle and up to LAG_LINES more per transaction, and empties the journal once
  nothing lags. A cold one-line commit costs
  150-300 µs; many lines in one cost a fraction of that each.
- ``commit()`` writes everything (what lags, then what is buffered) in one transaction: a
  handler calls it (``Server.commit_history``) before reading the store mid-pass, and every
  read method of the store first commits what lags itself (``_readable``). Every read
  therefore finds every line relayed before it in SQLite.

Durability: WAL with ``synchronous=NORMAL``, and the journal likewise not fsynced. A committed
WAL transaction (a journal frame) is in the OS page cache when ``COMMIT`` (``write()``)
returns, so it survives the process being killed (``kill -9``, OOM, a crash: the next open
replays the journal into SQLite);
only a power cut or kernel panic can lose the last few transactions, and even then the database
stays consistent. ``FULL`` would also survive power loss but fsyncs on every commit (one per loop
pass: milliseconds each on ordinary disks), which would cap chat throughput at the disk's fsync
rate; it is available as ``synchronous="FULL"`` for operators who want it (then each journal
frame is ``fdatasync``-ed before its lines are relayed, too).

Crash consistency: the store numbers rows itself (seq, one counter for the file, started past
the newest seq and past the high-water mark retention records, so a seq is never reused), so
the order is the relay order; the locking below guarantees a single writer. The table is
``WITHOUT ROWID`` with primary key (key, seq): one b-tree per insert, and ``INSERT OR IGNORE``
on it means replaying a batch after an uncertain failure cannot duplicate it. A batch is one
transaction: after a crash it is either wholly present or wholly absent.

msgids: a stored line's msgid is ``<run prefix>-<seq in hex>`` (:meth:`HistoryStore.new_msgid`),
so a ``msgid=`` reference resolves through the primary key (key from the CHATHISTORY target,
seq from the msgid) and is accepted only if the stored msgid matches exactly: there is no msgid
index to maintain.

Cost on the hot path (once per relayed channel line): the server hands over the folded key and
the time in milliseconds (:meth:`HistoryStore.append_channel`), so nothing is parsed back.
There is no time index: retention walks each key from its oldest seq, which is the oldest time
unless the clock was set back (then the rows stamped before that are deleted late, never early;
see :meth:`HistoryStore.prune`), and time selectors filter within a channel's (key, seq) range.

Locking: the connection uses SQLite's default (NORMAL) locking, with the WAL index in the
``-shm`` file, so that a second connection can open the file: the checkpointer's, on its own
thread (see history_checkpoint), which copies the WAL back into the database without stalling
the loop. ``locking_mode=EXCLUSIVE`` saved the six lock system calls of each transaction
(measured: a one-line commit's median CPU went from ~31 to ~44 µs without it) but forced the
checkpoint onto the loop thread: a 100-120 ms stall for every client every CHECKPOINT_PAGES.
One server per data dir is kept by an exclusive ``flock`` on ``history.sqlite3.lock``, held
for the store's life: a second server gets "database is locked" and runs without history. The
kernel drops the lock with the process, so after ``kill -9`` the next open recovers the WAL as
usual.

Failure: no method raises into the loop because of the database. A corrupt, unreadable or
read-only file is logged once, the store turns ``healthy = False`` and becomes a no-op (``commit``
returns ``False`` so the server can tell the senders ``FAIL ... MESSAGE_ERROR``), and it tries to
reopen with a growing back-off. The only exceptions the query API raises are
:class:`SelectorError` (bad or unknown message reference), which the CHATHISTORY handler turns
into ``FAIL CHATHISTORY INVALID_PARAMS``.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import logging
import re
import sqlite3
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias, overload

from ..irc.casemap import casefold
from ..irc.casemap import is_channel as _is_channel_name
from . import history_journal, history_search
from .config import CHANTYPES
from .history_checkpoint import Checkpointer, lock_file, unlock_file

log = logging.getLogger("tui_chat.server.history")

FILENAME = "history.sqlite3"
STORED_COMMANDS = frozenset({"PRIVMSG", "NOTICE", "TOPIC"})
# What a chathistory batch may carry for a client without draft/event-playback.
MESSAGE_COMMANDS = ("PRIVMSG", "NOTICE")
DAY_MS = 86_400_000
# A retention step deletes at most PRUNE_CHUNK rows and visits at most PRUNE_KEYS keys, so no
# step stalls the loop for long (each deleted row also leaves the search index);
# prune() reports whether it stopped early and the caller simply calls again soon.
PRUNE_CHUNK = 50
PRUNE_KEYS = 64
# Each step that deletes writes a small segment of the search index; one merge call (about 1 ms
# at a million rows, as long as the deletes) folds several, so once this many were written
# since the last merge, the next step only merges: no step does both.
PRUNE_MERGE_EVERY = 2
# WAL pages a retention or indexer step writes, for the checkpoint pacing below: a few for the
# transaction (counts, the index's structure and new segment), MERGE_STEP_PAGES for each FTS5
# merge call that wrote, and one per PRUNE_CHANGES_PER_PAGE rows a retention step changes.
# Measured on 100,000 and 1,000,000 rows: index steps 4-40 pages, retention steps 12-35.
STEP_PAGES = 8
MERGE_STEP_PAGES = 16
PRUNE_CHANGES_PER_PAGE = 8
# A checkpoint copies the WAL into the database and fsyncs both (100-120 ms at 4,096 pages). It
# runs on the checkpointer's thread, not the loop's, but it still competes for the disk and the
# GIL between SQLite calls, so it is had rarely: when the WAL holds about CHECKPOINT_PAGES, or
# CHECKPOINT_MAX_AGE after the last one once the loop has not committed for CHECKPOINT_IDLE (or,
# never idle, at CHECKPOINT_MAX_AGE * 5).
CHECKPOINT_PAGES = 4096
CHECKPOINT_MAX_AGE = 60.0
CHECKPOINT_IDLE = 0.5
# SQLite's own checkpoint: only the backstop if the server's never runs (64 MiB of WAL).
WAL_AUTOCHECKPOINT_PAGES = 4 * CHECKPOINT_PAGES
# What a restarted WAL is trimmed to (80 MiB): above what the backstop lets it reach.
WAL_JOURNAL_LIMIT_BYTES = (WAL_AUTOCHECKPOINT_PAGES + CHECKPOINT_PAGES) * 4096
# SQLite lags the journal: lines durable in the journal (write_ahead) reach SQLite in one
# transaction per LAG_SECONDS (the server's --history-lag) since the oldest of them, or sooner
# once LAG_LINES or LAG_BYTES of journal wait, and at once before anything reads the store.
# One such commit takes the lines that came since the last and at most LAG_LINES more, so a
# backlog drains a little per pass (measured at 200,000 rows, lines spread over 100
# rooms: 50 lines 1.4-2.0 ms of CPU, 100 2.6-3.2, 200 4.5-5.0, 400 6-8.6; at 1,000,000 rows
# 128 lines took up to 4.8 ms of CPU; in one room far less).
# While the checkpointer copies the WAL, the loop does not commit (so that the next commit
# restarts the WAL from its start, instead of SQLite's backstop checkpoint running inside a
# commit later), for up to LAG_MAX_SECONDS or LAG_MAX_BYTES (the journal's initial size
# holds that, so it does not grow for it).
LAG_SECONDS = 0.05
LAG_LINES = 64
LAG_BYTES = 256 << 10
LAG_MAX_SECONDS = 1.0
LAG_MAX_BYTES = 768 << 10
# How often a timer looks whether the copy ended, when lines lag and no traffic comes.
LAG_POLL = 0.01
# The timer for a lagging tail fires this long after it is due (see lag_due_in).
LAG_TIMER_SLACK = 0.02
_RETRY_FIRST = 5.0
_RETRY_MAX = 300.0

# PRAGMA user_version of the current layout; 0 is a new (empty) file. Layout 3 lacked only the
# rooms table, which is created on open. Older layouts were never released: they are refused.
SCHEMA_VERSION = 4
# One b-tree per stored line: the row *is* its (key, seq) entry, so an insert touches one
# index instead of three (rowid table + UNIQUE msgid + (key, seq)). seq is assigned by the
# store, and the msgid of a stored line ends in its seq (see msgid_seq), so a msgid reference
# resolves through the primary key and is checked against the stored msgid.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    key     TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    ts      INTEGER NOT NULL,
    command TEXT NOT NULL,
    source  TEXT NOT NULL,
    target  TEXT NOT NULL,
    text    TEXT NOT NULL,
    msgid   TEXT NOT NULL,
    PRIMARY KEY (key, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS peers (
    nick TEXT NOT NULL,
    key  TEXT NOT NULL,
    PRIMARY KEY (nick, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rooms (
    key   TEXT PRIMARY KEY,
    state TEXT NOT NULL
) WITHOUT ROWID;
"""
_INSERT = (
    "INSERT OR IGNORE INTO messages (key, seq, ts, source, command, target, text, msgid)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_COLUMNS = "seq, msgid, ts, source, command, target, text"
# A row as sqlite3 returns it, and query arguments: values of the columns above.
Row: TypeAlias = tuple[Any, ...]
Args: TypeAlias = tuple[object, ...]
# A room's saved state (JSON), see HistoryStore.save_room.
RoomState: TypeAlias = dict[str, Any]


# What a query returns: only these commands (counted by ``limit``), or all when None.
Commands: TypeAlias = Collection[str] | None

# -- time and message references ---------------------------------------------------------------

_TS_RE = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z\Z", re.ASCII)
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)


_MILLIS = tuple(f".{i:03d}Z" for i in range(1000))
_formatted_second: tuple[int, str] = (0, "1970-01-01T00:00:00")


def format_time(ms: int) -> str:
    """Milliseconds since the epoch -> the ``server-time`` text the server sends."""
    global _formatted_second
    second, milli = divmod(ms, 1000)
    # A CHATHISTORY answer formats 50 stored times, mostly a few within one second: the
    # strftime of the last second is kept (half of a stored line's read-back cost otherwise).
    last, text = _formatted_second
    if second != last:
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _formatted_second = (second, text)
    return text + _MILLIS[milli]


_last_second: tuple[str, int] = ("", 0)


def parse_time(text: str) -> int:
    """``YYYY-MM-DDThh:mm:ss[.sss]Z`` -> milliseconds since the epoch; ValueError otherwise."""
    global _last_second
    # Fast path for append(): a burst stamps many lines within the same second.
    prefix, seconds = _last_second
    if (
        len(text) == 24
        and text.startswith(prefix)
        and prefix
        and text[19] == "."
        and text[23] == "Z"
    ):
        digits = text[20:23]
        if digits.isdigit() and digits.isascii():
            return seconds * 1000 + int(digits)
    m = _TS_RE.match(text)
    if m is None:
        raise ValueError(f"not a server-time timestamp: {text!r}")
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    # datetime validates the ranges (month 13, Feb 30, hour 24 ...).
    when = _dt.datetime(year, month, day, hour, minute, second, tzinfo=_dt.UTC)
    milli = int((m.group(7) or "0").ljust(3, "0")[:3])
    seconds = (when - _EPOCH) // _dt.timedelta(seconds=1)
    _last_second = (text[:19], seconds)
    return seconds * 1000 + milli


@dataclass(frozen=True, slots=True)
class Selector:
    """A CHATHISTORY message reference: ``msgid=...`` or ``timestamp=...``."""

    kind: str  # "msgid" | "timestamp"
    value: str
    ms: int = 0  # timestamps only


class SelectorError(ValueError):
    """A message reference the server must refuse with ``FAIL CHATHISTORY INVALID_PARAMS``.

    ``kind`` is ``"syntax"`` (neither ``msgid=`` nor ``timestamp=``), ``"timestamp"`` (malformed
    or impossible time), ``"msgid"`` (empty) or ``"unknown-msgid"`` (no such message in that
    target, e.g. expired). ``text`` is the parameter as the client sent it, for the FAIL line.
    """

    MESSAGES = {
        "syntax": "Invalid message reference",
        "timestamp": "Invalid timestamp",
        "msgid": "Invalid msgid",
        "unknown-msgid": "Unknown msgid",
    }

    def __init__(self, kind: str, text: str) -> None:
        super().__init__(f"{self.MESSAGES[kind]}: {text!r}")
        self.kind = kind
        self.text = text

    @property
    def description(self) -> str:
        return self.MESSAGES[self.kind]


@overload
def parse_selector(text: str) -> Selector: ...
@overload
def parse_selector(text: str, *, allow_star: bool) -> Selector | None: ...
def parse_selector(text: str, *, allow_star: bool = False) -> Selector | None:
    """Parse one CHATHISTORY reference. ``*`` (LATEST only) gives None; bad input raises."""
    if allow_star and text == "*":
        return None
    kind, sep, value = text.partition("=")
    if sep and kind == "msgid":
        if not value or " " in value:
            raise SelectorError("msgid", text)
        return Selector("msgid", value)
    if sep and kind == "timestamp":
        try:
            return Selector("timestamp", value, parse_time(value))
        except ValueError:
            raise SelectorError("timestamp", text) from None
    raise SelectorError("syntax", text)


def msgid_seq(msgid: str) -> int | None:
    """The seq a stored line's msgid ends in (``<run>-<hex seq>``), or None if it has none.

    Anything can arrive as a reference; a bounded tail keeps the int inside SQLite's 64 bits.
    """
    _, sep, tail = msgid.rpartition("-")
    if not sep or not 0 < len(tail) <= 15:
        return None
    try:
        return int(tail, 16)
    except ValueError:
        return None


# -- records and keys --------------------------------------------------------------------------


def is_channel(target: str) -> bool:
    return _is_channel_name(target, CHANTYPES)


def conversation_key(nick_a: str, nick_b: str) -> str:
    """The key a private conversation is stored under: both folded nicks, sorted.

    A space cannot occur in a nick or a channel name, so these never collide with channels.
    """
    a, b = casefold(nick_a), casefold(nick_b)
    return f"{a} {b}" if a <= b else f"{b} {a}"


def private_key(identity_a: str, identity_b: str) -> str:
    """The key of a private conversation between two connections (their random identities).

    Not the nicks: whoever takes a nick later must not read what its last owner was told.
    Until there are accounts, a conversation is readable only by the two connections that
    held it. ``~`` is in no nick, so these never meet nick-based keys of older files.
    """
    a, b = sorted((identity_a, identity_b))
    return f"~{a} ~{b}"


@dataclass(frozen=True, slots=True)
class HistoryRecord:
    """One stored line. ``time`` is the exact ``server-time`` tag value the server sent."""

    msgid: str
    time: str
    source: str  # nick!user@host
    command: str  # PRIVMSG | NOTICE | TOPIC
    target: str  # as displayed: "#Lobby", or the recipient nick of a private message
    text: str  # CTCP ACTION stays a PRIVMSG with its \x01 framing
    seq: int | None = None  # set on records read back

    @property
    def nick(self) -> str:
        return self.source.partition("!")[0]

    @property
    def key(self) -> str:
        if is_channel(self.target):
            return casefold(self.target)
        return conversation_key(self.nick, self.target)

    @property
    def ms(self) -> int:
        return parse_time(self.time)


@dataclass(frozen=True, slots=True)
class TargetInfo:
    """A TARGETS answer: the name to show and the time of its latest stored message."""

    key: str
    name: str
    time: str


def replay_text(record: HistoryRecord) -> str:
    """One stored line as plain text with its time, for clients without batch/server-time.

    The server sends it as ``NOTICE <channel>`` so irssi and friends show context on join.
    """
    when = record.time[:10] + " " + record.time[11:19]
    nick, text = record.nick, record.text
    if record.command == "TOPIC":
        body = f"{nick} changed the topic to: {text}"
    elif record.command == "NOTICE":
        body = f"-{nick}- {text}"
    elif text.startswith("\x01ACTION ") or text == "\x01ACTION\x01":
        body = f"* {nick} {text[8:].rstrip(chr(1))}".rstrip()
    elif text.startswith("\x01"):
        body = f"{nick} sent a CTCP {text.strip(chr(1)).partition(' ')[0]}"
    else:
        body = f"<{nick}> {text}"
    return f"[{when} UTC] {body}"


def _records(rows: list[Row]) -> list[HistoryRecord]:
    return [_row_to_record(r) for r in rows]


def _row_to_record(row: Row) -> HistoryRecord:
    seq, msgid, ts, source, command, target, text = row
    return HistoryRecord(msgid, format_time(ts), source, command, target, text, seq)


# -- the store -------------------------------------------------------------------------------


class HistoryStore:
    """Channel (and optionally private) history in ``data_dir / "history.sqlite3"``.

    ``path`` is the data directory; None gives a disabled store (``enabled`` False) whose methods
    are all cheap no-ops, so the server needs no ``if`` around them. ``days`` and
    ``per_channel_limit`` are the retention (0 = no limit of that kind); ``clock`` is injectable
    so tests can step over the reopen back-off.
    """

    def __init__(
        self,
        path: Path | None,
        *,
        days: float = 30,
        per_channel_limit: int = 10_000,
        store_private: bool = False,
        synchronous: str = "NORMAL",
        clock: Callable[[], float] = time.monotonic,
        msgid_prefix: str = "h",
        lag: float = LAG_SECONDS,
    ) -> None:
        if synchronous not in ("NORMAL", "FULL"):
            raise ValueError("synchronous must be NORMAL or FULL")
        self.data_dir = path
        self.file = None if path is None else Path(path) / FILENAME
        self.days = days
        self.per_channel_limit = per_channel_limit
        self.store_private = store_private
        self.synchronous = synchronous
        self.lag = lag
        self.enabled = path is not None
        self.healthy = False
        self.error: str | None = None
        self._clock = clock
        self._conn: sqlite3.Connection | None = None
        self._lock_fd: int | None = None  # taken by the first open that gets it, held until close()
        self._checkpointer: Checkpointer | None = None
        self._journal: history_journal.Journal | None = None  # open while healthy
        self._pending: list[Row] = []
        self._pending_peers: list[tuple[str, str]] = []
        # A room's protection (modes, key, founder ...) as JSON, stored with its history so
        # that the history is never served to someone the room would not have let in.
        self._pending_rooms: dict[str, str] = {}
        # Passes written to the journal that SQLite has not taken yet (see settle): in seq
        # order, after which _pending's rows come. Bounded by LAG_MAX_BYTES (and one
        # pass's size). Not empty only while healthy: _fail leaves them to the journal's replay.
        self._lag: list[Row] = []
        self._lag_peers: list[tuple[str, str]] = []
        self._lag_rooms: dict[str, str] = {}
        self._lag_since = 0.0  # when the oldest of them was written
        self._lag_intake = 0  # lines written to the journal since the last settle()
        self._retry_at = 0.0
        self._retry_delay = _RETRY_FIRST
        self._wal_pages = 0  # estimated, since the last checkpoint
        self._last_commit = self._last_checkpoint = clock()
        self._closed = False
        # The msgid of a stored line is f"{msgid_prefix}-{seq:x}": the server passes a prefix
        # unique to its run, so a seq reused after retention emptied the file cannot make an
        # old msgid name a new line (lookups compare the whole msgid).
        self.msgid_prefix = msgid_prefix + "-"
        self._next_seq = 1
        # False until a file was read: seqs handed out before that may already be taken.
        self._seq_known = False
        self._blind = False  # a pending record got its seq while _seq_known was False
        self._prune_cursor = ""  # retention goes through the keys in order, a step at a time
        self._prune_segments = 0  # index segments retention wrote since it last merged
        # Keys with committed rows the search index and counts have not reached (an ordered
        # set: history_search.index_step takes them in turn). Bounded by the keys stored.
        self._unindexed: dict[str, None] = {}
        if self.enabled:
            self._open()

    # -- lifecycle ---------------------------------------------------------------------------

    def _open(self) -> bool:
        assert self.file is not None
        conn = None
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            if self._lock_fd is None:
                self._lock_fd = lock_file(self.file.with_name(FILENAME + ".lock"))
            # check_same_thread=False: the store may be built in one thread and then used only
            # by the reactor thread (ServerThread); it is never used by two threads at once.
            conn = sqlite3.connect(
                self.file, isolation_level=None, check_same_thread=False, timeout=0.2
            )
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise sqlite3.OperationalError(f"cannot use WAL (journal_mode={mode})")
            conn.execute(f"PRAGMA synchronous={self.synchronous}")
            # Checkpoints are the checkpointer thread's job, when checkpoint() finds one due;
            # this is only the backstop for a WAL that grows anyway (64 MiB), since an
            # automatic checkpoint would stall, on the loop, whichever commit crosses the line.
            conn.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
            # A checkpointed WAL is written again from its start; this trims what a burst grew.
            # Not below the backstop's size: under steady commits the checkpointer's PASSIVE
            # copies never catch the WAL's end, so it grows to the backstop and the commit that
            # restarts it would truncate it on the loop (45-51 ms of ftruncate measured).
            conn.execute(f"PRAGMA journal_size_limit={WAL_JOURNAL_LIMIT_BYTES}")
            self._migrate(conn)
            history_search.install(conn)
            journal_path = self.file.with_name(history_journal.FILENAME)
            self._replay(conn, journal_path)
            floor, newest = self._read_seq_floor(conn)
            unindexed = history_search.unindexed_keys(conn, newest)
            journal = history_journal.Journal(journal_path, sync=self.synchronous == "FULL")
        except (sqlite3.Error, OSError) as exc:
            if conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._fail("open", exc)
            return False
        self._conn = conn
        self._journal = journal
        if self._checkpointer is None:
            self._checkpointer = Checkpointer(self.file, self.synchronous)
        self._unindexed = unindexed
        self._next_seq = max(self._next_seq, floor)
        self._seq_known = True
        if not self.healthy and self.error is not None:
            log.warning("history database %s is working again", self.file)
        self.healthy = True
        self.error = None
        self._retry_delay = _RETRY_FIRST
        return True

    @staticmethod
    def _replay(conn: sqlite3.Connection, path: Path) -> None:
        """Store what the journal holds (lines relayed, then a crash before SQLite had them).

        Idempotent (INSERT OR IGNORE by (key, seq)), so a crash during replay just replays
        again. The journal is emptied only once its records are committed here.
        """
        replay = history_journal.read(path)
        if replay.torn:
            log.warning("history journal %s ends in a partial record; it is ignored", path)
        if replay.frames:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for frame in replay.frames:
                    conn.executemany(_INSERT, frame.messages)
                    conn.executemany(
                        "INSERT OR IGNORE INTO peers (nick, key) VALUES (?, ?)", frame.peers
                    )
                    conn.executemany(
                        "INSERT OR REPLACE INTO rooms (key, state) VALUES (?, ?)", frame.rooms
                    )
                conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
            log.info(
                "history: %d lines recovered from the journal",
                sum(len(f.messages) for f in replay.frames),
            )
        if replay.frames or replay.torn:
            history_journal.truncate(path)

    @staticmethod
    def _read_seq_floor(conn: sqlite3.Connection) -> tuple[int, dict[str, int]]:
        """The next free seq of an open file, and the newest seq of each key.

        The newest seq of each key through the primary key (a hop per key, not a table scan),
        and the high-water mark retention leaves in ``meta`` so a seq it deleted is never
        handed out again.
        """
        meta = dict(conn.execute("SELECT name, value FROM meta").fetchall())
        top = meta.get("next_seq", 1) - 1
        newest_by_key: dict[str, int] = {}
        row = conn.execute("SELECT key FROM messages ORDER BY key LIMIT 1").fetchone()
        while row is not None:
            key = row[0]
            newest = conn.execute(
                "SELECT seq FROM messages WHERE key = ? ORDER BY seq DESC LIMIT 1", (key,)
            ).fetchone()[0]
            newest_by_key[key] = newest
            top = max(top, newest)
            row = conn.execute(
                "SELECT key FROM messages WHERE key > ? ORDER BY key LIMIT 1", (key,)
            ).fetchone()
        return int(top) + 1, newest_by_key

    def _migrate(self, conn: sqlite3.Connection) -> None:
        """Create the tables; a file of another layout is refused, not touched."""
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(
                f"history layout {version} is newer than this tui-chat understands"
                f" ({SCHEMA_VERSION}); use a newer tui-chat or another --data-dir"
            )
        old = conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'messages'"
        ).fetchone()
        if old is not None and "WITHOUT ROWID" not in str(old[0]).upper():
            raise sqlite3.DatabaseError(
                f"history layout {version} is not one this tui-chat can read; use another"
                " --data-dir"
            )
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise

    def _fail(self, what: str, exc: BaseException) -> None:
        message = f"{what}: {exc}"
        if self.healthy or self.error is None:
            # Once per outage: a broken disk must not flood the log once per loop pass.
            log.error(
                "history database %s unusable (%s); chat goes on without history",
                self.file,
                message,
            )
        else:
            log.debug("history database %s still unusable (%s)", self.file, message)
        self.healthy = False
        self.error = message
        if self._checkpointer is not None:
            self._checkpointer.stop(join=False)  # a new one comes with the reopened file
            self._checkpointer = None
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None
        if self._journal is not None:
            # Kept on disk as it is: what it holds was relayed as stored, and the reopen
            # replays it into SQLite before anything reads the store.
            self._journal.close()
            self._journal = None
        self._drop_lag()
        self._retry_at = self._clock() + self._retry_delay
        self._retry_delay = min(_RETRY_MAX, self._retry_delay * 2)

    def _usable(self) -> bool:
        """True if there is a working connection, reopening after the back-off if due."""
        if self.healthy:
            return True
        if not self.enabled or self._closed or self._clock() < self._retry_at:
            return False
        return self._open()

    def close(self) -> None:
        """Commit what is buffered and close. Safe to call twice."""
        if self._conn is not None:
            self.commit()
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        if self._conn is not None:
            # The last connection to close checkpoints the WAL into the file and removes it.
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        if self._lock_fd is not None:
            unlock_file(self._lock_fd)
            self._lock_fd = None
        self.healthy = False
        self._closed = True

    # -- writing -----------------------------------------------------------------------------

    def wants(self, target: str, command: str) -> bool:
        """Would a message of this kind to this target be stored? (Cheap, no I/O.)"""
        if not self.enabled or command not in STORED_COMMANDS:
            return False
        if target[:1] in "@+":
            return False  # STATUSMSG (@#chan): only ops saw it; it is not channel history
        return is_channel(target) or self.store_private

    def new_msgid(self) -> str:
        """Take the next seq and return the msgid a stored line must carry for it."""
        seq = self._next_seq
        self._next_seq = seq + 1
        if not self._seq_known:
            self._blind = True
        return f"{self.msgid_prefix}{seq:x}"

    def append(
        self,
        record: HistoryRecord,
        key: str | None = None,
        parties: tuple[str, str] | None = None,
    ) -> bool:
        """Buffer a record for the next commit. Returns whether it will be stored.

        ``record.msgid`` must end in its seq (from :meth:`new_msgid`, or re-appending a record
        after an uncertain failure): the (key, seq) primary key is what makes a retry harmless.
        """
        if not self.wants(record.target, record.command):
            return False
        seq = msgid_seq(record.msgid)
        if seq is None:
            raise ValueError(f"msgid {record.msgid!r} does not end in a seq")
        if seq >= self._next_seq:
            self._next_seq = seq + 1
        if key is None:
            key = record.key
        self._pending.append(
            (
                key,
                seq,
                parse_time(record.time),
                record.source,
                record.command,
                record.target,
                record.text,
                record.msgid,
            )
        )
        if not is_channel(record.target):
            a, _, b = key.partition(" ") if parties is None else (parties[0], "", parties[1])
            self._pending_peers.append((a, key))
            self._pending_peers.append((b, key))
        return True

    def append_channel(
        self, key: str, ms: int, source: str, command: str, target: str, text: str
    ) -> str:
        """The server's fast path for a channel line it already checked with :meth:`wants`.

        ``key`` is the folded channel name and ``ms`` the time the server stamped the line with,
        so nothing is computed or parsed back here (this runs once per relayed line). Returns
        the msgid to relay the line with.
        """
        seq = self._next_seq
        self._next_seq = seq + 1
        if not self._seq_known:
            self._blind = True
        msgid = f"{self.msgid_prefix}{seq:x}"
        self._pending.append((key, seq, ms, source, command, target, text, msgid))
        return msgid

    @property
    def pending(self) -> int:
        return len(self._pending)

    @property
    def rooms_pending(self) -> bool:
        return bool(self._pending_rooms)

    def save_room(self, key: str, state: RoomState) -> None:
        """Buffer a room's state (see :meth:`load_room`) for the next commit."""
        if self.enabled:
            self._pending_rooms[key] = json.dumps(state, separators=(",", ":"))

    def load_room(self, key: str) -> RoomState | None:
        """The state last saved for a room, or None (never saved, unreadable or unusable)."""
        text = self._pending_rooms.get(key)
        if text is None:
            rows = self._query("SELECT state FROM rooms WHERE key = ?", (key,))
            if not rows:
                return None
            text = rows[0][0]
        try:
            state = json.loads(text)
        except ValueError:
            return None
        return state if isinstance(state, dict) else None

    def has_messages(self, key: str) -> bool:
        """Is anything stored under ``key``? True when the store cannot tell (be safe)."""
        if not self.enabled:
            return False
        rows = self._query("SELECT 1 FROM messages WHERE key = ? LIMIT 1", (key,))
        return bool(rows) or not self.healthy

    @property
    def next_seq(self) -> int:
        """The seq the next stored line gets: every line stored so far is below it."""
        return self._next_seq

    def write_ahead(self) -> bool:
        """Make everything buffered durable in the journal, in one write; SQLite comes later.

        The server calls this before relaying a pass's lines and :meth:`settle` after the
        sends: the lines then wait in the journal (and here) for a later SQLite commit, which
        every read makes first. True when durable (or nothing to write); False when refused:
        the records are dropped and the server should tell their senders.
        """
        if not self._pending and not self._pending_rooms:
            return True
        if not self._writable():
            return False
        journal = self._journal
        assert journal is not None
        try:
            journal.write(self._pending, self._pending_peers, list(self._pending_rooms.items()))
        except OSError as exc:
            self._drop_pending()
            self._fail("journal", exc)
            return False
        if not self.lagging:
            self._lag_since = self._clock()
        self._lag_intake += len(self._pending)
        self._lag += self._pending
        self._lag_peers += self._pending_peers
        self._lag_rooms.update(self._pending_rooms)
        self._drop_pending()
        return True

    @property
    def lagging(self) -> bool:
        """Are lines durable in the journal only, waiting for their SQLite commit?"""
        return bool(self._lag or self._lag_peers or self._lag_rooms)

    @property
    def checkpointing(self) -> bool:
        """Is the checkpointer copying the WAL (or about to)? Writes then wait if they can."""
        return self._checkpointer is not None and self._checkpointer.busy

    def lag_due_in(self) -> float | None:
        """Seconds until :meth:`settle` should be tried again (None: nothing lags)."""
        if not self.lagging:
            return None
        waited = self._clock() - self._lag_since
        if self.checkpointing:
            return min(LAG_POLL, max(0.0, max(self.lag, LAG_MAX_SECONDS) - waited))
        # A little past the due time: under steady traffic the pass that finds it due commits
        # right after its sends (between lines); the timer is for a tail nobody follows.
        remaining = self.lag - waited
        return remaining + LAG_TIMER_SLACK if remaining > 0 else 0.0

    def settle(self) -> bool:
        """Commit what lags behind the journal to SQLite if it is due; True if it was.

        Due when the oldest line waited ``lag`` seconds, or LAG_LINES lines or LAG_BYTES of
        journal wait; while the checkpointer copies, only at LAG_MAX_SECONDS (or ``lag`` if
        longer) or LAG_MAX_BYTES. The server calls it after each pass's sends and on a timer
        (:meth:`lag_due_in`).
        """
        intake, self._lag_intake = self._lag_intake, 0
        if not self.lagging or self._journal is None:
            return False
        used = self._journal.used
        waited = self._clock() - self._lag_since
        if self.checkpointing:
            due = waited >= max(self.lag, LAG_MAX_SECONDS) or used >= LAG_MAX_BYTES
        else:
            due = waited >= self.lag or len(self._lag) >= LAG_LINES or used >= LAG_BYTES
        if not due:
            return False
        # What came in since the last settle, and LAG_LINES more (5 ms at 100 busy rooms on a
        # million rows): a backlog (after a copy) drains over the next passes, or on the timer,
        # with clients served between, and a flood of big passes never outruns the commits.
        self._commit_lag(intake + LAG_LINES)
        return True

    def _readable(self) -> bool:
        """:meth:`_usable`, after committing what lags: a read sees every line relayed."""
        if not self._usable():
            return False
        if self.lagging:
            # Only what lags: this pass's lines are the server's to commit (commit_history),
            # which tells their senders if that fails; here a failure would go unheard.
            self._commit_lag(None)
        return self.healthy

    def _writable(self) -> bool:
        """Whether what is buffered may be written now; if not, it is dropped."""
        blind, self._blind = self._blind, False
        if not self._usable() or blind:
            # blind: numbered before any file was readable, so the seqs may be taken already.
            self._drop_pending()
            return False
        return True

    def _drop_pending(self) -> None:
        self._pending.clear()
        self._pending_peers.clear()
        self._pending_rooms.clear()

    def _drop_lag(self) -> None:
        self._lag.clear()
        self._lag_peers.clear()
        self._lag_rooms.clear()

    def commit(self) -> bool:
        """Write everything buffered, what lags behind the journal first, in one transaction.

        True when it is durable (or there was nothing to write); False when the records could
        not be stored in SQLite: they are dropped and, unless :meth:`write_ahead` had them in
        the journal (then the reopen replays them), the server should tell their senders.
        """
        if not self._pending and not self._pending_rooms:
            return self._commit_lag(None) if self.lagging else True
        if not self._writable():
            if self.lagging:
                self._commit_lag(None)  # the journal's lines still go in; not the refused ones
            return False
        try:
            return self._commit_lag(None, self._pending, self._pending_peers, self._pending_rooms)
        finally:
            # Stored or refused, a batch is over: the server relays it either way and tells the
            # senders when it failed, so a later retry would store what they were told was lost.
            # (What the journal holds stays there, and the reopen stores it.)
            self._drop_pending()

    def _commit_lag(
        self,
        limit: int | None,
        rows: list[Row] | None = None,
        peers: list[tuple[str, str]] | None = None,
        rooms: dict[str, str] | None = None,
    ) -> bool:
        """Commit the oldest ``limit`` lagging lines (all: None), then ``rows``, in one transaction.

        The journal is emptied once nothing lags; until then it also holds lines SQLite has,
        which a replay inserts harmlessly (INSERT OR IGNORE). Every reader and REDACT commits
        all that lags first (:meth:`_readable`); retention does not, so a line it deletes may
        come back with a replay after a crash, and go again at its next step.
        """
        conn = self._conn
        assert conn is not None
        taken = self._lag if limit is None else self._lag[:limit]
        rows = taken + rows if rows else taken
        peers = self._lag_peers + peers if peers else self._lag_peers
        rooms = self._lag_rooms | rooms if rooms else self._lag_rooms
        try:
            if len(rows) == 1 and not peers and not rooms and not conn.in_transaction:
                # The light-load case: one channel line. One statement is its own transaction
                # (autocommit), as atomic and as durable as BEGIN ... COMMIT, in one call into
                # SQLite instead of three. (Inside an open transaction it would not commit: the
                # explicit path below then fails loudly instead.)
                inserted = conn.execute(_INSERT, rows[0]).rowcount
            else:
                inserted = self._commit_batch(conn, rows, peers, rooms)
            # WAL pages written, roughly: one leaf per commit plus about one per 15 rows (new
            # leaves and the interior pages their splits touch; measured 1.4 and 9 pages for
            # commits of 1 and 110 lines).
            self._wal_pages += 1 + len(rows) // 15
            self._last_commit = self._clock()
            # For the indexer, later and off this path (history_search): nothing else here.
            self._unindexed.update(dict.fromkeys([row[0] for row in rows]))
            if inserted != len(rows):
                # Only a retried batch should hit this; otherwise msgids are being reused (the
                # server's msgid prefix must not repeat across restarts) and lines go unsaved.
                log.warning(
                    "history: %d of %d records had a msgid already stored",
                    len(rows) - inserted,
                    len(rows),
                )
            del self._lag[: len(taken)]
            self._lag_peers = []
            self._lag_rooms = {}
            if not self._lag and self._journal is not None:
                self._journal.clear()  # all it held is in SQLite now
        except sqlite3.Error as exc:
            self._fail("commit", exc)
            return False
        except OSError as exc:
            self._fail("journal", exc)  # stored; the reopen replays the journal harmlessly
        return True

    @staticmethod
    def _commit_batch(
        conn: sqlite3.Connection,
        rows: list[Row],
        peers: list[tuple[str, str]],
        rooms: dict[str, str],
    ) -> int:
        """These records in one explicit transaction; returns the messages inserted."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            inserted = conn.executemany(_INSERT, rows).rowcount
            if peers:
                conn.executemany("INSERT OR IGNORE INTO peers (nick, key) VALUES (?, ?)", peers)
            if rooms:
                conn.executemany(
                    "INSERT OR REPLACE INTO rooms (key, state) VALUES (?, ?)", rooms.items()
                )
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        return int(inserted)

    # -- retention ---------------------------------------------------------------------------

    def prune(
        self, now_ms: int | None = None, max_rows: int = PRUNE_CHUNK, max_keys: int = PRUNE_KEYS
    ) -> bool:
        """One bounded step of retention (age, then per-channel count).

        A step visits at most ``max_keys`` keys (from where the last step stopped, in key
        order) and deletes at most ``max_rows`` rows, reading the per-key counts the indexer
        keeps (history_search) instead of counting the table: a step costs about the same at
        a thousand rows or a million. Rows the indexer has not reached yet are not counted, so
        a count limit applies to them one indexer interval late. A step due to merge the
        search index's segments (see PRUNE_MERGE_EVERY) merges instead and returns False. Meant
        for a timer. Returns True when a pass over every key is complete with nothing left to
        delete, False when it stopped early (call again soon) or the database failed.

        What lags behind the journal is left to :meth:`settle`: those are the newest lines,
        which retention never wants, and committing them here made the first step after a
        checkpoint under a flood pay for all of them at once (45 ms at a million rows).
        """
        if not self._usable():
            return False
        conn = self._conn
        assert conn is not None
        if now_ms is None:
            now_ms = int(time.time() * 1000)
        changes = conn.total_changes
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                # Whatever is deleted, its seq must never be handed out again (msgids end in
                # it): the high-water mark goes into the same transaction.
                conn.execute(
                    "INSERT OR REPLACE INTO meta (name, value) VALUES ('next_seq', ?)",
                    (self._next_seq,),
                )
                merged = done = wrote = False
                if self._prune_segments >= PRUNE_MERGE_EVERY:
                    # A step of its own: inside a step that also deleted, the merge made the
                    # longest steps twice as long (a query arriving meanwhile waits for all).
                    merged = history_search.merge(conn)
                else:
                    before = conn.total_changes
                    done = self._prune_keys(conn, now_ms, max_rows, max_keys)
                    wrote = conn.total_changes != before
                conn.execute("COMMIT")
                if self._prune_segments >= PRUNE_MERGE_EVERY:
                    self._prune_segments = 0
                elif wrote:
                    self._prune_segments += 1
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            self._fail("prune", exc)
            return False
        # Deletes and merges write pages too: counted, so that the server's checkpoint timer
        # folds them back, not SQLite's backstop inside some later commit.
        self._wal_pages += (
            STEP_PAGES
            + MERGE_STEP_PAGES * merged
            + (conn.total_changes - changes) // PRUNE_CHANGES_PER_PAGE
        )
        return done

    def _prune_keys(
        self, conn: sqlite3.Connection, now_ms: int, budget: int, max_keys: int
    ) -> bool:
        cutoff = now_ms - int(self.days * DAY_MS) if self.days > 0 else None
        limit = self.per_channel_limit
        rows = conn.execute(
            "SELECT key, n FROM key_stats WHERE key > ? ORDER BY key LIMIT ?",
            (self._prune_cursor, max_keys + 1),
        ).fetchall()
        for key, count in rows[:max_keys]:
            if cutoff is not None:
                # Per key, the oldest ``budget`` rows by seq (the primary key order), of which
                # those older than the cutoff go; the oldest row's time first, so a key with
                # nothing to delete costs one lookup. After the clock was set back, a row
                # stamped earlier than the rows before it waits for them: late, never early.
                oldest = conn.execute(
                    "SELECT ts FROM messages WHERE key = ? ORDER BY seq LIMIT 1", (key,)
                ).fetchone()
                if oldest is not None and oldest[0] < cutoff:
                    gone = conn.execute(
                        "DELETE FROM messages WHERE key = ?1 AND seq IN (SELECT seq FROM"
                        " (SELECT seq, ts FROM messages WHERE key = ?1 ORDER BY seq LIMIT ?2)"
                        " WHERE ts < ?3)",
                        (key, budget, cutoff),
                    ).rowcount
                    budget -= gone
                    count -= gone
            if limit > 0 and count > limit and budget > 0:
                gone = conn.execute(
                    "DELETE FROM messages WHERE key = ?1 AND seq IN"
                    " (SELECT seq FROM messages WHERE key = ?1 ORDER BY seq LIMIT ?2)",
                    (key, min(count - limit, budget)),
                ).rowcount
                budget -= gone
                count -= gone
            if budget <= 0:
                return False  # this key may have more: the next step starts with it again
            if (
                count <= 0
                and not conn.execute(
                    "SELECT 1 FROM messages WHERE key = ? LIMIT 1", (key,)
                ).fetchone()
            ):
                # A key with no history left has nothing to protect or to list.
                conn.execute("DELETE FROM key_stats WHERE key = ?", (key,))
                conn.execute("DELETE FROM peers WHERE key = ?", (key,))
                conn.execute("DELETE FROM rooms WHERE key = ?", (key,))
            self._prune_cursor = key
        if len(rows) > max_keys:
            return False
        self._prune_cursor = ""
        return True

    def checkpoint(self, force: bool = False) -> bool:
        """Fold the WAL back into the database when it is due (see CHECKPOINT_PAGES).

        The server calls this on a short timer; most calls do nothing. ``force`` checkpoints
        whenever anything was committed since the last one. When due, it only wakes the
        checkpointer thread (the loop never waits for the copy and its fsyncs) and returns True.
        """
        if not self._wal_pages:
            return False
        now = self._clock()
        age = now - self._last_checkpoint
        due = (
            force
            or self._wal_pages >= CHECKPOINT_PAGES
            or (age >= CHECKPOINT_MAX_AGE and now - self._last_commit >= CHECKPOINT_IDLE)
            or age >= CHECKPOINT_MAX_AGE * 5
        )
        if not due or not self._usable():
            return False
        assert self._checkpointer is not None
        self._checkpointer.request()
        self._wal_pages = 0
        self._last_checkpoint = now
        return True

    # -- reading -----------------------------------------------------------------------------
    #
    # ``key`` is a channel name (folded here) or a conversation_key(); ``commands`` (e.g.
    # MESSAGE_COMMANDS) restricts what is returned and counted. Results are always in
    # chronological (sequence) order and bounds are exclusive, as draft/chathistory says. A
    # database failure gives [] with ``healthy`` False: the handler answers MESSAGE_ERROR.

    def _query(self, sql: str, args: Args) -> list[Row]:
        if not self._readable():
            return []
        assert self._conn is not None
        try:
            return self._conn.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            self._fail("query", exc)
            return []

    def _find(self, key: str, msgid: str) -> tuple[int, int] | None:
        """(ts, seq) of the message ``msgid`` names in ``key``; SelectorError if there is none.

        None only when the database failed (``healthy`` is then False).
        """
        seq = msgid_seq(msgid)
        rows = []
        if seq is not None:
            rows = self._query(
                "SELECT ts, seq, msgid FROM messages WHERE key = ? AND seq = ?", (key, seq)
            )
            rows = [r for r in rows if r[2] == msgid]
        if rows:
            return rows[0][0], rows[0][1]
        if self.healthy:
            raise SelectorError("unknown-msgid", f"msgid={msgid}")
        return None

    def _bound(self, key: str, sel: Selector, op: str) -> tuple[str, Args]:
        """SQL condition for "strictly ``op`` this reference" (op is '<' or '>')."""
        if sel.kind == "timestamp":
            return f"ts {op} ?", (sel.ms,)
        found = self._find(key, sel.value)
        if found is None:
            return "0", ()
        return f"seq {op} ?", (found[1],)

    def _select_rows(
        self,
        key: str,
        conds: list[tuple[str, Args]],
        limit: int,
        newest: bool,
        commands: Collection[str] | None,
        floor: int = 0,
    ) -> list[Row]:
        """The rows matching ``conds``, in chronological order, not yet made records."""
        if limit <= 0:
            return []
        if floor:
            conds = [*conds, ("seq >= ?", (floor,))]
        if commands is not None:
            # Filtered in SQL, not afterwards, so ``limit`` counts only what will be sent
            # (clients without event-playback get PRIVMSG and NOTICE only).
            commands = tuple(commands)
            conds = [*conds, (f"command IN ({','.join('?' * len(commands))})", commands)]
        where = " AND ".join(["key = ?", *(c for c, _ in conds)])
        args: Args = (key, *(a for _, v in conds for a in v), limit)
        order = "DESC" if newest else "ASC"
        rows = self._query(
            f"SELECT {_COLUMNS} FROM messages WHERE {where} ORDER BY seq {order} LIMIT ?", args
        )
        if newest:
            rows.reverse()
        return rows

    # ``floor``: rows below this seq are never returned (a room whose protection at the time
    # is unknown; see Server.restore_room).

    def latest(
        self,
        key: str,
        limit: int,
        after: Selector | None = None,
        *,
        commands: Commands = None,
        floor: int = 0,
    ) -> list[HistoryRecord]:
        """The newest ``limit`` messages, only those strictly after ``after`` if given."""
        key = casefold(key)
        conds = [] if after is None else [self._bound(key, after, ">")]
        return _records(self._select_rows(key, conds, limit, True, commands, floor))

    def before(
        self, key: str, selector: Selector, limit: int, *, commands: Commands = None, floor: int = 0
    ) -> list[HistoryRecord]:
        """The ``limit`` messages just before the reference (excluded)."""
        key = casefold(key)
        return _records(
            self._select_rows(key, [self._bound(key, selector, "<")], limit, True, commands, floor)
        )

    def after(
        self, key: str, selector: Selector, limit: int, *, commands: Commands = None, floor: int = 0
    ) -> list[HistoryRecord]:
        """The ``limit`` messages just after the reference (excluded)."""
        key = casefold(key)
        return _records(
            self._select_rows(key, [self._bound(key, selector, ">")], limit, False, commands, floor)
        )

    def around(
        self, key: str, selector: Selector, limit: int, *, commands: Commands = None, floor: int = 0
    ) -> list[HistoryRecord]:
        """About ``limit`` // 2 before and the rest from the reference on.

        The message a msgid names is included (clients ask AROUND to see it in context); for a
        timestamp, messages at exactly that time count as "from the reference on". When one side
        runs short, the other side fills the limit.
        """
        key = casefold(key)
        if limit <= 0:
            return []
        if selector.kind == "timestamp":
            earlier, later = ("ts < ?", (selector.ms,)), ("ts >= ?", (selector.ms,))
        else:
            found = self._find(key, selector.value)
            if found is None:
                return []
            earlier, later = ("seq < ?", (found[1],)), ("seq >= ?", (found[1],))
        # Half before, the rest after; a side that runs short is filled from the other, read
        # again only in that case, so that no more rows are read than are sent.
        half = limit // 2
        before = self._select_rows(key, [earlier], half, True, commands, floor)
        after = self._select_rows(key, [later], limit - len(before), False, commands, floor)
        if len(after) < limit - half and len(before) == half:
            before = self._select_rows(key, [earlier], limit - len(after), True, commands, floor)
        return [_row_to_record(r) for r in before + after]

    def between(
        self,
        key: str,
        first: Selector,
        second: Selector,
        limit: int,
        *,
        commands: Commands = None,
        floor: int = 0,
    ) -> list[HistoryRecord]:
        """Messages strictly between the references, counted from ``first``.

        If ``first`` is later than ``second`` the window is the same but the ``limit`` messages
        nearest ``first`` (the newest) are returned, still in chronological order.
        """
        key = casefold(key)
        lo_first = self._position(key, first) <= self._position(key, second)
        lo, hi = (first, second) if lo_first else (second, first)
        conds = [self._bound(key, lo, ">"), self._bound(key, hi, "<")]
        return _records(self._select_rows(key, conds, limit, not lo_first, commands, floor))

    def _position(self, key: str, sel: Selector) -> tuple[int, int]:
        """A comparable (time, seq) for ordering two references."""
        if sel.kind == "timestamp":
            return (sel.ms, 0)
        return self._find(key, sel.value) or (0, 0)

    def targets(
        self,
        first: Selector,
        second: Selector,
        limit: int,
        channels: Iterable[str],
        nick: str | None = None,
        identity: str | None = None,
    ) -> list[TargetInfo]:
        """CHATHISTORY TARGETS: targets whose latest message is strictly between two times.

        ``channels`` are the channels the asking user may see (the server passes its own
        channels); with ``nick`` (and private history on) that user's conversations count too,
        found by ``identity`` when the server stored them under one (see private_key).
        Sorted by latest message, oldest first; if ``first`` is the later time, the ``limit``
        newest are kept.
        """
        if limit <= 0 or first.kind != "timestamp" or second.kind != "timestamp":
            return []
        lo, hi = sorted((first.ms, second.ms))
        keys = {casefold(k) for k in channels}
        if nick is not None and self.store_private:
            who = identity if identity is not None else casefold(nick)
            rows = self._query("SELECT key FROM peers WHERE nick = ?", (who,))
            keys.update(r[0] for r in rows)
        found: list[tuple[int, int, str, str]] = []
        me = casefold(nick) if nick is not None else None
        for key in keys:
            rows = self._query(
                "SELECT ts, seq, source, target FROM messages WHERE key = ?"
                " ORDER BY seq DESC LIMIT 1",
                (key,),
            )
            if not rows:
                continue
            ts, seq, source, target = rows[0]
            if not lo < ts < hi:
                continue
            name = target
            if not is_channel(target) and casefold(target) == me:
                name = source.partition("!")[0]  # the other party, as they were shown
            found.append((ts, seq, key, name))
        found.sort()
        found = found[:limit] if first.ms <= second.ms else found[-limit:]
        return [TargetInfo(key, name, format_time(ts)) for ts, _, key, name in found]

    # -- redaction (draft/message-redaction) --------------------------------------------------

    def find_message(self, key: str, msgid: str) -> HistoryRecord | None:
        """The stored PRIVMSG or NOTICE ``msgid`` names under ``key``, or None.

        One primary-key lookup (the seq is in the msgid), checked against the whole stored
        msgid, so a forged or guessed one finds nothing. None too when the database failed
        (``healthy`` is then False). Lines still pending are not seen: commit first.
        """
        seq = msgid_seq(msgid)
        if seq is None:
            return None
        rows = self._query(
            f"SELECT {_COLUMNS} FROM messages WHERE key = ? AND seq = ?", (casefold(key), seq)
        )
        if not rows:
            return None
        record = _row_to_record(rows[0])
        if record.msgid != msgid or record.command not in MESSAGE_COMMANDS:
            return None
        return record

    def delete_message(self, key: str, seq: int) -> bool:
        """Remove one stored line for good (a redaction): no query returns it again.

        A single autocommitted statement on the primary key, so it is durable before the
        REDACT that announces it is relayed. False when nothing was deleted or the database
        failed.
        """
        if not self._readable():
            return False
        assert self._conn is not None
        try:
            gone = self._conn.execute(
                "DELETE FROM messages WHERE key = ? AND seq = ?", (casefold(key), seq)
            ).rowcount
        except sqlite3.Error as exc:
            self._fail("delete", exc)
            return False
        # The row, its count and its index entry (a delete segment and the index's structure):
        # measured 5-8 pages.
        self._wal_pages += 8
        self._last_commit = self._clock()
        return gone > 0

    def search(
        self,
        text: str,
        floors: dict[str, int],
        limit: int,
        *,
        nick: str | None = None,
        after_ms: int | None = None,
        before_ms: int | None = None,
    ) -> list[tuple[str, HistoryRecord]]:
        """Stored PRIVMSG/NOTICE lines with every word of ``text``, newest ``limit``, oldest first.

        ``floors``: the keys the asker may read, each with the lowest seq they may see (see
        history_search.search). Pairs of (key, record); [] when unusable (``healthy`` False).
        Lines the indexer has not reached yet (see :meth:`index`) are not found.
        """
        terms = history_search.words(text)
        if not terms or not self._readable():
            return []
        assert self._conn is not None
        try:
            found = history_search.search(
                self._conn,
                terms,
                {casefold(k): f for k, f in floors.items()},
                limit,
                nick=nick,
                after_ms=after_ms,
                before_ms=before_ms,
            )
        except sqlite3.Error as exc:
            self._fail("search", exc)
            return []
        found.reverse()
        return [(key, _row_to_record(row)) for key, row in found]

    def index(self, first: Collection[str] = (), budget: float | None = None) -> bool:
        """One bounded step of the search index and counts (history_search.index_step).

        The server runs it on a timer, off the chat commit. ``first``: keys to take before the
        others; ``budget``: seconds the step may take (None: the default; a SEARCH passes
        ``math.inf``, so that the step is bounded by its rows only and its own keys are up to
        date unless they have a backlog). Returns True when rows are still waiting (call again
        soon), False when caught up or the database failed.
        """
        # A SEARCH (``first``) must find what lags: committed first, so the step indexes it.
        # The timer's steps leave it to lag: the index trails the newest lines anyway.
        if not (self._readable() if first else self._usable()) or not self._unindexed:
            return False
        conn = self._conn
        assert conn is not None
        try:
            if budget is None:
                step = history_search.index_step(conn, self._unindexed, first=first)
            else:
                step = history_search.index_step(conn, self._unindexed, first=first, budget=budget)
        except sqlite3.Error as exc:
            self._fail("index", exc)  # the keys waiting are found again when it reopens
            return False
        self._wal_pages += STEP_PAGES + MERGE_STEP_PAGES * step.merges + step.rows // 10
        self._last_commit = self._clock()
        return bool(self._unindexed)

    def conversations(self, who: str, limit: int) -> list[str]:
        """Keys of private conversations ``who`` (a connection identity) took part in."""
        rows = self._query("SELECT key FROM peers WHERE nick = ? LIMIT ?", (who, limit))
        return [r[0] for r in rows]

    def stored_counts(self) -> dict[str, int]:
        """Rows per key as retention sees them (the counts the indexer keeps). For tests."""
        return {k: n for k, n in self._query("SELECT key, n FROM key_stats WHERE n > 0", ())}

    def count(self, key: str | None = None) -> int:
        """Rows stored (for one key, or all); 0 when unavailable. For tests and stats."""
        if key is None:
            rows = self._query("SELECT COUNT(*) FROM messages", ())
        else:
            rows = self._query("SELECT COUNT(*) FROM messages WHERE key = ?", (casefold(key),))
        return rows[0][0] if rows else 0
