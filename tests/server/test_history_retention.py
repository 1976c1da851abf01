"""Retention in bounded steps: per-key counts kept by the indexer, never a count of the table."""

from __future__ import annotations

import sqlite3

from tui_chat.server.history import FILENAME, HistoryStore

from .test_history_store import BASE, ids, rec


def true_counts(s: HistoryStore) -> dict[str, int]:
    # The server holds the file exclusively: ask through its connection.
    return dict(s._query("SELECT key, COUNT(*) FROM messages GROUP BY key", ()))


def caught_up(s: HistoryStore) -> None:
    """Run indexer steps until nothing waits (what the server's timer does)."""
    for _ in range(1000):
        if not s.index():
            return
    raise AssertionError("the indexer never caught up")


def fill(s: HistoryStore, rooms: int, per_room: int, start: int = 0) -> None:
    i = start
    for r in range(rooms):
        for _ in range(per_room):
            s.append(rec(i, target=f"#r{r:03d}"))
            i += 1
    assert s.commit()
    caught_up(s)


def test_counts_follow_appends_retries_prunes_and_restarts(tmp_path):
    s = HistoryStore(tmp_path, per_channel_limit=4, days=0)
    fill(s, rooms=3, per_room=6)
    assert s.stored_counts() == {"#r000": 6, "#r001": 6, "#r002": 6}
    # A batch replayed after an uncertain failure stores nothing twice, nor counts it twice.
    s.append(rec(0, target="#r000"))
    assert s.commit()
    caught_up(s)
    assert s.stored_counts() == {"#r000": 6, "#r001": 6, "#r002": 6}
    while not s.prune():
        pass
    assert s.stored_counts() == {"#r000": 4, "#r001": 4, "#r002": 4} == true_counts(s)
    s.close()
    s = HistoryStore(tmp_path, per_channel_limit=4, days=0)
    assert s.stored_counts() == true_counts(s)
    fill(s, rooms=1, per_room=3, start=100)
    assert s.stored_counts()["#r000"] == 7 == true_counts(s)["#r000"]
    s.close()


def test_a_step_visits_a_bounded_number_of_keys(tmp_path):
    s = HistoryStore(tmp_path, per_channel_limit=2, days=0)
    fill(s, rooms=30, per_room=3)
    steps = 0
    while not s.prune(max_keys=10):
        steps += 1
        assert steps < 10
    # 30 keys, 10 a step: two steps stop early, then one only merges the search index (the
    # two before each wrote a segment: PRUNE_MERGE_EVERY), the fourth completes the pass.
    assert steps == 3
    assert set(true_counts(s).values()) == {2}
    s.close()


def test_a_step_deletes_a_bounded_number_of_rows_and_resumes_where_it_stopped(tmp_path):
    s = HistoryStore(tmp_path, per_channel_limit=1, days=0)
    fill(s, rooms=4, per_room=10)
    total = sum(true_counts(s).values())
    deleted = []
    for _ in range(20):
        done = s.prune(max_rows=7)
        now = sum(true_counts(s).values())
        deleted.append(total - now)
        total = now
        if done:
            break
    assert max(deleted) <= 7 and done
    assert true_counts(s) == {f"#r{r:03d}": 1 for r in range(4)}
    s.close()


def test_age_retention_is_per_key_and_an_emptied_key_leaves_counts_and_rooms(tmp_path):
    s = HistoryStore(tmp_path, days=1)
    s.append(rec(0, target="#old"))
    s.append(rec(100_000, target="#new"))
    s.save_room("#old", {"modes": "k"})
    assert s.commit()
    caught_up(s)
    assert s.prune(now_ms=BASE + 86_400_000 + 50_000_000)
    assert s.stored_counts() == {"#new": 1}
    assert s.load_room("#old") is None
    assert ids(s.latest("#new", 10)) == ["m100000"]
    s.close()


def old_layout(s: HistoryStore) -> None:
    """Turn a file into what an earlier tui-chat wrote: no counts, no index, no trigger."""
    s.close()
    conn = sqlite3.connect(s.file, isolation_level=None)
    conn.execute("DROP TRIGGER messages_unindexed")
    for table in ("key_stats", "search_index"):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("DROP INDEX peers_key")
    conn.close()


def test_an_older_file_is_counted_and_indexed_in_bounded_steps(tmp_path):
    s = HistoryStore(tmp_path, per_channel_limit=0, days=0)
    for i in range(1000):
        s.append(rec(i, target=f"#r{i % 3}", text=f"needle {i}"))
    assert s.commit()
    old_layout(s)
    s = HistoryStore(tmp_path, per_channel_limit=0, days=0)
    floors = {"#r0": 0, "#r1": 0, "#r2": 0}
    assert s.stored_counts() == {} and s.search("needle", floors, 2000) == []
    steps = 0
    while s.index():
        steps += 1
        assert steps < 100
    assert steps >= 2  # 1000 rows, at most INDEX_MAX_ROWS a step
    assert s.stored_counts() == true_counts(s) == {"#r0": 334, "#r1": 333, "#r2": 333}
    assert len(s.search("needle", floors, 2000)) == 1000
    s.close()
    assert (tmp_path / FILENAME).exists()


def test_no_retention_step_both_deletes_and_merges_and_search_stays_right(tmp_path):
    # A query that arrives during a step waits for all of it: a merge of the search index costs
    # about as much as the step's deletes at a million rows, so the two are never one step.
    s = HistoryStore(tmp_path, per_channel_limit=3, days=0)
    fill(s, rooms=6, per_room=12)
    assert s._conn is not None
    statements: list[str] = []
    s._conn.set_trace_callback(statements.append)
    merges = deleting = 0
    for _ in range(200):
        statements.clear()
        done = s.prune(max_rows=5, max_keys=2)
        deletes = any(q.startswith("DELETE FROM messages") for q in statements)
        merged = any("'merge'" in q for q in statements)
        assert not (deletes and merged), statements
        merges += merged
        deleting += deletes
        if done:
            break
    assert done
    assert deleting >= 10 and merges >= 3  # the index is still merged, in steps of its own
    s._conn.set_trace_callback(None)
    assert true_counts(s) == {f"#r{r:03d}": 3 for r in range(6)} == s.stored_counts()
    # What retention deleted has left the index; what it kept is found.
    kept = [m for r in range(6) for m in s.latest(f"#r{r:03d}", 10)]
    found = s.search("text", {f"#r{r:03d}": 0 for r in range(6)}, 100)
    assert sorted(rec.msgid for _, rec in found) == sorted(m.msgid for m in kept)
    s.close()
