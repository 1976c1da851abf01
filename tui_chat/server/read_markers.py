"""Read markers (``draft/read-marker``): per account, the last-read time of each conversation,
and the index of each account's connections that a new marker is sent to.

Markers live in a table of the accounts database when the server keeps data on disk, else in
memory for the server's lifetime. An account's markers are read from the file when one of its
connections logs in and forgotten (once written) when its last connection leaves, so memory
grows with the accounts online, not with all accounts. Writes are gathered and made at most once
per :data:`WRITE_DELAY`: a client that marks every line it reads costs one statement per target
per interval, not one disk write per line.

Each account keeps at most ``per_account`` targets; past that the one updated least recently is
dropped, so a client that marks a million names costs the same as one that marks a few.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

from ..irc.casemap import casefold
from .accounts import FILENAME
from .state import Client

log = logging.getLogger("tui_chat.server")

WRITE_DELAY = 2.0  # seconds a changed marker may wait before it is written
_SCHEMA = """
CREATE TABLE IF NOT EXISTS read_markers (
    account TEXT NOT NULL,
    target  TEXT NOT NULL,
    ms      INTEGER NOT NULL,
    PRIMARY KEY (account, target)
) WITHOUT ROWID
"""

Schedule = Callable[[float, Callable[[], None]], None]
# Target key -> milliseconds since the epoch; least recently updated first.
Markers = collections.OrderedDict[str, int]


class ReadMarkers:
    """``data_dir`` holds the accounts database, or None to keep markers in memory only."""

    def __init__(self, data_dir: Path | None, per_account: int, schedule: Schedule) -> None:
        self.per_account = per_account
        self._schedule = schedule
        # Account key -> its logged-in connections: a new marker reaches them without a scan.
        self.connections: dict[str, set[Client]] = {}
        self._markers: dict[str, Markers] = {}
        # (account key, target key) -> ms to write, or None to delete.
        self._dirty: dict[tuple[str, str], int | None] = {}
        self._write_due = False
        self._conn: sqlite3.Connection | None = None
        self.error: str | None = None
        if data_dir is not None:
            self._open(Path(data_dir) / FILENAME)

    def _open(self, file: Path) -> None:
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            # Made by whichever thread builds the server, used by its loop thread only.
            conn = sqlite3.connect(file, isolation_level=None, check_same_thread=False)
        except (sqlite3.Error, OSError) as exc:
            self._broken(exc)
            return
        try:
            conn.execute("PRAGMA busy_timeout=200")
            conn.execute(_SCHEMA)
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
            self._broken(exc)
            return
        self._conn = conn

    def _broken(self, exc: Exception) -> None:
        self.error = str(exc)
        log.error("read markers unusable (%s)", exc)

    @property
    def usable(self) -> bool:
        return self.error is None

    # -- who is logged in ------------------------------------------------------------------------

    def attach(self, c: Client) -> None:
        """``c`` logged in to ``c.account``."""
        if c.account is None:
            return
        key = casefold(c.account)
        self.connections.setdefault(key, set()).add(c)
        if key not in self._markers:
            self._markers[key] = self._load(key)

    def detach(self, c: Client) -> None:
        """``c`` is leaving; the last of an account's connections takes its markers from memory
        once they are written."""
        if c.account is None:
            return
        key = casefold(c.account)
        conns = self.connections.get(key)
        if conns is None:
            return
        conns.discard(c)
        if not conns:
            del self.connections[key]
            if self._conn is not None:
                self._write()
                self._markers.pop(key, None)

    def of_account(self, account: str) -> set[Client]:
        return self.connections.get(casefold(account), set())

    # -- markers ---------------------------------------------------------------------------------

    def get(self, account: str, target: str) -> int | None:
        markers = self._markers.get(casefold(account))
        return None if markers is None else markers.get(casefold(target))

    def set(self, account: str, target: str, ms: int) -> tuple[int, bool]:
        """Store ``ms`` if it is newer; returns the marker now stored and whether it changed."""
        akey, tkey = casefold(account), casefold(target)
        markers = self._markers.get(akey)
        if markers is None:
            markers = self._markers[akey] = self._load(akey)
        old = markers.get(tkey)
        if old is not None and ms <= old:
            return old, False
        markers[tkey] = ms
        markers.move_to_end(tkey)
        self._dirty[akey, tkey] = ms
        while len(markers) > self.per_account:
            dropped, _ = markers.popitem(last=False)
            self._dirty[akey, dropped] = None
        if not self._write_due and self._conn is not None:
            self._write_due = True
            self._schedule(WRITE_DELAY, self._write)
        return ms, True

    def _load(self, akey: str) -> Markers:
        markers: Markers = collections.OrderedDict()
        if self._conn is None:
            return markers
        try:
            rows = self._conn.execute(
                "SELECT target, ms FROM read_markers WHERE account = ? ORDER BY ms",
                (akey,),
            ).fetchall()
        except sqlite3.Error as exc:
            log.error("read markers of %s unreadable (%s)", akey, exc)
            return markers
        for target, ms in rows[-self.per_account :]:
            markers[str(target)] = int(ms)
        return markers

    def _write(self) -> None:
        self._write_due = False
        if self._conn is None or not self._dirty:
            return
        dirty, self._dirty = self._dirty, {}
        try:
            with contextlib.closing(self._conn.cursor()) as cur:
                cur.execute("BEGIN")
                cur.executemany(
                    "INSERT OR REPLACE INTO read_markers (account, target, ms) VALUES (?, ?, ?)",
                    [(a, t, ms) for (a, t), ms in dirty.items() if ms is not None],
                )
                cur.executemany(
                    "DELETE FROM read_markers WHERE account = ? AND target = ?",
                    [(a, t) for (a, t), ms in dirty.items() if ms is None],
                )
                cur.execute("COMMIT")
        except sqlite3.Error as exc:
            # Kept in memory for this run; the next write does not retry an unusable file.
            log.error("read markers not saved (%s)", exc)
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")
        # Accounts whose last connection left while their markers waited to be written.
        for akey in {a for a, _ in dirty}:
            if akey not in self.connections:
                self._markers.pop(akey, None)

    def close(self) -> None:
        if self._conn is not None:
            self._write()
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None
