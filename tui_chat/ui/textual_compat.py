"""Every use of a private Textual name, in one place, each with the reason it is needed.

Textual 8.2.8 is pinned; tests/ui/test_textual_compat.py records a hash of the upstream code
copied here and fails when an upgrade changes it, so a copy never drifts silently.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Input

# sha256 of inspect.getsource(Input._watch_value) in the Textual version FastInput copies.
INPUT_WATCH_VALUE_SHA256 = "ffa57a58cea18cc57a1c48209f283a291e9ade401c0c85cb41579caa6ffb8bd1"


def set_virtual_size_quietly(widget: Widget, size: Size) -> bool:
    """Set a widget's virtual size without re-laying-out the screen; True when it changed.

    ``virtual_size`` is a layout reactive: assigning it re-lays-out and repaints the whole
    screen (header, sidebar, user list, input, footer), which during a flood made every frame
    cost 30-50 ms. Our widgets' own sizes never depend on their content, so only their
    scrollbars need to hear about it (``_scroll_update``); a scrollbar appearing or
    disappearing still asks for a layout.
    """
    if widget.virtual_size == size:
        return False
    widget.set_reactive(Widget.virtual_size, size)
    widget._scroll_update(size)
    return True


class FastInput(Input):
    """An Input whose keystrokes repaint only itself."""

    def _watch_value(self, value: str) -> None:
        """Textual 8.2.8's ``Input._watch_value`` except for how the virtual size is set.

        The original assigns ``virtual_size`` (a layout reactive), so every keystroke
        re-laid-out the whole screen and cost a flood-time frame tens of ms. The rest
        (suggester, validation, ``Changed``, initial cursor, selection re-check) is unchanged.
        """
        set_virtual_size_quietly(self, Size(self.content_width, 1))
        self.refresh()
        self._suggestion = ""
        if self.suggester and value:
            self.run_worker(self.suggester._get_suggestion(self, value))
        if self.styles.auto_dimensions:
            self.refresh(layout=True)
        validation_result = self.validate(value) if "changed" in self.validate_on else None
        self.post_message(self.Changed(self, value, validation_result))
        if self._initial_value:
            self.cursor_position = len(self.value)
            self._initial_value = False
        else:
            # Clamp the selection (and so the cursor) to the new value's length.
            self.selection = self.selection


__all__ = ["INPUT_WATCH_VALUE_SHA256", "FastInput", "set_virtual_size_quietly"]
