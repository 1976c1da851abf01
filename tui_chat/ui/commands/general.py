"""The app itself: help, quit, clearing the log and searching it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .registry import command, lookup

if TYPE_CHECKING:
    from ..screens.chat import ChatScreen


@command(
    "quit",
    usage="/quit [MESSAGE]",
    help="Leave the chat and close the app.",
    args=(0, 1),
    aliases=("exit",),
)
def quit_chat(chat: ChatScreen, message: str | None = None) -> None:
    chat.request_quit(message or "Leaving")


@command(
    "help",
    usage="/help [COMMAND]",
    help="Show the help screen, or the help for one command.",
    args=(0, 1),
)
def show_help(chat: ChatScreen, name: str | None = None) -> None:
    if name is None:
        chat.show_help()
        return
    spec = lookup(name)
    if spec is None:
        chat.hint(f"No command /{name.lstrip('/')}; /help lists them all.")
    else:
        chat.info(chat.model.conversations.current, f"{spec.synopsis}  {spec.help}")


@command("clear", usage="/clear", help="Clear the messages shown in this conversation.")
def clear(chat: ChatScreen) -> None:
    chat.log_view.clear_buffer(chat.current_conversation.log)


@command(
    "search",
    usage="/search [TEXT]",
    help="Find TEXT in this conversation and its log file (Ctrl+F opens the search bar).",
    args=(0, 1),
    aliases=("find",),
)
async def search(chat: ChatScreen, text: str | None = None) -> None:
    await chat.open_search(text.strip() if text and text.strip() else None)
