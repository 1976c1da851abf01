"""Accounts on the server: /register."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .registry import command

if TYPE_CHECKING:
    from ..screens.chat import ChatScreen


@command(
    "register",
    usage="/register PASSWORD",
    help="Register your nick as an account on the server and log in to it (servers with"
    " draft/account-registration, such as tui-chat's and Ergo). The line is not kept in the"
    " input history.",
    args=(1, 1),
    secret=True,
)
def register(chat: ChatScreen, password: str) -> None:
    client = chat.need_client()
    if client is None:
        return
    client.send_command("REGISTER", "*", "*", password)
    chat.info(chat.model.conversations.current, "Registering your nick as an account…")
