"""The history store's WAL checkpoints, on a thread of their own, and its single-server lock.

A checkpoint copies the WAL into the database and fsyncs both: ~16 MiB and 100-120 ms at
CHECKPOINT_PAGES. Run on the reactor thread it stalled every client for that long; here it runs
on a daemon thread with its own connection (WAL lets a checkpoint proceed beside the writer, and
sqlite3 releases the GIL while SQLite works), so the loop only sets an Event.

The lock: the store's connection uses SQLite's NORMAL locking (a second connection, this
thread's, must be able to open the file), so SQLite no longer keeps a second server out. An
exclusive ``flock`` on a file next to the database does, for the store's whole life; the kernel
drops it with the process, so a ``kill -9`` leaves nothing to clean up.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger("tui_chat.server.history")

# close() waits this long for a checkpoint in progress before leaving the daemon thread behind.
JOIN_TIMEOUT = 10.0


class LockedError(sqlite3.OperationalError):
    """Another store (another server) holds the data directory's history."""


def lock_file(path: Path) -> int:
    """Take an exclusive lock on ``path`` (created if missing) without waiting; return its fd.

    Raises LockedError if another process (or another store in this one) holds it: its message
    says "locked", which is what the host's warning looks for.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise LockedError(
            f"database is locked: {path} is held by another tui-chat server"
        ) from None
    except BaseException:
        os.close(fd)
        raise
    return fd


def unlock_file(fd: int) -> None:
    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_UN)
    with contextlib.suppress(OSError):
        os.close(fd)


class Checkpointer:
    """A thread that runs ``PRAGMA wal_checkpoint(PASSIVE)`` on ``file`` each time it is asked.

    Requests made while one runs are merged into the next. ``checkpoints`` counts those that
    completed (tests wait on it); ``busy`` is True from a request until the checkpoint that
    took it has returned, so the loop can hold its commits back meanwhile (see
    HistoryStore.settle). A failure is logged once per outage and never reaches the
    loop: the WAL just keeps growing until a later request succeeds (SQLite's own
    autocheckpoint on the writer is the backstop).
    """

    def __init__(self, file: Path, synchronous: str) -> None:
        self.file = file
        self.synchronous = synchronous
        self.checkpoints = 0
        # Written by one thread each (ints: no lock needed under the GIL): requests by the loop,
        # _served by this thread once the checkpoint that saw that many requests returned.
        self._requests = 0
        self._served = 0
        self._wake = threading.Event()
        self._stopping = False
        self._failing = False
        self._done = threading.Condition()
        self._thread = threading.Thread(
            target=self._run, name="tui-chat-history-checkpoint", daemon=True
        )
        self._thread.start()

    def request(self) -> None:
        self._requests += 1
        self._wake.set()

    @property
    def busy(self) -> bool:
        """A checkpoint was asked for and has not finished (or failed) yet."""
        return self._served < self._requests and self._thread.is_alive()

    def wait_for(self, count: int, timeout: float) -> bool:
        """Wait until ``checkpoints`` reaches ``count``; False on timeout. For tests."""
        with self._done:
            return self._done.wait_for(lambda: self.checkpoints >= count, timeout)

    def stop(self, *, join: bool = True) -> None:
        """Stop the thread (after the checkpoint in progress, if any); it closes its connection.

        ``join=False`` does not wait: the loop must not stall on a checkpoint in progress when
        the store fails; the thread ends on its own right after it.
        """
        self._stopping = True
        self._wake.set()
        if join:
            self._thread.join(JOIN_TIMEOUT)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stopping:
                    return
                taken = self._requests
                try:
                    if conn is None:
                        # Opened here: a connection belongs to the thread that uses it.
                        conn = sqlite3.connect(self.file, isolation_level=None, timeout=1.0)
                        conn.execute(f"PRAGMA synchronous={self.synchronous}")
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except (sqlite3.Error, OSError) as exc:
                    self._served = taken
                    if not self._failing:
                        log.error("history checkpoint of %s failed: %s", self.file, exc)
                    self._failing = True
                    if conn is not None:
                        with contextlib.suppress(sqlite3.Error):
                            conn.close()
                    conn = None
                    continue
                if self._failing:
                    log.warning("history checkpoints of %s work again", self.file)
                self._failing = False
                self._served = taken
                with self._done:
                    self.checkpoints += 1
                    self._done.notify_all()
        finally:
            if conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
