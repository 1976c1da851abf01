"""Presence: /monitor (be told when nicks come and go) and /setname (your real name)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...irc.casemap import is_valid_nick
from .registry import command

if TYPE_CHECKING:
    from ..screens.chat import ChatScreen

_MONITOR_WORDS = {"list": "L", "status": "S", "clear": "C"}
# Nicks per MONITOR line: 40 of the longest still fit 512 bytes.
_PER_LINE = 16


@command(
    "monitor",
    usage="/monitor +NICK,-NICK|list",
    help="Be told in the server window when NICKs come online or go offline; "
    "also /monitor status, /monitor clear.",
    args=(1, 1),
)
def monitor(chat: ChatScreen, spec: str) -> None:
    word = spec.strip().lower()
    if word in _MONITOR_WORDS:
        client = chat.need_client()
        if client is not None:
            client.send_command("MONITOR", _MONITOR_WORDS[word])
        return
    add: list[str] = []
    remove: list[str] = []
    for item in spec.replace(" ", ",").split(","):
        if not item:
            continue
        sign, nick = (item[0], item[1:]) if item[0] in "+-" else ("+", item)
        if not is_valid_nick(nick):
            chat.hint(f"Not a valid nick: {nick!r}.")
            return
        (remove if sign == "-" else add).append(nick)
    if not add and not remove:
        chat.hint("Usage: /monitor +NICK,-NICK | list | status | clear")
        return
    client = chat.need_client()
    if client is None:
        return
    for sign, nicks in (("-", remove), ("+", add)):
        for i in range(0, len(nicks), _PER_LINE):
            client.send_command("MONITOR", sign, ",".join(nicks[i : i + _PER_LINE]))


@command(
    "setname",
    usage="/setname REAL NAME",
    help="Change your real name (shown in /whois) without reconnecting.",
    args=(1, 1),
)
def setname(chat: ChatScreen, realname: str) -> None:
    client = chat.need_client()
    if client is not None:
        client.send_command("SETNAME", realname)
