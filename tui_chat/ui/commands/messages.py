"""Sending: messages, private conversations, actions, notices and raw lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...irc.casemap import is_channel, is_valid_channel, is_valid_nick
from .registry import command

if TYPE_CHECKING:
    from ..screens.chat import ChatScreen


def one_target(chat: ChatScreen, target: str, usage: str) -> bool:
    """``target`` is one nick or one room; else a hint. ``a,b`` or ``:x`` would open a
    conversation nothing can be sent to, or put a malformed line on the wire."""
    if is_valid_nick(target) or (is_channel(target) and is_valid_channel(target, max_len=200)):
        return True
    chat.hint(f"Usage: {usage} — {target!r} is not one nick or room.")
    return False


@command(
    "msg", usage="/msg NICK|#ROOM TEXT", help="Send a message without switching to it.", args=(2, 2)
)
def msg(chat: ChatScreen, target: str, text: str) -> None:
    if not one_target(chat, target, "/msg NICK|#ROOM TEXT"):
        return
    if not is_channel(target):
        chat.open_conversation(target, "query")
    chat.say(target, text)


@command(
    "query",
    usage="/query NICK [TEXT]",
    help="Open a private conversation with NICK.",
    args=(1, 2),
    aliases=("q",),
)
def query(chat: ChatScreen, nick: str, text: str | None = None) -> None:
    if is_channel(nick) or not is_valid_nick(nick):
        chat.hint(f"Usage: /query NICK [TEXT] — {nick!r} is not a nick.")
        return
    conv = chat.open_conversation(nick, "query")
    chat.show(chat.model.key(conv.name))
    if text:
        chat.say(conv.name, text)


@command(
    "me", usage="/me ACTION", help="Send an action: /me waves shows as '* you waves'.", args=(1, 1)
)
def me(chat: ChatScreen, text: str) -> None:
    chat.say(chat.model.conversations.current, text, kind="action")


@command("notice", usage="/notice NICK|#ROOM TEXT", help="Send a notice.", args=(2, 2))
def notice(chat: ChatScreen, target: str, text: str) -> None:
    if not one_target(chat, target, "/notice NICK|#ROOM TEXT"):
        return
    chat.say(target, text, kind="notice")


@command(
    "quote",
    usage="/quote RAW LINE",
    help="Send a raw IRC line to the server.",
    args=(1, 1),
    aliases=("raw",),
)
def quote(chat: ChatScreen, line: str) -> None:
    client = chat.need_client()
    if client is not None:
        client.send_raw(line)
