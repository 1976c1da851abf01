"""Hostile framing and a server that never registers us: the defences that already hold."""

from __future__ import annotations

from client.conftest import fast_settings, running_client

from tui_chat.client.events import ChatMessage, ConnectionState, Joined
from tui_chat.irc.limits import MAX_RAW_LINE_BYTES

from .hostile_server import hostile_server


def test_huge_tags_and_endless_line_are_bounded_and_the_next_line_arrives():
    with (
        hostile_server() as hs,
        running_client(fast_settings("127.0.0.1", hs.port)) as (client, sink),
    ):
        sink.wait(Joined, is_self=True)
        tags = "@" + ";".join(f"+k{i}=" + "v" * 90 for i in range(85))
        tags = tags[:8190]
        hs.send(f"{tags} :bob!u@h PRIVMSG #lobby :tagged heavily")
        sink.wait(ChatMessage, text="tagged heavily")
        # A line that never ends: far beyond any legitimate line, then a newline, then chat.
        hs.send_bytes(b":bob!u@h PRIVMSG #lobby :" + b"x" * (4 * MAX_RAW_LINE_BYTES))
        hs.send_bytes(b"y" * 4096 + b"\r\n")
        hs.send(":bob!u@h PRIVMSG #lobby :after the endless line")
        sink.wait(ChatMessage, text="after the endless line")
        assert not [e for e in sink.of(ChatMessage) if "xxxx" in e.text]
        assert len(client._session.channels) == 1


def test_server_that_never_registers_us_is_given_up_on_with_backoff():
    with hostile_server(register=False) as hs:
        settings = fast_settings(
            "127.0.0.1", hs.port, lag_timeout=0.3, reconnect_min=0.2, reconnect_max=0.8
        )
        with running_client(settings) as (_client, sink):
            for _ in range(3):
                sink.wait(
                    ConnectionState,
                    timeout=10,
                    after=sink.mark(),
                    phase="reconnecting",
                    detail="registration timed out",
                )
            waits = [
                e.retry_in for e in sink.of(ConnectionState, phase="reconnecting") if e.retry_in
            ]
            assert len(waits) >= 3 and waits[2] > waits[0] * 1.5  # backing off, not a tight loop
            assert hs.connections <= len(waits) + 1
