"""The client's REDACT (draft/message-redaction) and +draft/reply against the project's server."""

from __future__ import annotations

from tui_chat.client.events import (
    ChatMessage,
    Joined,
    MessageDelivered,
    MessageRedacted,
    Registered,
    Roster,
    ServerInfo,
)
from tui_chat.server import ServerConfig, ServerThread

from .conftest import fast_settings, registered, running_client


def test_redact_own_message_and_reply(own_server):
    with registered(own_server.port, "alice") as (alice, asink):
        assert "draft/message-redaction" in asink.of(Registered)[0].caps
        with registered(own_server.port, "bob") as (bob, bsink):
            asink.wait(Roster, buffer="#lobby", where=lambda r: len(r.members) == 2)
            [pid] = alice.say("#lobby", "first words of alice")
            msgid = asink.wait(MessageDelivered, pending_id=pid).msgid
            assert msgid
            seen = bsink.wait(ChatMessage, text="first words of alice")
            assert seen.msgid == msgid and seen.reply_to is None

            # A reply carries the msgid it answers to the other client (and back in the echo).
            [rid] = bob.say("#lobby", "answer", reply_to=msgid)
            reply = asink.wait(ChatMessage, text="answer")
            assert reply.reply_to == msgid
            echo = bsink.wait(ChatMessage, pending_id=rid)
            assert echo.reply_to == msgid

            # Deleting someone else's message: the server refuses, and the room says so.
            mark = bsink.mark()
            bob.redact("#lobby", msgid)
            refused = bsink.wait(ServerInfo, after=mark, level="error", buffer="#lobby")
            assert "not authorised" in refused.text

            alice.redact("#lobby", msgid, "typo")
            gone = bsink.wait(MessageRedacted, msgid=msgid)
            assert gone.buffer == "#lobby" and gone.by == "alice" and gone.reason == "typo"
            assert asink.wait(MessageRedacted, msgid=msgid).buffer == "#lobby"


def test_private_redact_lands_in_the_conversation(tmp_path):
    cfg = ServerConfig(bind="127.0.0.1", port=0, data_dir=tmp_path / "d", history_private=True)
    srv = ServerThread(cfg).start()
    try:
        with (
            registered(srv.port, "alice") as (alice, asink),
            registered(srv.port, "bob") as (_bob, bsink),
        ):
            [pid] = alice.say("bob", "psst")
            msgid = asink.wait(MessageDelivered, pending_id=pid).msgid
            assert bsink.wait(ChatMessage, text="psst").msgid == msgid
            alice.redact("bob", msgid)
            assert bsink.wait(MessageRedacted, msgid=msgid).buffer == "alice"
            assert asink.wait(MessageRedacted, msgid=msgid).buffer == "bob"
    finally:
        srv.stop()


def test_without_history_the_server_cannot_and_the_client_says_so(tmp_path):
    srv = ServerThread(ServerConfig(bind="127.0.0.1", port=0)).start()  # no history
    try:
        with registered(srv.port, "alice") as (alice, sink):
            assert "draft/message-redaction" not in sink.of(Registered)[0].caps
            [pid] = alice.say("#lobby", "stays")
            msgid = sink.wait(MessageDelivered, pending_id=pid).msgid
            alice.redact("#lobby", msgid or "x")
            note = sink.wait(ServerInfo, level="error", command="REDACT")
            assert note.buffer == "#lobby" and "cannot delete" in note.text
    finally:
        srv.stop()


def test_hostile_redact_and_reply_values_are_bounded(fake_server):
    """A server's REDACT or reply tag with a huge or empty msgid is ignored, not kept."""
    with running_client(fast_settings("127.0.0.1", fake_server.port)) as (_client, sink):
        conn = fake_server.accept()
        conn.register("alice", caps="message-tags draft/message-redaction")
        conn.accept_join("alice", "#lobby")
        sink.wait(Joined, is_self=True)
        huge = "x" * 5000
        conn.send(
            f"@+draft/reply={huge} :bob!b@h PRIVMSG #lobby :long ref",
            f":bob!b@h REDACT #lobby {huge}",
            ":bob!b@h REDACT #lobby :",
            ":bob!b@h REDACT #lobby ok-id :why",
        )
        assert sink.wait(ChatMessage, text="long ref").reply_to is None
        got = sink.wait(MessageRedacted)
        assert got.msgid == "ok-id" and got.reason == "why"
        assert len(sink.of(MessageRedacted)) == 1


def test_chat_log_file_records_the_deletion(own_server, tmp_path):
    logs = tmp_path / "logs"
    settings = fast_settings("127.0.0.1", own_server.port, nick="alice", log_dir=logs)
    with running_client(settings) as (alice, sink):
        sink.wait(Joined, is_self=True)
        [pid] = alice.say("#lobby", "withdrawn soon")
        msgid = sink.wait(MessageDelivered, pending_id=pid).msgid
        alice.redact("#lobby", msgid, "wrong room")
        sink.wait(MessageRedacted, msgid=msgid)
    [path] = list(logs.rglob("*lobby.log"))
    text = path.read_text()
    assert f"-- alice deleted a message (id {msgid}) (wrong room)" in text
