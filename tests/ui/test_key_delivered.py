"""A key holds network work back from the moment the terminal's input thread delivers it.

Through the real driver, app and server: the network worker's turn is taken in the delivering
call itself, before the event loop has seen the key; the frame that draws the key is drawn
with the turn still taken; then it is given back.
"""

from __future__ import annotations

import time

from textual import events

from tui_chat.ui.textual_compat import app_driver, paint_rows, watch_frames

from .conftest import joined, wait_for

WAIT = 30.0  # the hold's bound here: a loaded test machine may draw slowly


async def test_a_delivered_key_takes_the_network_turn_until_the_frame_that_draws_it(
    server, make_app
):
    app = make_app(server.port)
    async with app.run_test(size=(100, 30)) as pilot:
        await joined(pilot, app)
        await pilot.pause()
        turn = app.chat.network_turn
        assert turn is not None and turn is app.controller.client.ui_turn
        assert not turn.taken
        app.chat.key_first.hold = WAIT
        turn.longest = WAIT
        chat_input = app.chat.chat_input
        rows: dict[int, list[str]] = {}
        shown: list[tuple[str, bool]] = []  # (the input's row as the frame left it, turn taken)

        def on_frame(_screen, update) -> None:
            region = chat_input.content_region
            rows.setdefault(region.y, [" "] * app.size.width)
            paint_rows(update, rows)
            text = "".join(rows[region.y][region.x : region.right]).strip()
            shown.append((text, turn.taken))

        restore = watch_frames(app, on_frame)
        try:
            app_driver(app).process_message(events.Key("x", "x"))
            # Still in the delivering call: the event loop has not run since.
            assert turn.taken
            assert chat_input.value == ""
            assert app.chat.key_first.holding(time.monotonic())
            await wait_for(pilot, lambda: not turn.taken, timeout=WAIT, what="the turn back")
        finally:
            restore()
        assert chat_input.value == "x"
        first = next(i for i, (text, _) in enumerate(shown) if text == "x")
        assert shown[first][1], "the turn was given back before the key's frame"
        await pilot.press("ctrl+q")


async def test_keys_typed_during_an_undrawn_edit_start_no_new_hold(server, make_app):
    # The hold that began with the first key runs out; later keys do not renew it until a
    # frame has drawn the edit (the network is never held off by fast typing alone).
    app = make_app(server.port)
    async with app.run_test(size=(100, 30)) as pilot:
        await joined(pilot, app)
        await pilot.pause()
        key_first = app.chat.key_first
        now = time.monotonic()
        key_first.edited(now)  # an edit no frame has drawn yet
        assert not key_first.delivered(now + key_first.hold * 2)
        assert not key_first.holding(now + key_first.hold * 2)
        await pilot.press("ctrl+q")
