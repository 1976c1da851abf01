"""HistorySync on its own seams: parsed lines in, requests and events out, no sockets.

The session that owns it is its host (caps, folding, where lines and events go); these tests
drive the engine through the lines that concern it and look at what it asks and releases.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tui_chat.client.events import ChatMessage, HistoryReplayed, ServerInfo
from tui_chat.client.history_sync import (
    BATCH_TRUNCATED,
    HISTORY_TOKEN_PREFIX,
    MAX_BATCH_LINES,
    format_server_time,
)
from tui_chat.client.session import Session
from tui_chat.irc import parse

CAPS = "server-time message-tags batch draft/chathistory echo-message"


def feed(session: Session, *lines: str) -> list:
    session.events.clear()
    session.out.clear()
    for line in lines:
        session.feed(parse(line))
    return list(session.events)


def connected(session: Session) -> None:
    """A fresh connection: registration with history caps, then our JOIN of #lobby."""
    session.connection_made()
    session.registration_lines()
    feed(session, f":irc.x CAP * LS :{CAPS}", f":irc.x CAP * ACK :{CAPS}")
    feed(session, ":irc.x 001 alice :Welcome", ":irc.x 376 alice :End of MOTD")
    feed(session, "@time=2030-01-01T10:00:00.000Z :alice!u@h JOIN #lobby")


def chat(events: list) -> list[str]:
    return [e.text for e in events if isinstance(e, ChatMessage)]


def test_rejoin_asks_after_the_last_msgid_and_releases_the_gap_at_the_sentinel_without_dupes():
    session = Session("alice", rooms=("#lobby",))
    connected(session)
    # A first join has no gap to fill: it asks for the room's latest lines as context.
    assert session.out == ["CHATHISTORY LATEST #lobby * 50"]
    session.out.clear()
    feed(session, "@msgid=m1;time=2030-01-01T10:00:01.000Z :bob!u@h PRIVMSG #lobby :one")

    connected(session)  # the connection dropped; we are back in #lobby
    sentinel = f"{HISTORY_TOKEN_PREFIX}1"
    assert session.out == ["CHATHISTORY AFTER #lobby msgid=m1 200", f"PING {sentinel}"]

    replay = feed(
        session,
        "BATCH +h chathistory #lobby",
        "@batch=h;msgid=m1;time=2030-01-01T10:00:01.000Z :bob!u@h PRIVMSG #lobby :one",
        "@batch=h;msgid=m2;time=2030-01-01T10:00:02.000Z :bob!u@h PRIVMSG #lobby :two",
        "BATCH -h",
    )
    assert replay == []  # held until the sentinel: the join replay and the answer may overlap
    released = feed(session, f":irc.x PONG irc.x :{sentinel}")
    assert chat(released) == ["two"]
    (summary,) = [e for e in released if isinstance(e, HistoryReplayed)]
    assert (summary.buffer, summary.count, summary.kind) == ("#lobby", 1, "missed")
    assert all(e.is_history for e in released if isinstance(e, ChatMessage))

    # The replayed msgid is now known: shown live again, it is dropped.
    assert feed(session, "@msgid=m2 :bob!u@h PRIVMSG #lobby :two") == []


def test_a_forgotten_msgid_is_asked_again_by_timestamp_then_reported():
    session = Session("alice", rooms=("#lobby",))
    connected(session)
    feed(session, "@msgid=m1;time=2030-01-01T10:00:01.000Z :bob!u@h PRIVMSG #lobby :one")
    connected(session)
    feed(session, ":irc.x FAIL CHATHISTORY INVALID_MSGREFTYPE #lobby :unknown msgid")
    # The last message seen there, to the millisecond, as CHATHISTORY wants it.
    stamp = format_server_time(datetime(2030, 1, 1, 10, 0, 1, tzinfo=UTC))
    assert stamp == "2030-01-01T10:00:01.000Z"
    assert session.out == [
        f"CHATHISTORY AFTER #lobby timestamp={stamp} 200",
        f"PING {HISTORY_TOKEN_PREFIX}2",
    ]
    events = feed(session, ":irc.x FAIL CHATHISTORY MESSAGE_ERROR #lobby :no history here")
    (error,) = [e for e in events if isinstance(e, ServerInfo)]
    assert error.buffer == "#lobby" and "no history here" in error.text


def test_a_history_batch_keeps_its_first_lines_and_says_once_that_the_rest_was_dropped():
    session = Session("alice", rooms=("#lobby",))
    connected(session)
    feed(session, "BATCH +big chathistory #lobby")
    lines = [
        f"@batch=big;msgid=x{i} :bob!u@h PRIVMSG #lobby :old {i}"
        for i in range(MAX_BATCH_LINES + 3)
    ]
    events = feed(session, *lines)
    assert [e.text for e in events if isinstance(e, ServerInfo)] == [BATCH_TRUNCATED]
    released = feed(session, "BATCH -big")
    assert len(chat(released)) == MAX_BATCH_LINES
    (summary,) = [e for e in released if isinstance(e, HistoryReplayed)]
    assert summary.kind == "earlier" and summary.count == MAX_BATCH_LINES
