"""HistoryStore: group commit, chathistory queries, retention, failure modes, kill -9."""

from __future__ import annotations

import ast
import logging
import os
import select
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tui_chat.server import ServerConfig
from tui_chat.server.history import (
    CHECKPOINT_IDLE,
    CHECKPOINT_MAX_AGE,
    CHECKPOINT_PAGES,
    FILENAME,
    MESSAGE_COMMANDS,
    SCHEMA_VERSION,
    HistoryRecord,
    HistoryStore,
    Selector,
    SelectorError,
    conversation_key,
    format_time,
    parse_selector,
    parse_time,
    replay_text,
)
from tui_chat.server.server import Server

BASE = 1_700_000_000_000  # ms
CHILD = Path(__file__).with_name("history_child.py")


def rec(i: int, target: str = "#Chan", command: str = "PRIVMSG", nick: str = "alice", **kw):
    fields = dict(
        # The store's msgid shape, "<prefix>-<seq in hex>": record i gets seq int(str(i), 16),
        # which grows with i, and ids() shows it as "m<i>" again.
        msgid=f"m-{i}",
        time=format_time(BASE + i * 1000),
        source=f"{nick}!a@127.0.0.1",
        command=command,
        target=target,
        text=f"text {i}",
    )
    fields.update(kw)
    return HistoryRecord(**fields)


def counted(s: HistoryStore) -> HistoryStore:
    """Index and count what was committed, as the server's indexer does before retention."""
    for _ in range(100):
        if not s.index():
            return s
    raise AssertionError("the indexer never caught up")


def ids(records) -> list[str]:
    return [r.msgid.replace("-", "") for r in records]


def mid(i: int) -> Selector:
    return parse_selector(f"msgid=m-{i}")


def ts(i: int) -> Selector:
    return parse_selector(f"timestamp={format_time(BASE + i * 1000)}")


@pytest.fixture
def store(tmp_path):
    s = HistoryStore(tmp_path / "data")
    yield s
    s.close()


@pytest.fixture
def filled(store):
    """m0..m9 in #Chan, one second apart, interleaved with m100.. in #other."""
    for i in range(10):
        store.append(rec(i))
        store.append(rec(100 + i, target="#other"))
    assert store.commit()
    return store


# -- time and selectors ----------------------------------------------------------------------


def test_time_round_trips_the_servers_own_tag():
    server = Server(ServerConfig(port=0))
    try:
        stamps = [server.out.timestamp() for _ in range(3)]
    finally:
        server.close()
    for stamp in [*stamps, "1970-01-01T00:00:00.000Z", "2024-02-29T23:59:59.999Z"]:
        assert format_time(parse_time(stamp)) == stamp
    assert parse_time("1970-01-01T00:00:01Z") == 1000
    assert parse_time("1970-01-01T00:00:00.5Z") == 500
    # The same-second fast path agrees with the full parse.
    assert parse_time("2024-02-29T23:59:59.999Z") - parse_time("2024-02-29T23:59:59.001Z") == 998
    with pytest.raises(ValueError):
        parse_time("2024-02-29T23:59:59.\u0661\u0662\u0663Z")


def test_parse_selector_accepts_both_reference_types():
    assert parse_selector("msgid=abc") == Selector("msgid", "abc")
    sel = parse_selector("timestamp=2019-01-04T14:33:26.123Z")
    assert sel.kind == "timestamp" and sel.ms == parse_time("2019-01-04T14:33:26.123Z")
    assert parse_selector("*", allow_star=True) is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("*", "syntax"),
        ("abc", "syntax"),
        ("id=abc", "syntax"),
        ("MSGID=abc", "syntax"),
        ("msgid=", "msgid"),
        ("timestamp=", "timestamp"),
        ("timestamp=yesterday", "timestamp"),
        ("timestamp=2024-13-01T00:00:00.000Z", "timestamp"),
        ("timestamp=2023-02-29T00:00:00.000Z", "timestamp"),
        ("timestamp=2024-01-01 00:00:00.000Z", "timestamp"),
        ("timestamp=2024-01-01T00:00:00.000", "timestamp"),
        ("timestamp=\uff12\uff10\uff12\uff14-01-01T00:00:00.000Z", "timestamp"),  # fullwidth
        ("timestamp=2024-01-01T00:00:00.\u0661\u0662\u0663Z", "timestamp"),  # Arabic-Indic
    ],
)
def test_parse_selector_rejects_with_a_kind(text, kind):
    with pytest.raises(SelectorError) as info:
        parse_selector(text)
    assert info.value.kind == kind
    assert info.value.text == text
    assert info.value.description


# -- writing ---------------------------------------------------------------------------------


def test_append_is_invisible_until_commit_and_round_trips(store):
    action = rec(1, text="\x01ACTION waves\x01")
    topic = rec(2, command="TOPIC", text="new topic")
    notice = rec(3, command="NOTICE")
    for r in (action, topic, notice):
        assert store.append(r)
    assert store.pending == 3
    assert store.latest("#chan", 10) == []
    assert store.commit() is True
    assert store.pending == 0
    got = store.latest("#CHAN", 10)
    assert [r.seq for r in got] == sorted(r.seq for r in got)
    assert [(r.msgid, r.time, r.source, r.command, r.target, r.text) for r in got] == [
        (r.msgid, r.time, r.source, r.command, r.target, r.text) for r in (action, topic, notice)
    ]
    assert store.commit() is True  # nothing buffered


def test_what_is_not_stored(store):
    assert not store.append(rec(1, command="TAGMSG", text=""))
    assert not store.append(rec(2, target="@#Chan"))
    assert not store.append(rec(3, target="bob"))  # private: off by default
    assert store.pending == 0
    store.commit()
    assert store.count() == 0


def test_private_messages_stored_when_enabled(tmp_path):
    s = HistoryStore(tmp_path, store_private=True)
    try:
        s.append(rec(1, target="Bob", nick="alice"))
        s.append(rec(2, target="alice", nick="bob"))
        s.append(rec(3, target="carol", nick="alice"))
        assert s.commit()
        assert conversation_key("Bob", "alice") == conversation_key("alice", "BOB")
        assert ids(s.latest(conversation_key("bob", "Alice"), 10)) == ["m1", "m2"]
        assert ids(s.latest(conversation_key("alice", "carol"), 10)) == ["m3"]
        window = (ts(0), ts(99))
        got = s.targets(*window, 10, channels=[], nick="ALICE")
        assert [(t.name, t.time) for t in got] == [
            ("bob", format_time(BASE + 2000)),
            ("carol", format_time(BASE + 3000)),
        ]
        assert s.targets(*window, 10, channels=[], nick="dave") == []
    finally:
        s.close()


def test_same_msgid_is_stored_once(store, caplog):
    store.append(rec(1))
    store.append(rec(1))
    assert store.commit()
    store.append(rec(1))
    store.append(rec(2))
    with caplog.at_level(logging.WARNING, logger="tui_chat.server.history"):
        assert store.commit()
    assert ids(store.latest("#chan", 10)) == ["m1", "m2"]
    assert "1 of 2 records had a msgid already stored" in caplog.text
    # A commit of one line alone (the light-load case, one statement) is counted the same way.
    store.append(rec(2))
    with caplog.at_level(logging.WARNING, logger="tui_chat.server.history"):
        assert store.commit()
    assert ids(store.latest("#chan", 10)) == ["m1", "m2"]
    assert "1 of 1 records had a msgid already stored" in caplog.text


def test_commands_filter_counts_only_what_is_sent(store):
    for i in range(6):
        store.append(rec(i, command="TOPIC" if i % 2 else "PRIVMSG"))
    store.commit()
    assert ids(store.latest("#chan", 2, commands=MESSAGE_COMMANDS)) == ["m2", "m4"]
    assert ids(store.latest("#chan", 2)) == ["m4", "m5"]
    assert ids(store.before("#chan", mid(5), 10, commands=MESSAGE_COMMANDS)) == ["m0", "m2", "m4"]
    assert ids(store.after("#chan", mid(1), 1, commands=MESSAGE_COMMANDS)) == ["m2"]
    assert ids(store.around("#chan", mid(3), 2, commands=MESSAGE_COMMANDS)) == ["m2", "m4"]
    assert ids(store.between("#chan", mid(0), mid(5), 9, commands=MESSAGE_COMMANDS)) == [
        "m2",
        "m4",
    ]


@pytest.mark.parametrize(
    ("command", "text", "shown"),
    [
        ("PRIVMSG", "hello", "<alice> hello"),
        ("PRIVMSG", "\x01ACTION waves\x01", "* alice waves"),
        ("PRIVMSG", "\x01VERSION\x01", "alice sent a CTCP VERSION"),
        ("NOTICE", "psst", "-alice- psst"),
        ("TOPIC", "new", "alice changed the topic to: new"),
    ],
)
def test_replay_text_for_plain_clients(command, text, shown):
    r = rec(0, command=command, text=text, time="2024-01-04T14:33:26.123Z")
    assert replay_text(r) == f"[2024-01-04 14:33:26 UTC] {shown}"


def test_order_holds_after_retention_frees_sequence_ids(tmp_path):
    # seq is a plain rowid: a new row gets max(seq) + 1, so it sorts after every row that is
    # left, whatever retention deleted; nothing outside the file ever sees a seq.
    s = HistoryStore(tmp_path, per_channel_limit=2, days=1)
    for i in range(4):
        s.append(rec(i))
    s.commit()
    counted(s)
    assert s.prune(now_ms=BASE)
    assert ids(s.latest("#chan", 10)) == ["m2", "m3"]
    s.append(rec(4))
    s.commit()
    assert ids(s.latest("#chan", 10)) == ["m2", "m3", "m4"]
    assert ids(s.after("#chan", mid(3), 10)) == ["m4"]
    counted(s)
    assert s.prune(now_ms=BASE + 10**12)  # everything is older than a day now
    assert s.count() == 0
    s.close()
    s = HistoryStore(tmp_path)
    for i in (5, 6):
        s.append(rec(i))
    s.commit()
    assert ids(s.latest("#chan", 10)) == ["m5", "m6"]
    assert ids(s.before("#chan", mid(6), 10)) == ["m5"]
    s.close()


def test_an_unreleased_old_layout_is_refused_and_left_alone(tmp_path):
    """Layouts 1-2 (a rowid table) were never released: no upgrade code, the file is untouched."""
    conn = sqlite3.connect(tmp_path / FILENAME)
    conn.executescript(
        """
        CREATE TABLE messages (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, msgid TEXT NOT NULL UNIQUE,
            ts INTEGER NOT NULL, source TEXT NOT NULL, command TEXT NOT NULL,
            target TEXT NOT NULL, text TEXT NOT NULL);
        PRAGMA user_version=1;
        """
    )
    conn.commit()
    conn.close()
    s = HistoryStore(tmp_path)
    assert not s.healthy and "another --data-dir" in (s.error or "")
    s.close()
    conn = sqlite3.connect(tmp_path / FILENAME)
    try:
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'messages'").fetchone()[0]
        assert "AUTOINCREMENT" in sql
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    finally:
        conn.close()


def test_layout_3_gets_the_rooms_table(tmp_path):
    s = HistoryStore(tmp_path)
    s.append(rec(1, msgid=s.new_msgid()))
    assert s.commit()
    s.close()
    conn = sqlite3.connect(tmp_path / FILENAME)
    conn.executescript("DROP TABLE rooms; PRAGMA user_version=3;")
    conn.close()
    s = HistoryStore(tmp_path)
    assert s.healthy and len(s.latest("#chan", 10)) == 1
    s.save_room("#chan", {"modes": "+nt"})
    assert s.commit()
    s.close()
    s = HistoryStore(tmp_path)
    assert s.load_room("#chan") == {"modes": "+nt"}
    s.close()


def test_file_from_a_newer_version_is_left_alone(tmp_path):
    conn = sqlite3.connect(tmp_path / FILENAME)
    conn.execute("CREATE TABLE future (x)")
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    s = HistoryStore(tmp_path)
    assert not s.healthy and "newer" in s.error
    s.append(rec(1))
    assert s.commit() is False
    s.close()
    conn = sqlite3.connect(tmp_path / FILENAME)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master")]
        assert tables == ["future"]
    finally:
        conn.close()


def test_disabled_store_is_a_no_op():
    s = HistoryStore(None)
    assert not s.enabled and not s.healthy
    assert not s.append(rec(1))
    assert s.commit() is True
    assert s.latest("#chan", 10) == []
    assert s.prune() is False
    s.close()


# -- queries ---------------------------------------------------------------------------------


def test_latest(filled):
    all_ids = [f"m{i}" for i in range(10)]
    assert ids(filled.latest("#chan", 100)) == all_ids
    assert ids(filled.latest("#chan", 5)) == all_ids[-5:]
    assert ids(filled.latest("#chan", 1)) == ["m9"]
    assert filled.latest("#chan", 0) == []
    assert ids(filled.latest("#chan", 100, after=mid(4))) == all_ids[5:]
    assert ids(filled.latest("#chan", 100, after=ts(4))) == all_ids[5:]
    assert ids(filled.latest("#chan", 2, after=mid(4))) == ["m8", "m9"]
    assert filled.latest("#nowhere", 10) == []
    assert ids(filled.latest("#OTHER", 2)) == ["m108", "m109"]


def test_before_and_after_are_exclusive(filled):
    assert ids(filled.before("#chan", mid(6), 100)) == [f"m{i}" for i in range(6)]
    assert ids(filled.before("#chan", ts(6), 100)) == [f"m{i}" for i in range(6)]
    assert ids(filled.before("#chan", ts(6), 2)) == ["m4", "m5"]
    assert filled.before("#chan", mid(0), 10) == []
    assert ids(filled.after("#chan", mid(3), 100)) == [f"m{i}" for i in range(4, 10)]
    assert ids(filled.after("#chan", ts(3), 100)) == [f"m{i}" for i in range(4, 10)]
    assert ids(filled.after("#chan", ts(3), 3)) == ["m4", "m5", "m6"]
    assert filled.after("#chan", mid(9), 10) == []
    # A time between two messages is a bound too.
    half = parse_selector(f"timestamp={format_time(BASE + 3500)}")
    assert ids(filled.after("#chan", half, 1)) == ["m4"]
    assert ids(filled.before("#chan", half, 1)) == ["m3"]


def test_around(filled):
    assert ids(filled.around("#chan", mid(7), 1)) == ["m7"]
    assert ids(filled.around("#chan", mid(7), 3)) == ["m6", "m7", "m8"]
    assert ids(filled.around("#chan", ts(7), 3)) == ["m6", "m7", "m8"]
    assert ids(filled.around("#chan", mid(9), 4)) == ["m6", "m7", "m8", "m9"]  # filled from before
    assert ids(filled.around("#chan", mid(0), 3)) == ["m0", "m1", "m2"]  # filled from after
    assert len(filled.around("#chan", mid(5), 100)) == 10


def test_between_both_directions(filled):
    inner = [f"m{i}" for i in range(1, 9)]
    for make in (mid, ts):
        assert ids(filled.between("#chan", make(0), make(9), 100)) == inner
        assert ids(filled.between("#chan", make(9), make(0), 100)) == inner
        assert ids(filled.between("#chan", make(0), make(9), 3)) == ["m1", "m2", "m3"]
        assert ids(filled.between("#chan", make(9), make(0), 3)) == ["m6", "m7", "m8"]
    assert ids(filled.between("#chan", mid(2), ts(5), 100)) == ["m3", "m4"]
    assert filled.between("#chan", mid(4), mid(4), 10) == []


def test_unknown_msgid_is_an_error_not_an_empty_answer(filled):
    # An empty answer would tell a client filling a gap "you missed nothing".
    for call in (
        lambda: filled.before("#chan", parse_selector("msgid=nope"), 10),
        lambda: filled.after("#chan", parse_selector("msgid=nope"), 10),
        lambda: filled.latest("#chan", 10, after=parse_selector("msgid=nope")),
        lambda: filled.around("#chan", parse_selector("msgid=nope"), 10),
        lambda: filled.between("#chan", mid(1), parse_selector("msgid=nope"), 10),
        lambda: filled.after("#chan", mid(101), 10),  # exists, but in another channel
    ):
        with pytest.raises(SelectorError) as info:
            call()
        assert info.value.kind == "unknown-msgid"


def test_targets(filled):
    filled.append(rec(200, target="#third"))
    filled.commit()
    everywhere = ["#Chan", "#other", "#third", "#empty"]
    got = filled.targets(ts(0), ts(1000), 10, everywhere)
    # Latest activity, oldest first; names as displayed.
    assert [t.name for t in got] == ["#Chan", "#other", "#third"]
    assert got[0].time == format_time(BASE + 9000)
    assert [t.name for t in filled.targets(ts(0), ts(1000), 1, everywhere)] == ["#Chan"]
    assert [t.name for t in filled.targets(ts(1000), ts(0), 1, everywhere)] == ["#third"]
    assert [t.name for t in filled.targets(ts(0), ts(150), 10, everywhere)] == ["#Chan", "#other"]
    assert filled.targets(ts(0), ts(1000), 10, ["#secret"]) == []  # only what the user may see
    assert filled.targets(ts(0), ts(1000), 0, everywhere) == []


# -- retention -------------------------------------------------------------------------------


def test_retention_by_age(tmp_path):
    s = HistoryStore(tmp_path, days=1)
    for i in range(5):
        s.append(rec(i))
    s.commit()
    now = BASE + 2 * 1000 + 86_400_000  # m0, m1 are older than a day; m2 is exactly a day old
    counted(s)
    assert s.prune(now_ms=now)
    assert ids(s.latest("#chan", 10)) == ["m2", "m3", "m4"]
    s.close()


def test_retention_by_count_per_channel_in_bounded_chunks(tmp_path):
    s = HistoryStore(tmp_path, per_channel_limit=3, days=0)
    for i in range(10):
        s.append(rec(i))
        s.append(rec(100 + i, target="#other"))
    s.append(rec(200, target="#small"))
    s.commit()
    counted(s)
    assert s.prune(max_rows=5) is False  # 14 rows to go: stops early, asks to be called again
    while not s.prune(max_rows=5):
        pass
    assert ids(s.latest("#chan", 10)) == ["m7", "m8", "m9"]
    assert ids(s.latest("#other", 10)) == ["m107", "m108", "m109"]
    assert ids(s.latest("#small", 10)) == ["m200"]
    s.close()


# -- failure modes ---------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_corrupt_file_does_not_raise(tmp_path, caplog):
    (tmp_path / FILENAME).write_bytes(b"this is not a database\n" * 100)
    clock = FakeClock()
    with caplog.at_level(logging.DEBUG, logger="tui_chat.server.history"):
        s = HistoryStore(tmp_path, clock=clock)
        assert s.enabled and not s.healthy and s.error
        for _ in range(3):
            assert s.append(rec(1))
            assert s.commit() is False
            clock.now += 1000  # past any back-off: it retries, and fails again
        assert s.latest("#chan", 10) == []
        assert s.before("#chan", parse_selector("msgid=x"), 10) == []
        assert s.around("#chan", parse_selector("msgid=x"), 10) == []
        assert s.between("#chan", mid(1), mid(2), 10) == []
        assert s.targets(ts(0), ts(9), 10, ["#chan"]) == []
        assert s.prune() is False
        s.checkpoint()
        s.close()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1  # logged once per outage, not once per attempt


def test_damaged_pages_do_not_raise(tmp_path):
    s = HistoryStore(tmp_path)
    for i in range(3000):
        s.append(rec(i, text="y" * 100))
    assert s.commit()
    s.close()
    with open(tmp_path / FILENAME, "r+b") as f:
        f.seek(3 * 4096)  # keep the header valid: the damage shows only when pages are read
        f.write(b"\xa5" * (20 * 4096))
    s = HistoryStore(tmp_path)
    s.append(rec(5000))
    assert s.latest("#chan", 50) == []
    assert not s.healthy and "malformed" in s.error
    assert s.commit() is False  # what was buffered before the failure is reported lost too
    assert s.prune() is False
    s.close()


def test_unusable_directory_does_not_raise(tmp_path):
    # Tests may run as root, where chmod does not stop writes: a data dir below a regular file
    # cannot be created by anyone.
    blocker = tmp_path / "file"
    blocker.write_text("x")
    s = HistoryStore(blocker / "data")
    assert not s.healthy
    s.append(rec(1))
    assert s.commit() is False
    s.close()


NOBODY = 65534


def _without_privileges(fn):
    """``fn()``, run as an ordinary user: in a forked child that drops to nobody when we are
    root (root ignores permission bits, and CI runs as root), in this process otherwise."""
    if os.geteuid() != 0:
        return fn()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report through the pipe, never return into pytest
        code = 1
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            os.write(w, repr(fn()).encode())
            code = 0
        except BaseException as exc:
            os.write(w, repr(f"child failed: {exc!r}").encode())
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    result = ast.literal_eval(data.decode())
    assert os.waitstatus_to_exitcode(status) == 0, result
    return result


def test_read_only_file_does_not_raise():
    # A directory an unprivileged user can reach (pytest's tmp_path is private to root).
    with tempfile.TemporaryDirectory() as base:
        os.chmod(base, 0o755)
        data = Path(base) / "data"
        s = HistoryStore(data)
        s.append(rec(1))
        assert s.commit()
        s.close()
        for p in data.iterdir():
            p.chmod(0o444)
        data.chmod(0o555)

        def attempt():
            s = HistoryStore(data)
            try:
                s.append(rec(2))
                return os.geteuid(), s.commit(), s.healthy, s.error
            finally:
                s.close()

        try:
            euid, committed, healthy, error = _without_privileges(attempt)
        finally:
            data.chmod(0o755)
        assert euid != 0
        assert committed is False and not healthy and error
        s = HistoryStore(data)  # the file itself is untouched
        assert ids(s.latest("#chan", 10)) == ["m1"]
        s.close()


def test_database_turning_read_only_fails_commit_then_recovers(tmp_path, caplog):
    # query_only makes SQLite refuse writes even for root: the closest portable stand-in for
    # a file that became read-only under a running server.
    clock = FakeClock()
    s = HistoryStore(tmp_path, clock=clock)
    s.append(rec(1))
    assert s.commit()
    s._conn.execute("PRAGMA query_only=ON")
    s.append(rec(2))
    with caplog.at_level(logging.INFO, logger="tui_chat.server.history"):
        assert s.commit() is False
        assert not s.healthy
        s.append(rec(3))
        assert s.commit() is False  # still backing off: no reopen attempt yet
        clock.now += 3600
        s.append(rec(4))
        assert s.commit() is True  # reopened (a fresh connection can write again)
    assert s.healthy
    assert ids(s.latest("#chan", 10)) == ["m1", "m4"]
    assert any("working again" in r.getMessage() for r in caplog.records)
    s.close()


def test_locked_database_does_not_hang_or_raise_and_recovers(tmp_path):
    HistoryStore(tmp_path).close()
    other = sqlite3.connect(tmp_path / FILENAME, isolation_level=None)
    clock = FakeClock()
    try:
        other.execute("BEGIN IMMEDIATE")  # someone else holds the write lock
        started = time.monotonic()
        s = HistoryStore(tmp_path, clock=clock)
        s.append(rec(1))
        assert s.commit() is False
        assert time.monotonic() - started < 5
        assert not s.healthy and "locked" in s.error
    finally:
        other.close()
    clock.now += 3600
    s.append(rec(2))
    assert s.commit() is True
    assert ids(s.latest("#chan", 10)) == ["m2"]
    s.close()


def test_a_line_is_never_reported_durable_inside_a_transaction_left_open(tmp_path):
    # A lone line is committed by one autocommit statement. Inside a transaction some other
    # write path had left open, that statement would not commit: the store must say so, not
    # report the line durable (the server would relay it as stored).
    s = HistoryStore(tmp_path)
    try:
        assert s._conn is not None
        s._conn.execute("BEGIN")
        s.append(rec(1))
        assert s.commit() is False
    finally:
        s.close()
    reopened = HistoryStore(tmp_path)
    assert reopened.latest("#chan", 10) == []
    reopened.close()


def test_second_store_on_the_same_file_is_refused_not_interleaved(tmp_path):
    # The store holds its data dir exclusively (a flock on a lock file): a second server pointed at
    # the same data dir runs without history instead of writing between the first one's rows.
    s = HistoryStore(tmp_path)
    try:
        s.append(rec(1))
        assert s.commit()
        second = HistoryStore(tmp_path)
        assert not second.healthy
        second.append(rec(2))
        assert second.commit() is False
        second.close()
        assert ids(s.latest("#chan", 10)) == ["m1"]
    finally:
        s.close()


# -- kill -9 ---------------------------------------------------------------------------------


def _run_child(data_dir: Path, first: int, batch: int, kill_after: int) -> list[int]:
    """Start the child, SIGKILL it after ``kill_after`` acknowledged commits, return all acks."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    proc = subprocess.Popen(
        # Commits of one line are quick: enough of them that the kill still lands mid-stream.
        [
            sys.executable,
            str(CHILD),
            str(data_dir),
            str(first),
            str(batch),
            str(max(2000, 200_000 // batch)),
        ],
        stdout=subprocess.PIPE,
        bufsize=0,  # our own line buffer below: nothing may hide in a Python-side buffer
        env=env,
    )
    lines = _Lines(proc.stdout.fileno())
    acked: list[int] = []
    try:
        deadline = time.monotonic() + 20
        assert lines.next(deadline) == "READY"
        while len(acked) < kill_after:
            line = lines.next(deadline)
            assert line.isdigit(), line
            acked.append(int(line))
        proc.send_signal(signal.SIGKILL)  # lands wherever the child happens to be
        proc.wait(timeout=10)
        acked += [int(x) for x in lines.rest() if x.isdigit()]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL, "child finished before it was killed"
    return acked


class _Lines:
    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buf = b""

    def next(self, deadline: float) -> str:
        while b"\n" not in self.buf:
            timeout = max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self.fd], [], [], timeout)
            assert ready, "child produced no output in time"
            data = os.read(self.fd, 65536)
            assert data, "child exited early"
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        return line.decode().strip()

    def rest(self) -> list[str]:
        """Everything left once the writer is dead (the pipe then ends)."""
        while data := os.read(self.fd, 65536):
            self.buf += data
        return self.buf.decode().split()


def _check_prefix(data_dir: Path, acked_total: int, batch: int) -> int:
    s = HistoryStore(data_dir)
    try:
        assert s.healthy
        rows = s.latest("#alpha", 10**6) + s.latest("#BETA", 10**6)
    finally:
        s.close()
    rows.sort(key=lambda r: r.seq)
    n = len(rows)
    seqs = [r.seq for r in rows]
    assert seqs == sorted(set(seqs)), "sequence ids repeat or go back"
    # Exactly records 0..n-1, each once, in order, with the same msgid and time.
    assert [r.msgid for r in rows] == [f"id-{i:08x}" for i in range(n)]
    assert [r.time for r in rows] == [format_time(1_700_000_000_000 + i) for i in range(n)]
    assert n % batch == 0, "a batch was stored in part"
    # Everything acknowledged is there; at most the one batch in flight beyond it.
    assert acked_total <= n <= acked_total + batch
    return n


@pytest.mark.parametrize(("kill_after", "batch"), [(0, 50), (1, 50), (7, 200), (23, 20), (40, 1)])
def test_kill_9_keeps_exactly_the_committed_prefix(tmp_path, kill_after, batch):
    data_dir = tmp_path / "data"
    acked = _run_child(data_dir, 0, batch, kill_after)
    assert len(acked) >= kill_after
    n = _check_prefix(data_dir, acked[-1] + 1 if acked else 0, batch)
    # Restart and go on from there, then kill again: still one clean, growing prefix.
    acked2 = _run_child(data_dir, n, batch, kill_after + 3)
    _check_prefix(data_dir, acked2[-1] + 1, batch)


def test_msgid_must_match_exactly_and_seqs_are_never_reused(tmp_path):
    s = HistoryStore(tmp_path, days=1, msgid_prefix="run1")
    first = rec(0, msgid=s.new_msgid())
    s.append(first)
    s.commit()
    seq = first.msgid.rpartition("-")[2]
    # Same seq, other run prefix: not this message.
    for forged in (f"run2-{seq}", f"run1-{seq}0", "run1-", "run1-zz", "-" + "f" * 40):
        with pytest.raises(SelectorError):
            s.after("#chan", parse_selector(f"msgid={forged}"), 10)
    assert ids(s.after("#chan", parse_selector(f"msgid={first.msgid}"), 10)) == []
    counted(s)
    assert s.prune(now_ms=BASE + 10**12)  # retention empties the file
    assert s.count() == 0
    s.close()
    s = HistoryStore(tmp_path, msgid_prefix="run1")
    assert s.new_msgid() != first.msgid  # the high-water mark outlives the rows
    s.close()


def test_checkpoints_are_rare_and_wait_for_a_quiet_moment(tmp_path):
    clock = FakeClock()
    s = HistoryStore(tmp_path, clock=clock)
    try:
        assert s.checkpoint() is False  # nothing written
        s.append(rec(1))
        s.commit()
        assert s.checkpoint() is False  # a little WAL, just written: not worth a stall
        clock.now += CHECKPOINT_MAX_AGE
        s.append(rec(2))
        s.commit()
        assert s.checkpoint() is False  # old enough, but the loop is busy right now
        clock.now += CHECKPOINT_IDLE
        assert s.checkpoint() is True
        assert s.checkpoint() is False
        for i in range(3, 3 + CHECKPOINT_PAGES):
            s.append(rec(i))
            s.commit()
        assert s.checkpoint() is True  # a large WAL goes at once, busy or not
        s.append(rec(0))
        s.commit()
        assert s.checkpoint(force=True) is True
        assert s.count("#chan") == CHECKPOINT_PAGES + 3
    finally:
        s.close()
