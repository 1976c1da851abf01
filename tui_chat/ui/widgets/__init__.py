"""The chat screen's widgets, one module each. Each owns its state, is fed through reactive
attributes or methods by the screen, and reports back only with messages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..model.members import sort_members
from .chat_input import ChatInput
from .header import ChatHeader, HeaderState
from .message_log import Highlight, MessageLog
from .sidebar import Sidebar, SidebarItem
from .user_list import RosterView, UserList

if TYPE_CHECKING:
    from .search_panel import SearchBar, SearchInput, SearchResults

_LATER = frozenset({"SearchBar", "SearchInput", "SearchResults"})


def __getattr__(name: str) -> Any:
    # The search bar's widgets load with the first search, not before the first frame
    # (issue 12); importing them by name from here still works.
    if name in _LATER:
        from . import search_panel

        return getattr(search_panel, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ChatHeader",
    "ChatInput",
    "HeaderState",
    "Highlight",
    "MessageLog",
    "RosterView",
    "SearchBar",
    "SearchInput",
    "SearchResults",
    "Sidebar",
    "SidebarItem",
    "UserList",
    "sort_members",
]
