"""WHOX: ``WHO <mask> %<fields>[,<token>]`` answered with RPL_WHOSPCRPL (354), the fields a
client asked for in the fixed order ``tcuihsnfdlaor`` (what Ergo, solanum and InspIRCd send)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..irc import numerics as N
from .state import CAP_MULTI_PREFIX, Client, member_prefix

if TYPE_CHECKING:
    from .server import Server

ORDER = "tcuihsnfdlaor"
MAX_TOKEN = 3  # digits


@dataclass(frozen=True, slots=True)
class Whox:
    fields: str  # the requested field letters, in ORDER, each once
    token: str  # "" when none (or an invalid one) was given


def parse_whox(arg: str) -> Whox | None:
    """The second WHO parameter as WHOX, or None when it is not one (no leading ``%``)."""
    if arg[:1] != "%":
        return None
    letters, _, token = arg[1:].partition(",")
    wanted = set(letters[: len(ORDER) * 2])  # bounded: the line is, but a set needs no more
    if not (token.isdigit() and token.isascii() and len(token) <= MAX_TOKEN):
        token = ""
    return Whox("".join(f for f in ORDER if f in wanted), token)


def whox_line(srv: Server, c: Client, whox: Whox, channel: str, u: Client, flags: int) -> None:
    values = []
    for field in whox.fields:
        if field == "t":
            if whox.token:
                values.append(whox.token)
        elif field == "c":
            values.append(channel)
        elif field == "u":
            values.append(u.user)
        elif field in "ih":
            values.append(u.host)  # the address is the host here (no DNS, no cloaks)
        elif field == "s":
            values.append(srv.name)
        elif field == "n":
            values.append(u.nick)
        elif field == "f":
            status = ("G" if u.away else "H") + ("*" if u.oper else "")
            values.append(status + member_prefix(flags, bool(c.caps & CAP_MULTI_PREFIX)))
        elif field == "d":
            values.append("0")
        elif field == "l":
            values.append(str(int(srv.now - u.last_message)))
        elif field == "a":
            values.append(u.account or "0")
        elif field == "o":
            values.append("n/a")
        elif field == "r":
            values.append(u.realname)
    if not values:
        return
    *middle, last = values
    # Every field but the realname is one word; the realname is the trailing parameter.
    srv.out.send(c, " ".join([f":{srv.name} {N.RPL_WHOSPCRPL} {c.nick}", *middle, ":" + last]))
