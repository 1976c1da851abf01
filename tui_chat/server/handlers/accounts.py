"""Accounts: REGISTER and VERIFY (draft/account-registration), AUTHENTICATE (SASL PLAIN).

Passwords are checked and hashed by the KDF worker thread (see ..kdf): while a hash is being
made for a connection its input is held, so its next lines (CAP END above all) run after the
answer, in the order it sent them, and one connection has at most one hash in flight.
"""

from __future__ import annotations

import base64
import binascii
import time
from typing import TYPE_CHECKING

from ...irc import numerics as N
from ...irc.casemap import casefold, is_valid_nick
from ...irc.message import Message
from ..accounts import Account
from ..logins import SASL_CHUNK, SASL_MAX_BYTES, SaslExchange
from ..nickguard import check_nick
from ..passwords import hash_password, verify_password
from ..registry import command
from ..state import CAP_ACCOUNT_NOTIFY, CAP_EXTENDED_JOIN, Channel, Client

if TYPE_CHECKING:
    from ..server import Server

MIN_PASSWORD = 8  # characters
MAX_PASSWORD_BYTES = 300  # the spec's advice: it must still fit a PRIVMSG to a service
# Longest a connection's input waits for its hash: the worker answers long before, unless the
# server is closing.
HASH_HOLD = 10.0


def _fail(srv: Server, c: Client, cmd: str, code: str, *params: str) -> None:
    *middle, text = params
    srv.out.send(c, " ".join([f":{srv.name} FAIL {cmd} {code}", *middle, ":" + text]))


def _source(c: Client) -> str:
    return f"{c.nick or '*'}!{c.user or '*'}@{c.host}"


def log_in(srv: Server, c: Client, account: Account) -> None:
    c.account = account.name
    srv.read_markers.attach(c)
    srv.out.reply(
        c, N.RPL_LOGGEDIN, _source(c), account.name, f"You are now logged in as {account.name}"
    )
    if c.registered:
        check_nick(srv, c)  # the nick may be this account's: its grace period ends
        notify = [p for p in srv.peers(c) if p.caps & CAP_ACCOUNT_NOTIFY]
        if notify:
            srv.out.fanout(notify, f":{c.prefix} ACCOUNT {account.name}", account=account.name)


def fanout_join(srv: Server, ch: Channel, c: Client) -> None:
    """``c``'s JOIN to the members, with account and realname for those with extended-join."""
    line = f":{c.prefix} JOIN {ch.name}"
    extended = [m for m in ch.members if m.caps & CAP_EXTENDED_JOIN]
    if extended:
        srv.out.fanout(extended, f"{line} {c.account or '*'} :{c.realname}", account=c.account)
        plain = [m for m in ch.members if not m.caps & CAP_EXTENDED_JOIN]
        srv.out.fanout(plain, line, account=c.account)
    else:
        srv.out.fanout(ch.members, line, account=c.account)


def _live(c: Client) -> bool:
    return c.sock is not None and not c.closing


# -- REGISTER / VERIFY ---------------------------------------------------------------------------


@command("REGISTER", 3, before_registration=True)
def cmd_register(srv: Server, c: Client, msg: Message) -> None:
    wanted, _email, password = msg.params[:3]
    logins = srv.logins
    name = c.nick if wanted == "*" and c.nick else wanted
    shown = name if is_valid_nick(name) else "*"  # never echo a long or odd name back
    if not c.registered and srv.config.password is not None:
        # Registering before PASS was checked would let anyone in past the server password.
        _fail(srv, c, "REGISTER", "COMPLETE_CONNECTION_REQUIRED", "Register once connected")
        return
    if c.account is not None:
        _fail(srv, c, "REGISTER", "ALREADY_AUTHENTICATED", c.account, "You are logged in already")
        return
    if not srv.config.account_registration or not logins.store.usable:
        _fail(
            srv,
            c,
            "REGISTER",
            "TEMPORARILY_UNAVAILABLE",
            shown,
            "No new accounts here",
        )
        return
    if not c.nick:
        _fail(srv, c, "REGISTER", "NEED_NICK", "*", "Choose a nick (NICK) first")
        return
    if not is_valid_nick(name):
        _fail(srv, c, "REGISTER", "BAD_ACCOUNT_NAME", shown, "An account name is a valid nick")
        return
    key = casefold(name)
    if key != c.key:
        _fail(srv, c, "REGISTER", "ACCOUNT_NAME_MUST_BE_NICK", name, "Register your current nick")
        return
    if key in logins.store.accounts or key in logins.pending:
        _fail(srv, c, "REGISTER", "ACCOUNT_EXISTS", name, "That account already exists")
        return
    if len(password) < MIN_PASSWORD:
        _fail(
            srv,
            c,
            "REGISTER",
            "WEAK_PASSWORD",
            name,
            f"A password needs at least {MIN_PASSWORD} characters",
        )
        return
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        _fail(srv, c, "REGISTER", "UNACCEPTABLE_PASSWORD", name, "That password is too long")
        return
    if not logins.may_register(c.ip):
        _fail(
            srv,
            c,
            "REGISTER",
            "TEMPORARILY_UNAVAILABLE",
            name,
            "Too many new accounts from your address; try again later",
        )
        return
    params = logins.params

    def done(stored: str | None) -> None:
        logins.pending.discard(key)
        if _live(c):
            _registered(srv, c, name, stored)
        srv.release(c)  # after the answer: the lines that waited for it run now

    if not logins.kdf.submit(lambda: hash_password(password, params), done):
        _fail(srv, c, "REGISTER", "TEMPORARILY_UNAVAILABLE", name, "Server busy; try again")
        return
    logins.pending.add(key)
    srv.hold(c, HASH_HOLD)


def _registered(srv: Server, c: Client, name: str, stored: str | None) -> None:
    """The hash for ``REGISTER`` is made: store the account and log the client in to it."""
    logins = srv.logins
    if stored is None:
        _fail(srv, c, "REGISTER", "TEMPORARILY_UNAVAILABLE", name, "Please try again")
        return
    account = Account(name, stored, int(time.time()))
    if not logins.store.add(account):
        code = "ACCOUNT_EXISTS" if logins.store.get(name) else "TEMPORARILY_UNAVAILABLE"
        _fail(srv, c, "REGISTER", code, name, "The account could not be created")
        return
    logins.registered(c.ip)
    srv.out.send(c, f":{srv.name} REGISTER SUCCESS {name} :Account created")
    log_in(srv, c, account)


@command("VERIFY", 2, before_registration=True)
def cmd_verify(srv: Server, c: Client, msg: Message) -> None:
    if c.account is not None:
        _fail(srv, c, "VERIFY", "ALREADY_AUTHENTICATED", c.account, "You are logged in already")
        return
    # Registration needs no code here (no e-mail on a LAN host): nothing is awaiting one.
    shown = msg.params[0] if is_valid_nick(msg.params[0]) else "*"
    _fail(srv, c, "VERIFY", "INVALID_CODE", shown, "No registration is awaiting a code")


# -- SASL ----------------------------------------------------------------------------------------


@command("AUTHENTICATE", 1, before_registration=True)
def cmd_authenticate(srv: Server, c: Client, msg: Message) -> None:
    arg = msg.params[0]
    ex = c.sasl
    if ex is None:
        ex = c.sasl = SaslExchange()
    if c.account is not None:
        ex.reset()
        srv.out.reply(c, N.ERR_SASLALREADY, "You have already authenticated using SASL")
        return
    if ex.mechanism is None:
        if arg == "*":
            srv.out.reply(c, N.ERR_SASLABORTED, "SASL authentication aborted")
        elif arg.upper() != "PLAIN":
            srv.out.reply(c, N.RPL_SASLMECHS, "PLAIN", "are available SASL mechanisms")
            srv.out.reply(c, N.ERR_SASLFAIL, "SASL authentication failed")
        else:
            ex.mechanism = "PLAIN"
            srv.out.send(c, "AUTHENTICATE +")
        return
    if arg == "*":
        ex.reset()
        srv.out.reply(c, N.ERR_SASLABORTED, "SASL authentication aborted")
        return
    if arg != "+":
        ex.buffer += arg.encode()
    if len(arg) > SASL_CHUNK or len(ex.buffer) > SASL_MAX_BYTES:
        ex.reset()
        srv.out.reply(c, N.ERR_SASLTOOLONG, "SASL message too long")
        return
    if len(arg) == SASL_CHUNK:
        return  # a full chunk: more follows (a "+" if it was the last)
    payload = bytes(ex.buffer)
    ex.reset()
    _check_plain(srv, c, ex, payload)


def _check_plain(srv: Server, c: Client, ex: SaslExchange, payload: bytes) -> None:
    try:
        fields = base64.b64decode(payload, validate=True).decode("utf-8").split("\0")
    except (binascii.Error, ValueError):
        fields = []
    if len(fields) != 3 or (fields[0] and casefold(fields[0]) != casefold(fields[1])):
        _sasl_failed(srv, c, ex)
        return
    _, name, password = fields
    if srv.auth_throttled(c):
        # Refused without hashing, right password or not: guessing is as slow as the bucket.
        _sasl_failed(srv, c, ex)
        return
    account = srv.logins.store.get(name) if is_valid_nick(name) else None
    # A missing account is checked against a dummy hash of the same cost, so that its answer
    # takes as long as a wrong password's and does not tell which names are registered.
    stored = account.password_hash if account is not None else srv.logins.dummy_hash

    def done(ok: bool | None) -> None:
        if _live(c) and c.account is None:
            _checked(srv, c, ex, account if ok else None, ok is None)
        srv.release(c)  # after the answer: the lines that waited for it run now

    if not srv.logins.kdf.submit(lambda: verify_password(password, stored), done):
        srv.out.reply(c, N.ERR_SASLFAIL, "SASL authentication failed: server busy, try again")
        return
    srv.hold(c, HASH_HOLD)


def _checked(
    srv: Server, c: Client, ex: SaslExchange, account: Account | None, error: bool
) -> None:
    """The password is checked: ``account`` if it was right, None if not (or ``error``)."""
    if error:
        srv.out.reply(c, N.ERR_SASLFAIL, "SASL authentication failed: please try again")
    elif account is not None:
        log_in(srv, c, account)
        srv.out.reply(c, N.RPL_SASLSUCCESS, "SASL authentication successful")
    else:
        _sasl_failed(srv, c, ex)


def _sasl_failed(srv: Server, c: Client, ex: SaslExchange) -> None:
    srv.auth_failed(c)
    ex.failures += 1
    srv.out.reply(c, N.ERR_SASLFAIL, "SASL authentication failed")
    if ex.failures >= srv.config.sasl_attempts:
        srv.disconnect(c, "Too many failed logins")


def abort_exchange(srv: Server, c: Client) -> None:
    """Registration completed while an exchange was under way: the spec's 906."""
    if c.sasl is not None and c.sasl.mechanism is not None:
        c.sasl.reset()
        srv.out.reply(c, N.ERR_SASLABORTED, "SASL authentication aborted")
