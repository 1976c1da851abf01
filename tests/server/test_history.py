"""History through the real server: storing, replay on JOIN, CHATHISTORY, failures, options."""

from __future__ import annotations

import threading
import time

import pytest

from tui_chat.server.history import FILENAME, HistoryRecord, HistoryStore, format_time

from .ircclient import TestClient

CAPABLE = ("batch", "server-time", "message-tags", "echo-message")
FAR_PAST = "timestamp=2000-01-01T00:00:00.000Z"
FAR_FUTURE = "timestamp=2100-01-01T00:00:00.000Z"


@pytest.fixture
def server(make_server, tmp_path):
    """Every test here gets a server with history in its own temporary data dir."""
    return make_server(data_dir=tmp_path / "data")


def batch(client: TestClient, kind: str = "chathistory"):
    """Wait for a whole batch; return (its parameters after the type, the messages in it)."""
    start = client.expect(lambda m: m.command == "BATCH" and m.params[0].startswith("+"))
    ref = start.params[0][1:]
    assert start.params[1] == kind
    inside = client.collect(lambda m: m.command == "BATCH" and m.params[0] == "-" + ref)[:-1]
    assert all(m.tags.get("batch") == ref for m in inside)
    return start.params[2:], inside


def fail(client: TestClient):
    return client.expect("FAIL").params


def say(sender: TestClient, target: str, texts) -> list:
    """Send lines with echo-message on; return the echoes (msgid and time as everyone saw)."""
    echoes = []
    for text in texts:
        sender.send(f"PRIVMSG {target} :{text}")
        echoes.append(
            sender.expect(lambda m, text=text: m.command == "PRIVMSG" and m.params[-1] == text)
        )
    return echoes


def test_caps_and_isupport_only_with_history(make_server, server):
    bare = make_server()  # no data_dir: the embedded default, no history
    for srv, has in ((server, True), (bare, False)):
        c = TestClient(srv.port)
        try:
            c.send("CAP LS 302")
            offered = c.expect("CAP").params[-1].split()
            assert "batch" in offered
            assert ("draft/chathistory" in offered) is has
            c.send("NICK n")
            c.send("USER n 0 * :n")
            c.send("CAP END")
            burst = c.collect(lambda m: m.command in ("376", "422"))
            tokens = [p for m in burst if m.command == "005" for p in m.params[1:-1]]
            assert ("CHATHISTORY=500" in tokens) is has
            assert ("MSGREFTYPES=msgid,timestamp" in tokens) is has
            c.send("CHATHISTORY LATEST #x * 10")
            c.expect("FAIL" if has else "421")
        finally:
            c.close()
    assert bare._server.history.enabled is False


def test_replay_on_join_for_capable_and_plain_clients(connect):
    alice = connect("alice", caps=CAPABLE)
    alice.join("#r")
    echoes = say(alice, "#r", ["hello", "\x01ACTION waves\x01"])
    alice.send("NOTICE #r :a notice")
    echoes.append(alice.expect("NOTICE"))
    alice.send("TOPIC #r :the topic")
    alice.expect("TOPIC")
    alice.send("@+typing=active TAGMSG #r")  # not history
    alice.send("PRIVMSG #r :\x01VERSION\x01")  # a CTCP request is not chat
    alice.send("NOTICE @#r :ops only")  # STATUSMSG: only some members saw it
    alice.expect(lambda m: m.command == "NOTICE" and m.params[0] == "@#r")

    bob = connect("bob", caps=CAPABLE)
    bob.join("#r")
    params, lines = batch(bob)
    assert params == ("#r",)
    assert [(m.command, m.params, m.source) for m in lines] == [
        (e.command, e.params, e.source) for e in echoes
    ]
    # same msgid and time as delivered live; no TOPIC without draft/event-playback
    assert [(m.tags["msgid"], m.tags["time"]) for m in lines] == [
        (e.tags["msgid"], e.tags["time"]) for e in echoes
    ]

    plain = connect("plain")
    plain.join("#r")
    notices = [plain.expect("NOTICE") for _ in range(4)]
    assert all(n.source == "test.server" and n.params[0] == "#r" for n in notices)
    day = echoes[0].tags["time"][:10]
    texts = [n.params[-1] for n in notices]
    assert texts[0].startswith(f"[{day} ") and texts[0].endswith(" UTC] <alice> hello")
    assert texts[1].endswith("] * alice waves")
    assert texts[2].endswith("] -alice- a notice")
    assert texts[3].endswith("the topic")
    assert not [m for m in plain.sync() if m.command == "NOTICE"]


def test_a_chathistory_client_gets_no_replay_on_join_and_asks_for_latest(connect):
    alice = connect("alice", caps=CAPABLE)
    alice.join("#r")
    echoes = say(alice, "#r", ["one", "two"])

    # The spec: a server SHOULD NOT replay on join to a client that negotiated chathistory.
    bob = connect("bob", caps=(*CAPABLE, "draft/chathistory"))
    bob.join("#r")
    assert not [m for m in bob.sync() if m.command in ("BATCH", "PRIVMSG", "NOTICE")]
    bob.send("CHATHISTORY LATEST #r * 10")
    params, lines = batch(bob)
    assert params == ("#r",)
    assert [m.tags["msgid"] for m in lines] == [e.tags["msgid"] for e in echoes]


def test_replay_count_and_off(make_server, tmp_path):
    for replay, expected in ((2, ["m2", "m3"]), (0, [])):
        srv = make_server(data_dir=tmp_path / f"d{replay}", history_replay=replay)
        a, b = TestClient(srv.port), TestClient(srv.port)
        try:
            a.register("a", caps=CAPABLE)
            a.join("#c")
            say(a, "#c", ["m0", "m1", "m2", "m3"])
            b.register("b")
            b.join("#c")
            got = [m.params[-1] for m in b.sync() if m.command == "NOTICE"]
            assert [t.rsplit(" ", 1)[-1] for t in got] == expected
        finally:
            a.close()
            b.close()


@pytest.fixture
def chat(connect):
    """#h with m0..m9 from alice; returns (alice, the echoes)."""
    alice = connect("alice", caps=CAPABLE)
    alice.join("#h")
    return alice, say(alice, "#h", [f"m{i}" for i in range(10)])


def ask(client: TestClient, line: str) -> list[str]:
    client.send(line)
    return [m.params[-1] for m in batch(client)[1]]


def test_chathistory_subcommands(chat, connect):
    alice, echoes = chat
    mid = [e.tags["msgid"] for e in echoes]
    assert ask(alice, "CHATHISTORY LATEST #h * 3") == ["m7", "m8", "m9"]
    assert ask(alice, "CHATHISTORY LATEST #H * 0") == [f"m{i}" for i in range(10)]  # 0 = max
    assert ask(alice, f"CHATHISTORY LATEST #h msgid={mid[6]} 10") == ["m7", "m8", "m9"]
    assert ask(alice, f"CHATHISTORY BEFORE #h msgid={mid[5]} 2") == ["m3", "m4"]
    assert ask(alice, f"CHATHISTORY AFTER #h msgid={mid[5]} 2") == ["m6", "m7"]
    assert ask(alice, f"CHATHISTORY AROUND #h msgid={mid[5]} 3") == ["m4", "m5", "m6"]
    assert ask(alice, f"CHATHISTORY BETWEEN #h msgid={mid[2]} msgid={mid[6]} 10") == [
        "m3",
        "m4",
        "m5",
    ]
    assert ask(alice, f"CHATHISTORY BETWEEN #h msgid={mid[6]} msgid={mid[2]} 2") == ["m4", "m5"]
    assert ask(alice, f"CHATHISTORY AFTER #h {FAR_PAST} 2") == ["m0", "m1"]
    assert ask(alice, f"CHATHISTORY BEFORE #h {FAR_FUTURE} 2") == ["m8", "m9"]
    assert ask(alice, f"CHATHISTORY BETWEEN #h {FAR_PAST} {FAR_FUTURE} 1") == ["m0"]
    # lines carry the original msgid and time
    alice.send("CHATHISTORY LATEST #h * 1")
    (line,) = batch(alice)[1]
    assert line.tags["msgid"] == mid[9] and line.tags["time"] == echoes[9].tags["time"]
    assert line.source == echoes[9].source and line.params == ("#h", "m9")
    # TARGETS: channels with their latest time, in a targets batch
    alice.join("#empty")
    alice.send(f"CHATHISTORY TARGETS {FAR_PAST} {FAR_FUTURE} 10")
    _, targets = batch(alice, "draft/chathistory-targets")
    assert [m.params for m in targets] == [("TARGETS", "#h", echoes[9].tags["time"])]
    # a client without batch gets the same lines, unwrapped
    plain = connect("plain")
    plain.join("#h")
    plain.sync()
    plain.send("CHATHISTORY LATEST #h * 2")
    got = [m for m in plain.sync() if m.command == "PRIVMSG"]
    assert [m.params[-1] for m in got] == ["m8", "m9"] and all(not m.tags for m in got)


def test_topic_is_stored_for_event_playback_clients(connect):
    alice = connect("alice", caps=(*CAPABLE, "draft/event-playback"))
    alice.join("#t")
    say(alice, "#t", ["before"])
    alice.send("TOPIC #t :new topic")
    topic = alice.expect("TOPIC")
    lines = batch_lines = None
    alice.send("CHATHISTORY LATEST #t * 10")
    _, batch_lines = batch(alice)
    lines = [(m.command, m.params[-1]) for m in batch_lines]
    assert lines == [("PRIVMSG", "before"), ("TOPIC", "new topic")]
    assert batch_lines[1].tags["msgid"] == topic.tags["msgid"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("CHATHISTORY", ("INVALID_PARAMS", "*")),
        ("CHATHISTORY FETCH #h * 10", ("INVALID_PARAMS", "FETCH")),
        ("CHATHISTORY LATEST #h *", ("INVALID_PARAMS", "LATEST")),
        ("CHATHISTORY BETWEEN #h * 10", ("INVALID_PARAMS", "BETWEEN")),
        ("CHATHISTORY LATEST #h * ten", ("INVALID_PARAMS", "LATEST", "ten")),
        ("CHATHISTORY LATEST #h * -1", ("INVALID_PARAMS", "LATEST", "-1")),
        ("CHATHISTORY BEFORE #h * 10", ("INVALID_PARAMS", "BEFORE", "*")),
        ("CHATHISTORY AFTER #h id=abc 10", ("INVALID_PARAMS", "AFTER", "id=abc")),
        ("CHATHISTORY AFTER #h msgid=nope 10", ("INVALID_PARAMS", "AFTER", "msgid=nope")),
        ("CHATHISTORY AROUND #h timestamp=yesterday 10", ("INVALID_PARAMS", "AROUND")),
        ("CHATHISTORY BETWEEN #h msgid=nope * 10", ("INVALID_PARAMS", "BETWEEN")),
        ("CHATHISTORY TARGETS msgid=x " + FAR_FUTURE + " 5", ("INVALID_PARAMS", "TARGETS")),
        ("CHATHISTORY LATEST #nowhere * 5", ("INVALID_TARGET", "LATEST", "#nowhere")),
        ("CHATHISTORY LATEST 9bad * 5", ("INVALID_TARGET", "LATEST", "9bad")),
        ("CHATHISTORY LATEST #h * :1 0", ("INVALID_PARAMS", "LATEST", "*")),
    ],
)
def test_chathistory_bad_arguments(chat, line, expected):
    alice, _ = chat
    alice.send(line)
    params = fail(alice)
    assert params[0] == "CHATHISTORY"
    assert params[1 : 1 + len(expected)] == expected
    alice.send("PING :still")  # wrong use is answered, never fatal
    alice.expect("PONG")


def test_non_members_get_nothing(chat, connect):
    eve = connect("eve", caps=CAPABLE)
    eve.send("CHATHISTORY LATEST #h * 10")
    assert fail(eve)[1:4] == ("INVALID_TARGET", "LATEST", "#h")
    eve.send(f"CHATHISTORY TARGETS {FAR_PAST} {FAR_FUTURE} 10")
    assert batch(eve, "draft/chathistory-targets")[1] == []


def test_private_messages_only_with_history_private(make_server, tmp_path):
    for private in (False, True):
        srv = make_server(data_dir=tmp_path / f"p{private}", history_private=private)
        a, b, c = (TestClient(srv.port) for _ in range(3))
        try:
            a.register("alice", caps=CAPABLE)
            b.register("bob", caps=CAPABLE)
            c.register("carol", caps=CAPABLE)
            echo = say(a, "bob", ["secret"])[0]
            b.expect("PRIVMSG")
            b.send("CHATHISTORY LATEST alice * 10")
            got = batch(b)[1]
            if private:
                assert [(m.params, m.tags["msgid"]) for m in got] == [
                    (("bob", "secret"), echo.tags["msgid"])
                ]
                b.send(f"CHATHISTORY TARGETS {FAR_PAST} {FAR_FUTURE} 10")
                assert [m.params[1] for m in batch(b, "draft/chathistory-targets")[1]] == ["alice"]
            else:
                assert got == []
            c.send("CHATHISTORY LATEST alice * 10")  # someone else's conversation
            assert batch(c)[1] == []
        finally:
            for x in (a, b, c):
                x.close()


def _prefill(data_dir, count: int, old: int) -> None:
    """``count`` records in #old: the first ``old`` of them 40 days old, the rest recent."""
    now = int(time.time() * 1000)
    store = HistoryStore(data_dir, days=0, per_channel_limit=0)
    for i in range(count):
        when = now - 40 * 86_400_000 + i if i < old else now - 3_600_000 + i * 1000
        store.append(
            HistoryRecord(f"r-{i:x}", format_time(when), "x!x@h", "PRIVMSG", "#old", f"r{i}")
        )
    # An open room, as the server saves it with its first line (a room without it is sealed).
    store.save_room("#old", {"modes": "+nt", "key": None, "founder": ["x", "h"]})
    assert store.commit()
    store.close()


@pytest.mark.parametrize(
    ("days", "limit", "kept"),
    [(30, 0, range(5, 20)), (0, 10, range(10, 20)), (30, 12, range(8, 20)), (0, 0, range(20))],
)
def test_retention_options(make_server, tmp_path, days, limit, kept):
    data = tmp_path / "data"
    _prefill(data, 20, 5)
    srv = make_server(data_dir=data, history_days=days, history_limit=limit)
    c = TestClient(srv.port)
    try:
        c.register("c", caps=CAPABLE)
        c.join("#old")
        batch(c)  # the replay
        assert ask(c, "CHATHISTORY LATEST #old * 100") == [f"r{i}" for i in kept]
    finally:
        c.close()


def test_history_survives_a_restart(make_server, tmp_path):
    data = tmp_path / "data"
    first = make_server(data_dir=data)
    a = TestClient(first.port)
    try:
        a.register("a", caps=CAPABLE)
        a.join("#keep")
        echoes = say(a, "#keep", ["one", "two"])
    finally:
        a.close()
    first.stop()
    second = make_server(data_dir=data)
    b = TestClient(second.port)
    try:
        b.register("b", caps=CAPABLE)
        b.join("#keep")
        _, lines = batch(b)
        assert [m.tags["msgid"] for m in lines] == [e.tags["msgid"] for e in echoes]
        say(b, "#keep", ["three"])
        assert ask(b, "CHATHISTORY LATEST #keep * 10") == ["one", "two", "three"]
    finally:
        b.close()


def test_no_history_stores_nothing(make_server, tmp_path):
    data = tmp_path / "data"
    srv = make_server(data_dir=data, history=False)
    a, b = TestClient(srv.port), TestClient(srv.port)
    try:
        a.register("a", caps=CAPABLE)
        b.register("b")
        a.join("#n")
        say(a, "#n", ["not kept"])
        b.join("#n")
        assert not [m for m in b.sync() if m.command == "NOTICE"]
        a.send("CHATHISTORY LATEST #n * 10")
        a.expect("421")
    finally:
        a.close()
        b.close()
    assert not data.exists()


def _broken_dir(tmp_path, how: str):
    if how == "corrupt":
        data = tmp_path / "data"
        data.mkdir()
        (data / FILENAME).write_bytes(b"this is not a database\n" * 200)
        return data
    # A data dir below a regular file cannot be created, even by root (tests may run as root).
    (tmp_path / "file").write_text("x")
    return tmp_path / "file" / "data"


@pytest.mark.parametrize("how", ["corrupt", "unwritable"])
def test_broken_database_keeps_chat_going_and_tells_senders(make_server, tmp_path, how):
    srv = make_server(data_dir=_broken_dir(tmp_path, how))
    a, b = TestClient(srv.port), TestClient(srv.port)
    try:
        a.register("alice", caps=CAPABLE)
        b.register("bob")
        a.join("#c")
        b.join("#c")
        a.send("PRIVMSG #c :still relayed")
        assert b.expect("PRIVMSG").params == ("#c", "still relayed")
        assert a.expect("PRIVMSG").params == ("#c", "still relayed")  # the echo
        assert fail(a) == ("PRIVMSG", "MESSAGE_ERROR", "#c", fail_text(a))
        a.send("TOPIC #c :topics too")
        b.expect("TOPIC")
        assert fail(a)[:3] == ("TOPIC", "MESSAGE_ERROR", "#c")
        a.send("CHATHISTORY LATEST #c * 10")
        assert fail(a)[:4] == ("CHATHISTORY", "MESSAGE_ERROR", "LATEST", "#c")
        b.send("PRIVMSG #c :both ways")
        assert a.expect("PRIVMSG").params == ("#c", "both ways")
    finally:
        a.close()
        b.close()


def fail_text(client: TestClient) -> str:
    return client.received[-1].split(" :", 1)[1]


def test_nothing_reaches_a_socket_before_it_is_in_the_journal(server, connect, monkeypatch):
    store = server._server.history
    real_write_ahead = store.write_ahead
    written_at: list[float] = []

    def slow_write_ahead():
        time.sleep(0.3)  # widen the window in which an early flush would show
        ok = real_write_ahead()
        written_at.append(time.monotonic())
        return ok

    monkeypatch.setattr(store, "write_ahead", slow_write_ahead)
    alice = connect("alice", caps=CAPABLE)
    bob = connect("bob")
    alice.join("#w")
    bob.join("#w")
    sent = time.monotonic()
    alice.send("PRIVMSG #w :durable first")
    bob.expect("PRIVMSG")
    arrived = time.monotonic()
    assert written_at and arrived >= written_at[0] >= sent + 0.3


def refuse_writes(server) -> None:
    """Make SQLite refuse the store's writes, as a file turned read-only would. query_only is
    set on the loop thread, which owns the store's connection."""
    done = threading.Event()

    def run() -> None:
        conn = server._server.history._conn
        assert conn is not None
        conn.execute("PRAGMA query_only=ON")
        done.set()

    server._server.call_soon_threadsafe(run)
    assert done.wait(5)


def test_a_commit_refused_mid_pass_still_relays_and_tells_the_sender(server, connect):
    # A handler's own commit (CHATHISTORY commits what was said earlier in its pass) is a
    # plain SQLite commit: refused, the sender is told, the line is still relayed.
    alice = connect("alice", caps=CAPABLE)
    bob = connect("bob")
    alice.join("#f")
    bob.join("#f")
    say(alice, "#f", ["stored"])
    assert bob.expect("PRIVMSG").params == ("#f", "stored")
    refuse_writes(server)
    alice.send("PRIVMSG #f :refused\r\nCHATHISTORY LATEST #f * 10")
    assert bob.expect("PRIVMSG").params == ("#f", "refused")
    assert alice.expect("PRIVMSG").params == ("#f", "refused")  # the echo
    assert fail(alice) == ("PRIVMSG", "MESSAGE_ERROR", "#f", fail_text(alice))
    assert not server._server.history.healthy


def test_sqlite_refusing_after_the_journal_loses_nothing_relayed(server, connect):
    # The end of a pass: the journal has the line before it is relayed; SQLite refuses it
    # after the sends. Nobody is told it was lost, and the reopen stores it from the journal.
    alice = connect("alice", caps=(*CAPABLE, "cap-notify", "draft/chathistory"))
    bob = connect("bob")
    alice.join("#f")
    bob.join("#f")
    refuse_writes(server)
    alice.send("PRIVMSG #f :kept by the journal")
    assert bob.expect("PRIVMSG").params == ("#f", "kept by the journal")
    alice.expect(lambda m: m.command == "CAP" and m.params[1] == "DEL")  # SQLite failed
    assert not any(" FAIL " in line for line in alice.received)
    reopened = threading.Event()

    def reopen_now() -> None:
        history = server._server.history
        history._retry_at = 0.0  # instead of waiting out the back-off
        if history.has_messages("#f") and history.healthy:  # reopened, journal replayed
            reopened.set()

    server._server.call_soon_threadsafe(reopen_now)
    assert reopened.wait(5)
    alice.send("CHATHISTORY LATEST #f * 10")
    _, lines = batch(alice)
    assert [m.params[-1] for m in lines] == ["kept by the journal"]
