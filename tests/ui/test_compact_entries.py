"""Scrollback memory (issue 12, target 5): a stored chat line is compact, and a 10,000-line room
filled through the real server still shows its lines as before (formatting, nick colours, an
action, a redaction)."""

from __future__ import annotations

import gc
import re
import sys
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tui_chat.server import ServerThread
from tui_chat.ui.model import IRC, LIT, Entry
from tui_chat.ui.model.conversations import Conversations
from tui_chat.ui.text import nick_style

from .conftest import (
    find,
    joined,
    peer_in_room,
    screen_text,
    start_test_server,
    style_at,
    wait_for,
)

LINES = 10_000
SIZE = (120, 36)
# Bytes the model itself keeps per one-part chat line (the entry, its deque slot, its msgid
# index entry), not counting the text, msgid and time strings the network made. Before the
# compact Entry: ~304 (a 17-slot entry, 168, and two parts tuples, 104); now ~125.
MODEL_BYTES_PER_LINE = 180
ENTRY_BYTES = 120


def model_bytes_per_line() -> float:
    convs = Conversations(LINES)
    conv, _ = convs.open("#room", "channel")
    convs.current = "elsewhere"  # counted as unread, as a room in the background
    start = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    texts = [f"r1-{i} the quick brown fox jumps over the lazy dog" for i in range(LINES)]
    msgids = [f"0a1b2c3d-{i:x}" for i in range(LINES)]
    times = [start + timedelta(milliseconds=i) for i in range(LINES)]
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for i in range(LINES):
            entry = Entry(
                time=times[i], kind="message", nick="bob", parts=((IRC, texts[i]),), msgid=msgids[i]
            )
            convs.observe(conv, entry)
            conv.log.push(entry)
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert len(conv.log.entries) == LINES
    return grown / LINES


def test_a_chat_line_costs_the_model_little() -> None:
    assert model_bytes_per_line() < MODEL_BYTES_PER_LINE


def test_the_compact_entry_keeps_every_field() -> None:
    when = datetime(2026, 1, 2, tzinfo=UTC)
    one = Entry(time=when, kind="message", nick="bob", parts=((IRC, "hi"),), msgid="m1")
    assert one.parts == ((IRC, "hi"),) and one.plain == "hi"
    assert (one.glyph, one.pending, one.about, one.reply_to, one.quote) == (
        "",
        None,
        "",
        None,
        None,
    )
    assert not (one.mention or one.is_self or one.history or one.smart or one.deleted)
    one.pending, one.smart, one.deleted, one.quote = "sent", True, True, ("al", "hello")
    assert (one.pending, one.smart, one.deleted, one.quote) == ("sent", True, True, ("al", "hello"))
    one.smart = False
    assert not one.smart and one.deleted
    one.parts = ()
    assert one.parts == () and one.plain == ""
    many = ((LIT, "a "), (IRC, "b"))
    two = Entry(when, "event", parts=many, glyph="-->", about="bob", mention=True, history=True)
    assert two.parts == many and two.plain == "a b"
    assert (two.glyph, two.about, two.mention, two.history, two.is_self) == (
        "-->",
        "bob",
        True,
        True,
        False,
    )
    lit = Entry(when, "info", parts=((LIT, "ours"),))
    assert lit.parts == ((LIT, "ours"),)  # a single part of another role stays as it was
    assert one != Entry(time=when, kind="message", nick="bob", parts=((IRC, ""),))  # identity


@pytest.fixture
def server(tmp_path) -> Iterator[ServerThread]:
    srv = start_test_server(data_dir=tmp_path / "server")  # history: msgids and redaction
    yield srv
    srv.stop()


async def test_a_room_of_10000_lines_from_the_server_shows_as_before(
    make_app, server, peers
) -> None:
    app = make_app(server.port, scrollback=LINES)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        bob = await peer_in_room(
            pilot, server.port, peers, "message-tags echo-message draft/message-redaction"
        )
        batch = [f"PRIVMSG #lobby :line {i} of the flood" for i in range(LINES - 3)]
        bob.send("\r\n".join(batch))
        bob.send("PRIVMSG #lobby :plain then \x02bold words\x02 after")
        bob.send("PRIVMSG #lobby :\x01ACTION waves at everyone\x01")
        bob.send("PRIVMSG #lobby :this one goes away")
        echoed = await bob.expect(pilot, "PRIVMSG #lobby :this one goes away")
        msgid = re.search(r"[@;]msgid=([^; ]+)", echoed)
        assert msgid is not None
        log = app.chat.current_conversation.log
        await wait_for(
            pilot,
            lambda: log.entries and "goes away" in log.entries[-1].plain,
            timeout=60,
            what="the last line",
        )
        chat = [e for e in log.entries if e.nick == "bob" and e.kind in ("message", "action")]
        assert len(chat) == LINES
        assert [e.plain for e in chat[:2]] == ["line 0 of the flood", "line 1 of the flood"]
        # What the room keeps per line: a compact entry (96 bytes; 168 with every field a slot).
        assert max(sys.getsizeof(e) for e in chat) <= ENTRY_BYTES
        bob.send(f"REDACT #lobby {msgid.group(1)}")
        await wait_for(pilot, lambda: "(message deleted)" in screen_text(app), what="deleted")
        shown = screen_text(app)
        assert "this one goes away" not in shown
        assert f"line {LINES - 4} of the flood" in shown
        assert "waves at everyone" in shown
        row, column = find(app, "bold words")
        assert style_at(app, row, column).bold
        assert not style_at(app, row, column - 3).bold  # "then" is plain
        row, column = find(app, "<bob>")
        assert style_at(app, row, column + 1).color == nick_style("bob", "ascii").color
