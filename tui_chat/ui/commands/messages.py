"""Sending: messages, private conversations, actions, notices and raw lines."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ...irc.casemap import is_channel, is_valid_channel, is_valid_nick
from ..model import CHAT_KINDS, Entry
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


def _last_line(chat: ChatScreen, wanted: Callable[[Entry], bool]) -> Entry | None:
    """The newest chat line of the current conversation that ``wanted`` accepts."""
    conv = chat.model.conversations.by_key(chat.model.conversations.current)
    if conv is None:
        return None
    for entry in reversed(conv.log.entries):  # typed by hand: a scan of one bounded log
        if entry.kind in CHAT_KINDS and not entry.deleted and wanted(entry):
            return entry
    return None


@command(
    "delete",
    usage="/delete",
    help="Delete your last message in this conversation (servers with message deletion).",
    args=(0, 0),
)
def delete(chat: ChatScreen) -> None:
    conv = chat.model.conversations.by_key(chat.model.conversations.current)
    if conv is None or conv.kind == "server":
        chat.hint("Nothing to delete here: /delete works in a room or a private conversation.")
        return
    entry = _last_line(chat, lambda e: e.is_self and e.pending != "failed")
    if entry is None:
        chat.hint("You have said nothing here that could be deleted.")
        return
    if entry.pending is not None:
        chat.hint("Your last message has not been delivered yet; try again in a moment.")
        return
    if not entry.msgid:
        chat.hint("This server cannot delete messages (it gave your message no id).")
        return
    client = chat.need_client()
    if client is not None:
        client.redact(conv.name, entry.msgid)


@command(
    "reply",
    usage="/reply NICK TEXT",
    help="Answer NICK's last message here, shown to others as a reply to it.",
    args=(2, 2),
)
def reply(chat: ChatScreen, nick: str, text: str) -> None:
    conv = chat.model.conversations.by_key(chat.model.conversations.current)
    if conv is None or conv.kind == "server":
        chat.hint("Use /reply in a room or a private conversation.")
        return
    folded = chat.model.key(nick)
    original = _last_line(chat, lambda e: chat.model.key(e.nick) == folded)
    if original is None:
        chat.hint(f"No message from {nick} here to reply to.")
        return
    if original.msgid:
        chat.say(conv.name, text, reply_to=original.msgid)
    else:
        # A server without message ids: an ordinary IRC answer, addressed by name.
        chat.say(conv.name, f"{original.nick}: {text}")


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
