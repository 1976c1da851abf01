"""The app's GC policy (issue 12, target 5): once the scrollback has grown, a full collection
moves it out of the collector's scan (frozen), and its lines still show and still take a
redaction; the process's GC settings are given back afterwards."""

from __future__ import annotations

import gc
import re
import weakref
from collections.abc import Iterator

import pytest

from tui_chat.server import ServerThread
from tui_chat.ui import gc_policy

from .conftest import joined, peer_in_room, screen_text, start_test_server, wait_for

SIZE = (110, 30)
LINES = 300
STEP = 100  # the policy's FREEZE_STEP, lowered so that the test sends hundreds, not thousands


@pytest.fixture
def server(tmp_path) -> Iterator[ServerThread]:
    srv = start_test_server(data_dir=tmp_path / "server")  # history: redaction is offered
    yield srv
    srv.stop()


@pytest.fixture
def restored_gc() -> Iterator[None]:
    state = (gc.isenabled(), gc.get_threshold())
    yield
    gc_policy.release_gc()
    gc.unfreeze()
    gc.set_threshold(*state[1])
    if state[0]:
        gc.enable()
    else:
        gc.disable()


async def test_the_scrollback_is_frozen_and_still_shown_and_redacted(
    server, make_app, peers, monkeypatch, restored_gc
) -> None:
    monkeypatch.setattr(gc_policy, "FREEZE_STEP", STEP)

    def first_frame() -> None:
        gc_policy.settle_gc(app.chat.model.conversations.scrollback_counts)

    app = make_app(server.port, app_options={"on_first_frame": first_frame})
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        bob = await peer_in_room(
            pilot,
            server.port,
            peers,
            "message-tags echo-message server-time draft/message-redaction",
        )
        for i in range(LINES):
            bob.send(f"PRIVMSG #lobby :scroll line {i} ends")
        echo = await bob.expect(pilot, "PRIVMSG #lobby :scroll line 5 ends")
        await wait_for(pilot, lambda: f"line {LINES - 1} ends" in screen_text(app), what="all in")

        gc.collect()  # a full collection, as the app's own would run: the policy freezes after
        log = app.chat.current_conversation.log
        lines = [e for e in log.entries if "scroll line" in e.plain]
        assert len(lines) == LINES
        scanned = {id(o) for o in gc.get_objects()}  # what a full collection would scan
        assert not any(id(entry) in scanned for entry in lines)

        # Frozen lines are ordinary objects: scrolled to, they show; a redaction applies.
        msgid = re.search(r"[@;]msgid=([^; ]+)", echo)
        assert msgid is not None
        bob.send(f"REDACT #lobby {msgid.group(1)}")
        fifth = lines[5]
        await wait_for(pilot, lambda: fifth.deleted, what="the redaction")
        app.chat.log_view.scroll_to_entry(lines[4])
        await wait_for(pilot, lambda: "scroll line 4 ends" in screen_text(app), what="scrolled")
        await wait_for(pilot, lambda: "(message deleted)" in screen_text(app), what="shown")
        assert "scroll line 5 ends" not in screen_text(app)
        assert "scroll line 6 ends" in screen_text(app)


class Node:
    """A reference cycle, like the strips Textual's caches leave behind."""

    def __init__(self) -> None:
        self.me = self


def test_what_a_freeze_caught_and_died_in_a_cycle_is_reclaimed_later(
    monkeypatch, restored_gc
) -> None:
    monkeypatch.setattr(gc_policy, "FREEZE_STEP", 10)
    monkeypatch.setattr(gc_policy, "MAJOR_FLOOR", 2_000)
    monkeypatch.setattr(gc_policy, "MAJOR_GROWTH", 10**9)  # no share of this big process
    added = [0]
    collector = gc_policy.settle_gc(lambda: (added[0], 0))
    doomed = [Node() for _ in range(1_500)]
    probe = weakref.ref(doomed[0])
    added[0] += 10
    gc.collect()  # the scrollback "grew": what is alive now, the nodes too, is frozen
    assert collector.freezes == 1 and probe() is not None
    assert not any(o is doomed[0] for o in gc.get_objects())
    del doomed  # garbage now, but frozen: no ordinary full collection sees it
    kept = []
    for _ in range(5):
        kept.append([[] for _ in range(1_000)])  # more long-lived objects, frozen in turn
        added[0] += 10
        gc.collect()
        if probe() is None:
            break
    assert probe() is None  # a major collection took it
    assert collector.majors == 1
