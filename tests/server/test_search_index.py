"""The search index and counts are kept off the chat commit, by bounded indexer steps."""

from __future__ import annotations

import sqlite3

from tui_chat.server import history_search
from tui_chat.server.history import HistoryStore

from .test_history_retention import caught_up, true_counts
from .test_history_store import rec

EVERYWHERE = {"#r0": 0, "#r1": 0, "#r2": 0}


def wal_frames(s: HistoryStore) -> int:
    """WAL frames written since the last call (a checkpoint returns SQLite's own count)."""
    assert s._conn is not None
    frames = int(s._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1])
    s._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the next count starts from zero
    return frames


def index_is_sound(s: HistoryStore) -> None:
    # A contentless index deletes by the values it was given: a mismatch corrupts it.
    assert s._conn is not None
    s._conn.execute("INSERT INTO search_index (search_index, rank) VALUES ('integrity-check', 0)")


def needles(s: HistoryStore) -> list[int]:
    found = s.search("needle", EVERYWHERE, 100)
    seqs = [r.seq for _, r in found]
    assert len(seqs) == len(set(seqs)), "a line was indexed twice"
    return sorted(int(r.text.split()[1]) for _, r in found)


def test_a_chat_commit_writes_only_its_line_and_the_indexer_makes_it_searchable(tmp_path):
    s = HistoryStore(tmp_path, per_channel_limit=0, days=0)
    for i in range(300):
        s.append(rec(i, target=f"#r{i % 3}", text=f"hay {i}"))
    assert s.commit()
    caught_up(s)
    wal_frames(s)
    for i in range(300, 320):
        s.append(rec(i, target=f"#r{i % 3}", text=f"needle {i}"))
        assert s.commit()
    # One page a one-line commit (its leaf of messages): nothing of the index or the counts,
    # which cost ~8 pages a commit when triggers wrote them there.
    assert wal_frames(s) <= 20 * 2, "more than one page a one-line commit"
    assert needles(s) == [] and s.stored_counts() == {"#r0": 100, "#r1": 100, "#r2": 100}
    caught_up(s)
    assert needles(s) == list(range(300, 320))
    assert s.stored_counts() == true_counts(s)
    s.close()


def test_a_restart_resumes_the_index_exactly_where_a_step_stopped(tmp_path):
    s = HistoryStore(tmp_path, per_channel_limit=0, days=0)
    for i in range(90):
        s.append(rec(i, target=f"#r{i % 3}", text=f"needle {i}"))
    assert s.commit()
    assert s._conn is not None
    history_search.index_step(s._conn, s._unindexed, max_rows=40)
    assert 0 < sum(s.stored_counts().values()) < 90
    s.close()  # the rest waits, unindexed, in the file
    s = HistoryStore(tmp_path, per_channel_limit=0, days=0)
    caught_up(s)
    assert needles(s) == list(range(90))  # each line once: none skipped, none twice
    assert s.stored_counts() == true_counts(s) == {"#r0": 30, "#r1": 30, "#r2": 30}
    index_is_sound(s)
    s.close()


def test_deleted_lines_leave_the_index_indexed_or_not(tmp_path):
    s = HistoryStore(tmp_path, per_channel_limit=5, days=0)
    for i in range(30):
        s.append(rec(i, target=f"#r{i % 3}", text=f"needle {i}"))
    assert s.commit()
    caught_up(s)
    s.append(rec(30, target="#r0", text="needle 30"))
    assert s.commit()
    # A redaction of an indexed line, and of one the indexer has not reached yet.
    assert s.delete_message("#r1", int("28", 16))  # rec(i) has seq int(str(i), 16)
    assert s.delete_message("#r0", int("30", 16))
    caught_up(s)
    assert 28 not in needles(s) and 30 not in needles(s)
    while not s.prune():
        pass
    # The newest five of each room: #r0 15..27, #r1 13..25 (28 is gone), #r2 17..29.
    assert needles(s) == sorted([*range(15, 28, 3), *range(13, 26, 3), *range(17, 30, 3)])
    assert s.stored_counts() == true_counts(s) == {"#r0": 5, "#r1": 5, "#r2": 5}
    index_is_sound(s)
    s.close()


def test_one_step_is_bounded_and_takes_its_keys_in_turn(tmp_path):
    s = HistoryStore(tmp_path, per_channel_limit=0, days=0)
    for i in range(3000):
        s.append(rec(i, target="#big" if i % 10 else f"#r{i % 3}", text=f"needle {i}"))
    assert s.commit()
    assert s._conn is not None
    step = history_search.index_step(s._conn, s._unindexed, budget=float("inf"))
    assert step.rows == history_search.INDEX_MAX_ROWS
    # A chunk of each key in turn, not all of the big one first.
    assert set(s.stored_counts()) == {"#big", "#r0", "#r1", "#r2"}
    # However small the time budget, a step indexes at least one chunk.
    before = sum(s.stored_counts().values())
    assert history_search.index_step(s._conn, s._unindexed, budget=0).rows > 0
    assert sum(s.stored_counts().values()) > before
    s.close()


def test_a_search_stops_at_its_deadline(tmp_path):
    s = HistoryStore(tmp_path, per_channel_limit=0, days=0)
    for i in range(3000):
        s.append(rec(i, target=f"#r{i % 3}", text=f"needle {i}"))
    assert s.commit()
    caught_up(s)
    conn = s._conn
    assert isinstance(conn, sqlite3.Connection)
    # The time filters make every key's query read up to MAX_CANDIDATES matches.
    whole = history_search.search(conn, ["needle"], EVERYWHERE, 100, after_ms=0)
    cut = history_search.search(conn, ["needle"], EVERYWHERE, 100, after_ms=0, deadline=-1.0)
    assert len(whole) == 100 and cut != whole  # what the first key's query found by then
    assert history_search.search(conn, ["needle"], EVERYWHERE, 5) != []  # usable afterwards
    s.close()


def test_a_step_starts_no_merge_call_that_would_end_past_its_bound(tmp_path, monkeypatch):
    # Merge calls cost 1-1.6 ms at a million rows. A step used to look at the clock only after
    # a call, so one that ended at 2.4 ms began another and the step ran to 5 ms and more.
    s = HistoryStore(tmp_path, per_channel_limit=0, days=0)
    assert s._conn is not None
    for i in range(20):
        s.append(rec(i, target="#m", text=f"needle {i}"))
    assert s.commit()
    now = [0.0]

    def merge(conn: sqlite3.Connection) -> bool:  # 1 ms each, and always more to merge
        now[0] += 0.001
        return True

    monkeypatch.setattr(history_search, "merge", merge)
    step = history_search.index_step(s._conn, s._unindexed, clock=lambda: now[0])
    # Two calls end at 2 ms; a third would end at 3 ms, past MERGE_UNTIL (2.5 ms).
    assert step.rows == 20
    assert step.merges == 2
    assert now[0] <= history_search.MERGE_UNTIL
    s.close()
