"""Gap fill and replays: batch/chathistory against a scripted server over loopback sockets."""

from __future__ import annotations

from datetime import UTC, datetime

from tui_chat.client.chatlog import chat_log_path
from tui_chat.client.events import (
    ChatMessage,
    ConnectionState,
    HistoryReplayed,
    Joined,
    Registered,
    ServerInfo,
)
from tui_chat.client.history_sync import HISTORY_UNAVAILABLE
from tui_chat.irc import Message, parse

from .conftest import TIMEOUT, FakeConn, FakeServer, fast_settings, running_client

HISTORY_CAPS = "server-time message-tags batch draft/chathistory echo-message"
PLAIN_CAPS = "server-time message-tags batch"


def stamp(minute: int, second: int = 0) -> str:
    return f"2024-05-01T10:{minute:02d}:{second:02d}.000Z"


def when(minute: int, second: int = 0) -> datetime:
    return datetime(2024, 5, 1, 10, minute, second, tzinfo=UTC)


def privmsg(msgid: str, minute: int, text: str, nick: str = "bob", batch: str | None = None):
    tags = f"time={stamp(minute)};msgid={msgid}" + (f";batch={batch}" if batch else "")
    return f"@{tags} :{nick}!b@h PRIVMSG #lobby :{text}"


def expect_where(conn: FakeConn, command: str, pred, timeout: float = TIMEOUT) -> Message:
    """The next line with ``command`` that satisfies ``pred`` (others, like lag PINGs, skipped)."""
    while True:
        msg = conn.expect(command, timeout)
        if pred(msg):
            return msg


def history_ping(conn: FakeConn) -> str:
    ping = expect_where(conn, "PING", lambda m: m.param(0).startswith("tui-chat-history-"))
    return ping.param(0)


def barrier(conn: FakeConn, sink, text: str) -> None:
    """Everything the client did with earlier lines is done once this line comes out."""
    conn.send(f":carol!c@h PRIVMSG #lobby :{text}")
    sink.wait(ChatMessage, text=text)


def reconnect(server: FakeServer, conn: FakeConn, sink, caps: str, isupport: str = "") -> FakeConn:
    mark = sink.mark()
    conn.close()
    sink.wait(ConnectionState, phase="reconnecting", after=mark)
    new = server.accept()
    new.register("alice", caps=caps, isupport=isupport)
    new.accept_join("alice", "#lobby")
    sink.wait(Joined, is_self=True, after=mark)
    return new


def chat_after(sink, mark: int) -> list[ChatMessage]:
    return [e for e in sink.events[mark:] if isinstance(e, ChatMessage)]


def test_gap_fill_after_a_drop_asks_after_last_msgid_and_drops_duplicates(fake_server, tmp_path):
    logs = tmp_path / "logs"
    settings = fast_settings("127.0.0.1", fake_server.port, log_dir=logs)
    with running_client(settings) as (_client, sink):
        conn = fake_server.accept()
        conn.register("alice", caps=HISTORY_CAPS, isupport="CHATHISTORY=50")
        assert "draft/chathistory" in sink.wait(Registered).caps
        conn.accept_join("alice", "#lobby")
        sink.wait(Joined, is_self=True)
        conn.send(privmsg("m1", 1, "one"), privmsg("m2", 2, "two"))
        sink.wait(ChatMessage, msgid="m2")
        # A first join asks for nothing: there is no gap yet.
        assert not any(parse(line).command == "CHATHISTORY" for line in conn.received)

        mark = sink.mark()
        conn = reconnect(fake_server, conn, sink, HISTORY_CAPS, "CHATHISTORY=50")
        # Like tui_chat's server, this one replays the latest messages on join; they overlap
        # both what alice saw and what she asks for.
        conn.send(
            "@time=2024-05-01T10:05:00.000Z BATCH +r1 chathistory #lobby",
            privmsg("m1", 1, "one", batch="r1"),
            privmsg("m2", 2, "two", batch="r1"),
            privmsg("m3", 3, "three", batch="r1"),
            "BATCH -r1",
        )
        request = conn.expect("CHATHISTORY")
        assert request.params == ("AFTER", "#lobby", "msgid=m2", "50")
        token = history_ping(conn)
        # Live chat goes on while the answer is on its way; it shows at once, and only once.
        conn.send(privmsg("m5", 6, "live while filling"))
        sink.wait(ChatMessage, msgid="m5")
        conn.send(
            "BATCH +r2 chathistory #lobby",
            privmsg("m3", 3, "three", batch="r2"),
            privmsg("m4", 4, "alice: are you there?", batch="r2"),
            privmsg("m5", 6, "live while filling", batch="r2"),
            "BATCH -r2",
            f":irc.test PONG irc.test :{token}",
        )
        replayed = sink.wait(HistoryReplayed, after=mark)
        assert (replayed.buffer, replayed.kind) == ("#lobby", "missed")
        assert (replayed.count, replayed.mentions) == (2, 1)
        got = chat_after(sink, mark)
        assert [(m.msgid, m.is_history) for m in got] == [
            ("m5", False),
            ("m3", True),
            ("m4", True),
        ]
        assert [m.time for m in got[1:]] == [when(3), when(4)]
        assert got[2].is_mention and got[2].buffer == "#lobby"
        # Exactly one summary for the two batches.
        conn.send(privmsg("m6", 7, "sync", nick="carol"))
        sink.wait(ChatMessage, msgid="m6")
        assert len(sink.of(HistoryReplayed)) == 1

        # The next gap starts after the newest message seen.
        mark = sink.mark()
        conn = reconnect(fake_server, conn, sink, HISTORY_CAPS, "CHATHISTORY=50")
        assert conn.expect("CHATHISTORY").params[2] == "msgid=m6"
        token = history_ping(conn)
        conn.send("BATCH +r3 chathistory #lobby", "BATCH -r3", f":irc.test PONG irc.test :{token}")
        empty = sink.wait(HistoryReplayed, after=mark)
        assert (empty.count, empty.kind) == (0, "missed")

    log = chat_log_path(logs, "127.0.0.1", "#lobby", fake_server.port).read_text()
    bodies = [line[20:] for line in log.splitlines() if "<" in line]
    assert bodies == [
        "<bob> one",
        "<bob> two",
        "<bob> live while filling",
        "<bob> three",
        "<bob> alice: are you there?",
        "<carol> sync",
    ]


def test_first_join_replay_is_earlier_and_rejoin_fills_by_timestamp(fake_server):
    with running_client(fast_settings("127.0.0.1", fake_server.port)) as (client, sink):
        conn = fake_server.accept()
        conn.register("alice", caps=HISTORY_CAPS)
        conn.accept_join("alice", "#lobby")
        conn.send(
            "BATCH +e chathistory #lobby",
            privmsg("old1", 1, "before you came", batch="e"),
            "@batch=e :bob!b@h PRIVMSG #lobby :\x01VERSION\x01",
            "@batch=e;time=2024-05-01T10:01:30.000Z :bob!b@h TOPIC #lobby :old topic",
            "BATCH -e",
        )
        earlier = sink.wait(HistoryReplayed)
        assert (earlier.kind, earlier.count, earlier.mentions) == ("earlier", 1, 0)
        [old] = sink.of(ChatMessage)
        assert old.is_history and old.time == when(1) and old.msgid == "old1"
        # Nothing in a replay acts as if it happened now: no CTCP reply, no topic change.
        barrier(conn, sink, "sync")
        assert not any(parse(line).command == "NOTICE" for line in conn.received)
        assert not sink.of(ServerInfo, command="CTCP")

        # Parting and joining again is a rejoin; without any msgid seen since, the request
        # starts at the last time a message was seen (the barrier has no msgid).
        client.part("#lobby")
        conn.expect("PART")
        conn.send(":alice!u@h PART #lobby")
        mark = sink.mark()
        client.join("#lobby")
        conn.accept_join("alice", "#lobby")
        request = conn.expect("CHATHISTORY")
        assert request.params[:2] == ("AFTER", "#lobby")
        assert request.params[2].startswith("timestamp=")
        assert int(request.params[3]) > 0
        token = history_ping(conn)
        conn.send(
            "BATCH +x chathistory #lobby",
            privmsg("old1", 1, "before you came", batch="x"),
            f"@time={stamp(59)};msgid=d1;batch=x :dave!d@h PRIVMSG #lobby :\x01ACTION waves\x01",
            "BATCH -x",
            f":irc.test PONG irc.test :{token}",
        )
        replayed = sink.wait(HistoryReplayed, after=mark)
        assert (replayed.kind, replayed.count) == ("missed", 1)
        [action] = chat_after(sink, mark)
        assert (action.kind, action.text, action.is_history) == ("action", "waves", True)


def test_server_without_chathistory_says_history_is_unavailable_once(fake_server):
    with running_client(fast_settings("127.0.0.1", fake_server.port)) as (client, sink):
        conn = fake_server.accept()
        conn.register("alice", caps=PLAIN_CAPS)
        conn.accept_join("alice", "#lobby")
        sink.wait(Joined, is_self=True)
        barrier(conn, sink, "first")
        assert not sink.of(ServerInfo, text=HISTORY_UNAVAILABLE)
        for round_ in range(2):
            conn = reconnect(fake_server, conn, sink, PLAIN_CAPS)
            # A replay on join from such a server is what was missed, minus what was seen.
            conn.send(
                "BATCH +p chathistory #lobby",
                privmsg("p1", 1, "seen before", batch="p"),
                "BATCH -p",
            )
            barrier(conn, sink, f"round {round_}")
            # Read everything the client wrote up to now.
            client.send_raw(f"PING :sync{round_}")
            expect_where(conn, "PING", lambda m, r=round_: m.param(0) == f"sync{r}")
        [info] = sink.of(ServerInfo, text=HISTORY_UNAVAILABLE)
        assert info.buffer == "#lobby"
        summaries = sink.of(HistoryReplayed)
        assert [(s.kind, s.count) for s in summaries] == [("missed", 1), ("missed", 0)]
        # The client never sends a command the server does not know.
        client_lines = [parse(line).command for c in fake_server.conns for line in c.received]
        assert "CHATHISTORY" not in client_lines


def test_failed_msgid_lookup_is_retried_by_timestamp(fake_server):
    with running_client(fast_settings("127.0.0.1", fake_server.port)) as (_client, sink):
        conn = fake_server.accept()
        conn.register("alice", caps=HISTORY_CAPS, isupport="CHATHISTORY=1000")
        conn.accept_join("alice", "#lobby")
        conn.send(privmsg("gone", 1, "pruned since"))
        sink.wait(ChatMessage, msgid="gone")
        mark = sink.mark()
        conn = reconnect(fake_server, conn, sink, HISTORY_CAPS, "CHATHISTORY=1000")
        first = conn.expect("CHATHISTORY")
        # Our own limit is lower than the server's.
        assert first.params[2:] == ("msgid=gone", "200")
        history_ping(conn)
        conn.send(":irc.test FAIL CHATHISTORY INVALID_PARAMS #lobby msgid=gone :Unknown msgid")
        retry = conn.expect("CHATHISTORY")
        assert retry.params[2] == "timestamp=2024-05-01T10:01:00.000Z"
        token = history_ping(conn)
        conn.send(
            "BATCH +t chathistory #lobby",
            privmsg("new", 2, "after the prune", batch="t"),
            "BATCH -t",
            f":irc.test PONG irc.test :{token}",
        )
        replayed = sink.wait(HistoryReplayed, after=mark)
        assert replayed.count == 1
        assert not sink.of(ServerInfo, command="FAIL")


def test_retry_now_cuts_the_reconnect_wait_short(fake_server):
    settings = fast_settings("127.0.0.1", fake_server.port, reconnect_min=60, reconnect_max=60)
    with running_client(settings) as (client, sink):
        conn = fake_server.accept()
        conn.register("alice", caps=PLAIN_CAPS)
        sink.wait(Registered)
        mark = sink.mark()
        conn.close()
        assert sink.wait(ConnectionState, phase="reconnecting", after=mark).retry_in >= 60
        client.retry_now()
        fake_server.accept(timeout=5).register("alice", caps=PLAIN_CAPS)
        sink.wait(Registered, after=mark)
