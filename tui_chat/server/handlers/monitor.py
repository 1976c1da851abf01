"""MONITOR (IRCv3): be told when nicks come online or go offline.

``MONITOR + a,b`` / ``- a,b`` / ``C`` / ``L`` / ``S``; the table is :mod:`..monitor`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ...irc import limits
from ...irc import numerics as N
from ...irc.casemap import is_valid_nick
from ...irc.message import Message
from ..registry import command
from ..state import Client

if TYPE_CHECKING:
    from ..server import Server

# Bytes of targets per 730/731/732 line: room for the prefix, numeric and nick within 512.
_LIST_WIDTH = 400


@command("MONITOR", 1)
def cmd_monitor(srv: Server, c: Client, msg: Message) -> None:
    op = msg.params[0]
    table = srv.monitor
    if op == "+":
        targets = _targets(msg)
        nicks = [t for t in targets if is_valid_nick(t)]
        left_out = table.add(c, nicks, limits.MAX_MONITOR)
        if left_out:
            srv.out.reply(
                c,
                N.ERR_MONLISTFULL,
                str(limits.MAX_MONITOR),
                ",".join(left_out),
                "Monitor list is full.",
            )
        added = set(left_out)
        _status(srv, c, [n for n in nicks if n not in added])
    elif op == "-":
        table.remove(c, _targets(msg))
    elif op in ("C", "c"):
        table.clear(c)
    elif op in ("L", "l"):
        for chunk in _chunks((c.monitoring or {}).values()):
            srv.out.reply(c, N.RPL_MONLIST, chunk)
        srv.out.reply(c, N.RPL_ENDOFMONLIST, "End of MONITOR list")
    elif op in ("S", "s"):
        _status(srv, c, list((c.monitoring or {}).values()))
    else:
        srv.out.reply(c, N.ERR_UNKNOWNCOMMAND, "MONITOR", f"Unknown MONITOR modifier {op[:10]}")


def _targets(msg: Message) -> list[str]:
    # One line holds at most ~250 targets: a bounded amount of work per command.
    return [t for t in msg.param(1).split(",") if t]


def _status(srv: Server, c: Client, nicks: list[str]) -> None:
    online, offline = [], []
    for nick in nicks:
        u = srv.find_user(nick)
        if u is None:
            offline.append(nick)
        else:
            online.append(u.prefix)
    for chunk in _chunks(online):
        srv.out.reply(c, N.RPL_MONONLINE, chunk)
    for chunk in _chunks(offline):
        srv.out.reply(c, N.RPL_MONOFFLINE, chunk)


def _chunks(items: Iterable[str]) -> list[str]:
    """Comma-joined runs of ``items``, each short enough for one line."""
    out: list[str] = []
    run: list[str] = []
    size = 0
    for item in items:
        if run and size + len(item) + 1 > _LIST_WIDTH:
            out.append(",".join(run))
            run, size = [], 0
        run.append(item)
        size += len(item) + 1
    if run:
        out.append(",".join(run))
    return out
