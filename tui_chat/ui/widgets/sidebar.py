"""The sidebar: conversations, numbered for Alt+1..9, coloured by what is new in them (mentions,
messages, or only joins and parts), with unread and mention counts."""

from __future__ import annotations

from typing import NamedTuple

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from ..model.activity import Activity
from ..text import plain_text
from .log_styles import component_background, component_text_style


class SidebarItem(NamedTuple):
    name: str
    label: str
    unread: int
    mentions: int
    current: bool
    joined: bool
    activity: Activity = Activity.NONE


_ACTIVITY_CLASS = {
    Activity.NONE: "sidebar--quiet",
    Activity.NOISE: "sidebar--noise",
    Activity.MESSAGES: "sidebar--messages",
    Activity.MENTIONS: "sidebar--mentioned",
}


class Sidebar(Widget):
    """Click a conversation to switch to it (posts :class:`Sidebar.Selected`).

    Drawn a row at a time (the line API): a room switch changes two rows (the old and the new
    current one) and a new line elsewhere one count, so only those rows are drawn again, and
    its size comes from the CSS alone, so no change of rows lays the screen out again.
    """

    COMPONENT_CLASSES = {
        "sidebar--current",
        "sidebar--unread",
        "sidebar--mentions",
        "sidebar--number",
        "sidebar--parted",
        "sidebar--quiet",
        "sidebar--noise",
        "sidebar--messages",
        "sidebar--mentioned",
    }

    class Selected(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    rows: reactive[tuple[SidebarItem, ...]] = reactive(tuple, init=False, repaint=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._row_styles: dict[str, Style] = {}  # component styles, resolved once per theme

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._row_styles.clear()

    def watch_rows(self, old: tuple[SidebarItem, ...], new: tuple[SidebarItem, ...]) -> None:
        if not self.is_mounted:
            return
        width = self.content_region.width
        for y in range(max(len(old), len(new))):
            if y >= len(old) or y >= len(new) or old[y] != new[y]:
                self.refresh(Region(0, y, width, 1))

    def _style(self, name: str) -> Style:
        style = self._row_styles.get(name)
        if style is None:
            style = component_text_style(self, name)
            if name in ("sidebar--current", "sidebar--mentions"):
                style += component_background(self, name)
            self._row_styles[name] = style
        return style

    def row_text(self, index: int, item: SidebarItem, width: int) -> Text:
        """Row ``index`` in ``width`` cells: its Alt number, name, unread and mention counts. A
        long name is cut (with an ellipsis), not the counts, and never wraps onto the next
        row (where a click would pick the wrong conversation)."""
        get = self._style
        number = f"{index + 1}" if index < 9 else " "
        if not item.joined:
            label_style = get("sidebar--parted")
        elif item.current:
            label_style = Style()
        else:
            label_style = get(_ACTIVITY_CLASS[item.activity])
        counts = Text(end="")
        if item.unread:
            counts.append(f" {item.unread}", style=get("sidebar--unread"))
        if item.mentions:
            counts.append(" ")
            counts.append(f"!{item.mentions}", style=get("sidebar--mentions"))
        line = Text(no_wrap=True, end="")
        line.append(f"{number} ", style=get("sidebar--number"))
        label = plain_text(item.label, style=label_style)
        room = width - line.cell_len - counts.cell_len
        if label.cell_len > room:
            label.truncate(max(1, room), overflow="ellipsis")
        line.append_text(label)
        line.append_text(counts)
        if item.current:
            line.stylize_before(get("sidebar--current"))
        return line

    def render_line(self, y: int) -> Strip:
        width = self.content_region.width
        base = self.rich_style
        rows = self.rows
        if not 0 <= y < len(rows) or width <= 0:
            return Strip.blank(width, base)
        blank = Style(bgcolor=base.bgcolor)  # after a row's text, as a Static had it
        line = self.row_text(y, rows[y], width)
        add = base.__add__
        segments = [
            Segment(text, add(style)) for text, style, _ in line.render(self.app.console) if text
        ]
        cells = line.cell_len
        if cells < width:
            segments.append(Segment(" " * (width - cells), blank))
        return Strip(segments, max(cells, width)).crop(0, width)

    def on_click(self, event: events.Click) -> None:
        y = event.y - self.styles.padding.top
        if 0 <= y < len(self.rows):
            self.post_message(self.Selected(y))
