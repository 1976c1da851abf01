"""The user list: operators, then voiced, then others, with prefixes; away users dimmed; a
mark after those logged in to an account (on servers that say: account-notify, extended-join)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from ..model.members import sort_members
from ..text import nick_style, plain_text
from .log_styles import component_text_style

if TYPE_CHECKING:
    from ...client.events import Member


ACCOUNT_MARK = " ✓"  # logged in to an account


class RosterView(NamedTuple):
    members: tuple[Member, ...] = ()
    casemapping: str = "ascii"


class UserList(VerticalScroll, can_focus=False):
    COMPONENT_CLASSES = {"userlist--away", "userlist--prefix", "userlist--account"}

    roster: reactive[RosterView] = reactive(RosterView, init=False)

    def compose(self) -> ComposeResult:
        yield Static(id="userlist-names")

    def watch_roster(self, roster: RosterView) -> None:
        away = component_text_style(self, "userlist--away")
        prefix_style = component_text_style(self, "userlist--prefix")
        account_style = component_text_style(self, "userlist--account")
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        for i, member in enumerate(sort_members(roster.members, roster.casemapping)):
            if i:
                text.append("\n")
            text.append(member.prefixes[:1] or " ", style=prefix_style)
            style = away if member.away else nick_style(member.nick, roster.casemapping)
            text.append_text(plain_text(member.nick, style=style))
            if member.account is not None:
                text.append(ACCOUNT_MARK, style=account_style)
        self.query_one("#userlist-names", Static).update(text)
        self.border_title = f"Users ({len(roster.members)})"
