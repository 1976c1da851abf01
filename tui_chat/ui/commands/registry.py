"""The slash-command registry: a spec (name, aliases, usage, help) beside each handler.

``@command(...)`` over a handler function registers it; the parser, the help screen and Tab
completion all read this one table. Parsing only checks the shape of a line (argument counts);
the handler decides what the command does. No Textual here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..screens.chat import ChatScreen

# A handler gets the chat screen and the command's arguments (strings; optional ones default).
Handler = Callable[..., Awaitable[None] | None]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    usage: str  # the whole synopsis: "/join #ROOM [KEY]"
    help: str
    handler: Handler
    min_args: int = 0
    max_args: int = 0  # the last argument takes the rest of the line
    aliases: tuple[str, ...] = ()
    secret: bool = False  # its line holds a password: never kept in the input history

    @property
    def synopsis(self) -> str:
        return self.usage


_SPECS: list[CommandSpec] = []
_BY_NAME: dict[str, CommandSpec] = {}


def command(
    name: str,
    *,
    usage: str,
    help: str,
    args: tuple[int, int] = (0, 0),
    aliases: tuple[str, ...] = (),
    secret: bool = False,
) -> Callable[[Handler], Handler]:
    """Register the decorated function as ``/name``; ``args`` is (at least, at most)."""

    def register(handler: Handler) -> Handler:
        spec = CommandSpec(name, usage, help, handler, args[0], args[1], aliases, secret)
        for word in (name, *aliases):
            if word in _BY_NAME:
                raise ValueError(f"/{word} is registered twice")
            _BY_NAME[word] = spec
        _SPECS.append(spec)
        return handler

    return register


def all_commands() -> tuple[CommandSpec, ...]:
    """Every command, in registration order."""
    return tuple(_SPECS)


def lookup(name: str) -> CommandSpec | None:
    return _BY_NAME.get(name.lower().lstrip("/"))


def kept_in_history(line: str) -> bool:
    """Whether a typed line may be recalled with Up: not one of a secret command (/register)."""
    if not line.startswith("/") or line.startswith("//"):
        return True
    spec = lookup(line[1:].partition(" ")[0])
    return spec is None or not spec.secret


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

    async def run(self, chat: ChatScreen) -> None:
        result: Any = self.spec.handler(chat, *self.args)
        if result is not None:
            await result


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
    return sorted("/" + spec.name for spec in _SPECS if spec.name.startswith(stem))
