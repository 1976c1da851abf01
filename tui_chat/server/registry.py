"""The command table, in Ergo's shape: one frozen spec per IRC command, and its lookup.

A handler is registered where it is defined::

    @command("TIME")
    def cmd_time(srv: Server, c: Client, msg: Message) -> None: ...

and ``Server.dispatch`` makes every check a spec describes, once, before calling it: unknown
command, registration, operator status, the minimum number of parameters. A handler answers
only the errors particular to its command.

A leaf: nothing else of the server is imported here at runtime, so any module may import it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from ..irc.message import Message
    from .server import Server
    from .state import Client

Handler: TypeAlias = "Callable[[Server, Client, Message], None]"


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    handler: Handler
    min_params: int = 0
    # Usable by a connection that has not registered yet (NICK, USER, CAP, PING ...).
    before_registration: bool = False
    # Only IRC operators may use it; others get ERR_NOPRIVILEGES.
    oper_only: bool = False
    # Relays channel lines that may stay in the pending channel batch (see output.Output);
    # before any other command runs, the batch is written out.
    batches: bool = False


COMMANDS: dict[str, CommandSpec] = {}


def command(
    name: str,
    min_params: int = 0,
    *,
    before_registration: bool = False,
    oper_only: bool = False,
    batches: bool = False,
) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ``name`` (upper case, as on the wire)."""

    def register(fn: Handler) -> Handler:
        if name in COMMANDS:
            raise ValueError(f"two handlers for {name}")
        COMMANDS[name] = CommandSpec(name, fn, min_params, before_registration, oper_only, batches)
        return fn

    return register


def lookup(name: str) -> CommandSpec | None:
    return COMMANDS.get(name)
