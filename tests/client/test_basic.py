"""The ChatClient end to end over loopback sockets, against a scripted fake server."""

from __future__ import annotations

import threading

from tui_chat.client.events import (
    ChatMessage,
    ConnectionState,
    Joined,
    MessageDelivered,
    PendingMessage,
    Registered,
    Roster,
    Topic,
)

from .conftest import fast_settings, running_client


def test_connect_register_join_say_receive_stop(fake_server):
    settings = fast_settings("127.0.0.1", fake_server.port)
    with running_client(settings) as (client, sink):
        conn = fake_server.accept()
        conn.register("alice")
        conn.accept_join("alice", "#lobby", members="@bob alice", topic="welcome all")
        sink.wait(Registered, nick="alice")
        sink.wait(ConnectionState, phase="connected")
        sink.wait(Joined, buffer="#lobby", is_self=True)
        sink.wait(Topic, buffer="#lobby", topic="welcome all")
        roster = sink.wait(Roster, buffer="#lobby")
        assert [(m.nick, m.prefixes) for m in roster.members] == [("bob", "@"), ("alice", "")]
        assert client.connected and client.nick == "alice"

        [pid] = client.say("#lobby", "hello there")
        msg = conn.expect("PRIVMSG")
        assert msg.params == ("#lobby", "hello there")
        # Without echo-message the line counts as delivered once it is written.
        sink.wait(MessageDelivered, pending_id=pid)
        own = sink.wait(ChatMessage, pending_id=pid)
        assert own.is_self and own.sender == "alice" and own.text == "hello there"

        conn.send(":bob!b@h PRIVMSG #lobby :hi alice, welcome")
        got = sink.wait(ChatMessage, sender="bob")
        assert got.buffer == "#lobby" and got.is_mention and not got.is_self

        conn.send(":bob!b@h PRIVMSG alice :psst")
        private = sink.wait(ChatMessage, text="psst")
        assert private.buffer == "bob"
        assert sink.of(PendingMessage, pending_id=pid)
    # stop() sent QUIT with the message we passed.
    assert any(line.startswith("QUIT") and "bye" in line for line in conn.received) or (
        conn.expect("QUIT").param(0) == "bye"
    )
    assert sink.events[-1] == sink.of(ConnectionState, phase="disconnected")[-1]


def test_stop_before_connecting_returns_quickly():
    # Port 9 on loopback: nothing listens, so the client sits in its backoff wait.
    settings = fast_settings("127.0.0.1", 9, reconnect_min=30, reconnect_max=30)
    with running_client(settings) as (_client, sink):
        state = sink.wait(ConnectionState, phase="reconnecting")
        assert state.retry_in is not None and state.retry_in >= 30
        assert state.detail
    assert not [t for t in threading.enumerate() if t.name == "client-alice"]
