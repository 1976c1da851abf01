"""Connection registration: PASS, NICK, USER, CAP, the welcome burst, PING, PONG, QUIT."""

from __future__ import annotations

import hmac
import logging
import re
import time
from typing import TYPE_CHECKING

from ...irc import limits
from ...irc import numerics as N
from ...irc.casemap import casefold, is_valid_nick
from ...irc.fitting import fit_line
from ...irc.message import Message
from ...irc.numbers import parse_decimal
from ..registry import command
from ..state import CAP_CAP_NOTIFY, MEMBER_OP, MEMBER_VOICE, Client

if TYPE_CHECKING:
    from ..server import Server

log = logging.getLogger("tui_chat.server")

_USER_BAD = re.compile(r"[^A-Za-z0-9._-]")


@command("PASS", 1, before_registration=True)
def cmd_pass(srv: Server, c: Client, msg: Message) -> None:
    if c.registered:
        srv.out.reply(c, N.ERR_ALREADYREGISTERED, "You may not reregister")
        return
    c.password = msg.params[0]


@command("NICK", 0, before_registration=True)
def cmd_nick(srv: Server, c: Client, msg: Message) -> None:
    nick = msg.param(0)
    if not nick:
        srv.out.reply(c, N.ERR_NONICKNAMEGIVEN, "No nickname given")
        return
    if not is_valid_nick(nick):
        srv.out.reply(c, N.ERR_ERRONEUSNICKNAME, nick, "Erroneous nickname")
        return
    key = casefold(nick)
    owner = srv.nicks.get(key)
    if owner is not None and owner is not c:
        srv.out.reply(c, N.ERR_NICKNAMEINUSE, nick, "Nickname is already in use")
        return
    if not c.registered:
        if c.key and srv.nicks.get(c.key) is c:
            del srv.nicks[c.key]
        c.nick, c.key = nick, key
        srv.nicks[key] = c
        try_register(srv, c)
        return
    if nick == c.nick:
        return
    for ch in c.channels.values():
        # A new nick would shed a nick!*@* ban: refused, as solanum and InspIRCd do.
        if not ch.members[c] & (MEMBER_OP | MEMBER_VOICE) and ch.is_banned(c):
            srv.out.reply(
                c, N.ERR_BANNICKCHANGE, ch.name, "Cannot change nickname while banned on channel"
            )
            return
    recipients = srv.peers(c)
    recipients.add(c)
    srv.out.fanout(recipients, f":{c.prefix} NICK :{nick}")
    srv.remember(c)
    del srv.nicks[c.key]
    c.nick, c.key = nick, key
    srv.nicks[key] = c
    c.update_prefix()


@command("USER", 4, before_registration=True)
def cmd_user(srv: Server, c: Client, msg: Message) -> None:
    if c.registered or c.user:
        srv.out.reply(c, N.ERR_ALREADYREGISTERED, "You may not reregister")
        return
    if not msg.params[3]:
        # Modern IRC: an empty realname is a missing parameter (Ergo answers 461).
        srv.out.reply(c, N.ERR_NEEDMOREPARAMS, "USER", "Not enough parameters")
        return
    user = _USER_BAD.sub("", msg.params[0])[: limits.USERLEN] or "user"
    c.user = user
    c.realname = msg.params[3][:100]
    try_register(srv, c)


@command("CAP", 1, before_registration=True)
def cmd_cap(srv: Server, c: Client, msg: Message) -> None:
    sub = msg.params[0].upper()
    nick = c.nick or "*"
    if sub == "LS":
        if not c.registered:
            c.cap_negotiating = True
        version = parse_decimal(msg.param(1))
        if version is not None and version >= 302:
            c.cap_302 = True
            c.set_caps(c.caps | CAP_CAP_NOTIFY)  # implied by CAP LS 302
        offered = (
            f"{name}={srv.cap_values[name]}" if c.cap_302 and name in srv.cap_values else name
            for name in srv.capabilities
        )
        srv.out.send(c, f":{srv.name} CAP {nick} LS :{' '.join(offered)}")
    elif sub == "LIST":
        enabled = [name for name, bit in srv.capabilities.items() if c.caps & bit]
        srv.out.send(c, f":{srv.name} CAP {nick} LIST :{' '.join(enabled)}")
    elif sub == "REQ":
        if not c.registered:
            c.cap_negotiating = True
        wanted = msg.param(1)
        changes = requested_caps(srv, c, wanted)
        if changes is None:
            # Cut to fit a line if it must: the spec asks for at least its first 100 chars.
            srv.out.send(c, f":{srv.name} CAP {nick} NAK :{wanted}")
            return
        caps = c.caps
        for name, on in changes.items():
            bit = srv.capabilities[name]
            caps = caps | bit if on else caps & ~bit
        c.set_caps(caps)
        acked = " ".join(name if on else "-" + name for name, on in changes.items())
        srv.out.send(c, f":{srv.name} CAP {nick} ACK :{acked}")
    elif sub == "END":
        if not c.registered and c.cap_negotiating:
            c.cap_negotiating = False
            try_register(srv, c)
    else:
        srv.out.reply(c, N.ERR_INVALIDCAPCMD, msg.params[0], "Invalid CAP command")


def requested_caps(srv: Server, c: Client, wanted: str) -> dict[str, bool] | None:
    """A CAP REQ list as {capability: enable}, or None if it must be NAKed as a whole.

    Names are separated by spaces only and take at most one ``-``. A name mentioned twice
    counts once, as its last mention says (the spec's rule), so the ACK built from this
    names each capability once and always fits a line, where an echo of a 510-byte request
    would be cut and tell the client less than was done. cap-notify is sticky once implied
    by ``CAP LS 302``: a request to disable it is refused, as the cap-notify spec asks.
    """
    changes: dict[str, bool] = {}
    for item in wanted.split(" "):
        if not item:
            continue
        on = item[0] != "-"
        name = item if on else item[1:]
        if name not in srv.capabilities or (not on and c.cap_302 and name == "cap-notify"):
            return None
        changes.pop(name, None)  # the last mention decides, and where the ACK names it
        changes[name] = on
    return changes or None


def try_register(srv: Server, c: Client) -> None:
    if c.registered or not c.nick or not c.user or c.cap_negotiating:
        return
    password = srv.config.password
    if password is not None:
        if srv.auth_throttled(c):
            srv.out.reply(c, N.ERR_PASSWDMISMATCH, "Too many wrong passwords from your address")
            srv.disconnect(c, "Too many wrong passwords; try again later")
            return
        if not hmac.compare_digest((c.password or "").encode(), password.encode()):
            srv.auth_failed(c)
            srv.out.reply(c, N.ERR_PASSWDMISMATCH, "Password incorrect")
            srv.disconnect(c, "Bad password")
            return
    c.registered = True
    c.signon = int(time.time())
    c.last_message = srv.now
    c.update_prefix()
    srv.user_count += 1
    srv.max_users = max(srv.max_users, srv.user_count)
    srv.connlog.note(srv.now, "%s registered as %s", c.ip, c.prefix)
    welcome(srv, c)


def welcome(srv: Server, c: Client) -> None:
    """001-005, LUSERS and MOTD as one append: the static lines are pre-built bytes."""
    nick = c.nick
    first = f"Welcome to the {srv.config.network} IRC Network {c.prefix}"
    data = fit_line(f":{srv.name} {N.RPL_WELCOME} {nick} :{first}\r\n".encode())
    srv.out.send_bytes(c, data + srv.burst(nick, srv.welcome_lines) + lusers_bytes(srv, nick))
    send_motd(srv, c)


def lusers_bytes(srv: Server, nick: str) -> bytes:
    users = srv.user_count
    invisible = srv.invisible_count
    unknown = max(0, len(srv.clients) - users)
    most = srv.max_users
    head = f":{srv.name} "
    return (
        f"{head}{N.RPL_LUSERCLIENT} {nick} :There are {users - invisible} users and {invisible}"
        f" invisible on 1 servers\r\n"
        f"{head}{N.RPL_LUSEROP} {nick} {srv.oper_count} :operator(s) online\r\n"
        f"{head}{N.RPL_LUSERUNKNOWN} {nick} {unknown} :unknown connection(s)\r\n"
        f"{head}{N.RPL_LUSERCHANNELS} {nick} {len(srv.channels)} :channels formed\r\n"
        f"{head}{N.RPL_LUSERME} {nick} :I have {users} clients and 0 servers\r\n"
        f"{head}{N.RPL_LOCALUSERS} {nick} {users} {most} :Current local users {users}, max {most}"
        f"\r\n{head}{N.RPL_GLOBALUSERS} {nick} {users} {most} :Current global users {users},"
        f" max {most}\r\n"
    ).encode()


def send_motd(srv: Server, c: Client) -> None:
    srv.out.send_bytes(c, srv.burst(c.nick or "*", srv.motd_lines))


@command("PING", 0, before_registration=True)
def cmd_ping(srv: Server, c: Client, msg: Message) -> None:
    if not msg.params:
        srv.out.reply(c, N.ERR_NOORIGIN, "No origin specified")
        return
    srv.out.send(c, f":{srv.name} PONG {srv.name} :{msg.params[0]}")


@command("PONG", 0, before_registration=True)
def cmd_pong(srv: Server, c: Client, msg: Message) -> None:
    pass  # any input already counts as activity


@command("QUIT", 0, before_registration=True)
def cmd_quit(srv: Server, c: Client, msg: Message) -> None:
    reason = msg.param(0)
    quit_message = f"Quit: {reason}" if reason else "Client Quit"
    srv.disconnect(c, quit_message)
