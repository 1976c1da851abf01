"""One handler per IRC command, registered in :data:`COMMANDS` (Ergo-style).

A handler is ``handler(server, client, message)``. The dispatcher has already checked
registration and the minimum parameter count; handlers answer every other error the way a peer
server would, with the numerics from :mod:`tui_chat.irc.numerics`.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
from collections.abc import Callable

from ..irc import limits
from ..irc import numerics as N
from ..irc.casemap import casefold, has_spoofing_chars, is_valid_channel, is_valid_nick
from ..irc.fitting import fit_line, fit_text
from ..irc.message import Message, format_tags
from ..irc.numbers import parse_decimal
from .mask import MAX_MASK_LEN, Mask
from .server import VERSION, Server
from .state import (
    CAP_AWAY_NOTIFY,
    CAP_CAP_NOTIFY,
    CAP_ECHO_MESSAGE,
    CAP_MULTI_PREFIX,
    CAP_USERHOST_IN_NAMES,
    MEMBER_OP,
    MEMBER_VOICE,
    Channel,
    Client,
)
from .txids import TAG as TXID_TAG
from .txids import Delivery, valid_txid

log = logging.getLogger("tui_chat.server")

Handler = Callable[[Server, Client, Message], None]
COMMANDS: dict[str, tuple[Handler, int, bool]] = {}

_USER_BAD = re.compile(r"[^A-Za-z0-9._-]")
_NAMES_WIDTH = 400  # bytes of names per 353 line, leaving room for prefix and tags


def command(name: str, min_params: int = 0, before_registration: bool = False):
    def register(fn: Handler) -> Handler:
        COMMANDS[name] = (fn, min_params, before_registration)
        return fn

    return register


def find_user(srv: Server, nick: str) -> Client | None:
    c = srv.nicks.get(casefold(nick))
    return c if c is not None and c.registered else None


def find_channel(srv: Server, name: str) -> Channel | None:
    return srv.channels.get(casefold(name))


def member_prefix(flags: int, multi: bool) -> str:
    if flags & MEMBER_OP:
        return "@+" if multi and flags & MEMBER_VOICE else "@"
    return "+" if flags & MEMBER_VOICE else ""


def remove_member(srv: Server, ch: Channel, c: Client) -> None:
    del ch.members[c]
    del c.channels[ch.key]
    if not ch.members:
        del srv.channels[ch.key]


# -- registration ----------------------------------------------------------------------------


@command("PASS", 1, before_registration=True)
def cmd_pass(srv: Server, c: Client, msg: Message) -> None:
    if c.registered:
        srv.reply(c, N.ERR_ALREADYREGISTERED, "You may not reregister")
        return
    c.password = msg.params[0]


@command("NICK", 0, before_registration=True)
def cmd_nick(srv: Server, c: Client, msg: Message) -> None:
    nick = msg.param(0)
    if not nick:
        srv.reply(c, N.ERR_NONICKNAMEGIVEN, "No nickname given")
        return
    if not is_valid_nick(nick):
        srv.reply(c, N.ERR_ERRONEUSNICKNAME, nick, "Erroneous nickname")
        return
    key = casefold(nick)
    owner = srv.nicks.get(key)
    if owner is not None and owner is not c:
        srv.reply(c, N.ERR_NICKNAMEINUSE, nick, "Nickname is already in use")
        return
    if not c.registered:
        if c.key is not None and srv.nicks.get(c.key) is c:
            del srv.nicks[c.key]
        c.nick, c.key = nick, key
        srv.nicks[key] = c
        try_register(srv, c)
        return
    if nick == c.nick:
        return
    recipients = srv.peers(c)
    recipients.add(c)
    srv.fanout(recipients, f":{c.prefix} NICK :{nick}")
    srv.remember(c)
    del srv.nicks[c.key]
    c.nick, c.key = nick, key
    srv.nicks[key] = c
    c.update_prefix()


@command("USER", 4, before_registration=True)
def cmd_user(srv: Server, c: Client, msg: Message) -> None:
    if c.registered or c.user is not None:
        srv.reply(c, N.ERR_ALREADYREGISTERED, "You may not reregister")
        return
    user = _USER_BAD.sub("", msg.params[0])[: limits.USERLEN] or "user"
    c.user = user
    c.realname = msg.params[3][:100] or user
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
            c.set_caps(c.caps | CAP_CAP_NOTIFY)  # implied by CAP LS 302
        srv.send(c, f":{srv.name} CAP {nick} LS :{' '.join(srv.capabilities)}")
    elif sub == "LIST":
        enabled = [name for name, bit in srv.capabilities.items() if c.caps & bit]
        srv.send(c, f":{srv.name} CAP {nick} LIST :{' '.join(enabled)}")
    elif sub == "REQ":
        if not c.registered:
            c.cap_negotiating = True
        wanted = msg.param(1)
        caps = c.caps
        ok = bool(wanted.split())
        for item in wanted.split():
            bit = srv.capabilities.get(item.lstrip("-"))
            if bit is None:
                ok = False
                break
            caps = caps & ~bit if item.startswith("-") else caps | bit
        if ok:
            c.set_caps(caps)
        srv.send(c, f":{srv.name} CAP {nick} {'ACK' if ok else 'NAK'} :{wanted}")
    elif sub == "END":
        if not c.registered and c.cap_negotiating:
            c.cap_negotiating = False
            try_register(srv, c)
    else:
        srv.reply(c, N.ERR_INVALIDCAPCMD, msg.params[0], "Invalid CAP command")


def try_register(srv: Server, c: Client) -> None:
    if c.registered or c.nick is None or c.user is None or c.cap_negotiating:
        return
    password = srv.config.password
    if password is not None:
        if srv.auth_throttled(c):
            srv.reply(c, N.ERR_PASSWDMISMATCH, "Too many wrong passwords from your address")
            srv.disconnect(c, "Too many wrong passwords; try again later")
            return
        if not hmac.compare_digest((c.password or "").encode(), password.encode()):
            srv.auth_failed(c)
            srv.reply(c, N.ERR_PASSWDMISMATCH, "Password incorrect")
            srv.disconnect(c, "Bad password")
            return
    c.registered = True
    c.signon = int(time.time())
    c.last_message = srv.now
    c.update_prefix()
    srv.user_count += 1
    srv.max_users = max(srv.max_users, srv.user_count)
    log.debug("%s registered as %s", c.ip, c.prefix)
    welcome(srv, c)


def welcome(srv: Server, c: Client) -> None:
    """001-005, LUSERS and MOTD as one append: the static lines are pre-built bytes."""
    nick = c.nick
    first = f"Welcome to the {srv.config.network} IRC Network {c.prefix}"
    data = f":{srv.name} {N.RPL_WELCOME} {nick} :{first}\r\n".encode()
    if len(data) > limits.MAX_LINE_BYTES:
        data = fit_line(data)
    srv.send_bytes(c, data + srv.burst(nick, srv.welcome_lines) + lusers_bytes(srv, nick))
    send_motd(srv, c)


def send_isupport(srv: Server, c: Client) -> None:
    tokens = srv.isupport
    for i in range(0, len(tokens), 12):
        chunk = " ".join(tokens[i : i + 12])
        srv.send(c, f":{srv.name} {N.RPL_ISUPPORT} {c.nick} {chunk} :are supported by this server")


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


def send_lusers(srv: Server, c: Client) -> None:
    srv.send_bytes(c, lusers_bytes(srv, c.nick or "*"))


def send_motd(srv: Server, c: Client) -> None:
    srv.send_bytes(c, srv.burst(c.nick or "*", srv.motd_lines))


@command("PING", 0, before_registration=True)
def cmd_ping(srv: Server, c: Client, msg: Message) -> None:
    if not msg.params:
        srv.reply(c, N.ERR_NOORIGIN, "No origin specified")
        return
    srv.send(c, f":{srv.name} PONG {srv.name} :{msg.params[0]}")


@command("PONG", 0, before_registration=True)
def cmd_pong(srv: Server, c: Client, msg: Message) -> None:
    pass  # any input already counts as activity


@command("QUIT", 0, before_registration=True)
def cmd_quit(srv: Server, c: Client, msg: Message) -> None:
    reason = msg.param(0)
    quit_message = f"Quit: {reason}" if reason else "Client Quit"
    srv.disconnect(c, quit_message)


# -- channels --------------------------------------------------------------------------------


@command("JOIN", 1)
def cmd_join(srv: Server, c: Client, msg: Message) -> None:
    if msg.params[0] == "0":
        for ch in list(c.channels.values()):
            srv.fanout(ch.members, f":{c.prefix} PART {ch.name} :Left all channels")
            remove_member(srv, ch, c)
        return
    keys = msg.param(1).split(",")
    for i, name in enumerate(msg.params[0].split(",")):
        if name:
            join_channel(srv, c, name, keys[i] if i < len(keys) else "")


def join_channel(srv: Server, c: Client, name: str, key: str) -> None:
    if not is_valid_channel(name, chantypes="#"):
        if has_spoofing_chars(name):
            # The name is not echoed back: it is exactly what must not be shown.
            srv.reply(c, N.ERR_BADCHANNAME, "*", "Illegal channel name")
        else:
            srv.reply(c, N.ERR_BADCHANMASK, name, "Bad Channel Mask")
        return
    folded = casefold(name)
    ch = srv.channels.get(folded)
    if ch is not None and c in ch.members:
        return
    if len(c.channels) >= limits.MAX_CHANNELS_PER_USER:
        srv.reply(c, N.ERR_TOOMANYCHANNELS, name, "You have joined too many channels")
        return
    fresh = ch is None
    restored = False
    if ch is None:
        ch = Channel(name, folded, int(time.time()))
        restored = srv.restore_room(ch)
        if not restored:
            ch.founder = (c.key, c.host)
    if fresh and not restored:
        flags = MEMBER_OP
    else:
        # A restored room lets in whom it let in before, and re-ops only its founder.
        flags = MEMBER_OP if restored and srv.is_founder(ch, c) else 0
        invited = c.key in ch.invited
        if not invited:
            if ch.password is not None and key != ch.password:
                srv.reply(c, N.ERR_BADCHANNELKEY, ch.name, "Cannot join channel (+k)")
                return
            if ch.limit and len(ch.members) >= ch.limit:
                srv.reply(c, N.ERR_CHANNELISFULL, ch.name, "Cannot join channel (+l)")
                return
            if ch.invite_only:
                srv.reply(c, N.ERR_INVITEONLYCHAN, ch.name, "Cannot join channel (+i)")
                return
            if ch.is_banned(c):
                srv.reply(c, N.ERR_BANNEDFROMCHAN, ch.name, "Cannot join channel (+b)")
                return
        ch.invited.discard(c.key)
    if fresh:
        srv.channels[folded] = ch
    ch.members[c] = flags
    c.channels[folded] = ch
    srv.fanout(ch.members, f":{c.prefix} JOIN {ch.name}")
    if c.away:
        notify = [m for m in ch.members if m.caps & CAP_AWAY_NOTIFY and m is not c]
        srv.fanout(notify, f":{c.prefix} AWAY :{c.away}")
    if ch.topic:
        send_topic(srv, c, ch)
    send_names(srv, c, ch)
    if srv.config.history_replay and srv.history.enabled:
        chathistory.replay(srv, c, ch)


def send_topic(srv: Server, c: Client, ch: Channel) -> None:
    srv.reply(c, N.RPL_TOPIC, ch.name, ch.topic)
    srv.reply(c, N.RPL_TOPICWHOTIME, ch.name, ch.topic_by, str(ch.topic_time))


def send_names(srv: Server, c: Client, ch: Channel) -> None:
    multi = bool(c.caps & CAP_MULTI_PREFIX)
    full = bool(c.caps & CAP_USERHOST_IN_NAMES)
    visible_all = c in ch.members or c.oper
    head = f":{srv.name} {N.RPL_NAMREPLY} {c.nick} {'@' if ch.secret else '='} {ch.name} :"
    names: list[str] = []
    size = 0
    for m, flags in ch.members.items():
        if m.invisible and not visible_all:
            continue
        entry = member_prefix(flags, multi) + (m.prefix if full else m.nick)
        if size + len(entry) > _NAMES_WIDTH and names:
            srv.send(c, head + " ".join(names))
            names, size = [], 0
        names.append(entry)
        size += len(entry) + 1
    if names:
        srv.send(c, head + " ".join(names))
    srv.reply(c, N.RPL_ENDOFNAMES, ch.name, "End of /NAMES list")


@command("PART", 1)
def cmd_part(srv: Server, c: Client, msg: Message) -> None:
    reason = msg.param(1)
    for name in msg.params[0].split(","):
        ch = find_channel(srv, name)
        if ch is None:
            srv.reply(c, N.ERR_NOSUCHCHANNEL, name, "No such channel")
            continue
        if c not in ch.members:
            srv.reply(c, N.ERR_NOTONCHANNEL, ch.name, "You're not on that channel")
            continue
        line = f":{c.prefix} PART {ch.name}" + (f" :{reason}" if reason else "")
        srv.fanout(ch.members, line)
        remove_member(srv, ch, c)


@command("TOPIC", 1)
def cmd_topic(srv: Server, c: Client, msg: Message) -> None:
    name = msg.params[0]
    ch = find_channel(srv, name)
    if ch is None:
        srv.reply(c, N.ERR_NOSUCHCHANNEL, name, "No such channel")
        return
    flags = ch.members.get(c)
    if len(msg.params) < 2:
        if flags is None and ch.secret and not c.oper:
            srv.reply(c, N.ERR_NOTONCHANNEL, ch.name, "You're not on that channel")
        elif ch.topic:
            send_topic(srv, c, ch)
        else:
            srv.reply(c, N.RPL_NOTOPIC, ch.name, "No topic is set")
        return
    if flags is None and not c.oper:
        srv.reply(c, N.ERR_NOTONCHANNEL, ch.name, "You're not on that channel")
        return
    if ch.topic_locked and not (flags or 0) & MEMBER_OP and not c.oper:
        srv.reply(c, N.ERR_CHANOPRIVSNEEDED, ch.name, "You're not channel operator")
        return
    ch.topic = msg.params[1][: limits.TOPICLEN]
    ch.topic_by = c.prefix
    ch.topic_time = int(time.time())
    srv.save_room(ch)
    stored = srv.store(c, "TOPIC", ch.name, ch.topic, ch.key) if srv.history.enabled else None
    stamp, msgid = stored or (None, None)
    srv.fanout(
        _with(ch.members, c),
        f":{c.prefix} TOPIC {ch.name} :{ch.topic}",
        stamp=stamp,
        msgid=msgid,
    )


def _with(members, c: Client):
    """Channel members, plus an operator acting from outside the channel."""
    return members if c in members else [*members, c]


@command("NAMES", 0)
def cmd_names(srv: Server, c: Client, msg: Message) -> None:
    if not msg.params or not msg.params[0]:
        srv.reply(c, N.RPL_ENDOFNAMES, "*", "End of /NAMES list")
        return
    for name in msg.params[0].split(",")[: limits.MAX_TARGETS]:
        ch = find_channel(srv, name)
        if ch is not None and (not ch.secret or c in ch.members or c.oper):
            send_names(srv, c, ch)
        else:
            srv.reply(c, N.RPL_ENDOFNAMES, name, "End of /NAMES list")


@command("LIST", 0)
def cmd_list(srv: Server, c: Client, msg: Message) -> None:
    wanted = None
    low, high = -1, 1 << 30
    for item in msg.param(0).split(","):
        bound = parse_decimal(item[1:]) if item[:1] in "<>" else None
        if bound is not None and item[0] == ">":
            low = bound
        elif bound is not None:
            high = bound
        elif item:
            wanted = wanted or set()
            wanted.add(casefold(item))
    srv.reply(c, N.RPL_LISTSTART, "Channel", "Users  Name")
    for ch in list(srv.channels.values()):
        if wanted is not None and ch.key not in wanted:
            continue
        if ch.secret and c not in ch.members and not c.oper:
            continue
        count = len(ch.members)
        if low < count < high:
            srv.reply(c, N.RPL_LIST, ch.name, str(count), ch.topic)
    srv.reply(c, N.RPL_LISTEND, "End of /LIST")


@command("KICK", 2)
def cmd_kick(srv: Server, c: Client, msg: Message) -> None:
    name = msg.params[0]
    ch = find_channel(srv, name)
    if ch is None:
        srv.reply(c, N.ERR_NOSUCHCHANNEL, name, "No such channel")
        return
    flags = ch.members.get(c)
    if flags is None and not c.oper:
        srv.reply(c, N.ERR_NOTONCHANNEL, ch.name, "You're not on that channel")
        return
    if not (flags or 0) & MEMBER_OP and not c.oper:
        srv.reply(c, N.ERR_CHANOPRIVSNEEDED, ch.name, "You're not channel operator")
        return
    reason = (msg.param(2) or c.nick)[: limits.KICKLEN]
    for nick in msg.params[1].split(",")[: limits.MAX_TARGETS]:
        target = find_user(srv, nick)
        if target is None:
            srv.reply(c, N.ERR_NOSUCHNICK, nick, "No such nick/channel")
            continue
        if target not in ch.members:
            srv.reply(
                c, N.ERR_USERNOTINCHANNEL, target.nick, ch.name, "They aren't on that channel"
            )
            continue
        srv.fanout(_with(ch.members, c), f":{c.prefix} KICK {ch.name} {target.nick} :{reason}")
        remove_member(srv, ch, target)
        if not ch.members:
            break


@command("INVITE", 2)
def cmd_invite(srv: Server, c: Client, msg: Message) -> None:
    nick, name = msg.params[0], msg.params[1]
    target = find_user(srv, nick)
    if target is None:
        srv.reply(c, N.ERR_NOSUCHNICK, nick, "No such nick/channel")
        return
    ch = find_channel(srv, name)
    if ch is None:
        srv.reply(c, N.ERR_NOSUCHCHANNEL, name, "No such channel")
        return
    flags = ch.members.get(c)
    if flags is None and not c.oper:
        srv.reply(c, N.ERR_NOTONCHANNEL, ch.name, "You're not on that channel")
        return
    if ch.invite_only and not (flags or 0) & MEMBER_OP and not c.oper:
        srv.reply(c, N.ERR_CHANOPRIVSNEEDED, ch.name, "You're not channel operator")
        return
    if target in ch.members:
        srv.reply(c, N.ERR_USERONCHANNEL, target.nick, ch.name, "is already on channel")
        return
    ch.invited.add(target.key)
    srv.reply(c, N.RPL_INVITING, target.nick, ch.name)
    srv.fanout([target], f":{c.prefix} INVITE {target.nick} :{ch.name}")
    if target.away:
        srv.reply(c, N.RPL_AWAY, target.nick, target.away)
    # Tell the channel's operators, as other servers do, so an invite is never silent.
    ops = [m for m, f in ch.members.items() if f & MEMBER_OP and m is not c]
    if ops:
        srv.fanout(
            ops,
            f":{srv.name} NOTICE @{ch.name} :{c.nick} invited {target.nick} into the channel",
        )


# -- messages --------------------------------------------------------------------------------


@command("PRIVMSG")
def cmd_privmsg(srv: Server, c: Client, msg: Message) -> None:
    relay(srv, c, msg, "PRIVMSG")


@command("NOTICE")
def cmd_notice(srv: Server, c: Client, msg: Message) -> None:
    relay(srv, c, msg, "NOTICE")


@command("TAGMSG", 1)
def cmd_tagmsg(srv: Server, c: Client, msg: Message) -> None:
    relay(srv, c, msg, "TAGMSG")


def relay(srv: Server, c: Client, msg: Message, cmd: str) -> None:
    params = msg.params
    errors = cmd != "NOTICE"  # NOTICE never triggers automatic replies
    if not params or not params[0]:
        if errors:
            srv.reply(c, N.ERR_NORECIPIENT, f"No recipient given ({cmd})")
        return
    if cmd == "TAGMSG":
        text = None
    elif len(params) < 2 or not params[1]:
        if errors:
            srv.reply(c, N.ERR_NOTEXTTOSEND, "No text to send")
        return
    else:
        text = params[1]
    client_tags = ""
    txid = None
    if msg.tags:
        relayed = {k: v for k, v in msg.tags.items() if k[0] == "+"}
        if relayed:
            client_tags = ";" + format_tags(relayed)
        txid = msg.tags.get(TXID_TAG)
        if txid is not None and (text is None or not valid_txid(txid)):
            txid = None  # invalid: the line is treated as untagged
    targets = params[0].split(",")
    if len(targets) > limits.MAX_TARGETS:
        if errors:
            srv.reply(c, N.ERR_TOOMANYTARGETS, params[0], "Too many recipients")
        return
    delivered: list[Delivery] | None = None
    if txid is not None:
        seen = srv.txids.get(c.ip, txid, srv.now)
        if seen is not None:
            # A re-send of a line already relayed (its echo was lost with the connection):
            # echo it again exactly as it was, relay and store nothing.
            if c.caps & CAP_ECHO_MESSAGE:
                for line, stamp, msgid in seen:
                    srv.fanout([c], line, client_tags, stamp=stamp, msgid=msgid)
            return
        delivered = []
    c.last_message = srv.now
    tags_only = text is None
    echo = c.caps & CAP_ECHO_MESSAGE
    for target in targets:
        status = ""
        name = target
        if name[:1] in ("@", "+") and name[1:2] == "#":
            status, name = name[0], name[1:]
        if name[:1] == "#":
            relay_channel(srv, c, cmd, status, name, text, client_tags, echo, errors, delivered)
        else:
            user = find_user(srv, name)
            if user is None:
                if errors:
                    srv.reply(c, N.ERR_NOSUCHNICK, name, "No such nick/channel")
                continue
            recipients = [user, c] if echo and user is not c else [user]
            line, text_sent = _line(c, cmd, user.nick, text)
            stamp = msgid = None
            if text_sent is not None and srv.history.store_private and _storable(text_sent):
                stored = srv.store(c, cmd, user.nick, text_sent, private=user)
                if stored is not None:
                    stamp, msgid = stored
            if delivered is not None:
                stamp, msgid = _remember(srv, delivered, line, stamp, msgid)
            srv.fanout(recipients, line, client_tags, tags_only=tags_only, stamp=stamp, msgid=msgid)
            if user.away and cmd == "PRIVMSG":
                srv.reply(c, N.RPL_AWAY, user.nick, user.away)
    if delivered:
        srv.txids.put(c.ip, txid, tuple(delivered), srv.now)


def _remember(
    srv: Server, delivered: list[Delivery], line: str, stamp: str | None, msgid: str | None
) -> tuple[str, str]:
    """Fix the time and msgid a tagged line is relayed with, so a re-send echoes the same."""
    if stamp is None or msgid is None:
        stamp, msgid = srv.timestamp(), srv.new_msgid()
    delivered.append((line, stamp, msgid))
    return stamp, msgid


def fast_privmsg(srv: Server, c: Client, name: str, text: str) -> None:
    """``PRIVMSG #chan :text`` with no tags, one target and non-empty text: the server's fast
    path (see ``Server.handle_line``), the same as :func:`relay` for such a line."""
    c.last_message = srv.now
    relay_channel(srv, c, "PRIVMSG", "", name, text, "", c.caps & CAP_ECHO_MESSAGE, True)


def relay_channel(
    srv: Server,
    c: Client,
    cmd: str,
    status: str,
    name: str,
    text: str | None,
    client_tags: str,
    echo: int,
    errors: bool,
    delivered: list[Delivery] | None = None,
) -> None:
    tags_only = text is None
    ch = srv.channels.get(casefold(name))
    if ch is None:
        if errors:
            srv.reply(c, N.ERR_NOSUCHCHANNEL, name, "No such channel")
        return
    flags = ch.members.get(c)
    if not flags and ((flags is None and ch.no_external) or ch.moderated or ch.is_banned(c)):
        if errors:
            srv.reply(c, N.ERR_CANNOTSENDTOCHAN, ch.name, "Cannot send to channel")
        return
    recipients = ch.members
    if status:
        need = MEMBER_OP if status == "@" else MEMBER_OP | MEMBER_VOICE
        recipients = [m for m, f in ch.members.items() if f & need]
    if echo and c not in recipients:
        # echo-message: a sender outside the audience (-n channel, @#chan from a
        # non-op) must still see its message was accepted.
        recipients = [*recipients, c]
    line, text_sent = _line(c, cmd, status + ch.name, text)
    stamp = msgid = None
    if text_sent is not None and not status and srv.history.enabled and _storable(text_sent):
        if not ch.saved:
            srv.save_room(ch)  # its lines are kept only with what protects them
        # STATUSMSG (@#chan) is not history: only some members saw it.
        stored = srv.store(c, cmd, ch.name, text_sent, ch.key)
        if stored is not None:
            stamp, msgid = stored
    if delivered is not None:
        stamp, msgid = _remember(srv, delivered, line, stamp, msgid)
    if recipients is ch.members and not tags_only:
        srv.fanout_channel(ch, line, client_tags, None if echo else c, stamp, msgid)
    else:
        srv.fanout(
            recipients,
            line,
            client_tags,
            skip=None if echo else c,
            tags_only=tags_only,
            stamp=stamp,
            msgid=msgid,
        )


# Lines of at most this many characters cannot exceed 512 bytes, whatever they contain.
_SAFE_CHARS = (limits.MAX_LINE_BYTES - 4) // 4


def _storable(text: str) -> bool:
    """Chat is history; CTCP requests (VERSION, PING ...) other than ACTION are not."""
    return text[:1] != "\x01" or text.startswith("\x01ACTION")


def _line(c: Client, cmd: str, target: str, text: str | None) -> tuple[str, str | None]:
    """The relayed line, its text cut on a character boundary so that it fits 512 bytes.

    A client may send 510 bytes; our ``nick!user@host`` prefix would push that over the limit
    and peers would drop or mangle the line. The text is cut here, not by the generic cut in
    ``send``/``fanout``, so that what is stored in history is exactly what was delivered.
    """
    head = f":{c.prefix} {cmd} {target}"
    if text is None:
        return head, None
    if len(head) + len(text) > _SAFE_CHARS:
        text = fit_text(text, limits.MAX_LINE_BYTES - 4 - len(head.encode()))
    return f"{head} :{text}", text


# -- queries ---------------------------------------------------------------------------------


def who_line(srv: Server, c: Client, channel: str, u: Client, flags: int) -> None:
    status = ("G" if u.away else "H") + ("*" if u.oper else "")
    status += member_prefix(flags, bool(c.caps & CAP_MULTI_PREFIX))
    srv.reply(
        c, N.RPL_WHOREPLY, channel, u.user, u.host, srv.name, u.nick, status, f"0 {u.realname}"
    )


@command("WHO", 0)
def cmd_who(srv: Server, c: Client, msg: Message) -> None:
    mask = msg.param(0) or "*"
    if mask[:1] == "#":
        ch = find_channel(srv, mask)
        if ch is not None and (c in ch.members or not ch.secret or c.oper):
            see_all = c in ch.members or c.oper
            for u, flags in list(ch.members.items()):
                if see_all or not u.invisible:
                    who_line(srv, c, ch.name, u, flags)
    else:
        matcher = Mask(mask if mask != "0" else "*")
        peers = srv.peers(c)
        # An overlong mask matches nobody: it bounds the cost of every comparison below.
        users = list(srv.nicks.values()) if len(mask) <= MAX_MASK_LEN else []
        for u in users:
            if not u.registered:
                continue
            if u.invisible and u is not c and not c.oper and u not in peers:
                continue
            if not any(matcher.match(f) for f in (u.nick, u.user, u.host, u.realname)):
                continue
            channel, flags = "*", 0
            for ch in u.channels.values():
                if not ch.secret or c in ch.members:
                    channel, flags = ch.name, ch.members[u]
                    break
            who_line(srv, c, channel, u, flags)
    srv.reply(c, N.RPL_ENDOFWHO, mask, "End of WHO list")


@command("WHOIS", 0)
def cmd_whois(srv: Server, c: Client, msg: Message) -> None:
    if not msg.params or not msg.params[-1]:
        srv.reply(c, N.ERR_NONICKNAMEGIVEN, "No nickname given")
        return
    for nick in msg.params[-1].split(",")[: limits.MAX_TARGETS]:
        u = find_user(srv, nick)
        if u is None:
            srv.reply(c, N.ERR_NOSUCHNICK, nick, "No such nick/channel")
            srv.reply(c, N.RPL_ENDOFWHOIS, nick, "End of /WHOIS list")
            continue
        srv.reply(c, N.RPL_WHOISUSER, u.nick, u.user, u.host, "*", u.realname)
        multi = bool(c.caps & CAP_MULTI_PREFIX)
        chans = [
            member_prefix(ch.members[u], multi) + ch.name
            for ch in u.channels.values()
            if not ch.secret or c in ch.members or c is u or c.oper
        ]
        if chans:
            srv.reply(c, N.RPL_WHOISCHANNELS, u.nick, " ".join(chans))
        srv.reply(c, N.RPL_WHOISSERVER, u.nick, srv.name, f"{srv.config.network} server")
        if u.away:
            srv.reply(c, N.RPL_AWAY, u.nick, u.away)
        if u.oper:
            srv.reply(c, N.RPL_WHOISOPERATOR, u.nick, "is an IRC operator")
        idle = str(int(srv.now - u.last_message))
        srv.reply(c, N.RPL_WHOISIDLE, u.nick, idle, str(u.signon), "seconds idle, signon time")
        srv.reply(c, N.RPL_ENDOFWHOIS, u.nick, "End of /WHOIS list")


@command("WHOWAS", 0)
def cmd_whowas(srv: Server, c: Client, msg: Message) -> None:
    if not msg.params or not msg.params[0]:
        srv.reply(c, N.ERR_NONICKNAMEGIVEN, "No nickname given")
        return
    count = parse_decimal(msg.param(1)) or 0
    for nick in msg.params[0].split(",")[: limits.MAX_TARGETS]:
        key = casefold(nick)
        found = 0
        for entry in reversed(srv.whowas):
            if entry.key != key:
                continue
            srv.reply(c, N.RPL_WHOWASUSER, entry.nick, entry.user, entry.host, "*", entry.realname)
            when = time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(entry.when))
            srv.reply(c, N.RPL_WHOISSERVER, entry.nick, srv.name, when)
            found += 1
            if count and found >= count:
                break
        if not found:
            srv.reply(c, N.ERR_WASNOSUCHNICK, nick, "There was no such nickname")
        srv.reply(c, N.RPL_ENDOFWHOWAS, nick, "End of WHOWAS")


@command("AWAY", 0)
def cmd_away(srv: Server, c: Client, msg: Message) -> None:
    text = msg.param(0)[: limits.AWAYLEN]
    if text:
        c.away = text
        srv.reply(c, N.RPL_NOWAWAY, "You have been marked as being away")
        line = f":{c.prefix} AWAY :{text}"
    else:
        was_away = c.away is not None
        c.away = None
        srv.reply(c, N.RPL_UNAWAY, "You are no longer marked as being away")
        if not was_away:
            return
        line = f":{c.prefix} AWAY"
    notify = [p for p in srv.peers(c) if p.caps & CAP_AWAY_NOTIFY]
    if notify:
        srv.fanout(notify, line)


@command("ISON", 1)
def cmd_ison(srv: Server, c: Client, msg: Message) -> None:
    online = [u.nick for n in " ".join(msg.params).split() if (u := find_user(srv, n))]
    srv.reply(c, N.RPL_ISON, " ".join(online))


@command("USERHOST", 1)
def cmd_userhost(srv: Server, c: Client, msg: Message) -> None:
    entries = []
    for nick in " ".join(msg.params).split()[:5]:
        u = find_user(srv, nick)
        if u is not None:
            oper = "*" if u.oper else ""
            away = "-" if u.away else "+"
            entries.append(f"{u.nick}{oper}={away}{u.user}@{u.host}")
    srv.reply(c, N.RPL_USERHOST, " ".join(entries))


@command("MOTD", 0)
def cmd_motd(srv: Server, c: Client, msg: Message) -> None:
    send_motd(srv, c)


@command("LUSERS", 0)
def cmd_lusers(srv: Server, c: Client, msg: Message) -> None:
    send_lusers(srv, c)


@command("VERSION", 0)
def cmd_version(srv: Server, c: Client, msg: Message) -> None:
    srv.reply(c, N.RPL_VERSION, VERSION, srv.name, "tui-chat bundled IRC server")
    send_isupport(srv, c)


@command("TIME", 0)
def cmd_time(srv: Server, c: Client, msg: Message) -> None:
    now = time.strftime("%A %B %d %Y -- %H:%M:%S +00:00", time.gmtime())
    srv.reply(c, N.RPL_TIME, srv.name, now)


_INFO = (
    "tui-chat: a terminal chat app and the IRC server it ships with.",
    f"Version {VERSION}.",
    "One thread, one selector, no thread per client.",
)


@command("INFO", 0)
def cmd_info(srv: Server, c: Client, msg: Message) -> None:
    for line in _INFO:
        srv.reply(c, N.RPL_INFO, line)
    srv.reply(c, N.RPL_ENDOFINFO, "End of /INFO list")


# -- operators -------------------------------------------------------------------------------


@command("OPER", 2)
def cmd_oper(srv: Server, c: Client, msg: Message) -> None:
    name, password = msg.params[0], msg.params[1]
    if srv.auth_throttled(c):
        # Not even checked: a guess from a throttled address tells nothing.
        srv.reply(c, N.ERR_NOOPERHOST, "Too many failed OPER attempts from your address")
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
    srv.reply(c, N.ERR_PASSWDMISMATCH, "Password incorrect")


@command("KILL", 2)
def cmd_kill(srv: Server, c: Client, msg: Message) -> None:
    if not c.oper:
        srv.reply(c, N.ERR_NOPRIVILEGES, "Permission Denied- You're not an IRC operator")
        return
    target = find_user(srv, msg.params[0])
    if target is None:
        srv.reply(c, N.ERR_NOSUCHNICK, msg.params[0], "No such nick/channel")
        return
    reason = msg.params[1]
    srv.send(target, f":{c.prefix} KILL {target.nick} :{reason}")
    srv.disconnect(target, f"Killed ({c.nick} ({reason}))")


@command("WALLOPS", 1)
def cmd_wallops(srv: Server, c: Client, msg: Message) -> None:
    if not c.oper:
        srv.reply(c, N.ERR_NOPRIVILEGES, "Permission Denied- You're not an IRC operator")
        return
    recipients = [u for u in srv.nicks.values() if u.wallops and u.registered]
    srv.fanout(recipients, f":{c.prefix} WALLOPS :{msg.params[0]}")


from . import chathistory, modes  # noqa: E402,F401  (register CHATHISTORY and MODE)

__all__ = ["COMMANDS", "command", "is_valid_nick"]
