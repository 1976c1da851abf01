"""Gap fill end to end: the real client against the project's own server with history on."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from tui_chat.client.chatlog import chat_log_path
from tui_chat.client.events import (
    ChatMessage,
    ConnectionState,
    HistoryReplayed,
    Joined,
    MessageDelivered,
    Registered,
)
from tui_chat.server import ServerConfig, ServerThread

from .conftest import fast_settings, running_client


@pytest.fixture
def server(tmp_path) -> Iterator[ServerThread]:
    s = ServerThread(ServerConfig(bind="127.0.0.1", port=0, data_dir=tmp_path / "data"))
    s.start()
    try:
        yield s
    finally:
        s.stop()


@contextlib.contextmanager
def registered(port: int, nick: str, **kw):
    settings = fast_settings("127.0.0.1", port, nick=nick, rooms=("#room",), **kw)
    with running_client(settings) as (client, sink):
        caps = sink.wait(Registered).caps
        if "draft/chathistory" not in caps:
            pytest.skip("the server does not offer draft/chathistory yet")
        sink.wait(Joined, is_self=True, nick=nick)
        yield client, sink


def test_killed_client_comes_back_to_exactly_the_missed_messages(server, tmp_path):
    logs = tmp_path / "logs"
    # alice waits a minute before reconnecting on her own: the test says when with retry_now().
    slow = dict(reconnect_min=60.0, reconnect_max=60.0, log_dir=logs)
    with (
        registered(server.port, "alice", **slow) as (alice, asink),
        registered(server.port, "bob") as (bob, bsink),
    ):
        # bob's join replay showed him nothing yet; alice sees "before" live.
        [pid] = bob.say("#room", "before")
        bsink.wait(MessageDelivered, pending_id=pid)
        assert not asink.wait(ChatMessage, text="before").is_history

        mark = asink.mark()
        server.make_operator("bob")
        bob.send_command("KILL", "alice", "testing gap fill")
        asink.wait(ConnectionState, phase="reconnecting", after=mark)

        missed = ["missed one", "alice: missed two", "missed three"]
        for text in missed:
            [pid] = bob.say("#room", text)
            # Delivered means committed to history: nothing is relayed before that.
            bsink.wait(MessageDelivered, pending_id=pid)

        alice.retry_now()
        asink.wait(Joined, is_self=True, nick="alice", after=mark)
        replayed = asink.wait(HistoryReplayed, buffer="#room", after=mark)
        assert (replayed.kind, replayed.count, replayed.mentions) == ("missed", 3, 1)
        got = [e for e in asink.events[mark:] if isinstance(e, ChatMessage)]
        assert [(m.text, m.sender, m.is_history) for m in got] == [
            (text, "bob", True) for text in missed
        ]
        assert [m.time for m in got] == sorted(m.time for m in got)
        assert all(m.msgid for m in got)

        # Back to live chat, with nothing replayed twice.
        [pid] = bob.say("#room", "welcome back")
        live = asink.wait(ChatMessage, text="welcome back")
        assert not live.is_history
        texts = [e.text for e in asink.events if isinstance(e, ChatMessage)]
        assert texts == ["before", *missed, "welcome back"]

    log = chat_log_path(logs, "127.0.0.1", "#room", server.port).read_text()
    said = [line[20:] for line in log.splitlines() if "<bob>" in line]
    assert said == [f"<bob> {t}" for t in ["before", *missed, "welcome back"]]


def test_a_first_join_shows_the_rooms_latest_lines_as_earlier_history(server):
    with registered(server.port, "alice") as (alice, asink):
        for text in ("first", "second"):
            [pid] = alice.say("#room", text)
            asink.wait(MessageDelivered, pending_id=pid)
        # bob negotiates draft/chathistory, so the server replays nothing on its own: the
        # context comes from the client's CHATHISTORY LATEST.
        with registered(server.port, "bob") as (_bob, bsink):
            replayed = bsink.wait(HistoryReplayed, buffer="#room")
            assert (replayed.kind, replayed.count) == ("earlier", 2)
            got = [e for e in bsink.events if isinstance(e, ChatMessage)]
            assert [(m.text, m.sender, m.is_history) for m in got] == [
                ("first", "alice", True),
                ("second", "alice", True),
            ]
