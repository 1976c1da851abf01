"""IRC wire format and vocabulary. No I/O, and no imports from the rest of tui_chat."""

from .casemap import casefold, is_channel, is_valid_channel, is_valid_nick
from .message import Message, ParseError, parse, source_nick, split_source

__all__ = [
    "Message",
    "ParseError",
    "casefold",
    "is_channel",
    "is_valid_channel",
    "is_valid_nick",
    "parse",
    "source_nick",
    "split_source",
]
