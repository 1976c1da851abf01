"""Every use of a private Textual name, in one place, each with the reason it is needed.

Textual 8.2.8 is pinned; tests/ui/test_textual_compat.py records a hash of the upstream code
copied here and fails when an upgrade changes it, so a copy never drifts silently.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import events
from textual.geometry import Offset, Region, Size
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input
from textual.widgets.input import Selection

from .input_rows import Rows, display_text, wrap

if TYPE_CHECKING:
    from rich.console import Console
    from textual.app import App
    from textual.binding import Binding
    from textual.driver import Driver
    from textual.notifications import Notification
    from textual.screen import Screen

# sha256 of inspect.getsource() of each method FastInput copies or replaces, in the
# Textual version it was written against: an upgrade that changes one must be looked at.
INPUT_COPIES_SHA256 = {
    "Input._watch_value": "ffa57a58cea18cc57a1c48209f283a291e9ade401c0c85cb41579caa6ffb8bd1",
    "Input._watch_selection": "cc43f5c5b38988c96504855e954076dc349fe20f2ae0ae814e48b35ae509e904",
    "Input._on_mouse_down": "4e6ab9839b26807ad701aeddd2363f27f6e233458695fd0067f3332fcace7334",
    "Input._on_mouse_move": "8db788264f72743665bf75b1529d6c4cdc196a1ca884aaef0369069c498afe72",
    "Input.render_line": "20fe97da621ba992e07784047f064206e3178c4e63ab4eea370efe951a6ad94d",
    "Input.cursor_screen_offset": (
        "5acae669457cc740a9a360b3427e4f45042ca63a644ea97b6f514ccaf0806c75"
    ),
    # FastInput._on_mouse_down skips Input's handler and so Widget's too: it runs this itself.
    "Widget._on_mouse_down": "c58a4b5d2af121b2a7069fba031e4145c0a38ca0ef5f6ea1f5b699e59d60ed7c",
}


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
    """An Input whose keystrokes repaint only itself, and which wraps a long line onto rows.

    Still one line (Enter sends it; no newline can be typed): only how it is drawn changes.
    Textual's Input scrolls one row sideways; this one wraps the value at the content width
    (:mod:`.input_rows`), is as many rows high as that takes, up to :meth:`row_cap`,
    and scrolls inside beyond it (its height is ``auto``; a scrollbar would narrow the rows).
    A keystroke asks for a layout of the screen only when the number of rows shown changes.
    Input's suggestions are not drawn (ChatInput has no suggester).
    """

    DEFAULT_CSS = """
    FastInput {
        height: auto;
        scrollbar-size-vertical: 0;
    }
    """

    MAX_ROWS: ClassVar[int] = 6
    """The most rows the input grows to (fewer on a short screen: see :meth:`row_cap`)."""

    _rows_shown = 1  # what the last layout asked get_content_height for
    _texts_key: tuple[object, ...] | None = None
    # Set by _row_texts, which render_line always calls first (_texts_key None never matches).
    _texts: list[Text]
    _strips: dict[int, Strip]  # the rows rendered so far, for these _texts

    def row_cap(self) -> int:
        """The most rows shown: MAX_ROWS, or a third of the screen with the borders in it."""
        return max(1, min(self.MAX_ROWS, self.app.size.height // 3 - 2))

    def input_rows(self, width: int | None = None) -> Rows:
        """The value as drawn, wrapped to the content width (or ``width``)."""
        width = self.scrollable_content_region.width if width is None else width
        return wrap(self._drawn_value(), width)

    def _drawn_value(self) -> str:
        """The value as drawn: a password as one dot a character (Input's ``password``)."""
        return "•" * len(self.value) if self.password else self.value

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        self._rows_shown = min(len(self.input_rows(width)), self.row_cap())
        return self._rows_shown

    def _fit_rows(self) -> None:
        """Size the scrolled area to the rows; re-lay-out the screen only if the height changes."""
        rows = self.input_rows()
        set_virtual_size_quietly(self, Size(rows.width, len(rows)))
        if min(len(rows), self.row_cap()) != self._rows_shown:
            self.refresh(layout=True)

    def _watch_value(self, value: str) -> None:
        """Textual 8.2.8's ``Input._watch_value`` except for how the size is set.

        The original assigns ``virtual_size`` (a layout reactive), and re-lays-out for an
        auto height, so every keystroke re-laid-out the whole screen and cost a flood-time
        frame tens of ms; here only a change in the number of rows does (``_fit_rows``). The
        rest (suggester, validation, ``Changed``, initial cursor, selection re-check) is
        unchanged.
        """
        self._fit_rows()
        self.refresh()
        self._suggestion = ""
        if self.suggester and value:
            self.run_worker(self.suggester._get_suggestion(self, value))
        validation_result = self.validate(value) if "changed" in self.validate_on else None
        self.post_message(self.Changed(self, value, validation_result))
        if self._initial_value:
            self.cursor_position = len(self.value)
            self._initial_value = False
        else:
            # Clamp the selection (and so the cursor) to the new value's length.
            self.selection = self.selection

    def on_resize(self, event: events.Resize) -> None:
        # A new width wraps the value anew; a new height moves the cursor on the screen.
        self._fit_rows()
        self._scroll_to_cursor()
        if self.has_focus:
            self.app.cursor_position = self.cursor_screen_offset

    # -- the cursor on its row ------------------------------------------------------------------

    def _cursor_cell(self) -> Offset:
        """The cursor's column and row in the wrapped value (before scrolling)."""
        rows = self.input_rows()
        index = self.cursor_position
        return Offset(rows.column_of(index), rows.row_of(index))

    def _scroll_to_cursor(self) -> None:
        column, row = self._cursor_cell()
        self.scroll_to_region(Region(column, row, 1, 1), force=True, animate=False)

    def _watch_selection(self, selection: Selection) -> None:
        """``Input._watch_selection``, scrolling to the cursor's row rather than its column."""
        self.app.clear_selection()
        self.app.cursor_position = self.cursor_screen_offset
        if not self._initial_value:
            self._scroll_to_cursor()

    @property
    def cursor_screen_offset(self) -> Offset:
        """Where the terminal's cursor goes (for IME popups): on the cursor's row."""
        x, y, _width, _height = self.content_region
        column, row = self._cursor_cell()
        scroll_x, scroll_y = self.scroll_offset
        return Offset(x + column - scroll_x, y + row - scroll_y)

    def move_cursor_row(self, step: int) -> bool:
        """Move the cursor ``step`` wrapped rows down (up if negative), keeping its column.

        False, and the cursor stays, when there is no such row: Up and Down then go on to
        the history, as WeeChat's do in a wrapped input.
        """
        rows = self.input_rows()
        column, row = self._cursor_cell()
        target = row + step
        if not 0 <= target < len(rows):
            return False
        self.cursor_position = rows.index_at(target, column)
        return True

    # -- drawing ------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        lines = self._row_texts()
        row = y + self.scroll_offset.y
        if not 0 <= row < len(lines):
            return Strip.blank(self.scrollable_content_region.width, self.rich_style)
        strip = self._strips.get(row)
        if strip is None:
            # Only the rows on screen are rendered: a long paste has many more.
            width = self.scrollable_content_region.width
            strip = (
                Strip(list(lines[row].render(self.app.console)))
                .crop(0, width)
                .extend_cell_length(width)
                .apply_style(self.rich_style)
            )
            self._strips[row] = strip
        return strip

    def _row_texts(self) -> list[Text]:
        """Every row of the value as text, styled as Input styles its one row (cached)."""
        width = self.scrollable_content_region.width
        focused = self.has_focus
        cursor_shown = focused and self._cursor_visible
        styles = (
            self.rich_style,
            self.get_component_rich_style("input--cursor"),
            self.get_component_rich_style("input--selection"),
            self.get_component_rich_style("input--placeholder"),
        )
        key = (
            self.value,
            self.password,
            self.selection,
            cursor_shown,
            focused,
            width,
            self.placeholder,
            styles,
        )
        if key == self._texts_key:
            return self._texts
        _base, cursor_style, selection_style, placeholder_style = styles
        if not self.value:
            text = Text(self.placeholder, style=placeholder_style, end="")
            if cursor_shown:
                if not text:
                    text = Text(" ", end="")
                text.stylize(cursor_style, 0, 1)
            lines = [text]
        else:
            text = Text(display_text(self._drawn_value()), end="")
            if focused and not self.selection.is_empty:
                start, end = sorted(self.selection)
                text.stylize_before(selection_style, start, end)
            if cursor_shown:
                if self.cursor_at_end:
                    text.pad_right(1)
                cursor = self.cursor_position
                text.stylize(cursor_style, cursor, cursor + 1)
            lines = list(text.divide(self.input_rows(width).starts[1:]))
        self._texts, self._texts_key, self._strips = lines, key, {}
        return lines

    # -- the mouse, on any row ------------------------------------------------------------------

    def _index_at(self, offset: Offset) -> int:
        scroll_x, scroll_y = self.scroll_offset
        return self.input_rows().index_at(offset.y + scroll_y, offset.x + scroll_x)

    async def _on_mouse_down(self, event: events.MouseDown) -> None:
        """``Input._on_mouse_down``, placing the cursor on the row clicked, not only row one.

        Input's own handler (which would put the cursor back on the column in row one) is
        skipped; Widget's, which it would have let run after it, is run here instead.
        """
        event.prevent_default()
        await self.broker_event("mouse.down", event)
        self._pause_blink(visible=True)
        self.selection = Selection.cursor(self._index_at(event.get_content_offset_capture(self)))
        self._selecting = True
        self.capture_mouse()

    async def _on_mouse_move(self, event: events.MouseMove) -> None:
        """``Input._on_mouse_move``: a drag selects across rows (instead of Input's handler)."""
        event.prevent_default()
        if self._selecting:
            start, _ = self.selection
            end = self._index_at(event.get_content_offset_capture(self))
            self.selection = Selection(start, end)


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


def paint_rows(update: object, rows: dict[int, list[str]]) -> None:
    """Write a frame's characters into ``rows`` (screen row -> its cells, one character per
    cell) for the rows ``rows`` holds: what a terminal shows there once the frame is written.

    A frame carries only what changed (the compositor's chops, or whole lines after a layout),
    so a row keeps what earlier frames put there. For benchmarks: what a frame shows, not what
    a widget would render now.
    """
    from textual._compositor import ChopsUpdate, LayoutUpdate

    def put(row: list[str], x: int, text: str, lo: int, hi: int) -> None:
        start, end = max(x, lo), min(x + len(text), hi, len(row))
        if start < end:
            row[start:end] = text[start - x : end - x]

    if isinstance(update, ChopsUpdate):
        for y, x1, x2 in update.spans:
            row = rows.get(y)
            if row is None:
                continue
            ends = update.chop_ends[y]
            for end, (x, strip) in zip(ends, update.chops[y].items(), strict=False):
                if strip is not None and x < x2 and end > x1:
                    put(row, x, strip.text, x1, x2)
    elif isinstance(update, LayoutUpdate):
        region = update.region
        for y, line in enumerate(update.strips, region.y):
            row = rows.get(y)
            if row is not None:
                put(row, region.x, "".join(strip.text for strip in line), 0, len(row))


__all__ = [
    "ESCAPE_DIGIT_UPSTREAM",
    "INPUT_COPIES_SHA256",
    "AltDigit",
    "FastInput",
    "app_driver",
    "notifications",
    "own_key_bindings",
    "paint_rows",
    "read_escape_digits_as_alt",
    "render_frame",
    "screen_strips",
    "set_virtual_size_quietly",
    "watch_frames",
]
