"""You and others: nick, who, whois, away, and the ignore list."""

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


@command(
    "ignore",
    usage="/ignore [NICK]",
    help="Hide messages from NICK; without a nick, list ignored.",
    args=(0, 1),
)
def ignore(chat: ChatScreen, target: str | None = None) -> None:
    here = chat.model.conversations.current
    ignored = chat.model.ignore
    if target is None:
        if ignored:
            chat.info(here, "Ignoring: " + ", ".join(sorted(ignored.folded)))
        else:
            chat.info(here, "Ignoring nobody. /ignore NICK hides someone's messages.")
        return
    target = target.split()[0]
    ignored.add(target)
    chat.info(here, f"Ignoring {target}; /unignore {target} to undo.")


@command("unignore", usage="/unignore NICK", help="Show messages from NICK again.", args=(1, 1))
def unignore(chat: ChatScreen, target: str) -> None:
    target = target.split()[0]
    if chat.model.ignore.remove(target):
        chat.info(chat.model.conversations.current, f"No longer ignoring {target}.")
    else:
        chat.hint(f"You were not ignoring {target}.")
