"""The app against a hostile server: NOTICE floods, a full scrollback resized, hostile nicks and
a topic of emoji joined by ZWJ. The typed line still reaches the server within 2 s; nothing a
peer sends becomes markup or an action."""

from __future__ import annotations

import time

import pytest
from rich.cells import cell_len
from ui.conftest import (
    joined,
    log_text,
    make_app,
    screen_has_no_actions,
    screen_lines,
    screen_text,
    type_line,
    wait_for,
)

from tui_chat.client.events import SERVER_BUFFER

from .hostile_server import HostileServer, hostile_server

__all__ = ["make_app"]  # the fixture, shared with tests/ui

LIVENESS = 2.0  # the bound: a typed line reaches the server within 2 s
SCROLLBACK = 10_000
CLICK = "[@click=app.quit]"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # three emoji joined by ZWJ


async def typed_line_arrives(pilot, hs: HostileServer, text: str) -> None:
    started = time.monotonic()
    await type_line(pilot, text)
    left = max(0.1, LIVENESS - (time.monotonic() - started))
    await wait_for(
        pilot, lambda: hs.seen(f"PRIVMSG #lobby :{text}"), timeout=left, what="the typed line"
    )


@pytest.mark.timeout(90)
async def test_notice_flood_keeps_typing_live_and_the_log_bounded(make_app):
    with hostile_server() as hs:
        app = make_app(hs.port, scrollback=SCROLLBACK)
        async with app.run_test(size=(100, 30)) as pilot:
            await joined(pilot, app)
            total = SCROLLBACK + 10_000
            hs.send(*(f":irc.test NOTICE {hs.nick} :server notice {i}" for i in range(total)))
            server_log = app.chat.model.conversations.by_key(SERVER_BUFFER).log.entries
            await wait_for(
                pilot, lambda: len(server_log) > 1000, timeout=30, what="the flood reached it"
            )
            await typed_line_arrives(pilot, hs, "typed during the notice flood")

            def last_shown() -> bool:
                return bool(server_log) and server_log[-1].plain.endswith(f"notice {total - 1}")

            await wait_for(pilot, last_shown, timeout=60, what="the last notice")
            assert len(server_log) <= SCROLLBACK
            await pilot.press("ctrl+q")


@pytest.mark.timeout(90)
async def test_full_scrollback_survives_resizes_and_shows_its_end(make_app):
    with hostile_server() as hs:
        app = make_app(hs.port, scrollback=SCROLLBACK)
        async with app.run_test(size=(100, 30)) as pilot:
            await joined(pilot, app)
            # Long lines of wide characters, so every resize re-wraps all of them.
            body = "wide \u4e2d\u6587 " * 20
            hs.send(
                *(f":bob!u@h PRIVMSG #lobby :{i} {body}end{i}" for i in range(SCROLLBACK + 500))
            )
            last = f"end{SCROLLBACK + 499}"
            await wait_for(pilot, lambda: last in log_text(app), timeout=60, what="the last line")
            assert len(app.chat.current_conversation.log.entries) <= SCROLLBACK
            for width, height in ((40, 12), (160, 50), (24, 8), (100, 30)):
                await pilot.resize_terminal(width, height)
                await pilot.pause()
                assert app.is_running
                assert all(cell_len(line) <= width for line in screen_lines(app))
            await wait_for(pilot, lambda: last in screen_text(app), what="the end after resizes")
            await typed_line_arrives(pilot, hs, "typed after the resizes")
            await pilot.press("ctrl+q")


@pytest.mark.timeout(60)
async def test_markup_nicks_and_a_zwj_emoji_topic_stay_text(make_app):
    with hostile_server() as hs:
        app = make_app(hs.port, smart_filter=False)  # the joins' hostile nicks show too
        async with app.run_test(size=(120, 30)) as pilot:
            await joined(pilot, app)
            topic = FAMILY * 100  # 600 cells: shown without joiners, each emoji takes two
            hs.send(
                f":{CLICK}!u@h JOIN #lobby",
                ":[b]bold!u@h JOIN #lobby",
                f":{CLICK}!u@h PRIVMSG #lobby :[i]hello[/i]",
                f":[b]bold!u@h TOPIC #lobby :{topic}",
                f":{CLICK}!u@h NOTICE {hs.nick} :{CLICK}notice",
                f":{CLICK}!u@h NICK :[link=https://x]y",
            )
            await wait_for(pilot, lambda: "[link=https://x]y" in log_text(app))
            shown = screen_text(app)
            assert f"{CLICK}" in shown and "[b]bold" in shown and "[i]hello[/i]" in shown
            # The header shows the topic, cut to fit, the family's members without the joiners
            # (terminals disagree on a joined sequence's width).
            assert FAMILY.replace("\u200d", "") in screen_lines(app)[0]
            assert screen_has_no_actions(app)
            for width in (30, 121):
                await pilot.resize_terminal(width, 20)
                await pilot.pause()
                assert all(cell_len(line) <= width for line in screen_lines(app))
            assert app.is_running
            await typed_line_arrives(pilot, hs, "typed after the hostile nicks")
            await pilot.press("ctrl+q")
