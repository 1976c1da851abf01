"""The chat screen's widgets other than the message log: header, sidebar, user list, input.

Remote strings reach these widgets only as ``rich.text.Text`` built by :mod:`tui_chat.ui.text`,
never as ``str`` (which Textual would parse as markup).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Static

from .message_log import component_background, component_text_style
from .text import irc_text, nick_style, plain_text

if TYPE_CHECKING:
    from ..client.events import Member

MAX_HISTORY = 500


class ChatHeader(Widget):
    """Room, topic, server, connection state and lag, on one line."""

    COMPONENT_CLASSES = {"header--room", "header--state-ok", "header--state-bad", "header--dim"}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._fields: tuple = ("", "", "", "", False, None)

    def show(
        self,
        *,
        room: str,
        topic: str,
        server: str,
        state: str,
        ok: bool,
        lag: float | None,
    ) -> None:
        fields = (room, topic, server, state, ok, lag)
        if fields != self._fields:
            self._fields = fields
            self.refresh()

    def render(self) -> Text:
        room, topic, server, state, ok, lag = self._fields

        def get(name: str) -> Style:
            return component_text_style(self, name)

        left = Text(no_wrap=True, overflow="ellipsis", end="")
        left.append_text(plain_text(room, style=get("header--room")))
        if topic:
            left.append("  ")
            left.append_text(irc_text(topic))
        right = Text(no_wrap=True, end="")
        if server:
            right.append_text(plain_text(server, style=get("header--dim")))
            right.append("  ")
        right.append(state, style=get("header--state-ok" if ok else "header--state-bad"))
        if lag is not None:
            right.append(f"  lag {lag * 1000:.0f} ms", style=get("header--dim"))
        width = self.content_region.width
        room_for_left = max(0, width - right.cell_len - 2)
        left.truncate(room_for_left, overflow="ellipsis", pad=True)
        return Text.assemble(left, "  ", right, no_wrap=True, end="")


@dataclass(frozen=True, slots=True)
class SidebarItem:
    name: str
    label: str
    unread: int
    mentions: int
    current: bool
    joined: bool


class Sidebar(Static):
    """Conversations, numbered for Alt+1..9, with unread and mention counts. Click to switch."""

    COMPONENT_CLASSES = {
        "sidebar--current",
        "sidebar--unread",
        "sidebar--mentions",
        "sidebar--number",
        "sidebar--parted",
    }

    class Selected(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._items: tuple[SidebarItem, ...] = ()

    def show(self, items: Sequence[SidebarItem]) -> None:
        items = tuple(items)
        if items == self._items:
            return
        self._items = items

        def get(name: str, partial: bool = True) -> Style:
            if name in ("sidebar--current", "sidebar--mentions"):
                return component_text_style(self, name) + component_background(self, name)
            return component_text_style(self, name)

        text = Text(no_wrap=True, overflow="ellipsis", end="")
        for i, item in enumerate(items):
            if i:
                text.append("\n")
            number = f"{i + 1}" if i < 9 else " "
            line = Text(no_wrap=True, overflow="ellipsis", end="")
            line.append(f"{number} ", style=get("sidebar--number", partial=True))
            line.append_text(
                plain_text(item.label, style=get("sidebar--parted", partial=True))
                if not item.joined
                else plain_text(item.label)
            )
            if item.unread:
                line.append(f" {item.unread}", style=get("sidebar--unread", partial=True))
            if item.mentions:
                line.append(" ")
                line.append(f"!{item.mentions}", style=get("sidebar--mentions", partial=True))
            if item.current:
                line.stylize_before(get("sidebar--current", partial=True))
            text.append_text(line)
        self.update(text)

    def on_click(self, event: events.Click) -> None:
        y = event.y - self.styles.padding.top
        if 0 <= y < len(self._items):
            self.post_message(self.Selected(y))


_RANKS = "~&@%+"


def member_rank(member: Member) -> int:
    """0-2 operators (owner, admin, op), 3 half-op, 4 voiced, 5 everyone else."""
    for i, prefix in enumerate(_RANKS):
        if prefix in member.prefixes:
            return i
    return len(_RANKS)


def sort_members(members: Sequence[Member], casemapping: str = "ascii") -> list[Member]:
    from ..irc.casemap import casefold

    return sorted(members, key=lambda m: (member_rank(m), casefold(m.nick, casemapping)))


class UserList(VerticalScroll, can_focus=False):
    """Operators, then voiced, then others, with prefixes; away users dimmed."""

    COMPONENT_CLASSES = {"userlist--away", "userlist--prefix"}

    def compose(self):
        yield Static(id="userlist-names")

    def show(self, members: Sequence[Member], casemapping: str = "ascii") -> None:
        def get(name: str, partial: bool = True) -> Style:
            return component_text_style(self, name)

        text = Text(no_wrap=True, overflow="ellipsis", end="")
        ordered = sort_members(members, casemapping)
        for i, member in enumerate(ordered):
            if i:
                text.append("\n")
            prefix = member.prefixes[:1] or " "
            text.append(prefix, style=get("userlist--prefix", partial=True))
            style = nick_style(member.nick, casemapping)
            if member.away:
                style = get("userlist--away", partial=True)
            text.append_text(plain_text(member.nick, style=style))
        self.query_one("#userlist-names", Static).update(text)
        self.border_title = f"Users ({len(members)})"


class ChatInput(Input):
    """The line editor: history on Up/Down, Tab completion, multi-line paste, End to the log."""

    BINDINGS = [
        Binding("up", "history(-1)", "Previous line", show=False, id="input.history_previous"),
        Binding("down", "history(1)", "Next line", show=False, id="input.history_next"),
        Binding("tab", "complete", "Complete", show=False, id="input.complete"),
    ]

    class Lines(Message):
        """Several lines pasted at once: each is sent as its own message."""

        def __init__(self, lines: list[str]) -> None:
            super().__init__()
            self.lines = lines

    class EndOfLog(Message):
        """End pressed with the cursor already at the end of the line."""

    def __init__(self, *, nick_source: Callable[[], Sequence[str]], **kwargs) -> None:
        super().__init__(**kwargs)
        self.nick_source = nick_source
        self.history: list[str] = []
        self._history_index: int | None = None
        self._draft = ""
        self._completion: tuple[int, list[str], int, str] | None = None  # start, options, i, typed

    def _watch_value(self, value: str) -> None:
        """Textual 8.2.8's ``Input._watch_value``, except that a keystroke repaints only this.

        The original assigns ``virtual_size``, a layout reactive, so every keystroke re-laid-out
        the whole screen (log, sidebar, user list) and cost a flood-time frame tens of ms. The
        input's own size never depends on its value, so the virtual size is set without a
        layout; the rest (suggester, validation, ``Changed``, initial cursor) is unchanged.
        """
        size = Size(self.content_width, 1)
        if self.virtual_size != size:
            self.set_reactive(Input.virtual_size, size)
            self._scroll_update(size)
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

    # -- history -----------------------------------------------------------------------

    def remember(self, line: str) -> None:
        if line and (not self.history or self.history[-1] != line):
            self.history.append(line)
            del self.history[:-MAX_HISTORY]
        self._history_index = None
        self._draft = ""

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        if self._history_index is None:
            if step > 0:
                return
            self._draft = self.value
            index = len(self.history) - 1
        else:
            index = self._history_index + step
        if index < 0:
            index = 0
        if index >= len(self.history):
            self._history_index = None
            self._set_value(self._draft)
            return
        self._history_index = index
        self._set_value(self.history[index])

    def _set_value(self, value: str) -> None:
        self._completion = None
        self.value = value
        self.cursor_position = len(value)

    # -- completion --------------------------------------------------------------------

    def action_complete(self) -> None:
        value = self.value
        cursor = self.cursor_position
        if self._completion is not None:
            start, options, index, typed = self._completion
            index = (index + 1) % len(options)
        else:
            start = value.rfind(" ", 0, cursor) + 1
            typed = value[start:cursor]
            if start == 0 and typed.startswith("/"):
                from .commands import complete_command

                options = complete_command(typed)
            else:
                if not typed:
                    return
                lowered = typed.lower()
                options = sorted(
                    {n for n in self.nick_source() if n.lower().startswith(lowered)},
                    key=str.lower,
                )
            if not options:
                self.app.bell()
                return
            index = 0
        option = options[index]
        if start == 0 and option.startswith("/"):
            suffix = " "
        elif start == 0:
            suffix = ": "
        else:
            suffix = " "
        previous = self._completion
        end = cursor
        if previous is not None:
            # Replace what the previous Tab inserted.
            end = start + len(previous[1][previous[2]]) + len(suffix)
        rest = value[end:]
        new_value = value[:start] + option + suffix + rest
        self.value = new_value
        self.cursor_position = start + len(option) + len(suffix)
        self._completion = (start, options, index, typed)

    async def _on_key(self, event: events.Key) -> None:
        if event.key != "tab":
            self._completion = None
        await super()._on_key(event)

    # -- paste and End -----------------------------------------------------------------

    def _on_paste(self, event: events.Paste) -> None:
        lines = event.text.splitlines()
        if len(lines) <= 1:
            super()._on_paste(event)
            return
        event.stop()
        before = self.value[: self.cursor_position]
        after = self.value[self.cursor_position :]
        lines[0] = before + lines[0]
        lines[-1] = lines[-1] + after
        self._set_value("")
        self.post_message(self.Lines([line for line in lines if line.strip()]))

    def action_end(self, select: bool = False) -> None:
        if not select and self.cursor_position >= len(self.value):
            self.post_message(self.EndOfLog())
        super().action_end(select)
