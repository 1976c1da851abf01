"""Room moderation (operators): kick, ban, op and voice."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .registry import command

if TYPE_CHECKING:
    from ..screens.chat import ChatScreen


@command(
    "kick", usage="/kick NICK [REASON]", help="Remove NICK from the room (operators).", args=(1, 2)
)
def kick(chat: ChatScreen, nick: str, reason: str = "") -> None:
    room = chat.channel_here("kick")
    client = chat.need_client() if room is not None else None
    if room is None or client is None:
        return
    if reason:
        client.send_command("KICK", room, nick, reason)
    else:
        client.send_command("KICK", room, nick)


def _mode(chat: ChatScreen, command_name: str, mode: str, arg: str) -> None:
    room = chat.channel_here(command_name)
    client = chat.need_client() if room is not None else None
    if room is not None and client is not None:
        client.send_command("MODE", room, mode, arg.split()[0])


@command(
    "ban",
    usage="/ban NICK|MASK",
    help="Ban NICK (as NICK!*@*) or a mask from the room.",
    args=(1, 1),
)
def ban(chat: ChatScreen, who: str) -> None:
    who = who.split()[0]
    mask = who if any(c in who for c in "!@*") else f"{who}!*@*"
    _mode(chat, "ban", "+b", mask)


@command("unban", usage="/unban MASK", help="Lift a ban.", args=(1, 1))
def unban(chat: ChatScreen, mask: str) -> None:
    _mode(chat, "unban", "-b", mask)


@command("op", usage="/op NICK", help="Make NICK an operator of the room.", args=(1, 1))
def op(chat: ChatScreen, nick: str) -> None:
    _mode(chat, "op", "+o", nick)


@command("deop", usage="/deop NICK", help="Take operator status from NICK.", args=(1, 1))
def deop(chat: ChatScreen, nick: str) -> None:
    _mode(chat, "deop", "-o", nick)


@command("voice", usage="/voice NICK", help="Give NICK voice in the room.", args=(1, 1))
def voice(chat: ChatScreen, nick: str) -> None:
    _mode(chat, "voice", "+v", nick)


@command("devoice", usage="/devoice NICK", help="Take voice from NICK.", args=(1, 1))
def devoice(chat: ChatScreen, nick: str) -> None:
    _mode(chat, "devoice", "-v", nick)
