"""SQLite lags the history journal: lines relayed are durable in the journal, SQLite gets them
later (HistoryStore.settle), and every read of the store must still see every relayed line.

The real server on loopback with a lag far longer than any test (``history_lag``), so a line
relayed is, deterministically, in the journal only until something reads the store; a second
SQLite connection (the test's) checks what the file holds without going through the server.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from tui_chat.server import history_journal
from tui_chat.server.history import FILENAME, LAG_BYTES, LAG_LINES, HistoryStore

from .ircclient import TestClient
from .test_history import batch, say

CAPS = (
    "batch",
    "server-time",
    "message-tags",
    "echo-message",
    "draft/chathistory",
    "draft/message-redaction",
    "soju.im/search",
)
LONG = 3600.0  # the lag under test: never reached while a test runs


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def server(make_server, data_dir):
    return make_server(data_dir=data_dir, history_lag=LONG)


def in_sqlite(data_dir: Path, text: str) -> bool:
    """Is a line with ``text`` in the file, as another connection reads it (not the server)?"""
    conn = sqlite3.connect(data_dir / FILENAME, timeout=5.0)
    try:
        row = conn.execute("SELECT 1 FROM messages WHERE text = ?", (text,)).fetchone()
        return row is not None
    finally:
        conn.close()


def relayed(connect, data_dir: Path, texts: list[str]) -> tuple[TestClient, TestClient, list]:
    """alice says ``texts`` in #lag, bob sees each; none of them is in SQLite yet."""
    alice, bob = connect("alice", caps=CAPS), connect("bob", caps=CAPS)
    alice.join("#lag")
    bob.join("#lag")
    echoes = say(alice, "#lag", texts)
    for text in texts:
        bob.expect(lambda m, text=text: m.command == "PRIVMSG" and m.params[-1] == text)
    for text in texts:
        assert not in_sqlite(data_dir, text)  # in the journal only: else nothing is tested
    return alice, bob, echoes


def test_a_relayed_line_waits_in_the_journal_not_in_sqlite(connect, data_dir):
    relayed(connect, data_dir, ["one", "two", "three"])
    replay = history_journal.read(data_dir / history_journal.FILENAME)
    texts = [row[6] for frame in replay.frames for row in frame.messages]
    assert texts == ["one", "two", "three"]
    assert len(replay.frames) == 3  # one frame per pass, appended, none cleared


def test_chathistory_sees_lines_sqlite_has_not_had(connect, data_dir):
    _, bob, _ = relayed(connect, data_dir, ["first", "second"])
    bob.send("CHATHISTORY LATEST #lag * 10")
    _, lines = batch(bob)
    assert [m.params[-1] for m in lines if m.command == "PRIVMSG"] == ["first", "second"]
    assert in_sqlite(data_dir, "second")


def test_a_plain_client_joining_gets_the_lagging_lines_replayed(connect, data_dir):
    relayed(connect, data_dir, ["context line"])
    carol = connect("carol")  # no draft/chathistory: the server replays on JOIN
    carol.join("#lag")
    notice = carol.expect(lambda m: m.command == "NOTICE" and "context line" in m.params[-1])
    assert notice.params[0] == "#lag"


def test_search_finds_lines_sqlite_has_not_had(connect, data_dir):
    _, bob, echoes = relayed(connect, data_dir, ["a lagging needle"])
    bob.send("SEARCH text=needle")
    _, lines = batch(bob, "soju.im/search")
    assert [m.tags["msgid"] for m in lines] == [echoes[0].tags["msgid"]]


def test_redact_finds_a_line_sqlite_has_not_had(connect, data_dir):
    alice, bob, echoes = relayed(connect, data_dir, ["oops"])
    msgid = echoes[0].tags["msgid"]
    alice.send(f"REDACT #lag {msgid} :typo")
    assert alice.expect(lambda m: m.command in ("REDACT", "FAIL")).command == "REDACT"
    assert bob.expect("REDACT").params[:2] == ("#lag", msgid)
    assert not in_sqlite(data_dir, "oops")  # stored, then deleted for good


def test_a_room_state_sqlite_has_not_had_protects_the_room_made_again(connect, data_dir):
    alice = connect("alice", caps=CAPS)
    alice.join("#vault")
    say(alice, "#vault", ["behind the key"])
    alice.send("MODE #vault +k sesame")
    alice.expect("MODE")
    alice.send("PART #vault")
    alice.expect("PART")  # the room is gone; its state and line only in the journal
    assert not in_sqlite(data_dir, "behind the key")
    mallory = connect("mallory", caps=CAPS)
    mallory.send("JOIN #vault")
    assert mallory.expect(lambda m: m.command in ("475", "366")).command == "475"


def own_server(make_server, data_dir: Path, lag: float):
    """A server of the test's own (the ``server`` fixture would hold the data dir's lock)."""
    server = make_server(data_dir=data_dir, history_lag=lag)
    clients: list[TestClient] = []

    def connect(nick: str, caps=()) -> TestClient:
        c = TestClient(server.port)
        clients.append(c)
        c.register(nick, caps=tuple(caps))
        return c

    return server, connect, clients


def test_stopping_the_server_stores_what_lags(make_server, data_dir):
    server, connect, clients = own_server(make_server, data_dir, LONG)
    try:
        relayed(connect, data_dir, ["last words"])
        server.stop(timeout=5.0)
    finally:
        for c in clients:
            c.close()
    assert in_sqlite(data_dir, "last words")
    assert not history_journal.read(data_dir / history_journal.FILENAME).frames


def test_an_idle_server_stores_a_lagging_line_after_the_lag(make_server, data_dir):
    # The ordinary lag: the line's pass does not store it (too soon), the timer does.
    _, connect, clients = own_server(make_server, data_dir, 0.2)
    try:
        alice, bob = connect("alice", caps=CAPS), connect("bob")
        alice.join("#lag")
        bob.join("#lag")
        say(alice, "#lag", ["then silence"])
        deadline = time.monotonic() + 10
        while not in_sqlite(data_dir, "then silence") and time.monotonic() < deadline:
            time.sleep(0.02)  # polling the file: nothing in the server to wait on from outside
        assert in_sqlite(data_dir, "then silence")
    finally:
        for c in clients:
            c.close()


def test_the_store_commits_once_enough_lags_and_bounds_the_journal(tmp_path):
    store = HistoryStore(tmp_path / "data", lag=LONG)
    try:
        committed_at = None
        for i in range(LAG_LINES + 10):
            store.append_channel("#b", 1_700_000_000_000 + i, "a!a@h", "PRIVMSG", "#b", f"l{i}")
            assert store.write_ahead()
            assert store._journal is not None
            assert store._journal.used < LAG_BYTES + 1024  # one pass past the bound at most
            if store.settle():
                committed_at = i
                break
        assert committed_at is not None and committed_at < LAG_LINES
        assert not store.lagging
        assert not history_journal.read(tmp_path / "data" / history_journal.FILENAME).frames
    finally:
        store.close()
    assert in_sqlite(tmp_path / "data", f"l{committed_at}")


def test_passes_bigger_than_a_commit_never_outrun_the_commits(tmp_path):
    # A flood: every pass brings more lines than one lagged commit's allowance. Each settle
    # must take at least what came in, or the journal (and the lag) would grow without end.
    store = HistoryStore(tmp_path / "data", lag=LONG)
    try:
        seq = 0
        for _ in range(20):
            for _ in range(3 * LAG_LINES):
                seq += 1
                store.append_channel("#f", 1_700_000_000_000, "a!a@h", "PRIVMSG", "#f", f"{seq}")
            assert store.write_ahead()
            assert store.settle()
            assert not store.lagging
            assert store._journal is not None and store._journal.used == 0
    finally:
        store.close()


def test_a_retention_step_leaves_what_lags_to_settle(tmp_path):
    # The newest lines are never retention's; committing them in its step made the first step
    # after a checkpoint under a flood pay for every lagging line at once.
    store = HistoryStore(tmp_path / "data", lag=LONG, per_channel_limit=5)
    try:
        for i in range(3):
            store.append_channel("#r", 1_700_000_000_000 + i, "a!a@h", "PRIVMSG", "#r", f"r{i}")
            assert store.write_ahead()
        store.prune()
        assert store.lagging
        assert not in_sqlite(tmp_path / "data", "r2")
        # A read still sees them: it commits what lags first.
        assert [r.text for r in store.latest("#r", 10)] == ["r0", "r1", "r2"]
        assert not store.lagging
    finally:
        store.close()
    assert in_sqlite(tmp_path / "data", "r2")
