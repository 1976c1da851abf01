"""SETNAME (IRCv3 ``setname``): change one's realname, told to those sharing a channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...irc import limits
from ...irc.message import Message
from ..registry import command
from ..state import CAP_SETNAME, Client

if TYPE_CHECKING:
    from ..server import Server


@command("SETNAME", 1)
def cmd_setname(srv: Server, c: Client, msg: Message) -> None:
    realname = msg.params[-1]
    if not realname or len(realname) > limits.REALNAMELEN:
        srv.out.send(c, f":{srv.name} FAIL SETNAME INVALID_REALNAME :Realname is not valid")
        return
    c.realname = realname
    # Only clients that negotiated the capability may be sent SETNAME (the spec's MUST NOT);
    # a client without it is obeyed silently, as the historic implementations did.
    peers = srv.peers(c)
    peers.add(c)
    told = [p for p in peers if p.caps & CAP_SETNAME]
    if told:
        srv.out.fanout(told, f":{c.prefix} SETNAME :{realname}")
