"""Whatever multiline batches a server sends, the client holds a bounded amount: at most
MAX_OPEN open batches, each at most MAX_LINES lines and MAX_BYTES bytes; a huge one still
becomes one message, marked as cut."""

from __future__ import annotations

from client.conftest import fast_settings, running_client

from tui_chat.client.events import ChatMessage, Joined
from tui_chat.client.multiline import MAX_BYTES, MAX_LINES, MAX_OPEN

from .hostile_server import hostile_server

CAPS = "message-tags echo-message server-time batch draft/multiline=max-bytes=4096"


def _sync(hs, token: str) -> None:
    hs.send(f"PING :{token}")
    hs.wait_line(lambda line: line.startswith("PONG") and token in line, timeout=30)


def test_huge_and_unclosed_multiline_batches_are_bounded():
    with (
        hostile_server(caps=CAPS) as hs,
        running_client(fast_settings("127.0.0.1", hs.port)) as (client, sink),
    ):
        sink.wait(Joined, is_self=True)
        hs.send("BATCH +big draft/multiline #lobby")  # no source: the first line's is used
        hs.send(*(f"@batch=big :bob!u@h PRIVMSG #lobby :{'z' * 100} {i}" for i in range(5000)))
        hs.send(*(f"BATCH +open{i} draft/multiline #lobby" for i in range(2000)))
        hs.send(*(f"@batch=open{i % 5} :bob!u@h PRIVMSG #lobby :{'y' * 400}" for i in range(2000)))
        _sync(hs, "after-batches")
        collector = client._session._multiline
        assert len(collector._open) == MAX_OPEN
        for batch in collector._open.values():
            assert batch.lines is not None
            assert len(batch.lines) <= MAX_LINES and batch.size <= MAX_BYTES
        assert not sink.of(ChatMessage, sender="bob")  # nothing shown before a batch closes

        hs.send("BATCH -big")
        got = sink.wait(ChatMessage, sender="bob")
        lines = got.text.split("\n")
        assert len(lines) <= MAX_LINES + 1 and len(got.text) <= MAX_BYTES + 10
        assert lines[0].endswith(" 0") and lines[-1] == "[…]"
        # A batch past MAX_OPEN was never collected: its lines are ordinary messages.
        hs.send(f"@batch=open{MAX_OPEN + 1} :bob!u@h PRIVMSG #lobby :loose line")
        sink.wait(ChatMessage, sender="bob", text="loose line")
