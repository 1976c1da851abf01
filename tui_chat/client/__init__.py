"""The client side of the network: a connection loop run in a worker thread, and the IRC session.

The names below load on first use (PEP 562), so ``import tui_chat.client.events`` does not pull in
the whole network stack: the app draws its first frame before it needs the client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import ChatClient, ClientSettings
    from .events import SERVER_BUFFER
    from .session import Session

__all__ = ["SERVER_BUFFER", "ChatClient", "ClientSettings", "Session"]

_WHERE = {
    "ChatClient": "client",
    "ClientSettings": "client",
    "SERVER_BUFFER": "events",
    "Session": "session",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)
