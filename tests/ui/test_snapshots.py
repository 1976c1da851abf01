"""SVG snapshots of the main screens (pytest-textual-snapshot), with scripted, fixed content.

Refresh after a reviewed change with ``make test-snapshot-update``.
"""

from __future__ import annotations

import time

import pytest

from .demo import DemoApp

SIZE = (120, 36)


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def settle(pilot) -> None:
    app = pilot.app
    for _ in range(100):
        await pilot.pause()
        if (
            "bob" in app.chat.model.conversations
            and app.chat.model.conversations.current == "#lobby"
        ):
            break
    await pilot.pause()


def test_room(snap_compare):
    async def run_before(pilot):
        await settle(pilot)

    assert snap_compare(DemoApp(), terminal_size=SIZE, run_before=run_before)


def test_private_conversation(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("alt+4")
        await pilot.pause()

    assert snap_compare(DemoApp(), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(DemoApp(), terminal_size=SIZE, run_before=run_before)


def test_connect_screen(snap_compare):
    async def run_before(pilot):
        await pilot.pause()

    assert snap_compare(DemoApp(mode="connect"), terminal_size=SIZE, run_before=run_before)


def test_room_with_a_long_line_in_the_input(snap_compare):
    # At 80 columns the line wraps onto three rows of the input, which grows over the log.
    async def run_before(pilot):
        await settle(pilot)
        text = "a long line wrapped onto the rows of the input as it grows " + "word " * 24
        await pilot.press(*("space" if c == " " else c for c in text.strip()))
        await pilot.pause()

    assert snap_compare(DemoApp(), terminal_size=(80, 24), run_before=run_before)
