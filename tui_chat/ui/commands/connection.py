"""The connection itself: /reconnect."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .registry import command

if TYPE_CHECKING:
    from ..screens.chat import ChatScreen


@command(
    "reconnect",
    usage="/reconnect",
    help="Connect to the server again now (after a drop, or a refused password).",
)
def reconnect(chat: ChatScreen) -> None:
    controller = chat.controller
    client = controller.client
    worker = getattr(chat.app, "network_worker", None)
    if client is not None and worker is not None and worker.is_running:
        client.reconnect()
        chat.hint("Reconnecting…")
        return
    plan = controller.plan or (controller.initial if controller.initial.host else None)
    start = getattr(chat.app, "start_session", None)
    if plan is None or start is None:
        chat.hint("No server to reconnect to yet.")
        return
    chat.hint("Reconnecting…")
    start(plan)
