"""Keys before network work: from a keystroke until the frame that draws it, briefly.

During a flood, a key waits behind whatever the event loop has queued: slices of network events
and redraws of the whole log. From the moment a key changes the input, the chat screen holds
both back until the frame after it is drawn, so that frame draws the input alone and comes
next. The hold is bounded (:data:`KEY_HOLD`): on a starved machine frames come slowly, and a
hold that outlived a frame or two would only starve the network (keys faster than frames keep
one edit undrawn all the time).

The hold begins when the terminal's input thread delivers the key (:func:`watch_keys`), not
when the input gets it: on its way there the key passes through several turns of the event
loop, and each would otherwise run a slice of network events or a redraw of the log first.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.driver import Driver
from textual.message import Message

KEY_HOLD = 0.03  # seconds network work waits, at most, for the frame after a keystroke


class KeyFirst:
    """Whether network work should wait for a keystroke's frame now. Plain Python: the screen
    tells it about edits (:meth:`edited`) and frames (:meth:`drawn`) and asks :meth:`holding`."""

    def __init__(self, hold: float = KEY_HOLD) -> None:
        self.hold = hold
        self.edits = 0  # edits so far; a frame is known to follow edit number ``edits``
        self.since: float | None = None  # when the oldest edit not yet drawn was made
        # When a key was delivered that has not reached the input yet. Written by the
        # terminal's input thread (delivered), read and cleared by the UI thread: each access
        # is one attribute load or store.
        self.delivered_at: float | None = None

    def delivered(self, now: float) -> bool:
        """Any thread: a key is on its way to the app. Returns whether a hold begins with it
        (not when one is on already, nor while an edit waits for its frame: a hold that ran
        out before its frame does not start again until that frame)."""
        if self.since is not None:
            return False
        came = self.delivered_at
        if came is not None and now - came < self.hold:
            return False
        self.delivered_at = now
        return True

    def edited(self, now: float) -> int:
        """An edit of the input; returns its number."""
        self.edits += 1
        if self.since is None:
            self.since = now
        self.delivered_at = None
        return self.edits

    def drawn(self, edit: int) -> None:
        """A frame after edit number ``edit`` is out; a later edit may still be undrawn."""
        if edit == self.edits:
            self.since = None

    def holding(self, now: float) -> bool:
        since, came = self.since, self.delivered_at
        if since is not None:
            return now - since < self.hold
        return came is not None and now - came < self.hold

    def ends(self, now: float) -> float:
        """Seconds until the current hold ends (0 when none is on)."""
        since = self.since if self.since is not None else self.delivered_at
        return 0.0 if since is None else max(0.0, since + self.hold - now)


def watch_keys(driver: Driver, delivered: Callable[[], object]) -> None:
    """Call ``delivered()`` in the terminal's input thread whenever it hands the app a key or
    a paste, before the event loop hears of it. Every driver hands input over through
    ``process_message`` (the Linux one from its input thread)."""
    deliver = driver.process_message

    def process_message(message: Message) -> None:
        if isinstance(message, events.Key | events.Paste):
            delivered()
        deliver(message)

    driver.process_message = process_message  # type: ignore[method-assign]
