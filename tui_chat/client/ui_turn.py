"""The network worker steps aside while the UI thread has a keystroke to draw.

Both threads run Python, so they share one interpreter lock. While the worker parses a flood,
every time the UI thread wants the lock back (after each ``select()`` of its event loop, and a
key's path to its frame takes several) it waits up to the switch interval (5 ms). So while a
keystroke is on its way to the screen, the UI asks the worker to wait (:meth:`UiTurn.take`)
and gives the turn back when that frame is out (:meth:`UiTurn.give_back`). The worker looks
between small chunks of lines (:meth:`UiTurn.wait`), never in the middle of one: lines not yet
parsed wait in its buffer and the kernel's socket buffer, so nothing is lost or reordered.
Each wait is bounded (:data:`TURN_WAIT`): a UI that never gives the turn back only slows the
worker down, it never stops it (PINGs are still answered).
"""

from __future__ import annotations

import threading
import time

TURN_WAIT = 0.03  # seconds a taken turn lasts at most (the UI's own hold for a key: 30 ms)
LINES_PER_LOOK = 32  # lines parsed between two looks (a line costs the worker ~30 us)


class UiTurn:
    """Whether the UI thread wants the interpreter to itself now. Thread-safe."""

    def __init__(self, longest: float = TURN_WAIT) -> None:
        self.longest = longest
        self._free = threading.Event()
        self._free.set()
        self._until = 0.0  # when the turn taken last ends by itself
        self.waits = 0  # times the worker found the turn taken and waited (for tests, benches)

    @property
    def taken(self) -> bool:
        return not self._free.is_set()

    def take(self) -> None:
        """Any thread: a keystroke is on its way to the screen. Ends by itself after
        :attr:`longest` seconds if not given back."""
        self._until = time.monotonic() + self.longest
        self._free.clear()

    def give_back(self) -> None:
        """UI thread: that frame is out (or the UI stopped waiting for it)."""
        self._free.set()

    def wait(self) -> bool:
        """Worker thread: wait while the UI has the turn, until it is given back or runs out.

        Returns whether it waited."""
        if self._free.is_set():
            return False
        left = self._until - time.monotonic()
        if left <= 0:
            return False
        self.waits += 1
        self._free.wait(left)
        return True
