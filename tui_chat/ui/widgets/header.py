"""The header: room, topic, server, connection state and lag, on one line; while the sidebar is
folded away, also which conversations have news (irssi's "Act:")."""

from __future__ import annotations

from typing import NamedTuple

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ..model.activity import Activity
from ..text import irc_text, plain_text
from .log_styles import component_text_style


class HeaderState(NamedTuple):
    room: str = ""
    topic: str = ""
    server: str = ""
    state: str = ""
    ok: bool = False
    lag: float | None = None
    # (sidebar number, level) of conversations with messages or mentions, when the sidebar
    # is hidden; empty otherwise.
    activity: tuple[tuple[int, Activity], ...] = ()


class ChatHeader(Widget):
    COMPONENT_CLASSES = {
        "header--room",
        "header--state-ok",
        "header--state-bad",
        "header--dim",
        "header--act-messages",
        "header--act-mentions",
    }

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
        if st.activity:
            right.append("Act:", style=get("header--dim"))
            for number, level in st.activity:
                mentioned = level >= Activity.MENTIONS
                right.append(" ")
                right.append(
                    str(number), style=get(f"header--act-{'mentions' if mentioned else 'messages'}")
                )
            right.append("  ")
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
