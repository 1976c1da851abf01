"""You and others: nick, who, whois, away (the ignore list is in :mod:`.ignore`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...irc.casemap import is_valid_nick
from .registry import command

if TYPE_CHECKING:
    from ..screens.chat import ChatScreen


@command("nick", usage="/nick NEWNICK", help="Change your nick.", args=(1, 1))
def nick(chat: ChatScreen, new: str) -> None:
    if not is_valid_nick(new):
        chat.hint(f"Not a valid nick: {new!r} (letters, digits, -[]\\`_^{{|}}).")
        return
    client = chat.need_client()
    if client is not None:
        client.set_nick(new)


@command("who", usage="/who MASK", help="Ask the server who matches MASK.", args=(1, 1))
def who(chat: ChatScreen, mask: str) -> None:
    client = chat.need_client()
    if client is not None:
        client.send_command("WHO", mask)


@command("whois", usage="/whois NICK", help="Ask the server about NICK.", args=(1, 1))
def whois(chat: ChatScreen, target: str) -> None:
    client = chat.need_client()
    if client is not None:
        client.send_command("WHOIS", target.split()[0])


@command(
    "away",
    usage="/away [MESSAGE]",
    help="Mark yourself away; without a message, back.",
    args=(0, 1),
)
def away(chat: ChatScreen, message: str | None = None) -> None:
    client = chat.need_client()
    if client is None:
        return
    if message:
        client.send_command("AWAY", message)
    else:
        client.send_command("AWAY")
