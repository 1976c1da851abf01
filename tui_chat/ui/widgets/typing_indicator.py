"""The "alice is typing…" line under the log, shown only while someone is typing there.

Like Slack's line above the input, and WeeChat's ``typing`` bar item (which dims a nick that
paused). Nicks are the network's words: plain Text, never markup.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ..text import plain_text
from .log_styles import component_text_style

MAX_NAMED = 3  # beyond this many typers, "several people are typing…"

Typers = tuple[tuple[str, bool], ...]  # (nick, paused), in the order they began


def typing_text(typers: Typers, paused_style: str | Style = "dim") -> Text:
    """The line for ``typers`` (empty: nobody)."""
    if not typers:
        return Text("")
    if len(typers) > MAX_NAMED:
        return Text("several people are typing…")
    names = [plain_text(nick, style=paused_style if paused else "") for nick, paused in typers]
    line = Text()
    for i, name in enumerate(names):
        if i:
            line.append(" and " if i == len(names) - 1 else ", ")
        line.append_text(name)
    line.append(" is typing…" if len(names) == 1 else " are typing…")
    return line


class TypingIndicator(Widget):
    COMPONENT_CLASSES = {"typing--paused"}

    typers: reactive[Typers] = reactive((), layout=True)

    def watch_typers(self, typers: Typers) -> None:
        self.display = bool(typers)

    def render(self) -> Text:
        paused = component_text_style(self, "typing--paused")
        text = typing_text(self.typers, paused)
        text.no_wrap = True
        text.overflow = "ellipsis"
        return text
