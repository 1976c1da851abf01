"""Queries about users and the server: WHO, WHOIS, WHOWAS, ISON, USERHOST, MOTD, LUSERS,
VERSION, TIME, INFO."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ...irc import limits
from ...irc import numerics as N
from ...irc.casemap import casefold
from ...irc.mask import MAX_MASK_LEN, Mask
from ...irc.message import Message
from ...irc.numbers import parse_decimal
from ..config import VERSION
from ..registry import command
from ..state import CAP_MULTI_PREFIX, Client, member_prefix, sees_invisible
from ..whox import Whox, parse_whox, whox_line
from .registration import lusers_bytes, send_motd
from .targets import split_targets

if TYPE_CHECKING:
    from ..server import Server


def who_line(
    srv: Server, c: Client, channel: str, u: Client, flags: int, whox: Whox | None = None
) -> None:
    if whox is not None:
        whox_line(srv, c, whox, channel, u, flags)
        return
    status = ("G" if u.away else "H") + ("*" if u.oper else "") + ("B" if u.bot else "")
    status += member_prefix(flags, bool(c.caps & CAP_MULTI_PREFIX))
    srv.out.reply(
        c, N.RPL_WHOREPLY, channel, u.user, u.host, srv.name, u.nick, status, f"0 {u.realname}"
    )


@command("WHO", 0)
def cmd_who(srv: Server, c: Client, msg: Message) -> None:
    mask = msg.param(0) or "*"
    whox = parse_whox(msg.param(1))
    if mask[:1] == "#":
        ch = srv.find_channel(mask)
        if ch is not None and (c in ch.members or not ch.secret or c.oper):
            see_all = c in ch.members or c.oper
            for u, flags in list(ch.members.items()):
                if see_all or not u.invisible or sees_invisible(c, u):
                    who_line(srv, c, ch.name, u, flags, whox)
    else:
        matcher = Mask(mask if mask != "0" else "*")
        # An overlong mask matches nobody: it bounds the cost of every comparison below.
        users = list(srv.nicks.values()) if len(mask) <= MAX_MASK_LEN else []
        for u in users:
            if not u.registered:
                continue
            if u.invisible and not sees_invisible(c, u):
                continue
            if not any(matcher.match(f) for f in (u.nick, u.user, u.host, u.realname)):
                continue
            channel, flags = "*", 0
            for ch in u.channels.values():
                if not ch.secret or c in ch.members:
                    channel, flags = ch.name, ch.members[u]
                    break
            who_line(srv, c, channel, u, flags, whox)
    srv.out.reply(c, N.RPL_ENDOFWHO, mask, "End of WHO list")


@command("WHOIS", 0)
def cmd_whois(srv: Server, c: Client, msg: Message) -> None:
    if not msg.params or not msg.params[-1]:
        srv.out.reply(c, N.ERR_NONICKNAMEGIVEN, "No nickname given")
        return
    for nick in split_targets(srv, c, msg.params[-1]) or ():
        u = srv.find_user(nick)
        if u is None:
            srv.out.reply(c, N.ERR_NOSUCHNICK, nick, "No such nick/channel")
            srv.out.reply(c, N.RPL_ENDOFWHOIS, nick, "End of /WHOIS list")
            continue
        srv.out.reply(c, N.RPL_WHOISUSER, u.nick, u.user, u.host, "*", u.realname)
        multi = bool(c.caps & CAP_MULTI_PREFIX)
        chans = [
            member_prefix(ch.members[u], multi) + ch.name
            for ch in u.channels.values()
            if not ch.secret or c in ch.members or c is u or c.oper
        ]
        if chans:
            srv.out.reply(c, N.RPL_WHOISCHANNELS, u.nick, " ".join(chans))
        srv.out.reply(c, N.RPL_WHOISSERVER, u.nick, srv.name, f"{srv.config.network} server")
        if u.away:
            srv.out.reply(c, N.RPL_AWAY, u.nick, u.away)
        if u.oper:
            srv.out.reply(c, N.RPL_WHOISOPERATOR, u.nick, "is an IRC operator")
        if u.account is not None:
            srv.out.reply(c, N.RPL_WHOISACCOUNT, u.nick, u.account, "is logged in as")
        if u.bot:
            srv.out.reply(c, N.RPL_WHOISBOT, u.nick, f"is a bot on {srv.config.network}")
        idle = str(int(srv.now - u.last_message))
        srv.out.reply(c, N.RPL_WHOISIDLE, u.nick, idle, str(u.signon), "seconds idle, signon time")
        srv.out.reply(c, N.RPL_ENDOFWHOIS, u.nick, "End of /WHOIS list")


@command("WHOWAS", 0)
def cmd_whowas(srv: Server, c: Client, msg: Message) -> None:
    if not msg.params or not msg.params[0]:
        srv.out.reply(c, N.ERR_NONICKNAMEGIVEN, "No nickname given")
        return
    count = parse_decimal(msg.param(1)) or 0
    for nick in msg.params[0].split(",")[: limits.MAX_TARGETS]:
        key = casefold(nick)
        found = 0
        for entry in reversed(srv.whowas):
            if entry.key != key:
                continue
            srv.out.reply(
                c, N.RPL_WHOWASUSER, entry.nick, entry.user, entry.host, "*", entry.realname
            )
            when = time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(entry.when))
            srv.out.reply(c, N.RPL_WHOISSERVER, entry.nick, srv.name, when)
            found += 1
            if count and found >= count:
                break
        if not found:
            srv.out.reply(c, N.ERR_WASNOSUCHNICK, nick, "There was no such nickname")
        srv.out.reply(c, N.RPL_ENDOFWHOWAS, nick, "End of WHOWAS")


@command("ISON", 1)
def cmd_ison(srv: Server, c: Client, msg: Message) -> None:
    online = [u.nick for n in " ".join(msg.params).split() if (u := srv.find_user(n))]
    srv.out.reply(c, N.RPL_ISON, " ".join(online))


@command("USERHOST", 1)
def cmd_userhost(srv: Server, c: Client, msg: Message) -> None:
    entries = []
    for nick in " ".join(msg.params).split()[:5]:
        u = srv.find_user(nick)
        if u is not None:
            oper = "*" if u.oper else ""
            away = "-" if u.away else "+"
            entries.append(f"{u.nick}{oper}={away}{u.user}@{u.host}")
    srv.out.reply(c, N.RPL_USERHOST, " ".join(entries))


@command("MOTD", 0)
def cmd_motd(srv: Server, c: Client, msg: Message) -> None:
    send_motd(srv, c)


@command("LUSERS", 0)
def cmd_lusers(srv: Server, c: Client, msg: Message) -> None:
    srv.out.send_bytes(c, lusers_bytes(srv, c.nick))


@command("VERSION", 0)
def cmd_version(srv: Server, c: Client, msg: Message) -> None:
    srv.out.reply(c, N.RPL_VERSION, VERSION, srv.name, "tui-chat bundled IRC server")
    send_isupport(srv, c)


@command("TIME", 0)
def cmd_time(srv: Server, c: Client, msg: Message) -> None:
    now = time.strftime("%A %B %d %Y -- %H:%M:%S +00:00", time.gmtime())
    srv.out.reply(c, N.RPL_TIME, srv.name, now)


_INFO = (
    "tui-chat: a terminal chat app and the IRC server it ships with.",
    f"Version {VERSION}.",
    "One thread, one selector, no thread per client.",
)


@command("INFO", 0)
def cmd_info(srv: Server, c: Client, msg: Message) -> None:
    for line in _INFO:
        srv.out.reply(c, N.RPL_INFO, line)
    srv.out.reply(c, N.RPL_ENDOFINFO, "End of /INFO list")


def send_isupport(srv: Server, c: Client) -> None:
    tokens = srv.isupport
    for i in range(0, len(tokens), 12):
        chunk = " ".join(tokens[i : i + 12])
        srv.out.send(
            c, f":{srv.name} {N.RPL_ISUPPORT} {c.nick} {chunk} :are supported by this server"
        )
