"""Channels: JOIN, PART, TOPIC, NAMES, LIST, KICK, INVITE."""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import TYPE_CHECKING

from ...irc import limits
from ...irc import numerics as N
from ...irc.casemap import casefold, has_spoofing_chars, is_valid_channel
from ...irc.message import Message
from ...irc.numbers import parse_decimal
from ..config import CHANTYPES
from ..registry import command
from ..state import (
    CAP_AWAY_NOTIFY,
    CAP_CHATHISTORY,
    CAP_INVITE_NOTIFY,
    CAP_MULTI_PREFIX,
    CAP_USERHOST_IN_NAMES,
    MEMBER_OP,
    Channel,
    Client,
    member_prefix,
    sees_invisible,
)
from . import chathistory, read_marker
from .accounts import fanout_join
from .targets import split_targets

if TYPE_CHECKING:
    from ..server import Server

_NAMES_WIDTH = 400  # bytes of names per 353 line, leaving room for prefix and tags


@command("JOIN", 1)
def cmd_join(srv: Server, c: Client, msg: Message) -> None:
    if msg.params[0] == "0":
        for ch in list(c.channels.values()):
            srv.out.fanout(ch.members, f":{c.prefix} PART {ch.name} :Left all channels")
            srv.remove_member(ch, c)
        return
    keys = msg.param(1).split(",")
    for i, name in enumerate(msg.params[0].split(",")):
        if name:
            join_channel(srv, c, name, keys[i] if i < len(keys) else "")


def join_channel(srv: Server, c: Client, name: str, key: str) -> None:
    if not is_valid_channel(name, chantypes=CHANTYPES):
        if has_spoofing_chars(name):
            # The name is not echoed back: it is exactly what must not be shown.
            srv.out.reply(c, N.ERR_BADCHANNAME, "*", "Illegal channel name")
        else:
            srv.out.reply(c, N.ERR_BADCHANMASK, name, "Bad Channel Mask")
        return
    folded = casefold(name)
    ch = srv.channels.get(folded)
    if ch is not None and c in ch.members:
        return
    if len(c.channels) >= limits.MAX_CHANNELS_PER_USER:
        srv.out.reply(c, N.ERR_TOOMANYCHANNELS, name, "You have joined too many channels")
        return
    restored = False
    if ch is None:
        ch = Channel(name, folded, int(time.time()))
        restored = srv.restore_room(ch)
        if not restored:
            ch.founder = (c.key, c.host)
        fresh = True
    else:
        fresh = False
    if fresh and not restored:
        flags = MEMBER_OP
    else:
        # A restored room lets in whom it let in before, and re-ops only its founder.
        flags = MEMBER_OP if restored and srv.is_founder(ch, c) else 0
        refusal = _refusal(c, ch, key, invited=c.identity in ch.invited)
        if refusal is not None:
            srv.out.reply(c, refusal[0], ch.name, refusal[1])
            return
        ch.invited.pop(c.identity, None)
    srv.add_member(ch, c, flags)
    fanout_join(srv, ch, c)
    if c.away:
        notify = [m for m in ch.members if m.caps & CAP_AWAY_NOTIFY and m is not c]
        srv.out.fanout(notify, f":{c.prefix} AWAY :{c.away}")
    if ch.topic:
        send_topic(srv, c, ch)
    read_marker.after_join(srv, c, ch)
    send_names(srv, c, ch)
    # A draft/chathistory client asks for what it wants (the spec says the server SHOULD NOT
    # replay to it); everyone else gets the context unasked.
    if srv.config.history_replay and srv.history.enabled and not c.caps & CAP_CHATHISTORY:
        chathistory.replay(srv, c, ch)


def _refusal(c: Client, ch: Channel, key: str, invited: bool) -> tuple[str, str] | None:
    """Why ``c`` may not join ``ch`` (a numeric and its text), or None.

    An operator's invite lets its guest past +i and +l, never past a key or a ban (solanum's
    rule): whoever could not have read the room live must not get in to read its history.
    An invite exception (+I) lets in past +i only; a ban exception (+e) lifts the ban.
    """
    if ch.password is not None and key != ch.password:
        return N.ERR_BADCHANNELKEY, "Cannot join channel (+k)"
    if ch.limit and len(ch.members) >= ch.limit and not invited:
        return N.ERR_CHANNELISFULL, "Cannot join channel (+l)"
    if ch.invite_only and not invited and not ch.is_invite_exempt(c):
        return N.ERR_INVITEONLYCHAN, "Cannot join channel (+i)"
    if ch.is_banned(c):
        return N.ERR_BANNEDFROMCHAN, "Cannot join channel (+b)"
    return None


def send_topic(srv: Server, c: Client, ch: Channel) -> None:
    srv.out.reply(c, N.RPL_TOPIC, ch.name, ch.topic)
    srv.out.reply(c, N.RPL_TOPICWHOTIME, ch.name, ch.topic_by, str(ch.topic_time))


def send_names(srv: Server, c: Client, ch: Channel) -> None:
    multi = bool(c.caps & CAP_MULTI_PREFIX)
    full = bool(c.caps & CAP_USERHOST_IN_NAMES)
    visible_all = c in ch.members or c.oper
    head = f":{srv.name} {N.RPL_NAMREPLY} {c.nick} {'@' if ch.secret else '='} {ch.name} :"
    names: list[str] = []
    size = 0
    for m, flags in ch.members.items():
        if m.invisible and not visible_all and not sees_invisible(c, m):
            continue
        entry = member_prefix(flags, multi) + (m.prefix if full else m.nick)
        if size + len(entry) > _NAMES_WIDTH and names:
            srv.out.send(c, head + " ".join(names))
            names, size = [], 0
        names.append(entry)
        size += len(entry) + 1
    if names:
        srv.out.send(c, head + " ".join(names))
    srv.out.reply(c, N.RPL_ENDOFNAMES, ch.name, "End of /NAMES list")


@command("PART", 1)
def cmd_part(srv: Server, c: Client, msg: Message) -> None:
    reason = msg.param(1)
    for name in msg.params[0].split(","):
        ch = srv.existing_channel(c, name)
        if ch is None:
            continue
        if c not in ch.members:
            srv.out.reply(c, N.ERR_NOTONCHANNEL, ch.name, "You're not on that channel")
            continue
        line = f":{c.prefix} PART {ch.name}" + (f" :{reason}" if reason else "")
        srv.out.fanout(ch.members, line)
        srv.remove_member(ch, c)


@command("TOPIC", 1)
def cmd_topic(srv: Server, c: Client, msg: Message) -> None:
    name = msg.params[0]
    ch = srv.existing_channel(c, name)
    if ch is None:
        return
    flags = ch.members.get(c)
    if len(msg.params) < 2:
        if flags is None and ch.secret and not c.oper:
            srv.out.reply(c, N.ERR_NOTONCHANNEL, ch.name, "You're not on that channel")
        elif ch.topic:
            send_topic(srv, c, ch)
        else:
            srv.out.reply(c, N.RPL_NOTOPIC, ch.name, "No topic is set")
        return
    if flags is None and not c.oper:
        srv.out.reply(c, N.ERR_NOTONCHANNEL, ch.name, "You're not on that channel")
        return
    if ch.topic_locked and not (flags or 0) & MEMBER_OP and not c.oper:
        srv.out.reply(c, N.ERR_CHANOPRIVSNEEDED, ch.name, "You're not channel operator")
        return
    ch.topic = msg.params[1][: limits.TOPICLEN]
    ch.topic_by = c.prefix
    ch.topic_time = int(time.time())
    srv.save_room(ch)
    stored = srv.store(c, "TOPIC", ch.name, ch.topic, ch.key) if srv.history.enabled else None
    stamp, msgid = stored or (None, None)
    srv.out.fanout(
        with_actor(ch.members, c),
        f":{c.prefix} TOPIC {ch.name} :{ch.topic}",
        stamp=stamp,
        msgid=msgid,
    )


def with_actor(members: Collection[Client], c: Client) -> Collection[Client]:
    """Channel members, plus an operator acting from outside the channel."""
    return members if c in members else [*members, c]


@command("NAMES", 0)
def cmd_names(srv: Server, c: Client, msg: Message) -> None:
    if not msg.params or not msg.params[0]:
        srv.out.reply(c, N.RPL_ENDOFNAMES, "*", "End of /NAMES list")
        return
    names = split_targets(srv, c, msg.params[0])
    for name in names or ():
        ch = srv.find_channel(name)
        if ch is not None and (not ch.secret or c in ch.members or c.oper):
            send_names(srv, c, ch)
        else:
            srv.out.reply(c, N.RPL_ENDOFNAMES, name, "End of /NAMES list")


@command("LIST", 0)
def cmd_list(srv: Server, c: Client, msg: Message) -> None:
    wanted: set[str] | None = None
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
    srv.out.reply(c, N.RPL_LISTSTART, "Channel", "Users  Name")
    for ch in list(srv.channels.values()):
        if wanted is not None and ch.key not in wanted:
            continue
        if ch.secret and c not in ch.members and not c.oper:
            continue
        count = len(ch.members)
        if low < count < high:
            srv.out.reply(c, N.RPL_LIST, ch.name, str(count), ch.topic)
    srv.out.reply(c, N.RPL_LISTEND, "End of /LIST")


@command("KICK", 2)
def cmd_kick(srv: Server, c: Client, msg: Message) -> None:
    name = msg.params[0]
    ch = srv.existing_channel(c, name)
    if ch is None:
        return
    flags = ch.members.get(c)
    if flags is None and not c.oper:
        srv.out.reply(c, N.ERR_NOTONCHANNEL, ch.name, "You're not on that channel")
        return
    if not (flags or 0) & MEMBER_OP and not c.oper:
        srv.out.reply(c, N.ERR_CHANOPRIVSNEEDED, ch.name, "You're not channel operator")
        return
    reason = (msg.param(2) or c.nick)[: limits.KICKLEN]
    for nick in split_targets(srv, c, msg.params[1]) or ():
        target = srv.find_user(nick)
        if target is None:
            srv.out.reply(c, N.ERR_NOSUCHNICK, nick, "No such nick/channel")
            continue
        if target not in ch.members:
            srv.out.reply(
                c, N.ERR_USERNOTINCHANNEL, target.nick, ch.name, "They aren't on that channel"
            )
            continue
        srv.out.fanout(
            with_actor(ch.members, c), f":{c.prefix} KICK {ch.name} {target.nick} :{reason}"
        )
        srv.remove_member(ch, target)
        if not ch.members:
            break


@command("INVITE", 2)
def cmd_invite(srv: Server, c: Client, msg: Message) -> None:
    nick, name = msg.params[0], msg.params[1]
    target = srv.find_user(nick)
    if target is None:
        srv.out.reply(c, N.ERR_NOSUCHNICK, nick, "No such nick/channel")
        return
    ch = srv.existing_channel(c, name)
    if ch is None:
        return
    flags = ch.members.get(c)
    if flags is None and not c.oper:
        srv.out.reply(c, N.ERR_NOTONCHANNEL, ch.name, "You're not on that channel")
        return
    if ch.invite_only and not (flags or 0) & MEMBER_OP and not c.oper:
        srv.out.reply(c, N.ERR_CHANOPRIVSNEEDED, ch.name, "You're not channel operator")
        return
    if target in ch.members:
        srv.out.reply(c, N.ERR_USERONCHANNEL, target.nick, ch.name, "is already on channel")
        return
    if (flags or 0) & MEMBER_OP or c.oper:
        # Held by the guest's connection, not its nick: whoever takes the nick later is not
        # invited. Plain members' invites (rooms without +i) are only a notice, as in Ergo.
        ch.invited[target.identity] = None
        if len(ch.invited) > limits.MAX_INVITES:
            del ch.invited[next(iter(ch.invited))]
    srv.out.reply(c, N.RPL_INVITING, target.nick, ch.name)
    srv.out.fanout([target], f":{c.prefix} INVITE {target.nick} :{ch.name}")
    if target.away:
        srv.out.reply(c, N.RPL_AWAY, target.nick, target.away)
    # Tell those who could have sent the invite themselves (operators; in a room without +i,
    # every member), so an invite is never silent: invite-notify clients as an INVITE, the
    # other operators as the notice other servers send.
    notify, ops = [], []
    for m, f in ch.members.items():
        if m is c:
            continue
        if m.caps & CAP_INVITE_NOTIFY and (f & MEMBER_OP or not ch.invite_only):
            notify.append(m)
        elif f & MEMBER_OP:
            ops.append(m)
    if notify:
        srv.out.fanout(notify, f":{c.prefix} INVITE {target.nick} {ch.name}")
    if ops:
        srv.out.fanout(
            ops,
            f":{srv.name} NOTICE @{ch.name} :{c.nick} invited {target.nick} into the channel",
        )
