"""The client against the project's own server, embedded in the test process."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from tui_chat.client.events import (
    ChatMessage,
    ConnectionState,
    Joined,
    MessageDelivered,
    NickChanged,
    PendingMessage,
    Registered,
    Roster,
    Topic,
)
from tui_chat.server import ServerConfig, ServerThread

from .conftest import fast_settings, running_client


@pytest.fixture
def server() -> Iterator[ServerThread]:
    s = ServerThread(ServerConfig(bind="127.0.0.1", port=0))
    s.start()
    try:
        yield s
    finally:
        s.stop()


@contextlib.contextmanager
def registered(port: int, nick: str, **kw):
    with running_client(fast_settings("127.0.0.1", port, nick=nick, **kw)) as (client, sink):
        sink.wait(Registered)
        sink.wait(Joined, is_self=True)
        yield client, sink


def test_chat_roster_topic_and_echo(server):
    with registered(server.port, "alice") as (alice, asink):
        caps = asink.of(Registered)[0].caps
        with registered(server.port, "bob") as (bob, bsink):
            roster = asink.wait(Roster, buffer="#lobby", where=lambda r: len(r.members) == 2)
            assert {m.nick: m.prefixes for m in roster.members} == {"alice": "@", "bob": ""}
            [pid] = alice.say("#lobby", "hi bob")
            got = bsink.wait(ChatMessage, text="hi bob")
            assert got.sender == "alice" and got.is_mention
            delivered = asink.wait(MessageDelivered, pending_id=pid)
            if "echo-message" in caps:
                echo = asink.wait(ChatMessage, pending_id=pid)
                assert echo.msgid == delivered.msgid
            bob.say("alice", "private")
            assert asink.wait(ChatMessage, text="private").buffer == "bob"
            alice.send_command("TOPIC", "#lobby", "today: tests")
            topic = bsink.wait(Topic, topic="today: tests")
            assert topic.is_change and topic.setter == "alice"
            alice.send_command("MODE", "#lobby", "+v", "bob")
            voiced = bsink.wait(
                Roster,
                buffer="#lobby",
                where=lambda r: any(m.nick == "bob" and m.prefixes == "+" for m in r.members),
            )
            assert len(voiced.members) == 2


def test_nick_collision(server):
    with registered(server.port, "carol"), registered(server.port, "carol") as (second, sink):
        change = sink.wait(NickChanged, is_self=True)
        assert change.new == "carol_" and second.nick == "carol_"


def test_reconnect_after_server_restart_delivers_queued_lines(server):
    port = server.port
    with registered(port, "alice") as (alice, asink):
        mark = asink.mark()
        server.stop("restarting")
        asink.wait(ConnectionState, phase="reconnecting", after=mark)
        [pid] = alice.say("#lobby", "typed while the server was down")
        assert asink.wait(PendingMessage, pending_id=pid).queued
        second = ServerThread(ServerConfig(bind="127.0.0.1", port=port))
        second.start()
        try:
            asink.wait(Joined, is_self=True, after=mark)
            asink.wait(MessageDelivered, pending_id=pid)
            # A newcomer sees alice in the room and can talk to her.
            with registered(port, "bob") as (bob, bsink):
                roster = bsink.wait(Roster, where=lambda r: len(r.members) == 2)
                assert {m.nick for m in roster.members} == {"alice", "bob"}
                bob.say("#lobby", "welcome back")
                asink.wait(ChatMessage, text="welcome back")
        finally:
            second.stop()
