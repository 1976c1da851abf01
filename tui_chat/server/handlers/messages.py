"""Messages: PRIVMSG, NOTICE, TAGMSG (to channels and users), and AWAY, which answers them.

``PRIVMSG #chan :text`` is most of a busy server's input: ``Server.handle_line`` sends it here
through :func:`fast_privmsg` without the generic parse, and a channel line is left in the
output's pending channel batch (``batches=True``) so that a burst costs one append per member.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from ...irc import limits
from ...irc import numerics as N
from ...irc.fitting import fit_text
from ...irc.message import Message, format_tags
from ..registry import command
from ..state import CAP_AWAY_NOTIFY, CAP_ECHO_MESSAGE, MEMBER_OP, MEMBER_VOICE, Client
from ..tagmsg_budget import take_tagmsg
from ..txids import TAG as TXID_TAG
from ..txids import Delivery, valid_txid
from . import multiline
from .targets import sendable_channel

if TYPE_CHECKING:
    from ..server import Server

# IRCv3 bot-mode: the server's tag on what a +B user sends, for message-tags clients only
# (``client_tags`` reach no one else).
BOT_TAG = ";bot"


@command("PRIVMSG", batches=True)
def cmd_privmsg(srv: Server, c: Client, msg: Message) -> None:
    relay(srv, c, msg, "PRIVMSG")


@command("NOTICE", batches=True)
def cmd_notice(srv: Server, c: Client, msg: Message) -> None:
    relay(srv, c, msg, "NOTICE")


@command("TAGMSG", 1)
def cmd_tagmsg(srv: Server, c: Client, msg: Message) -> None:
    relay(srv, c, msg, "TAGMSG")


def relay(srv: Server, c: Client, msg: Message, cmd: str) -> None:
    if msg.tags and "batch" in msg.tags:
        multiline.add_line(srv, c, msg, cmd)  # a line of a draft/multiline batch
        return
    params = msg.params
    errors = cmd != "NOTICE"  # NOTICE never triggers automatic replies
    if not params or not params[0]:
        if errors:
            srv.out.reply(c, N.ERR_NORECIPIENT, f"No recipient given ({cmd})")
        return
    if cmd == "TAGMSG":
        text = None
    elif len(params) < 2 or not params[1]:
        if errors:
            srv.out.reply(c, N.ERR_NOTEXTTOSEND, "No text to send")
        return
    else:
        text = params[1]
    client_tags = BOT_TAG if c.bot else ""
    txid = None
    if msg.tags:
        relayed = {k: v for k, v in msg.tags.items() if k[0] == "+"}
        if relayed:
            client_tags += ";" + format_tags(relayed)
        txid = msg.tags.get(TXID_TAG)
        if txid is not None and (text is None or not valid_txid(txid)):
            txid = None  # invalid: the line is treated as untagged
    targets = params[0].split(",")
    if len(targets) > limits.MAX_TARGETS:
        if errors:
            srv.out.reply(c, N.ERR_TOOMANYTARGETS, params[0], "Too many recipients")
        return
    delivered: list[Delivery] | None = None
    if txid is not None:
        seen = srv.txids.get(c.ip, txid, srv.now)
        if seen is not None:
            # A re-send of a line already relayed (its echo was lost with the connection):
            # echo it again exactly as it was, relay and store nothing.
            if c.caps & CAP_ECHO_MESSAGE:
                for echoed, first_stamp, first_msgid in seen:
                    srv.out.fanout(
                        [c],
                        echoed,
                        client_tags,
                        stamp=first_stamp,
                        msgid=first_msgid,
                        account=c.account,
                    )
            return
        delivered = []
    c.last_message = srv.now
    tags_only = text is None
    echo = c.caps & CAP_ECHO_MESSAGE
    for target in targets:
        if tags_only and not take_tagmsg(srv.config, c, srv.now):
            continue  # past the TAGMSG budget: dropped, see tagmsg_budget
        status = ""
        name = target
        if name[:1] in ("@", "+") and name[1:2] == "#":
            status, name = name[0], name[1:]
        if name[:1] == "#":
            relay_channel(srv, c, cmd, status, name, text, client_tags, echo, errors, delivered)
        else:
            user = srv.find_user(name)
            if user is None:
                if errors:
                    srv.out.reply(c, N.ERR_NOSUCHNICK, name, "No such nick/channel")
                continue
            recipients = [user, c] if echo and user is not c else [user]
            line, text_sent = _line(c, cmd, user.nick, text)
            stamp: str | None = None
            msgid: str | None = None
            if text_sent is not None and srv.history.store_private and _storable(text_sent):
                stored = srv.store(c, cmd, user.nick, text_sent, private=user)
                if stored is not None:
                    stamp, msgid = stored
            if delivered is not None:
                stamp, msgid = _remember(srv, delivered, line, stamp, msgid)
            srv.out.fanout(
                recipients,
                line,
                client_tags,
                tags_only=tags_only,
                stamp=stamp,
                msgid=msgid,
                account=c.account,
            )
            if user.away and cmd == "PRIVMSG":
                srv.out.reply(c, N.RPL_AWAY, user.nick, user.away)
    if delivered and txid is not None:
        srv.txids.put(c.ip, txid, tuple(delivered), srv.now)


def _remember(
    srv: Server, delivered: list[Delivery], line: str, stamp: str | None, msgid: str | None
) -> tuple[str, str]:
    """Fix the time and msgid a tagged line is relayed with, so a re-send echoes the same."""
    if stamp is None or msgid is None:
        stamp, msgid = srv.out.timestamp(), srv.out.new_msgid()
    delivered.append((line, stamp, msgid))
    return stamp, msgid


def fast_privmsg(srv: Server, c: Client, name: str, text: str) -> None:
    """``PRIVMSG #chan :text`` with no tags, one target and non-empty text: the server's fast
    path (see ``Server.handle_line``), the same as :func:`relay` for such a line."""
    c.last_message = srv.now
    tags = BOT_TAG if c.bot else ""
    relay_channel(srv, c, "PRIVMSG", "", name, text, tags, c.caps & CAP_ECHO_MESSAGE, True)


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
    ch = sendable_channel(srv, c, name, errors)
    if ch is None:
        return
    recipients: Collection[Client] = ch.members
    if status:
        need = MEMBER_OP if status == "@" else MEMBER_OP | MEMBER_VOICE
        recipients = [m for m, f in ch.members.items() if f & need]
    if echo and c not in recipients:
        # echo-message: a sender outside the audience (-n channel, @#chan from a
        # non-op) must still see its message was accepted.
        recipients = [*recipients, c]
    line, text_sent = _line(c, cmd, status + ch.name, text)
    stamp: str | None = None
    msgid: str | None = None
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
        skip = None if echo else c
        srv.out.fanout_channel(ch, line, client_tags, skip, stamp, msgid, c.account)
    else:
        srv.out.fanout(
            recipients,
            line,
            client_tags,
            skip=None if echo else c,
            tags_only=tags_only,
            stamp=stamp,
            msgid=msgid,
            account=c.account,
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


@command("AWAY", 0)
def cmd_away(srv: Server, c: Client, msg: Message) -> None:
    text = msg.param(0)[: limits.AWAYLEN]
    if text:
        c.away = text
        srv.out.reply(c, N.RPL_NOWAWAY, "You have been marked as being away")
        line = f":{c.prefix} AWAY :{text}"
    else:
        was_away = c.away is not None
        c.away = None
        srv.out.reply(c, N.RPL_UNAWAY, "You are no longer marked as being away")
        if not was_away:
            return
        line = f":{c.prefix} AWAY"
    notify = [p for p in srv.peers(c) if p.caps & CAP_AWAY_NOTIFY]
    if notify:
        srv.out.fanout(notify, line)
