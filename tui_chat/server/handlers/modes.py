"""MODE: user modes (+B +i +o +w) and channel modes (beI,k,l,imnst plus o/v membership)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, NamedTuple, TypeAlias

from ...irc import limits
from ...irc import numerics as N
from ...irc.casemap import casefold
from ...irc.limits import MAX_MODES
from ...irc.mask import MAX_MASK_LEN
from ...irc.message import Message
from ...irc.numbers import parse_decimal
from ..registry import command
from ..state import MEMBER_OP, MEMBER_VOICE, Ban, Channel, Client, normalize_ban

if TYPE_CHECKING:
    from ..server import Server

_FLAG_ATTRS = {
    "i": "invite_only",
    "m": "moderated",
    "n": "no_external",
    "s": "secret",
    "t": "topic_locked",
}


# One mode change: sign, letter and parameter, e.g. ("+", "o", "bob") or ("-", "l", None).
Change: TypeAlias = tuple[str, str, str | None]


def format_changes(changes: list[Change]) -> str:
    """[('+', 'o', 'bob'), ('-', 'l', None)] -> ``+o-l bob`` (last parameter made safe)."""
    modes, args, sign = "", [], ""
    for s, letter, arg in changes:
        if s != sign:
            modes += s
            sign = s
        modes += letter
        if arg is not None:
            args.append(arg)
    words = [modes, *args]
    last = words[-1]
    if not last or last.startswith(":") or " " in last:
        words[-1] = ":" + last
    return " ".join(words)


@command("MODE", 1)
def cmd_mode(srv: Server, c: Client, msg: Message) -> None:
    if msg.params[0][:1] == "#":
        channel_mode(srv, c, msg)
    else:
        user_mode(srv, c, msg)


def user_mode(srv: Server, c: Client, msg: Message) -> None:
    target = srv.find_user(msg.params[0])
    if target is None:
        srv.out.reply(c, N.ERR_NOSUCHNICK, msg.params[0], "No such nick/channel")
        return
    if target is not c:
        srv.out.reply(c, N.ERR_USERSDONTMATCH, "Can't change mode for other users")
        return
    if len(msg.params) < 2:
        flags = "+" + "B" * c.bot + "i" * c.invisible + "o" * c.oper + "w" * c.wallops
        srv.out.reply(c, N.RPL_UMODEIS, flags)
        return
    sign = "+"
    changes: list[Change] = []
    unknown = False
    for letter in msg.params[1]:
        if letter in "+-":
            sign = letter
            continue
        on = sign == "+"
        if letter == "i":
            if c.invisible != on:
                c.invisible = on
                srv.invisible_count += 1 if on else -1
                changes.append((sign, letter, None))
        elif letter == "B":
            if c.bot != on:
                c.bot = on
                changes.append((sign, letter, None))
        elif letter == "w":
            if c.wallops != on:
                c.wallops = on
                changes.append((sign, letter, None))
        elif letter == "o":
            if not on and c.oper:  # anyone may drop privileges; gaining them takes OPER
                c.oper = False
                srv.oper_count -= 1
                changes.append((sign, letter, None))
        else:
            unknown = True
    if unknown:
        srv.out.reply(c, N.ERR_UMODEUNKNOWNFLAG, "Unknown MODE flag")
    if changes:
        srv.out.send(c, f":{c.prefix} MODE {c.nick} {format_changes(changes)}")


def channel_mode(srv: Server, c: Client, msg: Message) -> None:
    name = msg.params[0]
    ch = srv.existing_channel(c, name)
    if ch is None:
        return
    flags = ch.members.get(c)
    if len(msg.params) < 2:
        modes = ch.mode_string(with_params=flags is not None or c.oper)
        srv.out.send(c, f":{srv.name} {N.RPL_CHANNELMODEIS} {c.nick} {ch.name} {modes}")
        srv.out.reply(c, N.RPL_CREATIONTIME, ch.name, str(ch.created))
        return
    privileged = bool((flags or 0) & MEMBER_OP) or c.oper
    args = list(msg.params[2:])
    sign = "+"
    changes: list[Change] = []
    need_privilege = False
    listed: set[str] = set()
    with_param = 0
    for letter in msg.params[1]:
        if letter in "+-":
            sign = letter
            continue
        on = sign == "+"
        if letter in MASK_LISTS:
            if not args:
                if letter in listed:
                    continue
                listed.add(letter)
                # Who is exempt from a ban or from +i is the operators' business (solanum).
                if letter != "b" and not privileged:
                    need_privilege = True
                else:
                    send_mask_list(srv, c, ch, letter)
                continue
            mask = args.pop(0)
            with_param += 1
            if not privileged:
                need_privilege = True
            elif (
                with_param <= MAX_MODES
                and mask
                and not mask.startswith(":")
                and len(mask) <= MAX_MASK_LEN
            ):
                change = _list_change(srv, c, ch, letter, on, normalize_ban(mask))
                if change:
                    changes.append(change)
        elif letter in "ov":
            if not args:
                srv.out.reply(c, N.ERR_NEEDMOREPARAMS, "MODE", "Not enough parameters")
                continue
            nick = args.pop(0)
            with_param += 1
            if not privileged:
                need_privilege = True
                continue
            if with_param > MAX_MODES:
                continue
            target = srv.find_user(nick)
            if target is None:
                srv.out.reply(c, N.ERR_NOSUCHNICK, nick, "No such nick/channel")
                continue
            current = ch.members.get(target)
            if current is None:
                srv.out.reply(
                    c, N.ERR_USERNOTINCHANNEL, target.nick, ch.name, "They aren't on that channel"
                )
                continue
            bit = MEMBER_OP if letter == "o" else MEMBER_VOICE
            new = current | bit if on else current & ~bit
            if new != current:
                ch.members[target] = new
                changes.append((sign, letter, target.nick))
        elif letter == "k":
            if on and not args:
                srv.out.reply(c, N.ERR_NEEDMOREPARAMS, "MODE", "Not enough parameters")
                continue
            key = args.pop(0) if args else None  # "-k" may carry the old key; ignore it
            if not privileged:
                need_privilege = True
                continue
            if on:
                if key is None or not _valid_key(key):
                    # A key no client could send back in JOIN is refused, as Ergo does.
                    srv.out.reply(
                        c,
                        N.ERR_INVALIDMODEPARAM,
                        ch.name,
                        "k",
                        _error_param(key or ""),
                        "Invalid channel key",
                    )
                    continue
                key = key[:32]
                if ch.password != key:
                    ch.password = key
                    changes.append((sign, letter, key))
            elif ch.password is not None:
                ch.password = None
                changes.append((sign, letter, "*"))
        elif letter == "l":
            if on:
                if not args:
                    srv.out.reply(c, N.ERR_NEEDMOREPARAMS, "MODE", "Not enough parameters")
                    continue
                value = args.pop(0)
                if not privileged:
                    need_privilege = True
                    continue
                number = parse_decimal(value, 1)
                if number is not None and ch.limit != number:
                    ch.limit = number
                    changes.append((sign, letter, str(ch.limit)))
            elif not privileged:
                need_privilege = True
            elif ch.limit:
                ch.limit = 0
                changes.append((sign, letter, None))
        elif letter in _FLAG_ATTRS:
            if not privileged:
                need_privilege = True
            elif getattr(ch, _FLAG_ATTRS[letter]) != on:
                setattr(ch, _FLAG_ATTRS[letter], on)
                changes.append((sign, letter, None))
        else:
            srv.out.reply(c, N.ERR_UNKNOWNMODE, letter, "is unknown mode char to me")
    if need_privilege:
        if flags is None:
            srv.out.reply(c, N.ERR_NOTONCHANNEL, ch.name, "You're not on that channel")
        else:
            srv.out.reply(c, N.ERR_CHANOPRIVSNEEDED, ch.name, "You're not channel operator")
    if changes:
        srv.save_room(ch)
        recipients = ch.members if flags is not None else [*ch.members, c]
        srv.out.fanout(recipients, f":{c.prefix} MODE {ch.name} {format_changes(changes)}")


def _valid_key(key: str) -> bool:
    """A key JOIN can carry: non-empty, no space or comma, not starting with a colon."""
    return bool(key) and " " not in key and "," not in key and not key.startswith(":")


def _error_param(value: str) -> str:
    """A parameter echoed in an error as one middle parameter, as Ergo's SafeErrorParam does."""
    if not value or " " in value or value.startswith(":"):
        return "*"
    return value


class MaskList(NamedTuple):
    attr: str  # the Channel attribute holding the list
    entry: str  # its list numeric, its end numeric and the end's text
    end: str
    end_text: str
    full_text: str


# Bans, ban exceptions and invite exceptions: three lists of masks with the same bound.
MASK_LISTS = {
    "b": MaskList(
        "bans",
        N.RPL_BANLIST,
        N.RPL_ENDOFBANLIST,
        "End of channel ban list",
        "Channel ban list is full",
    ),
    "e": MaskList(
        "excepts",
        N.RPL_EXCEPTLIST,
        N.RPL_ENDOFEXCEPTLIST,
        "End of channel exception list",
        "Channel exception list is full",
    ),
    "I": MaskList(
        "invexes",
        N.RPL_INVITELIST,
        N.RPL_ENDOFINVITELIST,
        "End of channel invite exception list",
        "Channel invite exception list is full",
    ),
}


def _list_change(
    srv: Server, c: Client, ch: Channel, letter: str, on: bool, mask: str
) -> Change | None:
    kind = MASK_LISTS[letter]
    entries: list[Ban] = getattr(ch, kind.attr)
    folded = casefold(mask)
    existing = next((b for b in entries if casefold(b.mask) == folded), None)
    if on:
        if existing is not None:
            return None
        if len(entries) >= limits.MAX_LIST_ENTRIES:
            srv.out.reply(c, N.ERR_BANLISTFULL, ch.name, mask, kind.full_text)
            return None
        entries.append(Ban(mask, c.prefix, int(time.time())))
        return ("+", letter, mask)
    if existing is None:
        return None
    entries.remove(existing)
    return ("-", letter, existing.mask)


def send_mask_list(srv: Server, c: Client, ch: Channel, letter: str) -> None:
    kind = MASK_LISTS[letter]
    for entry in getattr(ch, kind.attr):
        srv.out.reply(c, kind.entry, ch.name, entry.mask, entry.set_by, str(entry.set_at))
    srv.out.reply(c, kind.end, ch.name, kind.end_text)
