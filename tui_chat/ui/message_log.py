"""The message log: a bounded model of entries per conversation and a virtualised view of it.

Each conversation keeps a :class:`BufferLog` (a bounded deque of :class:`Entry`). The
:class:`MessageLog` widget wraps entries into lines for its current width and theme (a
:class:`Layout`), renders only the visible lines (Line API, like Textual's ``Log``), and rebuilds
the layout from the entries on resize or theme change. A reader who scrolled up is never moved:
new entries are counted instead and reported with :class:`MessageLog.Unseen`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import islice

from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .text import irc_text, nick_style, plain_text

# Part roles: our own literal words, a remote nick, remote text with mIRC formatting, remote
# text shown without formatting (channel names, hosts).
LIT, NICK, IRC, PLAIN = "lit", "nick", "irc", "plain"

Part = tuple[str, str]


@dataclass(slots=True, eq=False)
class Entry:
    """One line of conversation, as a model: rendering happens in :class:`MessageLog`.

    ``kind`` is ``message``, ``action``, ``notice``, ``event`` (join/part/quit/nick/kick/topic/
    mode, shown quieter), ``info``, ``error`` or ``day``. Mutable only for pending state, and
    only on the UI thread.
    """

    time: datetime
    kind: str
    nick: str = ""
    parts: tuple[Part, ...] = ()
    glyph: str = ""
    mention: bool = False
    is_self: bool = False
    pending: str | None = None  # "queued" or "sent" until delivered, then None
    pending_id: str | None = None

    @property
    def plain(self) -> str:
        """Text content without styles (tests, notifications)."""
        return "".join(text for _, text in self.parts)


def event_entry(time: datetime, glyph: str, *parts: Part) -> Entry:
    return Entry(time=time, kind="event", parts=tuple(parts), glyph=glyph)


def info_entry(text: str, *, error: bool = False, time: datetime | None = None) -> Entry:
    """A line of our own (hints, status); ``text`` is trusted and shown literally."""
    kind = "error" if error else "info"
    return Entry(
        time=time or datetime.now(UTC),
        kind=kind,
        parts=((LIT, text),),
        glyph="!!" if error else "--",
    )


class BufferLog:
    """The bounded list of entries of one conversation, plus its layout cache and scroll state."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.entries: deque[Entry] = deque()
        self.layout: Layout | None = None
        self.last_day: date | None = None
        self.anchor: int | None = None  # scroll_y when the reader had scrolled up, else None
        self.unseen = 0

    def push(self, entry: Entry) -> tuple[list[Entry], int]:
        """Add an entry (after a day-change line when the local date changed).

        Returns the entries added and how many old entries were dropped from the front.
        """
        added: list[Entry] = []
        if entry.kind != "day":
            day = entry.time.astimezone().date()
            if self.last_day is not None and day != self.last_day:
                added.append(
                    Entry(
                        time=entry.time,
                        kind="day",
                        parts=((LIT, day.strftime("%A %d %B %Y")),),
                    )
                )
            self.last_day = day
        added.append(entry)
        self.entries.extend(added)
        dropped = 0
        while len(self.entries) > self.limit:
            self.entries.popleft()
            dropped += 1
        return added, dropped

    def clear(self) -> None:
        self.entries.clear()
        self.layout = None
        self.anchor = None
        self.unseen = 0

    def index_of(self, entry: Entry) -> int | None:
        """Index of ``entry`` searching from the newest (pending lines are recent)."""
        for i in range(len(self.entries) - 1, -1, -1):
            if self.entries[i] is entry:
                return i
        return None


@dataclass(slots=True)
class Layout:
    """Wrapped lines for every entry of a buffer at one width and set of styles."""

    key: tuple
    lines: list[Text] = field(default_factory=list)
    start: int = 0  # lines[start:] are live; the front is dropped lazily
    counts: deque[int] = field(default_factory=deque)  # lines per entry

    @property
    def line_count(self) -> int:
        return len(self.lines) - self.start

    def line(self, y: int) -> Text:
        return self.lines[self.start + y]

    def append(self, lines: list[Text]) -> None:
        self.lines.extend(lines)
        self.counts.append(len(lines))

    def drop_front(self, entries: int) -> int:
        removed = 0
        for _ in range(min(entries, len(self.counts))):
            removed += self.counts.popleft()
        self.start += removed
        if self.start > 4096 and self.start * 2 > len(self.lines):
            del self.lines[: self.start]
            self.start = 0
        return removed

    def offset_of(self, index: int) -> int:
        return sum(islice(self.counts, index))

    def replace(self, index: int, lines: list[Text]) -> int:
        """Replace entry ``index``'s lines; returns the change in line count."""
        offset = self.start + self.offset_of(index)
        old = self.counts[index]
        self.lines[offset : offset + old] = lines
        self.counts[index] = len(lines)
        return len(lines) - old

    def entry_at_line(self, y: int) -> int:
        total = 0
        for i, count in enumerate(self.counts):
            total += count
            if total > y:
                return i
        return max(0, len(self.counts) - 1)


@dataclass(frozen=True, slots=True)
class LogStyles:
    time: Style
    event: Style
    notice: Style
    info: Style
    error: Style
    mention: Style
    pending: Style
    day: Style
    action: Style


class MessageLog(ScrollView, can_focus=False):
    """Virtualised view of one :class:`BufferLog` at a time."""

    COMPONENT_CLASSES = {
        "log--time",
        "log--event",
        "log--notice",
        "log--info",
        "log--error",
        "log--mention",
        "log--pending",
        "log--day",
        "log--action",
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
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.timestamp_format = timestamp_format
        self.casemapping = "ascii"
        self.buffer: BufferLog | None = None
        self._styles: LogStyles | None = None
        self._generation = 0
        self._strip_cache: LRUCache[int, Strip] = LRUCache(1024)
        self._reported_unseen = 0

    # -- styles and layout ----------------------------------------------------------------

    def _collect_styles(self) -> LogStyles:
        def get(name: str) -> Style:
            return component_text_style(self, name)

        return LogStyles(
            time=get("log--time"),
            event=get("log--event"),
            notice=get("log--notice"),
            info=get("log--info"),
            error=get("log--error"),
            mention=component_background(self, "log--mention"),
            pending=get("log--pending"),
            day=get("log--day"),
            action=get("log--action"),
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

    def _on_theme_changed(self, _theme: object) -> None:
        self.notify_style_update()

    @property
    def _wrap_width(self) -> int:
        return max(1, self.scrollable_content_region.width)

    def _layout_key(self) -> tuple:
        return (self._wrap_width, self._generation, self.timestamp_format, self.casemapping)

    def _render_parts(self, parts: Sequence[Part], base: Style | None = None) -> Text:
        text = Text()
        for role, value in parts:
            if role == NICK:
                text.append_text(plain_text(value, style=nick_style(value, self.casemapping)))
            elif role == IRC:
                text.append_text(irc_text(value))
            elif role == PLAIN:
                text.append_text(plain_text(value))
            else:
                text.append(value)
        if base is not None:
            text.stylize_before(base)
        return text

    def render_entry(self, entry: Entry) -> tuple[Text, Text]:
        """The prefix (time and nick column) and the body of an entry, styled."""
        st = self.styles_for_render
        if entry.kind == "day":
            body = Text(f"── {entry.plain} ──", style=st.day)
            return Text(), body
        stamp = entry.time.astimezone().strftime(self.timestamp_format)
        prefix = Text(stamp + " ", style=st.time)
        if entry.kind == "message":
            prefix.append_text(
                plain_text(entry.nick, style=nick_style(entry.nick, self.casemapping))
            )
            body = self._render_parts(entry.parts)
        elif entry.kind == "action":
            prefix.append("* ", style=st.action)
            prefix.append_text(
                plain_text(entry.nick, style=nick_style(entry.nick, self.casemapping))
            )
            body = self._render_parts(entry.parts, st.action)
        elif entry.kind == "notice":
            prefix.append("-", style=st.notice)
            prefix.append_text(
                plain_text(entry.nick, style=nick_style(entry.nick, self.casemapping))
            )
            prefix.append("-", style=st.notice)
            body = self._render_parts(entry.parts, st.notice)
        else:
            style = {"event": st.event, "info": st.info, "error": st.error}.get(entry.kind, st.info)
            prefix.append(entry.glyph or "--", style=style)
            body = self._render_parts(entry.parts, style)
        prefix.append(" ")
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
        if width - indent < 12:
            lines = list((prefix + body).wrap(console, width))
        else:
            wrapped = body.wrap(console, width - indent)
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

    def build_layout(self, buffer: BufferLog) -> Layout:
        layout = Layout(key=self._layout_key())
        width = self._wrap_width
        for entry in buffer.entries:
            layout.append(self.wrap_entry(entry, width))
        buffer.layout = layout
        return layout

    def layout_for(self, buffer: BufferLog) -> Layout | None:
        if self.scrollable_content_region.width <= 0:
            return None
        layout = buffer.layout
        if layout is not None and layout.key == self._layout_key():
            return layout
        return None

    # -- showing and scrolling -------------------------------------------------------------

    @property
    def following(self) -> bool:
        return self.buffer is not None and self.buffer.anchor is None

    def show(self, buffer: BufferLog) -> None:
        """Display ``buffer``, restoring where its reader was."""
        if self.buffer is not None and self.buffer is not buffer:
            self.buffer.anchor = None if self._at_end() else round(self.scroll_y)
        self.buffer = buffer
        self._strip_cache.clear()
        layout = self.layout_for(buffer) or self.build_layout(buffer)
        self.virtual_size = Size(self._wrap_width, layout.line_count)
        if buffer.anchor is None:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        else:
            self.scroll_to(y=buffer.anchor, animate=False, immediate=True)
        self._report_unseen()
        self.refresh()

    def _at_end(self) -> bool:
        return self.scroll_y >= self.max_scroll_y

    def _relayout(self) -> None:
        buffer = self.buffer
        if buffer is None or not self.is_mounted:
            return
        old = buffer.layout
        top_entry = None
        if buffer.anchor is not None and old is not None and old.line_count:
            top_entry = old.entry_at_line(round(self.scroll_y))
        layout = self.build_layout(buffer)
        self._strip_cache.clear()
        self.virtual_size = Size(self._wrap_width, layout.line_count)
        if top_entry is None:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        else:
            buffer.anchor = layout.offset_of(top_entry)
            self.scroll_to(y=buffer.anchor, animate=False, immediate=True)
        self.refresh()

    def on_resize(self) -> None:
        if self.buffer is not None and self.layout_for(self.buffer) is None:
            self._relayout()

    def append(self, buffer: BufferLog, entries: Iterable[Entry]) -> int:
        """Add entries to ``buffer`` (shown or not); returns how many were added."""
        shown = buffer is self.buffer and self.is_mounted
        layout = self.layout_for(buffer) if self.is_mounted else None
        if layout is None:
            buffer.layout = None
        following = (
            buffer.anchor is None if not shown else (buffer.anchor is None or self._at_end())
        )
        width = self._wrap_width
        added_count = 0
        dropped_lines = 0
        for entry in entries:
            added, dropped = buffer.push(entry)
            added_count += len(added)
            if layout is not None:
                if dropped:
                    dropped_lines += layout.drop_front(dropped)
                for item in added:
                    layout.append(self.wrap_entry(item, width))
        if not following:
            buffer.unseen += added_count
        if not shown:
            if not following and buffer.anchor is not None:
                buffer.anchor = max(0, buffer.anchor - dropped_lines)
            return added_count
        if layout is None:
            layout = self.build_layout(buffer)
        if dropped_lines:
            self._strip_cache.clear()
        self.virtual_size = Size(width, layout.line_count)
        if following:
            buffer.anchor = None
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        else:
            buffer.anchor = max(0, round(self.scroll_y) - dropped_lines)
            if dropped_lines:
                self.scroll_to(y=buffer.anchor, animate=False, immediate=True)
        self._report_unseen()
        self.refresh()
        return added_count

    def update_entry(self, buffer: BufferLog, entry: Entry) -> None:
        """Re-render one entry whose state changed (a pending line delivered)."""
        layout = self.layout_for(buffer) if self.is_mounted else None
        if layout is None:
            return
        index = buffer.index_of(entry)
        if index is None:
            return
        delta = layout.replace(index, self.wrap_entry(entry))
        if buffer is self.buffer:
            self._strip_cache.clear()
            if delta:
                following = self._at_end()
                self.virtual_size = Size(self._wrap_width, layout.line_count)
                if following:
                    self.scroll_end(animate=False, immediate=True, x_axis=False)
            self.refresh()

    def clear_buffer(self, buffer: BufferLog) -> None:
        buffer.clear()
        if buffer is self.buffer:
            self.show(buffer)

    def jump_to_end(self) -> None:
        if self.buffer is None:
            return
        self.buffer.anchor = None
        self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.buffer.unseen = 0
        self._report_unseen()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        buffer = self.buffer
        if buffer is None:
            return
        if new_value >= self.max_scroll_y:
            buffer.anchor = None
            if buffer.unseen:
                buffer.unseen = 0
                self._report_unseen()
        elif new_value < old_value:
            buffer.anchor = round(new_value)

    def _report_unseen(self) -> None:
        count = self.buffer.unseen if self.buffer is not None else 0
        if count != self._reported_unseen:
            self._reported_unseen = count
            self.post_message(self.Unseen(count))

    # -- rendering ----------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        base = self.rich_style
        buffer = self.buffer
        layout = buffer.layout if buffer is not None else None
        index = scroll_y + y
        if layout is None or index >= layout.line_count:
            return Strip.blank(width, base)
        key = layout.start + index
        strip = self._strip_cache.get(key)
        if strip is None:
            text = layout.line(index)
            strip = Strip(list(text.render(self.app.console)), text.cell_len)
            self._strip_cache[key] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, base).apply_style(base)

    def visible_text(self) -> list[str]:
        """The plain text of the lines currently on screen (tests, screenshots)."""
        buffer = self.buffer
        layout = buffer.layout if buffer is not None else None
        if layout is None:
            return []
        top = round(self.scroll_y)
        height = self.scrollable_content_region.height
        return [
            layout.line(i).plain.rstrip() for i in range(top, min(layout.line_count, top + height))
        ]


def text_style(style: Style) -> Style:
    """A component style without its background, so it can sit on any line background."""
    return Style(
        color=style.color,
        bold=style.bold,
        italic=style.italic,
        underline=style.underline,
        dim=style.dim,
        strike=style.strike,
        reverse=style.reverse,
    )


def component_text_style(widget, name: str) -> Style:
    """The text part of a component class style, with theme colours blended (alpha resolved)."""
    return text_style(widget.get_component_rich_style(name))


def component_background(widget, name: str) -> Style:
    return Style(bgcolor=widget.get_component_rich_style(name).bgcolor)
