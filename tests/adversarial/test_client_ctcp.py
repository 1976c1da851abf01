"""CTCP requests are answered sparingly, and a reply never reflects a CTCP delimiter or line break.

Three users sending 100 CTCP VERSION each to a room once made every tui-chat member send 300
replies, spending its flood allowance so that a typed line arrived 37 s late; and a CTCP PING
argument holding ``\\x01DCC SEND ...`` came back verbatim (the reflection class of CVE-2022-2663).
"""

from __future__ import annotations

import time

from client.conftest import fast_settings, running_client

from tui_chat.client.ctcp import REPLY_BURST
from tui_chat.client.events import Joined

from .hostile_server import hostile_server

LIVENESS = 2.0


def test_ctcp_flood_to_a_room_gets_a_few_replies_and_typed_lines_go_first():
    with (
        hostile_server() as hs,
        running_client(fast_settings("127.0.0.1", hs.port)) as (client, sink),
    ):
        sink.wait(Joined, is_self=True)
        flood = [
            f":peer{p}!u@h PRIVMSG #lobby :\x01VERSION\x01" for _ in range(100) for p in range(3)
        ]
        flood += [f":peer1!u@h PRIVMSG alice :\x01PING {i}\x01" for i in range(50)]
        hs.send(*flood, "PING :after-flood")
        hs.wait_line(lambda line: line.startswith("PONG") and "after-flood" in line)
        started = time.monotonic()
        client.say("#lobby", "typed after the flood")
        hs.wait_line("PRIVMSG #lobby :typed after the flood", timeout=LIVENESS)
        assert time.monotonic() - started < LIVENESS
        # Lines leave in order, so every reply queued before the typed line has arrived.
        replies = hs.seen("NOTICE peer")
        assert 1 <= len(replies) <= REPLY_BURST, replies
        assert len({r.split()[1] for r in replies}) == len(replies)  # one per sender


def test_ctcp_ping_reply_never_carries_a_delimiter_or_line_break():
    with (
        hostile_server() as hs,
        running_client(fast_settings("127.0.0.1", hs.port)) as (_, sink),
    ):
        sink.wait(Joined, is_self=True)
        hs.send(":mallory!u@h PRIVMSG alice :\x01PING 123\x01DCC SEND evil 0 0 0\x01")
        reply = hs.wait_line("NOTICE mallory")
        text = reply.split(" :", 1)[1]
        assert text.startswith("\x01PING 123") and text.endswith("\x01")
        assert text.count("\x01") == 2, repr(text)
        assert "\r" not in text and "\x00" not in text
        assert len(text) <= len("\x01PING \x01") + 64
