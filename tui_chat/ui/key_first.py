"""Keys before network work: from a keystroke until the frame that draws it, briefly.

During a flood, a key waits behind whatever the event loop has queued: slices of network events
and redraws of the whole log. From the moment a key changes the input, the chat screen holds
both back until the frame after it is drawn, so that frame draws the input alone and comes
next. The hold is bounded (:data:`KEY_HOLD`): on a starved machine frames come slowly, and a
hold that outlived a frame or two would only starve the network (keys faster than frames keep
one edit undrawn all the time).
"""

from __future__ import annotations

KEY_HOLD = 0.03  # seconds network work waits, at most, for the frame after a keystroke


class KeyFirst:
    """Whether network work should wait for a keystroke's frame now. Plain Python: the screen
    tells it about edits (:meth:`edited`) and frames (:meth:`drawn`) and asks :meth:`holding`."""

    def __init__(self, hold: float = KEY_HOLD) -> None:
        self.hold = hold
        self.edits = 0  # edits so far; a frame is known to follow edit number ``edits``
        self.since: float | None = None  # when the oldest edit not yet drawn was made

    def edited(self, now: float) -> int:
        """An edit of the input; returns its number."""
        self.edits += 1
        if self.since is None:
            self.since = now
        return self.edits

    def drawn(self, edit: int) -> None:
        """A frame after edit number ``edit`` is out; a later edit may still be undrawn."""
        if edit == self.edits:
            self.since = None

    def holding(self, now: float) -> bool:
        return self.since is not None and now - self.since < self.hold
