"""Targets: the comma lists of KICK, NAMES and WHOIS (bounded by TARGMAX), and whether a
message may go to a channel (the one rule for PRIVMSG, NOTICE, TAGMSG and multi-line batches)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...irc import limits
from ...irc import numerics as N
from ...irc.casemap import casefold

if TYPE_CHECKING:
    from ..server import Server
    from ..state import Channel, Client


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


def sendable_channel(srv: Server, c: Client, name: str, errors: bool) -> Channel | None:
    """The channel ``name`` if ``c`` may send to it; else None, after the error a peer server
    sends (403 or 404) when ``errors`` (NOTICE never gets one)."""
    ch = srv.channels.get(casefold(name))
    if ch is None:
        if errors:
            srv.out.reply(c, N.ERR_NOSUCHCHANNEL, name, "No such channel")
        return None
    flags = ch.members.get(c)
    if not flags and ((flags is None and ch.no_external) or ch.moderated or ch.is_banned(c)):
        if errors:
            srv.out.reply(c, N.ERR_CANNOTSENDTOCHAN, ch.name, "Cannot send to channel")
        return None
    return ch
