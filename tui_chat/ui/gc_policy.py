"""The app's cyclic-GC policy: full collections that are frequent and short.

A scrollback of 10 rooms x 10,000 lines is ~100,000 tracked objects (the entries) that live as
long as their room and are never cyclic garbage (an entry refers to strings, a datetime and
tuples only). A full collection that scans them takes 50-120 ms, a visible stall, so the app
used to run full collections rarely; meanwhile each frame Textual draws leaves reference cycles
(``Strip.divide`` caches a list holding the strip itself) that survive into the oldest
generation and pile up until one runs (17 MiB over 400 room switches).

So the scrollback is moved out of the collector's view (``gc.freeze()``) after the full
collection that follows each :data:`FREEZE_STEP` new entries, and full collections run far
more often than before (:data:`FULL_GC_AFTER`), scanning only what is not frozen: ~20 ms
rather than 50-120. A freeze also freezes what happened to be alive then (a frame's strips,
the log's wrap cache); what of it dies later in a cycle is reclaimed only by a *major*
collection, which scans everything once: when the frozen set, less the scrollback, has grown
by a quarter (CPython's rule for its oldest generation) and by :data:`MAJOR_FLOOR` objects
since the last one.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

# Middle collections between full ones (Python's default: 10; the app's until now: 1,000).
# Measured (400 room switches, 10 x 10,000 lines; a 2 x 20,000-message flood): at 10, 13 full
# collections of ~20 ms during the switches and 2 more of ~66 ms in the flood (scanning the
# flood's entries before they are frozen); at 60, 3 during the switches, none in the flood, and
# RSS after the switches 92 MiB (107 at 1,000). Young collections (2,000 allocations rather
# than 700) made full ones rarer still but middle ones 3x longer (15-20 ms) in a flood.
FULL_GC_AFTER = 60
FREEZE_STEP = 5_000  # new scrollback entries between two freezes
MAJOR_GROWTH = 4  # a major collection once the frozen set grows by 1/MAJOR_GROWTH ...
MAJOR_FLOOR = 50_000  # ... and by at least this many objects (~5 MB of strips)

# Entries ever added to the scrollback, and those kept now.
ScrollbackCounts = Callable[[], tuple[int, int]]


class FreezingCollector:
    """A ``gc.callbacks`` hook: freezes the scrollback as it grows; unfreezes everything now
    and then, so that the next full collection is a major one."""

    __slots__ = ("_added", "_base", "_major_due", "freezes", "majors", "scrollback")

    def __init__(self, scrollback: ScrollbackCounts | None = None) -> None:
        self.scrollback = scrollback
        self._added = self._counts()[0]
        self._base = self._others()
        self._major_due = False
        self.freezes = 0
        self.majors = 0

    def _counts(self) -> tuple[int, int]:
        return self.scrollback() if self.scrollback is not None else (0, 0)

    def _others(self) -> int:
        return max(0, gc.get_freeze_count() - self._counts()[1])

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase != "stop" or info["generation"] != 2:
            return
        if self._major_due:
            # That collection scanned everything: freeze what survived, count growth afresh.
            self._major_due = False
            self.majors += 1
            gc.freeze()
            self._base = self._others()
            return
        added = self._counts()[0]
        if added - self._added < FREEZE_STEP:
            return
        self._added = added
        self.freezes += 1
        gc.freeze()
        others = self._others()
        if others - self._base > max(self._base // MAJOR_GROWTH, MAJOR_FLOOR):
            # This runs inside the collector, which cannot start another collection: unfrozen,
            # everything waits in the oldest generation for the next full collection.
            gc.unfreeze()
            self._major_due = True


_collector: FreezingCollector | None = None


def settle_gc(scrollback: ScrollbackCounts | None = None) -> FreezingCollector:
    """The process's GC policy once the first frame is drawn (``bench/ui_bench.py`` applies it
    too). What exists now (Textual, Rich, the widgets, the client stack) lives as long as the
    app: it is frozen at once; then the scrollback as it grows."""
    global _collector
    release_gc()
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_GC_AFTER)
    _collector = FreezingCollector(scrollback)
    gc.callbacks.append(_collector)
    gc.enable()
    return _collector


def release_gc() -> None:
    """Remove :func:`settle_gc`'s hook (the bench runs several apps in one process)."""
    global _collector
    if _collector is not None:
        if _collector in gc.callbacks:
            gc.callbacks.remove(_collector)
        _collector = None
