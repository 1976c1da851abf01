"""IRC operators: OPER, KILL, WALLOPS."""

from __future__ import annotations

import hmac
import logging
from typing import TYPE_CHECKING

from ...irc import numerics as N
from ...irc.message import Message
from ..registry import command
from ..state import Client

if TYPE_CHECKING:
    from ..server import Server

log = logging.getLogger("tui_chat.server")


@command("OPER", 2)
def cmd_oper(srv: Server, c: Client, msg: Message) -> None:
    name, password = msg.params[0], msg.params[1]
    if srv.auth_throttled(c):
        # Not even checked: a guess from a throttled address tells nothing.
        srv.out.reply(c, N.ERR_NOOPERHOST, "Too many failed OPER attempts from your address")
        return
    expected = srv.config.opers.get(name)
    if expected is not None and hmac.compare_digest(expected.encode(), password.encode()):
        c.oper_failures = 0
        srv.set_oper(c)
        log.info("%s is now an operator (%s)", c.prefix, name)
        return
    c.oper_failures += 1
    srv.auth_failed(c)
    # Each wrong guess holds this client's next commands longer: guessing gets slow fast.
    delay = min(60.0, srv.config.oper_fail_delay * 2 ** (c.oper_failures - 1))
    srv.hold(c, delay)
    log.warning("failed OPER %r from %s (%d)", name, c.prefix, c.oper_failures)
    srv.out.reply(c, N.ERR_PASSWDMISMATCH, "Password incorrect")


@command("KILL", 2, oper_only=True)
def cmd_kill(srv: Server, c: Client, msg: Message) -> None:
    target = srv.find_user(msg.params[0])
    if target is None:
        srv.out.reply(c, N.ERR_NOSUCHNICK, msg.params[0], "No such nick/channel")
        return
    reason = msg.params[1]
    srv.out.send(target, f":{c.prefix} KILL {target.nick} :{reason}")
    srv.disconnect(target, f"Killed ({c.nick} ({reason}))")


@command("WALLOPS", 1, oper_only=True)
def cmd_wallops(srv: Server, c: Client, msg: Message) -> None:
    recipients = [u for u in srv.nicks.values() if u.wallops and u.registered]
    srv.out.fanout(recipients, f":{c.prefix} WALLOPS :{msg.params[0]}")
