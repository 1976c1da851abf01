"""The sidebar: conversations, numbered for Alt+1..9, coloured by what is new in them (mentions,
messages, or only joins and parts), with unread and mention counts."""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

from ..model.activity import Activity
from ..text import plain_text
from .log_styles import component_background, component_text_style


@dataclass(frozen=True, slots=True)
class SidebarItem:
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


class Sidebar(Static):
    """Click a conversation to switch to it (posts :class:`Sidebar.Selected`)."""

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

    rows: reactive[tuple[SidebarItem, ...]] = reactive(tuple, init=False)

    def watch_rows(self, rows: tuple[SidebarItem, ...]) -> None:
        # Looked up once per update, not per row: a room switch redraws every row.
        styles: dict[str, Style] = {}

        def get(name: str) -> Style:
            style = styles.get(name)
            if style is None:
                style = component_text_style(self, name)
                if name in ("sidebar--current", "sidebar--mentions"):
                    style += component_background(self, name)
                styles[name] = style
            return style

        text = Text(no_wrap=True, overflow="ellipsis", end="")
        for i, item in enumerate(rows):
            if i:
                text.append("\n")
            number = f"{i + 1}" if i < 9 else " "
            line = Text(no_wrap=True, overflow="ellipsis", end="")
            line.append(f"{number} ", style=get("sidebar--number"))
            if not item.joined:
                label = get("sidebar--parted")
            elif item.current:
                label = Style()
            else:
                label = get(_ACTIVITY_CLASS[item.activity])
            line.append_text(plain_text(item.label, style=label))
            if item.unread:
                line.append(f" {item.unread}", style=get("sidebar--unread"))
            if item.mentions:
                line.append(" ")
                line.append(f"!{item.mentions}", style=get("sidebar--mentions"))
            if item.current:
                line.stylize_before(get("sidebar--current"))
            text.append_text(line)
        self.update(text)

    def on_click(self, event: events.Click) -> None:
        y = event.y - self.styles.padding.top
        if 0 <= y < len(self.rows):
            self.post_message(self.Selected(y))
