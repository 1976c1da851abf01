"""Slash commands typed in the input: one table, one parser, no Textual.

The table is the single source for the parser (argument counts, usage hints), the help screen and
Tab completion. Parsing only checks the shape of a line; the app decides what a command does.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    usage: str  # arguments after the name, e.g. "NICK [REASON]"
    help: str
    min_args: int = 0
    max_args: int = 0  # the last argument takes the rest of the line
    aliases: tuple[str, ...] = ()

    @property
    def synopsis(self) -> str:
        return f"/{self.name} {self.usage}".rstrip()


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("join", "#ROOM [KEY]", "Join a room (and switch to it).", 1, 2, ("j",)),
    CommandSpec("part", "[#ROOM] [REASON]", "Leave the current room, or the one named.", 0, 2),
    CommandSpec("msg", "NICK|#ROOM TEXT", "Send a message without switching to it.", 2, 2),
    CommandSpec("query", "NICK [TEXT]", "Open a private conversation with NICK.", 1, 2, ("q",)),
    CommandSpec("close", "[NAME]", "Close a conversation (leaving the room if it is one).", 0, 1),
    CommandSpec("me", "ACTION", "Send an action: /me waves shows as '* you waves'.", 1, 1),
    CommandSpec("nick", "NEWNICK", "Change your nick.", 1, 1),
    CommandSpec("topic", "[TEXT]", "Show the room's topic, or set it.", 0, 1),
    CommandSpec("names", "[#ROOM]", "List the people in a room.", 0, 1),
    CommandSpec("who", "MASK", "Ask the server who matches MASK.", 1, 1),
    CommandSpec("whois", "NICK", "Ask the server about NICK.", 1, 1),
    CommandSpec("away", "[MESSAGE]", "Mark yourself away; without a message, back.", 0, 1),
    CommandSpec("quit", "[MESSAGE]", "Leave the chat and close the app.", 0, 1, ("exit",)),
    CommandSpec("help", "[COMMAND]", "Show the help screen, or the help for one command.", 0, 1),
    CommandSpec("clear", "", "Clear the messages shown in this conversation.", 0, 0),
    CommandSpec("kick", "NICK [REASON]", "Remove NICK from the room (operators).", 1, 2),
    CommandSpec("ban", "NICK|MASK", "Ban NICK (as NICK!*@*) or a mask from the room.", 1, 1),
    CommandSpec("unban", "MASK", "Lift a ban.", 1, 1),
    CommandSpec("op", "NICK", "Make NICK an operator of the room.", 1, 1),
    CommandSpec("deop", "NICK", "Take operator status from NICK.", 1, 1),
    CommandSpec("voice", "NICK", "Give NICK voice in the room.", 1, 1),
    CommandSpec("devoice", "NICK", "Take voice from NICK.", 1, 1),
    CommandSpec("invite", "NICK [#ROOM]", "Invite NICK to this room, or the one named.", 1, 2),
    CommandSpec("mode", "[TARGET] MODES [ARGS]", "Show or change modes (e.g. /mode +m).", 0, 1),
    CommandSpec("list", "[PATTERN]", "List the rooms on the server.", 0, 1),
    CommandSpec("ignore", "[NICK]", "Hide messages from NICK; without a nick, list ignored.", 0, 1),
    CommandSpec("unignore", "NICK", "Show messages from NICK again.", 1, 1),
    CommandSpec(
        "search",
        "[TEXT]",
        "Find TEXT in this conversation and its log file (Ctrl+F opens the search bar).",
        0,
        1,
        ("find",),
    ),
    CommandSpec("notice", "NICK|#ROOM TEXT", "Send a notice.", 2, 2),
    CommandSpec("quote", "RAW LINE", "Send a raw IRC line to the server.", 1, 1, ("raw",)),
)

_BY_NAME: dict[str, CommandSpec] = {}
for _spec in COMMANDS:
    _BY_NAME[_spec.name] = _spec
    for _alias in _spec.aliases:
        _BY_NAME[_alias] = _spec


def lookup(name: str) -> CommandSpec | None:
    return _BY_NAME.get(name.lower().lstrip("/"))


@dataclass(frozen=True, slots=True)
class Say:
    """Plain text for the current conversation."""

    text: str


@dataclass(frozen=True, slots=True)
class Invocation:
    spec: CommandSpec
    args: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass(frozen=True, slots=True)
class Problem:
    """A one-line hint for the log: unknown command or wrong usage."""

    message: str


Parsed = Say | Invocation | Problem


def split_args(rest: str, max_args: int) -> list[str]:
    """Split on runs of spaces into at most ``max_args`` parts; the last keeps its spaces."""
    if max_args <= 0:
        return [rest] if rest.strip() else []
    parts: list[str] = []
    remaining = rest.lstrip(" ")
    while remaining and len(parts) < max_args - 1:
        word, _, remaining = remaining.partition(" ")
        parts.append(word)
        remaining = remaining.lstrip(" ")
    if remaining:
        parts.append(remaining)
    return parts


def parse(line: str) -> Parsed | None:
    """Parse one line typed in the input; None for an empty line.

    ``//text`` sends ``/text`` literally; ``/ text`` (slash and space) is an unknown command.
    """
    if not line.strip():
        return None
    if not line.startswith("/"):
        return Say(line)
    if line.startswith("//"):
        return Say(line[1:])
    name, _, rest = line[1:].partition(" ")
    spec = lookup(name)
    if spec is None:
        shown = name if len(name) <= 20 else name[:20] + "…"
        return Problem(f"Unknown command /{shown}; type /help for the list of commands.")
    args = split_args(rest, spec.max_args)
    if spec.max_args == 0 and args:
        return Problem(f"/{spec.name} takes no arguments.")
    if len(args) < spec.min_args:
        return Problem(f"Usage: {spec.synopsis}  ({spec.help})")
    return Invocation(spec, tuple(args))


def complete_command(prefix: str) -> list[str]:
    """Command names (with the slash) starting with ``prefix`` (with or without the slash)."""
    stem = prefix.lstrip("/").lower()
    return sorted("/" + spec.name for spec in COMMANDS if spec.name.startswith(stem))
