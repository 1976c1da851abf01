"""CHATHISTORY answers through the real server, checked line by line against the stored rows.

The store reads AROUND's two sides with the limits it needs, formats stored times through a
cache of the last second, and writes each answer line with one f-string (issue 12: CHATHISTORY
p99 at a million lines). Whatever the shape of the room (short on either side, mixed commands,
many lines in one second and seconds going by), every answer must be exactly the rows a
straightforward reading of the specification gives: same lines, same order, same bounds, same
tags.
"""

from __future__ import annotations

import time

import pytest

from tui_chat.server.history import HistoryRecord, HistoryStore, format_time

from .ircclient import TestClient
from .test_history import batch

BASE_MS = 1_700_000_000_000
ROOM = "#answers"


def reference_time(ms: int) -> str:
    """The server-time text of ``ms``, straight from strftime (no cache)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


def stored_rows() -> list[HistoryRecord]:
    """60 lines: up to 7 in one second, some seconds skipped, a TOPIC and NOTICEs among them,
    times that cross second and minute boundaries (and a line at .999 and one at .000)."""
    rows = []
    ms = BASE_MS + 59_000 - 3  # the first seconds straddle a minute boundary
    for i in range(60):
        ms += (1, 999, 1, 250, 3_001, 1, 1)[i % 7]
        command = "TOPIC" if i % 11 == 5 else "NOTICE" if i % 4 == 3 else "PRIVMSG"
        rows.append(
            HistoryRecord(
                f"a-{i + 1:x}", reference_time(ms), f"n{i % 3}!u@h", command, ROOM, f"line {i}"
            )
        )
    return rows


@pytest.fixture
def history(make_server, tmp_path):
    data = tmp_path / "data"
    store = HistoryStore(data, days=0, per_channel_limit=0)
    rows = stored_rows()
    for row in rows:
        assert store.append(row)
    store.save_room(ROOM, {"modes": "+nt", "key": None, "founder": ["x", "h"]})
    assert store.commit()
    store.close()
    return make_server(data_dir=data, flood_limit=False, history_days=0), rows


def around(rows: list[HistoryRecord], at: int, limit: int) -> list[HistoryRecord]:
    """AROUND msgid=rows[at]: up to limit // 2 before it, the rest from it on; a short side
    is made up from the other."""
    earlier, later = rows[:at], rows[at:]
    n_before = min(len(earlier), limit // 2)
    n_after = min(len(later), limit - n_before)
    n_before = min(len(earlier), limit - n_after)
    return earlier[len(earlier) - n_before :] + later[:n_after]


def ask(client: TestClient, line: str) -> list:
    client.send(line)
    _, inside = batch(client)
    return inside


@pytest.mark.parametrize("playback", [False, True])
def test_latest_before_around_answers_are_exactly_the_stored_rows(history, playback):
    server, rows = history
    caps = ("batch", "server-time", "message-tags") + (
        ("draft/event-playback",) if playback else ()
    )
    client = TestClient(server.port)
    try:
        client.register("reader", caps=(*caps, "draft/chathistory"))
        client.join(ROOM)
        seen = rows if playback else [r for r in rows if r.command != "TOPIC"]
        checked = 0
        for limit in (1, 2, 3, 7, 50, 100):
            got = ask(client, f"CHATHISTORY LATEST {ROOM} * {limit}")
            assert [m.tags["msgid"] for m in got] == [r.msgid for r in seen[-limit:]]
            for at in range(0, len(seen), 3):
                ref = f"msgid={seen[at].msgid}"
                got = ask(client, f"CHATHISTORY AROUND {ROOM} {ref} {limit}")
                want = around(seen, at, limit)
                assert [m.tags["msgid"] for m in got] == [r.msgid for r in want], (at, limit)
                assert [m.tags["time"] for m in got] == [r.time for r in want]
                assert [(m.command, m.params[-1]) for m in got] == [
                    (r.command, r.text) for r in want
                ]
                got = ask(client, f"CHATHISTORY BEFORE {ROOM} {ref} {limit}")
                want = seen[max(0, at - limit) : at]
                assert [m.tags["msgid"] for m in got] == [r.msgid for r in want], (at, limit)
                checked += 1
        assert checked == 6 * len(range(0, len(seen), 3))
    finally:
        client.close()


def test_around_a_timestamp_counts_lines_at_that_time_as_after(history):
    server, rows = history
    client = TestClient(server.port)
    try:
        client.register(
            "reader", caps=("batch", "server-time", "message-tags", "draft/chathistory")
        )
        client.join(ROOM)
        seen = [r for r in rows if r.command != "TOPIC"]
        for at in range(0, len(seen), 5):
            first = next(i for i, r in enumerate(seen) if r.ms == seen[at].ms)
            for limit in (1, 4, 9):
                got = ask(client, f"CHATHISTORY AROUND {ROOM} timestamp={seen[at].time} {limit}")
                want = around(seen, first, limit)
                assert [m.tags["msgid"] for m in got] == [r.msgid for r in want], (at, limit)
    finally:
        client.close()


def test_format_time_matches_strftime_across_seconds_in_any_order():
    stamps = [BASE_MS + d for d in (0, 999, 1000, 1, 86_400_000, 999, 59_999, 60_000, -1, 0)]
    stamps += [0, 999, 1_000, 253_402_300_799_999]  # the epoch, and the year 9999's last ms
    assert [format_time(ms) for ms in stamps] == [reference_time(ms) for ms in stamps]
