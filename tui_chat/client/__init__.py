"""The client side of the network: a connection loop run in a worker thread, and the IRC session."""

from .client import ChatClient, ClientSettings
from .events import SERVER_BUFFER
from .session import Session

__all__ = ["SERVER_BUFFER", "ChatClient", "ClientSettings", "Session"]
