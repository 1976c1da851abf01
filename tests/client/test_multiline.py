"""The client's draft/multiline: a whole paste as one message on our server, as lines elsewhere
(miniircd, ngircd, InspIRCd: none offers draft/multiline)."""

from __future__ import annotations

from datetime import UTC, datetime

from tui_chat.client.chatlog import ChatLog
from tui_chat.client.events import (
    ChatMessage,
    HistoryReplayed,
    Joined,
    MessageDelivered,
    Registered,
)
from tui_chat.client.multiline import Limits, plan_batches, split_pieces
from tui_chat.server import ServerConfig, ServerThread

from .test_real_servers import real_server, registered  # noqa: F401

PASTE = [f"line {i:02d}" for i in range(1, 21)]


def test_a_whole_paste_goes_as_lines_where_multiline_is_not_offered(real_server):  # noqa: F811
    name, port = real_server
    with registered(port, "alice") as (_alice, asink):
        asink.wait(Joined, buffer="#lobby", is_self=True)
        with registered(port, "bob") as (bob, bsink):
            bsink.wait(Joined, buffer="#lobby", is_self=True)
            asink.wait(Joined, buffer="#lobby", nick="bob")
            assert "draft/multiline" not in bsink.of(Registered)[0].caps
            assert not bob.multiline_available()
            ids = bob.say("#lobby", "\n".join(PASTE), whole=True)
            assert len(ids) == 20, name
            asink.wait(ChatMessage, sender="bob", text=PASTE[-1])
            got = [e.text for e in asink.of(ChatMessage) if e.sender == "bob"]
            assert got == PASTE


def test_a_whole_paste_is_one_message_on_a_multiline_server():
    server = ServerThread(ServerConfig(bind="127.0.0.1", port=0, flood_limit=False)).start()
    try:
        with registered(server.port, "alice") as (_alice, asink):
            asink.wait(Joined, buffer="#lobby", is_self=True)
            with registered(server.port, "bob") as (bob, bsink):
                bsink.wait(Joined, buffer="#lobby", is_self=True)
                assert bob.multiline_available()
                text = "\n".join(PASTE[:3]) + "\n\n" + "x" * 1000  # a blank line, a long line
                [pid] = bob.say("#lobby", text, whole=True)
                got = asink.wait(ChatMessage, sender="bob")
                assert got.text == text and got.msgid
                echo = bsink.wait(ChatMessage, sender="bob")
                assert echo.pending_id == pid and echo.text == text
                bsink.wait(MessageDelivered, pending_id=pid)
                # Without whole, a text is a message per line, as before.
                bob.say("#lobby", "a\nb")
                asink.wait(ChatMessage, sender="bob", text="b")
                assert [e.text for e in asink.of(ChatMessage) if e.sender == "bob"][-2:] == [
                    "a",
                    "b",
                ]
    finally:
        server.stop(timeout=5.0)


def test_batches_keep_within_the_servers_limits():
    limits = Limits(max_bytes=100, max_lines=4)
    text = "\n".join(["first", "", "x" * 130, "second", "third", "", "", "last"])
    batches = plan_batches("\n\n" + text + "\n\n", 50, limits)
    for batch in batches:
        pieces = split_pieces(batch, 50)
        assert len(pieces) <= 4
        size = sum(len(p.encode()) for p, _ in pieces) + sum(1 for _, c in pieces[1:] if not c)
        assert size <= 100
        assert pieces[0][0].strip() and pieces[-1][0].strip()  # no blank first or last line
        assert all(len(p.encode()) <= 50 for p, _ in pieces)
    # Nothing lost: read back in order, the batches are the text.
    assert "".join(b.replace("\n", "") for b in batches) == text.replace("\n", "")


def test_history_replays_a_multiline_message_as_one(tmp_path):
    server = ServerThread(
        ServerConfig(bind="127.0.0.1", port=0, flood_limit=False, data_dir=tmp_path / "data")
    ).start()
    text = "\n".join(PASTE[:5])
    try:
        with registered(server.port, "alice") as (alice, asink):
            asink.wait(Joined, buffer="#lobby", is_self=True)
            [pid] = alice.say("#lobby", text, whole=True)
            asink.wait(MessageDelivered, pending_id=pid)
            with registered(server.port, "carol") as (_carol, csink):
                csink.wait(Joined, buffer="#lobby", is_self=True)
                got = csink.wait(ChatMessage, sender="alice")
                assert got.is_history and got.text == text
                assert len(csink.of(ChatMessage, sender="alice")) == 1
    finally:
        server.stop(timeout=5.0)


def test_chat_log_writes_a_line_per_line_and_replays_them_together(tmp_path):
    t = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
    later = datetime(2024, 5, 1, 10, 0, 5, tzinfo=UTC)
    log = ChatLog(tmp_path, "irc.example.org")
    log.write([ChatMessage(time=t, buffer="#room", sender="bob", text="one\ntwo")])
    log.close()
    log = ChatLog(tmp_path, "irc.example.org")  # a later run, replayed on join
    log.write(
        [
            ChatMessage(time=t, buffer="#room", sender="bob", text="one\ntwo", is_history=True),
            ChatMessage(time=later, buffer="#room", sender="bob", text="3\n4", is_history=True),
            HistoryReplayed(buffer="#room", count=2, kind="earlier"),
        ]
    )
    log.close()
    room = (tmp_path / "irc.example.org" / "#room.log").read_text().splitlines()
    assert [line[20:] for line in room] == ["<bob> one", "<bob> two", "<bob> 3", "<bob> 4"]
