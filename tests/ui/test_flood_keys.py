"""Keys typed during a flood: drawn before the app takes more network events, none lost.

A peer floods the room through the real server while a thread types letters through the driver,
as a terminal's input thread does. Every line arrives, in order; every key lands, in order; and
once a key has changed the input, no further line is taken until a frame has been drawn after
it (the network waits for the keystroke's frame, not the other way round).
"""

from __future__ import annotations

import asyncio
import threading

import pytest
from textual import events

from tui_chat.ui.textual_compat import app_driver, paint_rows, watch_frames

from .conftest import Peer, joined, wait_for

FLOOD = 10_000  # lines (under 1 MiB: the server never cuts the app off for lagging)
KEYS = "thequickbrownfoxjumpsoverthelazydog"
WAIT = 30.0  # seconds the typist waits for a frame or for the flood to move on


class Typist:
    """The terminal's input thread: each key through the driver, as the Linux driver does.

    It types the next key once a frame has shown the last one and the app has taken lines
    since (or the flood is over), so each key's edit is judged on its own.
    """

    def __init__(self, app, flood_lines) -> None:
        self.app = app
        self.flood_lines = flood_lines
        self.changed = threading.Condition()
        self.shown = 0  # keys a frame has shown
        self.taken_when_shown = 0
        self.rows: dict[int, list[str]] = {}  # the input's rows as frames left them
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.error = ""

    def frame(self, update) -> None:
        """In the frame hook: what the input's rows show once the frame is written."""
        region = self.app.chat.chat_input.content_region
        for y in range(region.y, region.bottom):
            self.rows.setdefault(y, [" "] * self.app.size.width)
        paint_rows(update, self.rows)
        text = "".join(
            "".join(self.rows[y][region.x : region.right]).strip()
            for y in range(region.y, region.bottom)
        )
        with self.changed:
            if text == KEYS[: self.shown + 1]:
                self.shown += 1
                self.taken_when_shown = self.flood_lines()
            self.changed.notify_all()

    def line_taken(self) -> None:
        with self.changed:
            self.changed.notify_all()

    def moved_on(self, key: int) -> bool:
        taken = self.flood_lines()
        return self.shown > key and (taken == FLOOD or taken > self.taken_when_shown)

    def run(self) -> None:
        driver = app_driver(self.app)
        for i, char in enumerate(KEYS):
            driver.process_message(events.Key(char, char))
            with self.changed:
                moved_on = self.changed.wait_for(lambda i=i: self.moved_on(i), timeout=WAIT)
            if not moved_on:
                self.error = f"key {i} was not drawn, or no line taken after it, in {WAIT} s"
                return


@pytest.mark.timeout(120)
async def test_a_typed_key_is_drawn_before_more_of_a_flood_is_taken(server, peers, make_app):
    app = make_app(server.port)
    async with app.run_test(size=(100, 30)) as pilot:
        await joined(pilot, app)
        bob = Peer(server.port, "bob")
        peers.append(bob)
        await bob.register(pilot)
        await bob.join(pilot, "#lobby")
        # A loaded test machine may take longer than KEY_HOLD to draw a frame; the bound is
        # tests/ui/test_key_first.py's business, the order of things this test's.
        app.chat.key_first.hold = WAIT
        log = app.chat.current_conversation.log
        chat_input = app.chat.chat_input

        order: list[int] = []  # the flood's numbers as they enter the log
        typist = Typist(app, lambda: len(order))
        push = log.push

        def counting_push(entry):
            if entry.nick == "bob":
                order.append(int(entry.plain.split()[1]))
                typist.line_taken()
            return push(entry)

        log.push = counting_push
        # (what happened, flood lines taken by then), in the order it happened
        timeline: list[tuple[str, int]] = []
        app.chat.watch(
            chat_input,
            "value",
            lambda value: timeline.append((f"edit {value}", len(order))),
            init=False,
        )

        def on_frame(_screen, update) -> None:
            timeline.append(("frame", len(order)))
            typist.frame(update)

        restore = watch_frames(app, on_frame)
        try:
            bob.send("\r\n".join(f"PRIVMSG #lobby :flood {i} of many" for i in range(FLOOD)))
            await wait_for(pilot, lambda: len(order) > 0, timeout=30, what="the flood")
            typist.thread.start()
            await wait_for(pilot, lambda: len(order) == FLOOD, timeout=90, what="the whole flood")
            await asyncio.to_thread(typist.thread.join, WAIT * 2)
            assert typist.error == ""
            await wait_for(pilot, lambda: chat_input.value == KEYS, what="every key")
            await pilot.pause()
        finally:
            restore()

        assert order == list(range(FLOOD))  # every line, in order
        assert chat_input.value == KEYS  # every key, in order
        # The network worker stepped aside for keys on their way to the screen, and resumed.
        assert app.chat.network_turn is not None and app.chat.network_turn.waits > 0
        edits = [(i, taken) for i, (what, taken) in enumerate(timeline) if what != "frame"]
        assert len(edits) == len(KEYS)
        # Typed during the flood: at least one key was drawn before its last line was taken.
        assert any(taken < FLOOD for _, taken in edits)
        for i, taken in edits:
            frame = next((t for what, t in timeline[i + 1 :] if what == "frame"), None)
            assert frame == taken, f"{timeline[i][0]!r}: lines taken before its frame"
        await pilot.press("ctrl+q")
