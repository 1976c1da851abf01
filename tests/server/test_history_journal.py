"""The history journal: a line relayed is durable before SQLite has it.

The real ``tui-chat serve`` in a subprocess, real sockets and real files. To catch the server
between the two steps (the journal written and the line relayed, SQLite not yet committed),
the test holds SQLite's write lock from its own connection: the server's commit after the
sends then fails with "database is locked", and the line exists only in the journal. Then
``kill -9``, and a restart must find it.
"""

from __future__ import annotations

import sqlite3
import subprocess

import pytest

from tui_chat.server import history_journal
from tui_chat.server.history import FILENAME, HistoryRecord, HistoryStore, format_time

from .ircclient import TestClient
from .serve_process import kill, start_serve

CAPS = ("batch", "server-time", "message-tags", "echo-message", "cap-notify", "draft/chathistory")


def start_server(data_dir) -> tuple[subprocess.Popen, int]:
    return start_serve(data_dir, "--no-tls")


def latest(port: int, channel: str) -> list[str]:
    """The texts CHATHISTORY LATEST gives a new member of ``channel``."""
    c = TestClient(port)
    try:
        c.register("reader", caps=CAPS)
        c.join(channel)
        c.send(f"CHATHISTORY LATEST {channel} * 50")
        start = c.expect(lambda m: m.command == "BATCH" and m.params[0].startswith("+"))
        end = "-" + start.params[0][1:]
        inside = c.collect(lambda m: m.command == "BATCH" and m.params[0] == end)[:-1]
        return [m.params[-1] for m in inside if m.command == "PRIVMSG"]
    finally:
        c.close()


def stored_in_sqlite(data_dir, text: str) -> bool:
    conn = sqlite3.connect(data_dir / FILENAME)
    try:
        return conn.execute("SELECT 1 FROM messages WHERE text = ?", (text,)).fetchone() is not None
    finally:
        conn.close()


def relay_while_sqlite_is_locked(data_dir, port: int, text: str) -> None:
    """Say ``text`` in #j while this test holds SQLite's write lock; check it was relayed and
    its sender told nothing of a loss, and that SQLite really refused it (CAP DEL)."""
    alice, bob = TestClient(port), TestClient(port)
    lock = sqlite3.connect(data_dir / FILENAME, isolation_level=None)
    try:
        alice.register("alice", caps=CAPS)
        bob.register("bob")
        alice.join("#j")
        bob.join("#j")
        lock.execute("BEGIN IMMEDIATE")  # the server's commit after the sends now fails
        alice.send(f"PRIVMSG #j :{text}")
        assert bob.expect("PRIVMSG").params == ("#j", text)
        alice.expect(lambda m: m.command == "CAP" and m.params[1] == "DEL")
        alice.send("PING :sync")
        alice.expect("PONG")
        assert not any(" FAIL " in line for line in alice.received), alice.received
    finally:
        if lock.in_transaction:
            lock.execute("ROLLBACK")
        lock.close()
        alice.close()
        bob.close()


@pytest.mark.parametrize("torn", [False, True])
def test_a_line_relayed_survives_kill_9_before_sqlite_had_it(tmp_path, torn):
    data_dir = tmp_path / "data"
    proc, port = start_server(data_dir)
    try:
        relay_while_sqlite_is_locked(data_dir, port, "in the journal only")
    finally:
        kill(proc)
    assert not stored_in_sqlite(data_dir, "in the journal only")  # else nothing was tested
    journal = data_dir / history_journal.FILENAME
    if torn:
        # A crash in the middle of the next write(): a frame cut short. No client saw its line.
        frame = history_journal.encode(
            [("#j", 999, 1_700_000_000_000, "a!a@h", "PRIVMSG", "#j", "torn", "x-3e7")], [], []
        )
        data = journal.read_bytes()
        with journal.open("r+b") as f:
            f.seek(len(data.rstrip(b"\0")))  # right after the last whole frame
            f.write(frame[: len(frame) - 3])
    proc, port = start_server(data_dir)
    try:
        assert latest(port, "#j") == ["in the journal only"]
    finally:
        kill(proc)
    assert not journal.read_bytes().strip(b"\0")  # emptied once SQLite had it
    assert stored_in_sqlite(data_dir, "in the journal only")


def test_a_journal_that_cannot_be_written_tells_the_sender(tmp_path):
    # A full disk: the journal is /dev/full, whose writes fail with ENOSPC. The line is still
    # relayed (as when SQLite refuses), and its sender is told it was not saved.
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / history_journal.FILENAME).symlink_to("/dev/full")
    proc, port = start_server(data_dir)
    alice, bob = TestClient(port), TestClient(port)
    try:
        alice.register("alice", caps=CAPS)
        bob.register("bob")
        alice.join("#j")
        bob.join("#j")
        alice.send("PRIVMSG #j :nowhere to keep it")
        assert bob.expect("PRIVMSG").params == ("#j", "nowhere to keep it")
        failed = alice.expect("FAIL")
        assert failed.params[:3] == ("PRIVMSG", "MESSAGE_ERROR", "#j")
        assert "could not be saved" in failed.params[-1]
    finally:
        alice.close()
        bob.close()
        kill(proc)
    assert not stored_in_sqlite(data_dir, "nowhere to keep it")


def test_the_journal_keeps_any_text_exactly(tmp_path):
    # The server never stores a NUL or a line break, but the store must not misread its own
    # file if a caller does: such a pass is written as JSON. Either way the journal holds
    # exactly what SQLite then gets.
    store = HistoryStore(tmp_path / "data", store_private=True)
    try:
        texts = ["plain", "tab\there", "nul\0and\nnewline", "ünïcödé ✓"]
        for i, text in enumerate(texts, 1):
            target = "#j" if i % 2 else "bob"
            ms = 1_700_000_000_000 + i
            record = HistoryRecord(f"x-{i:x}", format_time(ms), "a!a@h", "PRIVMSG", target, text)
            store.append(record)
        assert store.write_ahead()
        replay = history_journal.read(tmp_path / "data" / history_journal.FILENAME)
    finally:
        store.close()  # commits to SQLite
    assert not replay.torn
    journaled = [row for frame in replay.frames for row in frame.messages]
    assert [row[6] for row in journaled] == texts
    conn = sqlite3.connect(tmp_path / "data" / FILENAME)
    try:
        rows = conn.execute(
            "SELECT key, seq, ts, source, command, target, text, msgid FROM messages ORDER BY seq"
        ).fetchall()
        peers = conn.execute("SELECT nick, key FROM peers").fetchall()
    finally:
        conn.close()
    assert journaled == rows
    assert {p for frame in replay.frames for p in frame.peers} == set(peers)
    assert peers


def test_several_lagged_passes_survive_kill_9(tmp_path):
    # SQLite lags the journal (here by an hour): every pass is appended to the journal, and
    # the restart after kill -9 stores them all, a room's state among them, in order.
    data_dir = tmp_path / "data"
    proc, port = start_serve(data_dir, "--no-tls", "--history-lag", "3600")
    alice, bob = TestClient(port), TestClient(port)
    texts = ["first pass", "second pass", "third pass"]
    try:
        alice.register("alice", caps=CAPS)
        bob.register("bob")
        alice.join("#j")
        bob.join("#j")
        for i, text in enumerate(texts):
            alice.send(f"PRIVMSG #j :{text}")
            assert bob.expect("PRIVMSG").params == ("#j", text)  # relayed: its pass is over
            if i == 1:
                alice.send("MODE #j +k sesame")
                bob.expect("MODE")
        alice.send("PING :sync")
        alice.expect("PONG")
        assert not any(" FAIL " in line for line in alice.received), alice.received
    finally:
        alice.close()
        bob.close()
        kill(proc)
    journal = data_dir / history_journal.FILENAME
    replay = history_journal.read(journal)
    assert [r[6] for f in replay.frames for r in f.messages] == texts
    assert len(replay.frames) >= len(texts) + 1  # a frame per pass, none cleared
    assert not any(stored_in_sqlite(data_dir, text) for text in texts)  # else nothing tested
    proc, port = start_server(data_dir)
    mallory = TestClient(port)
    try:
        mallory.register("mallory", caps=CAPS)
        mallory.send("JOIN #j")  # the room's key came back from the journal with its lines
        assert mallory.expect(lambda m: m.command in ("475", "366")).command == "475"
        mallory.send("JOIN #j sesame")
        mallory.expect("366")
        mallory.send("CHATHISTORY LATEST #j * 50")
        start = mallory.expect(lambda m: m.command == "BATCH" and m.params[0].startswith("+"))
        end = "-" + start.params[0][1:]
        inside = mallory.collect(lambda m: m.command == "BATCH" and m.params[0] == end)[:-1]
        assert [m.params[-1] for m in inside if m.command == "PRIVMSG"] == texts
    finally:
        mallory.close()
        kill(proc)
    assert not journal.read_bytes().strip(b"\0")  # emptied once SQLite had it
    assert all(stored_in_sqlite(data_dir, text) for text in texts)
