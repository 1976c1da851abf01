"""The header: room, topic, server, connection state and lag, on one line."""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ..text import irc_text, plain_text
from .log_styles import component_text_style


@dataclass(frozen=True, slots=True)
class HeaderState:
    room: str = ""
    topic: str = ""
    server: str = ""
    state: str = ""
    ok: bool = False
    lag: float | None = None


class ChatHeader(Widget):
    COMPONENT_CLASSES = {"header--room", "header--state-ok", "header--state-bad", "header--dim"}

    header_state: reactive[HeaderState] = reactive(HeaderState)

    def render(self) -> Text:
        st = self.header_state

        def get(name: str) -> Style:
            return component_text_style(self, name)

        left = Text(no_wrap=True, overflow="ellipsis", end="")
        left.append_text(plain_text(st.room, style=get("header--room")))
        if st.topic:
            left.append("  ")
            left.append_text(irc_text(st.topic))
        right = Text(no_wrap=True, end="")
        if st.server:
            right.append_text(plain_text(st.server, style=get("header--dim")))
            right.append("  ")
        right.append(st.state, style=get("header--state-ok" if st.ok else "header--state-bad"))
        if st.lag is not None:
            right.append(f"  lag {st.lag * 1000:.0f} ms", style=get("header--dim"))
        width = self.content_region.width
        room_for_left = max(0, width - right.cell_len - 2)
        left.truncate(room_for_left, overflow="ellipsis", pad=True)
        return Text.assemble(left, "  ", right, no_wrap=True, end="")
