"""The app's screens: the chat, the connect screen and the help screen."""

from .chat import EVENTS_PER_CHUNK, NOTIFY_INTERVAL, ChatScreen
from .connect import ConnectRequest, ConnectScreen
from .help import HelpScreen

__all__ = [
    "EVENTS_PER_CHUNK",
    "NOTIFY_INTERVAL",
    "ChatScreen",
    "ConnectRequest",
    "ConnectScreen",
    "HelpScreen",
]
