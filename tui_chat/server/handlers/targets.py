"""The comma-separated target list of KICK, NAMES and WHOIS, bounded by ISUPPORT's TARGMAX."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...irc import limits
from ...irc import numerics as N

if TYPE_CHECKING:
    from ..server import Server
    from ..state import Client


def split_targets(srv: Server, c: Client, param: str) -> list[str] | None:
    """The targets in ``param``, or None after ERR_TOOMANYTARGETS when there are more than
    TARGMAX allows: the request is refused whole, as for PRIVMSG, rather than cut silently."""
    targets = param.split(",")
    if len(targets) <= limits.MAX_TARGETS:
        return targets
    # The parameter came from the client: one that would not parse as a middle one is '*'.
    shown = param if param and param[0] != ":" else "*"
    srv.out.reply(
        c, N.ERR_TOOMANYTARGETS, shown, f"Too many targets (at most {limits.MAX_TARGETS})"
    )
    return None
