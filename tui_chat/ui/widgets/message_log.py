"""The message log: a virtualised view of one conversation's entries at a time.

Each conversation keeps a :class:`BufferLog` (a bounded deque of :class:`Entry`). The
:class:`MessageLog` widget shows one at a time with the Line API (like Textual's ``Log``): a
:class:`Layout` per buffer holds a height per entry (estimated from its length, made exact when
the entry is wrapped on its way to the screen) and their prefix sums for the scrollbar, so
appending is O(batch), a resize or theme change re-estimates instead of re-wrapping, and only
what is visible is ever wrapped (cached per entry). A reader who scrolled up is never moved:
new entries are counted instead and reported with :class:`MessageLog.Unseen`.
"""

from __future__ import annotations

import re
import time
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from rich.cells import cell_len
from rich.control import strip_control_codes
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...irc.formatting import parse_formatting
from ..model.entries import (
    BREAK,
    DELETED_TEXT,
    IRC,
    NICK,
    PLAIN,
    BufferLog,
    Entry,
    Part,
    quote_line,
)
from ..text import cell_safe, irc_text, nick_style, plain_text, sanitize, span_style
from ..textual_compat import set_virtual_size_quietly
from .log_layout import Layout, LayoutKey, estimate_lines, prefix_sums
from .log_styles import LogStyles, component_background, component_text_style, line_strip

REVEAL_SEARCH = 500  # entries searched from the newest for a join to show again
LOG_FRAME = 1 / 30  # seconds: the least time between two redraws of the log for new lines
ESTIMATED_TAIL = 512  # newest entries whose heights a fresh layout estimates (the rest: 1)


@dataclass(frozen=True, slots=True, eq=False)
class Highlight:
    """What search highlights: ``pattern`` in ``entries``, ``current`` the focused match."""

    pattern: re.Pattern[str]
    entries: frozenset[Entry] = frozenset()
    current: Entry | None = None


class MessageLog(ScrollView, can_focus=False):
    """Virtualised view of one :class:`BufferLog` at a time.

    Nothing is wrapped until it is about to be on screen: appending a batch costs a length
    estimate per entry, a resize re-estimates instead of re-wrapping, and hidden buffers only
    store their entries. Visible entries are wrapped (and cached per entry) before they are drawn,
    so their heights are exact wherever the reader looks.
    """

    COMPONENT_CLASSES = {
        "log--time",
        "log--text",
        "log--status",
        "log--link",
        "log--event",
        "log--notice",
        "log--info",
        "log--error",
        "log--mention",
        "log--pending",
        "log--day",
        "log--action",
        "log--separator",
        "log--match",
        "log--match-current",
    }

    class Unseen(Message):
        """How many entries arrived below a reader who scrolled up (0 when back at the end)."""

        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    def __init__(
        self,
        *,
        timestamp_format: str = "%H:%M",
        nick_column: int = 0,
        smart_filter: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.timestamp_format = timestamp_format
        # Cells of the WeeChat-style aligned nick column; 0: "<nick> text" with no column.
        self.nick_column = max(0, nick_column)
        self.smart_filter = smart_filter  # hide entries marked ``smart`` (quiet people's joins)
        self.casemapping = "ascii"
        self.buffer: BufferLog | None = None
        self.highlight: Highlight | None = None
        self._styles: LogStyles | None = None
        self._generation = 0
        self._reported_unseen = 0
        self._settling = False
        self._resettle_pending = False
        self._settle_scheduled = False
        self._settle_top: tuple[Entry, int] | None = None
        # A buffer just shown is laid out when it is first drawn, at the width it is drawn at
        # (a switch into or out of the server window changes the width; Textual draws the
        # frame before the Resize is handled): until then ``_shown_top`` is its reader's place.
        self._unsettled = False
        self._shown_top: tuple[Entry, int] | None = None
        self._last_settle = 0.0  # time.monotonic() of the last deferred settle
        # Set by the screen: while it returns True (a keystroke's frame is due) new lines wait
        # (release_redraw), so that frame draws the input alone, not every visible line too.
        self.hold_redraw: Callable[[], bool] | None = None
        self._settle_waiting = False

    # -- styles ---------------------------------------------------------------------------

    def _collect_styles(self) -> LogStyles:
        def get(name: str) -> Style:
            return component_text_style(self, name)

        def full(name: str) -> Style:
            return get(name) + component_background(self, name)

        return LogStyles(
            time=get("log--time"),
            text=get("log--text"),
            status=get("log--status"),
            link=get("log--link"),
            event=get("log--event"),
            notice=get("log--notice"),
            info=get("log--info"),
            error=get("log--error"),
            mention=component_background(self, "log--mention"),
            pending=get("log--pending"),
            day=get("log--day"),
            action=get("log--action"),
            separator=get("log--separator"),
            match=full("log--match"),
            match_current=full("log--match-current"),
            base=self.rich_style,
        )

    @property
    def styles_for_render(self) -> LogStyles:
        if self._styles is None:
            self._styles = self._collect_styles()
        return self._styles

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if not self.is_mounted:
            return
        styles = self._collect_styles()
        if styles != self._styles:
            self._styles = styles
            self._generation += 1
            self._relayout()

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._on_theme_changed)

    def on_click(self, event: events.Click) -> None:
        # Terminals open a hyperlink themselves only with a modifier while the app reports
        # the mouse: a plain click on a link opens it too. The link is one we built (http/s).
        link = event.style.link
        if link and link.startswith(("http://", "https://")):
            event.stop()
            self.app.open_url(link)

    def _on_theme_changed(self, _theme: object) -> None:
        self.notify_style_update()

    def set_look(self, *, nick_column: int | None = None, smart_filter: bool | None = None) -> None:
        """Change the nick column or the smart filter: every buffer is laid out again."""
        if nick_column is not None:
            self.nick_column = max(0, nick_column)
        if smart_filter is not None:
            self.smart_filter = smart_filter
        self._generation += 1
        self._relayout()

    # -- rendering one entry --------------------------------------------------------------

    @property
    def _wrap_width(self) -> int:
        return max(1, self.scrollable_content_region.width)

    def _layout_key(self) -> LayoutKey:
        return (self._wrap_width, self._generation, self.timestamp_format, self.casemapping)

    def _render_parts(self, parts: Sequence[Part], base: Style | None = None) -> Text:
        text = Text()
        for role, value in parts:
            if role == NICK:
                text.append_text(plain_text(value, style=nick_style(value, self.casemapping)))
            elif role == IRC:
                text.append_text(irc_text(value, link=self.styles_for_render.link))
            elif role == PLAIN:
                text.append_text(plain_text(value))
            elif role == BREAK:
                text.append("\n")  # the next line of a multi-line message, under the same nick
            else:
                # Our own words, but a hint may name a room or a nick a server chose: controls
                # go here too, so no f-string can carry an escape sequence to the terminal.
                text.append(sanitize(value))
        if base is not None:
            text.stylize_before(base)
        return text

    def render_entry(self, entry: Entry) -> tuple[Text, Text]:
        """The prefix (time and nick column) and the body of an entry, styled."""
        st = self.styles_for_render
        if entry.kind == "day":
            return Text(), Text(f"── {entry.plain} ──", style=st.day)
        if entry.kind == "separator":
            return Text(), Text(f"── {entry.plain} ──", style=st.separator)
        stamp = entry.time.astimezone().strftime(self.timestamp_format)
        # The time, brackets and glyphs are quiet; the text people said is the brightest thing
        # (log--text), and a continuation line gets the same style as the first.
        prefix = Text()
        prefix.append(stamp, style=st.time)
        prefix.append(" ")
        label = Text()
        nick = None
        kind = entry.kind
        if kind in ("message", "action", "notice"):
            nick = plain_text(entry.nick, style=nick_style(entry.nick, self.casemapping))
            who = Text()
            if entry.prefix and kind != "notice":
                who.append(sanitize(entry.prefix), style=st.status)  # the server's chars
            who.append_text(nick)
        if kind == "message":
            if self.nick_column:
                label = who
            else:
                label.append("<", style=st.time)
                label.append_text(who)
                label.append(">", style=st.time)
            body = self._render_parts(entry.parts, st.text)
        elif kind == "action":
            body = self._render_parts(entry.parts, st.text + st.action)
            if self.nick_column:
                label.append("*", style=st.action)
                body = Text.assemble(who, " ", body)
            else:
                label.append("* ", style=st.action)
                label.append_text(who)
        elif kind == "notice":
            label.append("-", style=st.notice)
            label.append_text(who)
            label.append("-", style=st.notice)
            body = self._render_parts(entry.parts, st.notice)
        else:
            style = {"event": st.event, "info": st.info, "error": st.error}.get(kind, st.info)
            label.append(entry.glyph or "--", style=style)
            body = self._render_parts(entry.parts, style)
        if entry.deleted and nick is not None:
            body = Text(DELETED_TEXT, style=st.event)
        quote = quote_line(entry) if nick is not None else None
        if quote is not None:
            # A peer's nick and words: sanitised, and a Text, never markup.
            body = Text.assemble(Text(sanitize(quote), style=st.event), " ", body)
        column = self.nick_column
        if column:
            if label.cell_len > column:
                # WeeChat's mark of a cut nick: the column stays aligned whatever the nick.
                label.truncate(column - 1)
                label.append("+", style=st.time)
            prefix.append(" " * (column - label.cell_len))
            prefix.append_text(label)
            prefix.append(" │", style=st.time)
        else:
            prefix.append_text(label)
        nick_at = prefix.cell_len  # where a search match in the nick is looked for, from here
        prefix.append(" ")
        highlight = self.highlight
        if highlight is not None and entry in highlight.entries:
            style = st.match_current if entry is highlight.current else st.match
            body.highlight_regex(highlight.pattern, style)
            if nick is not None and highlight.pattern.search(nick.plain):
                start = prefix.plain.rfind(nick.plain, len(stamp), nick_at)
                for m in highlight.pattern.finditer(nick.plain):
                    if start >= 0 and m.end() > m.start():
                        prefix.stylize(style, start + m.start(), start + m.end())
        if entry.pending:
            prefix.stylize(st.pending)
            note = {"sent": " (sending…)", "failed": " (not delivered)"}.get(
                entry.pending, " (queued)"
            )
            body.append(note, style=st.error if entry.pending == "failed" else st.pending)
            body.stylize(st.pending)
        return prefix, body

    def wrap_entry(self, entry: Entry, width: int | None = None) -> list[Text]:
        console = self.app.console
        width = width or self._wrap_width
        prefix, body = self.render_entry(entry)
        body.overflow = "fold"
        indent = prefix.cell_len
        if indent + body.cell_len <= width and "\n" not in body.plain:
            lines = [prefix + body]  # fits on one line: the common case, no wrapping needed
        elif width - indent < 12:
            lines = list((prefix + body).wrap(console, width))
        else:
            wrapped = body.wrap(console, width - indent)
            if self.nick_column and entry.kind not in ("day", "separator"):
                pad = Text(" " * (indent - 2))
                pad.append("│", style=self.styles_for_render.time)
                pad.append(" ")
            else:
                pad = Text(" " * indent)
            lines = [(prefix if i == 0 else pad) + line for i, line in enumerate(wrapped)]
            if not lines:
                lines = [prefix]
        if entry.mention:
            mention = self.styles_for_render.mention
            for line in lines:
                line.rstrip()
                line.pad_right(max(0, width - line.cell_len))
                line.stylize_before(mention)
        for line in lines:
            line.no_wrap = True
            line.end = ""
        return lines

    # -- the layout -----------------------------------------------------------------------

    def _sync(self, buffer: BufferLog) -> Layout:
        """``buffer``'s layout for the current width and styles, with every entry accounted for.

        Costs an estimate per entry added since the last call (or per entry when the width,
        the styles or the order of entries changed); wraps nothing.
        """
        key = self._layout_key()
        layout = buffer.layout
        entries = buffer.entries
        total = buffer.dropped + len(entries)
        if layout is not None and layout.key == key and layout.version == buffer.version:
            new = total - (layout.base + len(layout.heights))
            if new <= len(entries):
                if new > 0:
                    width, stamp_len = key[0], layout.stamp_len
                    estimate = estimate_lines
                    heights = layout.heights
                    column, smart = self.nick_column, self.smart_filter
                    for entry in islice(entries, len(entries) - new, None):
                        heights.append(estimate(entry, width, stamp_len, column, smart))
                    layout.exact.extend(bytes(new))
                start = buffer.dropped - layout.base
                if start > 4096 and start * 2 > len(layout.heights):
                    del layout.heights[:start]
                    del layout.exact[:start]
                    layout.base = buffer.dropped
                    layout.cum = prefix_sums()
                return layout
        stamp_len = len(datetime.now().strftime(self.timestamp_format))
        fresh = Layout(key, buffer.version, buffer.dropped, stamp_len)
        if layout is not None and layout.key == key:
            fresh.wraps = layout.wraps  # keyed by entry: still right after an insert
        width = key[0]
        column, smart = self.nick_column, self.smart_filter
        # Only the newest entries are estimated: a switch to a room of 10,000 lines, or a
        # resize, costs the same as one of a few hundred. Older ones count one line each until
        # they come into view (and are wrapped) or a scroll settles near them.
        count = len(entries)
        tail = min(count, ESTIMATED_TAIL)
        fresh.heights = array("I", [1]) * (count - tail)
        fresh.heights.extend(
            estimate_lines(entry, width, stamp_len, column, smart)
            for entry in islice(entries, count - tail, None)
        )
        fresh.exact = bytearray(count)
        buffer.layout = fresh
        return fresh

    def _strips(self, layout: Layout, a: int, entry: Entry) -> list[Strip]:
        """The wrapped, rendered lines of absolute entry ``a`` (cached); makes its height exact."""
        if entry.smart and self.smart_filter:
            # Hidden by the smart filter: no lines, and no room taken in the wrap cache (a join
            # flood would push out every visible line). The filter's state is in the layout key.
            if not layout.exact[a] or layout.heights[a]:
                layout.set_height(a, 0)
            return []
        strips = layout.wraps.get(entry)
        if strips is None:
            console = self.app.console
            width = layout.key[0]
            base = self.styles_for_render.base
            strip = self._message_strip(entry, width, base)
            if strip is not None:
                strips = [strip]
            else:
                strips = [
                    line_strip(line, console, width, base) for line in self.wrap_entry(entry, width)
                ]
            layout.wraps[entry] = strips
        if not layout.exact[a] or layout.heights[a] != len(strips):
            layout.set_height(a, len(strips))
        return strips

    def _message_strip(self, entry: Entry, width: int, base: Style) -> Strip | None:
        """The one line of a plain channel message that fits, built straight as segments.

        The common case in a busy room, so it skips Rich ``Text`` (building, wrapping and
        rendering it cost most of an entry's time) and makes the same segments, with the same
        styles, that ``render_entry`` + ``wrap_entry`` + :func:`line_strip` would. None when the
        entry needs the general path (another kind, pending, a mention, highlighted, too long).
        """
        if entry.kind != "message" or entry.pending or entry.mention or self.nick_column:
            return None
        if entry.reply_to or entry.deleted:
            return None  # a quote before the text, or the deleted placeholder
        parts = entry.parts
        if len(parts) != 1 or parts[0][0] != IRC or "://" in parts[0][1]:
            return None  # links are styled by the general path
        highlight = self.highlight
        if highlight is not None and entry in highlight.entries:
            return None
        nick = strip_control_codes(sanitize(entry.nick))
        if not nick:
            return None
        st = self.styles_for_render
        on_time = base + st.time
        text_style = st.text
        stamp = strip_control_codes(entry.time.astimezone().strftime(self.timestamp_format))
        # As Rich renders ``prefix + body``: every span boundary starts a new segment, and
        # the body's own style (log--text) is under each of its formatting spans.
        segments = [Segment(stamp, on_time), Segment(" ", base), Segment("<", on_time)]
        cells = cell_len(stamp) + 4 + cell_len(nick)
        if entry.prefix:
            status = strip_control_codes(sanitize(entry.prefix))
            if status:
                segments.append(Segment(status, base + st.status))
                cells += cell_len(status)
        segments += [
            Segment(nick, base + nick_style(entry.nick, self.casemapping)),
            Segment(">", on_time),
            Segment(" ", base),
        ]
        plain = ""
        on_text = base + text_style
        for span in parse_formatting(parts[0][1].replace("\t", " ")):
            text = strip_control_codes(cell_safe(span.text))
            if not text or "\n" in text:
                return None
            cells += cell_len(text)
            if span.plain:
                plain += text
                continue
            if plain:
                segments.append(Segment(plain, on_text))
                plain = ""
            segments.append(Segment(text, base + (text_style + span_style(span))))
        if plain:
            segments.append(Segment(plain, on_text))
        if cells > width:
            return None
        if cells < width:
            segments.append(Segment(" " * (width - cells), base))
        return Strip(segments, width)

    def line_count(self) -> int:
        """Lines of the shown buffer at the current width (exact where it has been drawn)."""
        self._settle_for_size()
        buffer = self.buffer
        if buffer is None or buffer.layout is None:
            return 0
        layout = buffer.layout
        start = buffer.dropped - layout.base
        return layout.prefix(len(layout.heights)) - layout.prefix(start)

    def _top(self) -> tuple[Entry, int] | None:
        """The entry at the top of the view and the line within it (None when following)."""
        buffer = self.buffer
        if buffer is None or buffer.following or not buffer.entries:
            return None
        if self._unsettled:
            return self._shown_top
        layout = buffer.layout
        if layout is None or layout.version != buffer.version or layout.key != self._layout_key():
            layout = self._sync(buffer)
        start = buffer.dropped - layout.base
        if start >= len(layout.heights):
            return None
        a, within = layout.find(start, round(self.scroll_y))
        return buffer.entries[a - start], within

    def _settle(self, top: tuple[Entry, int] | None = None) -> None:
        """Wrap what is on screen so its heights are exact, set the virtual size and scroll.

        Following: the view ends at the newest line. Otherwise the line ``top`` (an entry and
        a line within it, by default the one at the top now) stays at the top.
        """
        buffer = self.buffer
        if buffer is None or not self.is_mounted or self.scrollable_content_region.width <= 0:
            return
        if self._settling:
            return
        if self._unsettled:
            self._unsettled = False
            if top is None:
                top = self._shown_top
            self._shown_top = None
        self._settling = True
        self._settle_scheduled = False
        self._settle_top = None
        try:
            height = max(1, self.scrollable_content_region.height)
            if len(buffer.entries) > height and not self.show_vertical_scrollbar:
                # At least a line per entry: the scrollbar will show and narrow the log. Show it
                # first, so that the layout is made once, at the width it is drawn at.
                set_virtual_size_quietly(self, Size(self._wrap_width, len(buffer.entries)))
            layout = self._sync(buffer)
            entries = buffer.entries
            start = buffer.dropped - layout.base
            end = len(layout.heights)
            if buffer.following:
                covered = 0
                a = end - 1
                while a >= start and covered < height:
                    covered += len(self._strips(layout, a, entries[a - start]))
                    a -= 1
                self._set_lines(layout.prefix(end) - layout.prefix(start))
                self.scroll_end(animate=False, immediate=True, x_axis=False)
                return
            if top is None:
                a, within = layout.find(start, round(self.scroll_y)) if end > start else (0, 0)
            else:
                entry, within = top
                index = buffer.index_of(entry)
                if index is None:
                    a, within = start, 0
                else:
                    a = start + index
            if end <= start:
                self._set_lines(0)
                return
            first = a
            covered = -within
            while a < end and covered < height:
                covered += len(self._strips(layout, a, entries[a - start]))
                a += 1
            within = max(0, min(within, layout.heights[first] - 1))
            self._set_lines(layout.prefix(end) - layout.prefix(start))
            y = layout.prefix(first) - layout.prefix(start) + within
            if round(self.scroll_y) != y:
                self.scroll_to(y=y, animate=False, immediate=True)
        finally:
            self._settling = False

    def _set_lines(self, lines: int) -> None:
        if set_virtual_size_quietly(self, Size(self._wrap_width, lines)):
            self.refresh()

    def _resettle(self) -> None:
        self._resettle_pending = False
        self._settle(self._top())
        self.refresh()

    # -- showing and scrolling -------------------------------------------------------------

    @property
    def following(self) -> bool:
        return self.buffer is not None and self.buffer.following

    def show(self, buffer: BufferLog) -> None:
        """Display ``buffer``, restoring where its reader was.

        Nothing is laid out here: the width may be about to change (the user list shows or
        hides with the kind of conversation), so the buffer is settled when it is drawn."""
        old = self.buffer
        if old is not None and old is not buffer:
            old.following = self._at_end()
            old.saved_top = None if old.following else self._top()
        self.buffer = buffer
        self._shown_top = None if buffer.following else buffer.saved_top
        buffer.saved_top = None
        self._unsettled = True
        self._report_unseen()
        self.refresh()

    def _settle_for_size(self) -> bool:
        """Settle the shown buffer if it is not settled for the size the log has now (just
        shown, or a width not yet heard of through a Resize); True when it was not."""
        buffer = self.buffer
        if buffer is None:
            return False
        if self._unsettled:
            self._settle()
            return True
        layout = buffer.layout
        if layout is None or layout.key != self._layout_key():
            self._relayout()
            return True
        return False

    def _at_end(self) -> bool:
        if self._unsettled and self.buffer is not None:
            return self.buffer.following
        return self.scroll_y >= self.max_scroll_y

    def _relayout(self) -> None:
        """The width or the styles changed: re-estimate (nothing is wrapped until seen)."""
        buffer = self.buffer
        if buffer is None or not self.is_mounted:
            return
        if self._unsettled:
            self._settle()  # where its reader was is already known
            self.refresh()
            return
        old = buffer.layout
        top = None
        if not buffer.following and old is not None and old.version == buffer.version:
            start = buffer.dropped - old.base
            if start < len(old.heights):
                a, within = old.find(start, round(self.scroll_y))
                top = (buffer.entries[a - start], within)
        self._settle(top)
        self.refresh()

    def on_resize(self) -> None:
        # Usually settled already, by the frame drawn before this event is handled.
        if self.buffer is not None and not self._settle_for_size():
            self._settle()

    def append(self, buffer: BufferLog, entries: Iterable[Entry]) -> int:
        """Add entries to ``buffer`` (shown or not); returns how many were added.

        A hidden buffer only stores them; the shown one is brought up to date once per call.
        """
        shown = buffer is self.buffer and self.is_mounted
        if shown:
            following = buffer.following or self._at_end()
            top = None if following else self._top()
        else:
            following = buffer.following
            top = None
        added_count = 0
        push = buffer.push
        for entry in entries:
            added, _ = push(entry)
            added_count += len(added)
        if not following:
            buffer.unseen += added_count
        if not shown:
            return added_count
        buffer.following = following
        # New lines are wrapped and drawn at most once per LOG_FRAME, however many slices of
        # network events arrive meanwhile: in a flood each redraw of the log re-renders every
        # visible line (they all moved), and a keypress's frame waits behind it. Nothing is
        # repainted here: the log is only redrawn once it is settled (a redraw before would
        # draw it unsettled, for nothing). Quiet, the lines show at the next idle moment.
        if not self._settle_scheduled:
            self._settle_scheduled = True
            self._settle_top = top
            wait = self._last_settle + LOG_FRAME - time.monotonic()
            if wait > 0:
                self.set_timer(wait, self._deferred_settle, name="log-settle")
            else:
                self.call_after_refresh(self._deferred_settle)
        self._report_unseen()
        return added_count

    def release_redraw(self) -> None:
        """The keystroke's frame is drawn: new lines held back meanwhile are drawn now."""
        if self._settle_waiting:
            self._settle_waiting = False
            self._deferred_settle()

    def _deferred_settle(self) -> None:
        if self._settle_scheduled:
            if self.hold_redraw is not None and self.hold_redraw():
                self._settle_waiting = True
                return
            self._last_settle = time.monotonic()
            self._settle(self._settle_top)
            self.refresh()

    def insert(self, buffer: BufferLog, index: int, entries: Sequence[Entry]) -> None:
        """Insert ``entries`` at ``index`` (history arriving after newer lines)."""
        shown = buffer is self.buffer and self.is_mounted
        following = shown and (buffer.following or self._at_end())
        top = self._top() if shown and not following else None
        buffer.insert(index, entries)
        if shown:
            buffer.following = following
            self._settle(top)
            self.refresh()

    def update_entry(self, buffer: BufferLog, entry: Entry) -> None:
        """Re-render one entry whose state changed (a pending line delivered)."""
        self.invalidate(buffer, [entry])

    def invalidate(self, buffer: BufferLog, entries: Iterable[Entry]) -> None:
        """Drop the cached rendering of ``entries`` (state or highlighting changed)."""
        layout = buffer.layout
        if layout is None:
            return
        shown = buffer is self.buffer and self.is_mounted
        top = self._top() if shown else None
        for entry in entries:
            if entry in layout.wraps:
                layout.wraps.discard(entry)
                if layout.version == buffer.version:
                    index = buffer.index_of(entry)
                    if index is not None:
                        a = buffer.dropped - layout.base + index
                        if 0 <= a < len(layout.exact):
                            layout.exact[a] = False
        if shown:
            self._settle(top)
            self.refresh()

    def reveal(self, buffer: BufferLog, entry: Entry) -> None:
        """Show a join the smart filter hid, now that its nick has spoken (WeeChat's unmask).

        Only among the last :data:`REVEAL_SEARCH` entries: the join is recent, and the search
        stays bounded in a flood of newcomers saying hello. An older one stays hidden.
        """
        entries = buffer.entries
        n = len(entries)
        for i in range(n - 1, max(-1, n - 1 - REVEAL_SEARCH), -1):
            if entries[i] is entry:
                break
        else:
            return
        entry.smart = False
        layout = buffer.layout
        if layout is None or layout.version != buffer.version:
            return  # laid out afresh (with the entry shown) when next synced
        a = buffer.dropped - layout.base + i
        if not 0 <= a < len(layout.heights):
            return  # not laid out yet: it is estimated as shown when it is
        shown = buffer is self.buffer and self.is_mounted
        top = self._top() if shown else None
        width, stamp_len = layout.key[0], layout.stamp_len
        layout.wraps.discard(entry)
        estimate = estimate_lines(entry, width, stamp_len, self.nick_column, self.smart_filter)
        layout.set_height(a, estimate, exact=False)
        if shown:
            self._settle(top)
            self.refresh()

    def set_highlight(self, highlight: Highlight | None) -> None:
        """Highlight search matches in the shown buffer (None: none)."""
        old = self.highlight
        self.highlight = highlight
        if self.buffer is None:
            return
        changed: set[Entry] = set()
        for h in (old, highlight):
            if h is not None:
                changed |= h.entries
        self.invalidate(self.buffer, changed)

    def scroll_to_entry(self, entry: Entry) -> None:
        """Show ``entry`` a third of the way down the view, leaving the reader scrolled up."""
        buffer = self.buffer
        if buffer is None:
            return
        index = buffer.index_of(entry)
        if index is None:
            return
        layout = self._sync(buffer)
        start = buffer.dropped - layout.base
        a = start + index
        above = max(0, self.scrollable_content_region.height // 3)
        # Step back ``above`` lines from the entry, entry by entry (exact heights near it).
        within = 0
        while above > 0 and a > start:
            a -= 1
            lines = len(self._strips(layout, a, buffer.entries[a - start]))
            if lines >= above:
                within = lines - above
                above = 0
            else:
                above -= lines
        buffer.following = False
        self._settle((buffer.entries[a - start], within))
        if self._at_end():
            buffer.following = True
        self.refresh()

    def clear_buffer(self, buffer: BufferLog) -> None:
        buffer.clear()
        if buffer is self.buffer:
            self.show(buffer)

    def jump_to_end(self) -> None:
        if self.buffer is None:
            return
        self.buffer.following = True
        self._settle()
        self.buffer.unseen = 0
        self._report_unseen()
        self.refresh()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        buffer = self.buffer
        if buffer is None or self._settling or self._unsettled:
            return  # unsettled: the scroll offset is still the last buffer's
        if new_value >= self.max_scroll_y:
            buffer.following = True
            if buffer.unseen:
                buffer.unseen = 0
                self._report_unseen()
        elif new_value < old_value:
            buffer.following = False
        self._settle()

    def _report_unseen(self) -> None:
        count = self.buffer.unseen if self.buffer is not None else 0
        if count != self._reported_unseen:
            self._reported_unseen = count
            self.post_message(self.Unseen(count))

    # -- rendering ----------------------------------------------------------------------

    def _strip_at(self, index: int) -> Strip | None:
        """The rendered line ``index`` of the shown buffer (None past the end)."""
        buffer = self.buffer
        if buffer is None:
            return None
        layout = buffer.layout
        if layout is None or layout.version != buffer.version or not buffer.entries:
            return None
        start = buffer.dropped - layout.base
        end = len(layout.heights)
        if end <= start or index >= layout.prefix(end) - layout.prefix(start):
            return None
        a, within = layout.find(start, index)
        if a - start >= len(buffer.entries):
            return None
        was_exact = layout.exact[a] and layout.heights[a]
        strips = self._strips(layout, a, buffer.entries[a - start])
        if was_exact != len(strips) and not self._resettle_pending:
            # Drawn before it was settled (a scroll the view did not hear about): fix up after.
            self._resettle_pending = True
            self.call_after_refresh(self._resettle)
        return strips[within] if within < len(strips) else None

    def render_line(self, y: int) -> Strip:
        self._settle_for_size()  # before the scroll offset is read: settling may move it
        scroll_x, scroll_y = self.scroll_offset
        strip = self._strip_at(scroll_y + y)
        if strip is not None and not scroll_x and strip.cell_length == self._wrap_width:
            return strip  # stored cropped to the width, with the widget's style applied
        width = self.scrollable_content_region.width
        base = self.styles_for_render.base
        if strip is None:
            return Strip.blank(width, base)
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def visible_text(self) -> list[str]:
        """The plain text of the lines currently on screen (tests, screenshots)."""
        self._settle_for_size()
        top = round(self.scroll_y)
        height = self.scrollable_content_region.height
        lines = []
        for i in range(top, top + height):
            strip = self._strip_at(i)
            if strip is None:
                break
            lines.append(strip.text.rstrip())
        return lines
