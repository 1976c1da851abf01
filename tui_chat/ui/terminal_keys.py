"""Keys a terminal sends that reach Textual as something else, turned back into keys.

No Textual internals here: these work on the events Textual already hands the app.
"""

from __future__ import annotations

from textual import events

# xterm's modifier parameter is 1 + a bit set; Textual names modifiers in alphabetical order.
_MODIFIER_BITS = (("alt", 2), ("ctrl", 4), ("meta", 8), ("shift", 1))


def key_from_cursor_report(event: events.CursorPosition) -> events.Key | None:
    """F3 with modifiers, which Textual mistook for a cursor position report; else None.

    xterm and tmux send Shift+F3 as ``CSI 1;2R`` (Ctrl+F3 ``CSI 1;5R``...), byte for byte a
    report of the cursor at row 1, column 2, and Textual's parser reads it as one:
    ``CursorPosition(x=1, y=0)``. The full-screen app never asks where the cursor is (only
    Textual's inline driver does), so a report on row 1 is that key.
    """
    if event.y != 0 or not 1 <= event.x <= 15:
        return None
    bits = event.x
    names = [name for name, bit in _MODIFIER_BITS if bits & bit]
    return events.Key("+".join([*names, "f3"]), None)
