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


@command(
    "share",
    usage="/share",
    help="Copy the line others join with to the clipboard (when hosting a room).",
)
def share(chat: ChatScreen) -> None:
    # The line is longer than the log is wide (an ircs:// URL and a 64-digit fingerprint), and
    # a wrapped line copied with the mouse comes out broken: the clipboard gets it whole
    # (OSC 52; tmux needs set-clipboard on).
    line = chat.model.join_hint
    if not line:
        chat.hint("Not hosting a room: there is no join line to share.")
        return
    chat.app.copy_to_clipboard(line)
    chat.info(chat.model.conversations.current, f"Copied to the clipboard: {line}")
