"""INFO lines about connections (connect, register, quit, with the address) for ``serve``.

A connection storm must cost no more than a counter: at most ``burst`` lines per ``window``
seconds are written, the rest are counted and the count is written with the next line that
gets through (or the next stats line). Nothing is formatted when INFO is off (embedded use).
"""

from __future__ import annotations

import logging

BURST = 30
WINDOW = 60.0


class ConnectionLog:
    def __init__(self, log: logging.Logger, burst: int = BURST, window: float = WINDOW) -> None:
        self._log = log
        self._burst = burst
        self._window = window
        self._window_ends = 0.0
        self._written = 0
        self.skipped = 0  # lines not written since the last report of them

    def note(self, now: float, fmt: str, *args: object) -> None:
        if not self._log.isEnabledFor(logging.INFO):
            return
        if now >= self._window_ends:
            self._window_ends = now + self._window
            self._written = 0
            self.report_skipped()
        if self._written >= self._burst:
            self.skipped += 1
            return
        self._written += 1
        self._log.info(fmt, *args)

    def report_skipped(self) -> None:
        if self.skipped:
            self._log.info(
                "%d more connection events not logged (over %d a minute)",
                self.skipped,
                self._burst,
            )
            self.skipped = 0
