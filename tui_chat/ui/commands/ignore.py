"""/ignore and /unignore: nicks and nick!user@host masks, saved to the config file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .registry import command
from .settings import store_setting

if TYPE_CHECKING:
    from ..screens.chat import ChatScreen


@command(
    "ignore",
    usage="/ignore [NICK|MASK]",
    help="Hide messages from NICK or a nick!user@host mask (* and ?); alone, list them.",
    args=(0, 1),
)
def ignore(chat: ChatScreen, target: str | None = None) -> None:
    here = chat.model.conversations.current
    ignored = chat.model.ignore
    if target is None or not target.strip():
        if ignored:
            chat.info(here, "Ignoring: " + ", ".join(ignored.entries))
        else:
            chat.info(here, "Ignoring nobody. /ignore NICK or /ignore *!*@host hides messages.")
        return
    target = target.split()[0]
    try:
        added = ignored.add(target)
    except ValueError as exc:
        chat.hint(f"Not ignored: {exc}.")
        return
    if not added:
        chat.info(here, f"Already ignoring {target}.")
        return
    saved = store_setting(chat, "ignore", tuple(ignored.entries))
    chat.info(here, f"Ignoring {target}; /unignore {target} to undo ({saved}).")


@command(
    "unignore",
    usage="/unignore NICK|MASK",
    help="Show messages from NICK or a mask again.",
    args=(1, 1),
)
def unignore(chat: ChatScreen, target: str) -> None:
    target = target.split()[0]
    ignored = chat.model.ignore
    if not ignored.remove(target):
        listed = ", ".join(ignored.entries) or "nobody"
        chat.hint(f"You were not ignoring {target} (ignoring: {listed}).")
        return
    saved = store_setting(chat, "ignore", tuple(ignored.entries))
    chat.info(chat.model.conversations.current, f"No longer ignoring {target} ({saved}).")
