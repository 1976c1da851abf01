"""Every use of a private Textual name, in one place, each with the reason it is needed.

Textual 8.2.8 is pinned; tests/ui/test_textual_compat.py records a hash of the upstream code
copied here and fails when an upgrade changes it, so a copy never drifts silently.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any, cast

from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Input

if TYPE_CHECKING:
    from rich.console import Console
    from textual.app import App
    from textual.binding import Binding
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


# -- the terminal's bytes -> keys ------------------------------------------------------------

# Textual 8.2.8 maps ESC+digit to the characters macOS's Option+digit types (a WezTerm-on-macOS
# quirk): "\x1b1" -> "¡". Every xterm-like terminal with Alt as Meta (xterm's metaSendsEscape,
# tmux, GNOME Terminal, Konsole, iTerm's "Esc+") sends exactly those bytes for Alt+1, so the
# Alt+1..9 bindings typed "¡™£¢∞§¶•ª" instead. A real Option+1 on macOS sends the UTF-8 "¡"
# itself, which this does not touch. The table is private and has no public hook; the parser
# looks each sequence up in it, and a tuple value there becomes Key(value.value).
ESCAPE_DIGIT_UPSTREAM = dict(zip([f"\x1b{n}" for n in range(10)], "º¡™£¢∞§¶•ª", strict=True))


class AltDigit(StrEnum):
    """Key names for ESC+digit, shaped like Textual's ``Keys`` members (the table wants .value)."""

    ALT_0 = "alt+0"
    ALT_1 = "alt+1"
    ALT_2 = "alt+2"
    ALT_3 = "alt+3"
    ALT_4 = "alt+4"
    ALT_5 = "alt+5"
    ALT_6 = "alt+6"
    ALT_7 = "alt+7"
    ALT_8 = "alt+8"
    ALT_9 = "alt+9"


def read_escape_digits_as_alt() -> None:
    """Make the terminal parser read ESC 0..9 as Alt+0..9 (idempotent; for this process)."""
    from textual import _ansi_sequences

    table = cast("dict[str, object]", _ansi_sequences.ANSI_SEQUENCES_KEYS)
    for n in range(10):
        table[f"\x1b{n}"] = (AltDigit(f"alt+{n}"),)


def own_key_bindings(widget: Widget | App[Any], key: str) -> list[Binding]:
    """The widget's own non-priority bindings for ``key``, as the app resolved them (keymap too).

    Textual runs a focused widget's bindings only once the key has bubbled up to the App
    (``App._on_key``), while Input inserts printable keys at once in its own ``_on_key``; keys
    that arrive in one read (typing fast, over SSH, tmux send-keys) run out of order:
    "ab<Backspace>c" gives "ac"... or "abc" minus its last letter, and Enter can send a line
    with the next word on it (Textual issue #6605). ChatInput runs these inline instead.
    """
    return [b for b in widget._bindings.key_to_bindings.get(key, ()) if not b.priority]


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
    "ESCAPE_DIGIT_UPSTREAM",
    "INPUT_WATCH_VALUE_SHA256",
    "AltDigit",
    "FastInput",
    "app_driver",
    "notifications",
    "own_key_bindings",
    "read_escape_digits_as_alt",
    "render_frame",
    "screen_strips",
    "set_virtual_size_quietly",
    "watch_frames",
]
