"""Slash commands: the registry (:mod:`.registry`) and the handlers, grouped by topic.

To add a command, write one function in the module for its topic (or a new module imported
below) under ``@command(name, usage=..., help=..., args=(min, max))``; it receives the
:class:`~tui_chat.ui.screens.chat.ChatScreen` and its arguments. Parsing, /help and Tab completion
pick it up from the registry.
"""

from __future__ import annotations

from . import (  # noqa: F401  (registers them)
    accounts,
    connection,
    general,
    ignore,
    messages,
    moderation,
    people,
    presence,
    rooms,
    settings,
    view,
)
from .registry import (
    CommandSpec,
    Invocation,
    Parsed,
    Problem,
    Say,
    all_commands,
    command,
    complete_command,
    kept_in_history,
    lookup,
    parse,
)

# The order of the help screen's list: the usual ones first. Commands not named here (a new
# one) follow in registration order, so adding a command needs no edit here.
HELP_ORDER = (
    "join",
    "part",
    "msg",
    "query",
    "close",
    "me",
    "nick",
    "topic",
    "names",
    "who",
    "whois",
    "away",
    "reconnect",
    "share",
    "quit",
    "help",
    "clear",
    "kick",
    "ban",
    "unban",
    "op",
    "deop",
    "voice",
    "devoice",
    "invite",
    "mode",
    "list",
    "ignore",
    "unignore",
    "set",
    "search",
    "notice",
    "quote",
)


def help_commands() -> list[CommandSpec]:
    rank = {name: i for i, name in enumerate(HELP_ORDER)}
    return sorted(all_commands(), key=lambda spec: rank.get(spec.name, len(rank)))


__all__ = [
    "HELP_ORDER",
    "CommandSpec",
    "Invocation",
    "Parsed",
    "Problem",
    "Say",
    "all_commands",
    "command",
    "complete_command",
    "help_commands",
    "kept_in_history",
    "lookup",
    "parse",
]
