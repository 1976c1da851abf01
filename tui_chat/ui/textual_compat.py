"""Every use of a private Textual name, in one place, each with the reason it is needed.

Textual 8.2.8 is pinned; tests/ui/test_textual_compat.py records a hash of the upstream code
copied here and fails when an upgrade changes it, so a copy never drifts silently.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Input

if TYPE_CHECKING:
    from rich.console import Console
    from textual.app import App
    from textual.driver import Driver
    from textual.notifications import Notification
    from textual.screen import Screen
    from textual.strip import Strip

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


# -- for tests and benchmarks, which look at the app from outside ----------------------------


def screen_strips(app: App[Any]) -> list[Strip]:
    """The lines of the current screen as the terminal would get them (styles included)."""
    return app.screen._compositor.render_strips()


def notifications(app: App[Any]) -> list[Notification]:
    """The notifications (toasts) the app is showing."""
    return list(app._notifications)


def app_driver(app: App[Any]) -> Driver:
    """The driver: where a terminal's input thread hands keys to the app."""
    driver = app._driver
    assert driver is not None, "the app is not running"
    return driver


FrameHook = Callable[["Screen[Any] | None", object], None]


def watch_frames(app: App[Any], on_frame: FrameHook) -> Callable[[], None]:
    """Call ``on_frame(screen, update)`` after each frame goes to the driver; returns the undo.

    ``App._display`` is the one place every frame passes; the benchmark times frames there.
    """
    original = app._display

    def display(screen: Screen[Any], renderable: Any) -> None:
        original(screen, renderable)
        on_frame(screen, renderable)

    app._display = display  # type: ignore[method-assign]

    def restore() -> None:
        app._display = original  # type: ignore[method-assign]

    return restore


def render_frame(update: object, console: Console) -> None:
    """Turn a frame into terminal bytes: the work a real driver does and the headless one skips."""
    from textual._compositor import CompositorUpdate

    if isinstance(update, CompositorUpdate):
        update.render_segments(console)


__all__ = [
    "INPUT_WATCH_VALUE_SHA256",
    "FastInput",
    "app_driver",
    "notifications",
    "render_frame",
    "screen_strips",
    "set_virtual_size_quietly",
    "watch_frames",
]
