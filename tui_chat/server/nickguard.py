"""Nick enforcement, the Ergo way: a registered account's name is a nick reserved for it.

Someone not logged in to that account who holds the nick is told, and unless they log in
within ``ServerConfig.nick_grace`` seconds they are renamed to a guest nick. With a grace of 0
the nick is refused outright (433) to a registered user, and a connection that registers with
it is given a guest nick at once. The deadline is one float on the client, checked by the
server's periodic sweep: no timer per client.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from ..irc import limits
from ..irc.casemap import casefold
from .state import Client

if TYPE_CHECKING:
    from .server import Server

GUEST_PREFIX = "Guest"


def reserved_for_other(srv: Server, c: Client, key: str) -> bool:
    """Whether the nick with folded form ``key`` belongs to an account ``c`` is not logged in to."""
    if not srv.config.nick_enforcement or srv.logins.store.get(key) is None:
        return False
    return c.account is None or casefold(c.account) != key


def strict(srv: Server) -> bool:
    return srv.config.nick_enforcement and srv.config.nick_grace <= 0


def check_nick(srv: Server, c: Client) -> None:
    """After ``c`` (registered) took a nick or logged in: start or end its grace period."""
    if not reserved_for_other(srv, c, c.key):
        c.nick_deadline = 0.0
        return
    if c.nick_deadline:
        return  # already counting down
    grace = srv.config.nick_grace
    if grace <= 0:
        enforce(srv, c)
        return
    c.nick_deadline = srv.now + grace
    srv.out.send(
        c,
        f":{srv.name} NOTICE {c.nick} :The nick {c.nick} belongs to a registered account. Log in"
        f" to it within {grace:g} seconds, or you will be renamed.",
    )


def due(srv: Server, c: Client) -> None:
    """The sweep's check: rename ``c`` if its grace period is over and it still is not the owner."""
    if not c.nick_deadline or srv.now < c.nick_deadline:
        return
    c.nick_deadline = 0.0
    if reserved_for_other(srv, c, c.key):
        enforce(srv, c)


def enforce(srv: Server, c: Client) -> None:
    old = c.nick
    rename(srv, c, guest_nick(srv))
    srv.out.send(
        c,
        f":{srv.name} NOTICE {c.nick} :You were renamed: {old} belongs to a registered account.",
    )


def guest_nick(srv: Server) -> str:
    while True:  # 10^6 names for at most max_clients holders: a free one comes at once
        nick = f"{GUEST_PREFIX}{secrets.randbelow(10**6):06d}"[: limits.NICKLEN]
        if casefold(nick) not in srv.nicks:
            return nick


def rename(srv: Server, c: Client, nick: str) -> None:
    """Change a nick that was checked (valid and free): peers see it, WHOWAS keeps the old one."""
    key = casefold(nick)
    if c.registered:
        recipients = srv.peers(c)
        recipients.add(c)
        srv.out.fanout(recipients, f":{c.prefix} NICK :{nick}")
        srv.remember(c)
    if c.key and srv.nicks.get(c.key) is c:
        del srv.nicks[c.key]
    # Not a change of case only: MONITOR watchers of either nick are told.
    renamed = c.registered and key != c.key
    if renamed:
        srv.monitor.offline(c.key, c.nick)
    c.nick, c.key = nick, key
    srv.nicks[key] = c
    if c.registered:
        # From here on the history's lines under this nick are ours (REDACT's ownership).
        c.update_prefix(srv.history.next_seq)
    if renamed:
        srv.monitor.online(c)
