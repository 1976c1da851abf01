"""The typing state machines with the time given: the spec's pace and expiry, exactly."""

from __future__ import annotations

from tui_chat.client.typing import MAX_TYPERS, TypingPacer, TypingTracker


def test_active_at_most_every_3_seconds_while_typing_then_paused_then_nothing():
    p = TypingPacer()
    sent: list[tuple[float, str, str]] = []

    def run(now: float, got: list[tuple[str, str]]) -> None:
        sent.extend((now, target, state) for target, state in got)

    # A key every 0.5 s for 7 s, then nothing for 12 s, with ticks every second.
    for i in range(15):
        now = i * 0.5
        run(now, p.edited("#r", "x" * (i + 1), now))
        if i % 2 == 0:
            run(now, p.tick(now))
    for second in range(8, 20):
        run(second, p.tick(second))
    assert sent == [
        (0, "#r", "active"),
        (3, "#r", "active"),
        (6, "#r", "active"),
        (9, "#r", "active"),  # the keys at 6.5 and 7 came after the one at 6
        (12, "#r", "paused"),  # 5 s after the last key
    ]


def test_done_on_clear_waits_for_the_pace_and_a_sent_message_needs_none():
    p = TypingPacer()
    assert p.edited("#r", "h", 0.0) == [("#r", "active")]
    assert p.edited("#r", "", 1.0) == []  # within 3 s of "active": held back
    assert p.tick(2.0) == []
    assert p.tick(3.0) == [("#r", "done")]
    assert p.tick(10.0) == []
    assert p.edited("#r", "hello", 11.0) == [("#r", "active")]
    p.sent("#r")  # the message itself tells everyone; the emptied input says nothing more
    assert p.edited("#r", "", 11.1) == []
    assert p.tick(20.0) == []
    assert p.edited("#r", "/join #x", 30.0) == []  # a command is not typing


def test_switching_away_says_done_to_the_old_target_and_active_to_the_new():
    p = TypingPacer()
    assert p.edited("#a", "hi", 0.0) == [("#a", "active")]
    assert p.edited("#b", "hi", 1.0) == [("#b", "active")]  # "done" to #a waits for its pace
    assert p.tick(3.0) == [("#a", "done")]
    assert p.left(10.0) == [("#b", "done")]
    assert p.tick(20.0) == []


def test_tracker_expires_active_after_6_and_paused_after_30_seconds():
    t = TypingTracker()
    assert t.notified("#r", "alice", "Alice", "active", 0.0)
    assert t.notified("#r", "bob", "bob", "paused", 0.0)
    assert t.typing_in("#r", 5.9) == [("Alice", False), ("bob", True)]
    assert t.expire(6.0) and t.typing_in("#r", 6.0) == [("bob", True)]
    assert not t.expire(29.0)
    assert t.expire(30.0) and t.typing_in("#r", 30.0) == []
    t.notified("#r", "alice", "Alice", "active", 40.0)
    assert t.stopped("#r", "alice") and not t.typing_in("#r", 41.0)
    t.notified("#r", "alice", "Alice", "active", 50.0)
    assert t.notified("#r", "alice", "Alice", "done", 51.0) and not len(t)


def test_tracker_is_bounded_whatever_a_server_invents():
    t = TypingTracker()
    for i in range(MAX_TYPERS * 4):
        t.notified(f"#r{i % 7}", f"n{i}", f"n{i}", "active", 0.0)
    assert len(t) == MAX_TYPERS
    assert t.gone(f"n{MAX_TYPERS * 4 - 1}") and len(t) == MAX_TYPERS - 1
