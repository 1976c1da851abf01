"""The process-wide GC policy belongs to run_app alone: an app built in a test leaves it be."""

from __future__ import annotations

import gc

from .demo import DemoApp


async def test_running_an_app_leaves_the_gc_settings_as_they_were():
    before = (gc.isenabled(), gc.get_threshold(), gc.get_freeze_count())
    app = DemoApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("ctrl+q")
    assert (gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()) == before
