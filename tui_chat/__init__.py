"""tui-chat: a terminal chat app and the IRC server it ships with."""

__version__ = "0.1.0"
