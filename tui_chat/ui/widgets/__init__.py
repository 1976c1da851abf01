"""The chat screen's widgets, one module each. Each owns its state, is fed through reactive
attributes or methods by the screen, and reports back only with messages."""

from ..model.members import sort_members
from .chat_input import ChatInput
from .header import ChatHeader, HeaderState
from .message_log import Highlight, MessageLog
from .search_panel import SearchBar, SearchInput, SearchResults
from .sidebar import Sidebar, SidebarItem
from .user_list import RosterView, UserList

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
