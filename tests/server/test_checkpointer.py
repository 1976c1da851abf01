"""WAL checkpoints run off the loop thread; one server per data dir is kept by a lock file."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from tui_chat.server.history import CHECKPOINT_PAGES, FILENAME, HistoryStore

from .test_history_store import FakeClock, ids, rec

CHECKPOINTER = "tui-chat-history-checkpoint"


def checkpointers() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == CHECKPOINTER and t.is_alive()}


def others_joined(s: HistoryStore, before: set[threading.Thread]) -> None:
    """Wait (bounded) for every checkpointer thread this test started but the store's own to
    end (``before``: those alive when it began, e.g. a running server fixture's)."""
    mine = s._checkpointer._thread if s._checkpointer is not None else None
    for t in checkpointers() - before:
        if t is not mine:
            t.join(10.0)


def test_a_due_checkpoint_does_not_run_on_the_loop_connection(tmp_path: Path) -> None:
    s = HistoryStore(tmp_path, per_channel_limit=0, days=0)
    try:
        assert s._conn is not None
        on_loop: list[str] = []
        s._conn.set_trace_callback(on_loop.append)
        db = tmp_path / FILENAME
        before = db.stat().st_size
        # One-line commits, as the server makes them under a steady stream, until one is due.
        due = False
        for i in range(1, CHECKPOINT_PAGES + 10):
            s.append(rec(i, text=f"line {i} " + "x" * 200))
            assert s.commit()
            if s.checkpoint():
                due = True
                break
        assert due, "no checkpoint came due after CHECKPOINT_PAGES commits"
        checkpointer = getattr(s, "_checkpointer", None)  # the code before had none
        if checkpointer is not None:
            assert checkpointer.wait_for(1, timeout=10.0), "the checkpoint never ran"
        # The rows reach the database file itself only through a checkpoint.
        assert db.stat().st_size > before
        assert not [sql for sql in on_loop if "wal_checkpoint" in sql.lower()]
        assert s.latest("#chan", 1)[0].text.startswith("line ")
    finally:
        s.close()


def test_the_data_dir_is_held_by_a_lock_file_not_by_exclusive_sqlite_locking(
    tmp_path: Path,
) -> None:
    first = HistoryStore(tmp_path)
    clock = FakeClock()
    second: HistoryStore | None = None
    try:
        first.append(rec(1))
        assert first.commit()
        # Another connection can read the file (the checkpointer needs that) ...
        reader = sqlite3.connect(tmp_path / FILENAME, timeout=0.2)
        try:
            assert reader.execute("SELECT COUNT(*) FROM messages").fetchone() == (1,)
        finally:
            reader.close()
        # ... but another server cannot keep history there.
        second = HistoryStore(tmp_path, clock=clock)
        assert not second.healthy and second.error is not None and "locked" in second.error
        second.append(rec(2))
        assert second.commit() is False
        first.append(rec(3))
        assert first.commit()
        assert ids(first.latest("#chan", 10)) == ["m1", "m3"]
        first.close()
        # Once the first is gone, the second takes the directory over at its next retry.
        clock.now += 3600
        second.append(rec(4))
        assert second.commit() is True
        assert ids(second.latest("#chan", 10)) == ["m1", "m3", "m4"]
    finally:
        first.close()
        if second is not None:
            second.close()


def test_one_checkpointer_per_open_store_and_none_left_after_failures_and_close(
    tmp_path: Path,
) -> None:
    # Other tests in this process may have a server (and its checkpointer) running: count
    # only the threads started here.
    before = checkpointers()
    clock = FakeClock()
    s = HistoryStore(tmp_path, clock=clock)
    try:
        assert len(checkpointers() - before) == 1
        for i in range(1, 4):
            # query_only makes the next write fail: the store drops its connection and reopens.
            assert s._conn is not None
            s._conn.execute("PRAGMA query_only=ON")
            s.append(rec(2 * i))
            assert s.commit() is False
            clock.now += 3600
            s.append(rec(2 * i + 1))
            assert s.commit() is True
            others_joined(s, before)
            assert len(checkpointers() - before) == 1
        assert s.checkpoint(force=True)
    finally:
        s.close()
    others_joined(s, before)
    assert not checkpointers() - before


def test_a_restarted_wal_is_not_truncated_below_what_the_backstop_lets_it_reach(
    tmp_path: Path,
) -> None:
    """Under steady commits the WAL only restarts after SQLite's backstop checkpoint; the commit
    that restarts it truncates the file to ``journal_size_limit``, a 45-51 ms ``ftruncate`` on
    the loop thread when the limit was a quarter of the backstop's size."""
    s = HistoryStore(tmp_path)
    try:
        assert s._conn is not None
        limit = s._conn.execute("PRAGMA journal_size_limit").fetchone()[0]
        pages = s._conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        page_size = s._conn.execute("PRAGMA page_size").fetchone()[0]
        frame = page_size + 24  # a WAL frame: the page and its header
        assert pages > 0
        assert limit >= pages * frame + 32  # the WAL's own header
    finally:
        s.close()
