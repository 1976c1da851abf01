"""Keys typed during a flood: drawn before the app takes more network events, none lost.

A peer floods the room through the real server while a thread types letters through the driver,
as a terminal's input thread does. Every line arrives, in order; every key lands, in order; and
once a key has changed the input, no further network event is applied until a frame has been
drawn after it (the network waits for the keystroke's frame, not the other way round).
"""

from __future__ import annotations

import asyncio
import threading

import pytest
from textual import events

from tui_chat.ui.textual_compat import app_driver, watch_frames

from .conftest import Peer, joined, wait_for

FLOOD = 10_000  # lines (under 1 MiB: the server never cuts the app off for lagging)
KEYS = "thequickbrownfoxjumpsoverthelazydog"
KEY_GAP = 0.01  # seconds between keys


def type_keys(app, stop: threading.Event) -> None:
    """The terminal's input thread: each key through the driver, as the Linux driver does."""
    driver = app_driver(app)
    for char in KEYS:
        if stop.wait(KEY_GAP):
            return
        driver.process_message(events.Key(char, char))


@pytest.mark.timeout(120)
async def test_a_typed_key_is_drawn_before_more_of_a_flood_is_taken(server, peers, make_app):
    app = make_app(server.port)
    async with app.run_test(size=(100, 30)) as pilot:
        await joined(pilot, app)
        bob = Peer(server.port, "bob")
        peers.append(bob)
        await bob.register(pilot)
        await bob.join(pilot, "#lobby")
        log = app.chat.current_conversation.log
        chat_input = app.chat.chat_input

        order: list[int] = []  # the flood's numbers as they enter the log

        def flood_lines() -> int:
            return len(order)

        push = log.push

        def counting_push(entry):
            if entry.nick == "bob":
                order.append(int(entry.plain.split()[1]))
            return push(entry)

        log.push = counting_push
        # (what happened, flood lines taken by then), in the order it happened
        timeline: list[tuple[str, int]] = []
        app.chat.watch(
            chat_input,
            "value",
            lambda value: timeline.append((f"edit {value}", flood_lines())),
            init=False,
        )
        restore = watch_frames(app, lambda _s, _u: timeline.append(("frame", flood_lines())))
        stop = threading.Event()
        typist = threading.Thread(target=type_keys, args=(app, stop), daemon=True)
        try:
            bob.send("\r\n".join(f"PRIVMSG #lobby :flood {i} of many" for i in range(FLOOD)))
            await wait_for(pilot, lambda: flood_lines() > 0, timeout=30, what="the flood")
            typist.start()
            await wait_for(
                pilot, lambda: flood_lines() == FLOOD, timeout=90, what="the whole flood"
            )
            await asyncio.to_thread(typist.join, 10)
            await wait_for(pilot, lambda: chat_input.value == KEYS, what="every key")
            await pilot.pause()
        finally:
            stop.set()
            restore()

        assert order == list(range(FLOOD))  # every line, in order
        assert chat_input.value == KEYS  # every key, in order
        edits = [(i, taken) for i, (what, taken) in enumerate(timeline) if what != "frame"]
        assert len(edits) == len(KEYS)
        # Typed during the flood: at least one key was drawn before its last line was taken.
        assert any(taken < FLOOD for _, taken in edits)
        for i, taken in edits:
            frame = next((t for what, t in timeline[i + 1 :] if what == "frame"), None)
            assert frame == taken, f"{timeline[i][0]!r}: lines taken before its frame"
        await pilot.press("ctrl+q")
