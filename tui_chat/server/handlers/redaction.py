"""``REDACT <target> <msgid> [:reason]``: IRCv3 ``draft/message-redaction``.

Who may redact: the sender of a message (the connection that holds the prefix it was stored
with, and has held it since before it was sent) and, in a channel, its operators, as Ergo
allows. IRC operators get no more than anyone else here.

The message is found in the history (so the capability is offered only with history): its msgid
ends in its seq, so the lookup is one primary-key probe of the target's key, never a scan. A
redacted message is deleted from the store, so neither a CHATHISTORY request nor the replay on
JOIN serves it again (the spec's "exclude it entirely"). The REDACT is relayed like a PRIVMSG,
to the members (or the other party) that negotiated the capability, and always back to its
sender; others get nothing (the spec leaves the fallback to the server, and a notice per
deletion would be noise).

Lines without history (TAGMSG, private messages without ``--history-private``, anything older
than the retention) cannot be redacted: the server could not tell who sent them, so the answer
is ``UNKNOWN_MSGID``. A REDACT counts against the flood limit like any command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...irc import numerics as N
from ...irc.casemap import is_valid_nick
from ...irc.message import Message
from ..history import is_channel, msgid_seq, private_key
from ..registry import command
from ..state import CAP_MESSAGE_REDACTION, MEMBER_OP, Client

if TYPE_CHECKING:
    from ..server import Server


def _fail(srv: Server, c: Client, code: str, *context: str, description: str) -> None:
    # Context comes from the client: an empty one, or one with a space or a leading ':'
    # would change how the FAIL line parses, so it is shown as '*'.
    safe = [p if p and " " not in p and p[0] != ":" else "*" for p in context]
    srv.out.send(c, f":{srv.name} FAIL REDACT {code} {' '.join([*safe, ':' + description])}")


@command("REDACT", 2)
def cmd_redact(srv: Server, c: Client, msg: Message) -> None:
    if not srv.history.enabled:
        srv.out.reply(c, N.ERR_UNKNOWNCOMMAND, "REDACT", "Unknown command")
        return
    target, msgid = msg.params[0], msg.params[1]
    reason = msg.param(2)
    audience: list[Client]
    may_moderate = False
    if is_channel(target):
        ch = srv.find_channel(target)
        if ch is None or c not in ch.members:
            # Not a member: say nothing about what the channel holds.
            _fail(srv, c, "INVALID_TARGET", target, description="You cannot delete messages there")
            return
        key, name, floor = ch.key, ch.name, ch.history_floor
        may_moderate = bool(ch.members[c] & MEMBER_OP)
        audience = [m for m in ch.members if m.caps & CAP_MESSAGE_REDACTION and m is not c]
    elif is_valid_nick(target) and (peer := srv.find_user(target)) is not None:
        # Keyed by the two connections, as the conversation was stored: nobody can reach a
        # conversation they were not part of, whatever nick they take.
        key, name, floor = private_key(c.identity, peer.identity), peer.nick, 0
        audience = [peer] if peer.caps & CAP_MESSAGE_REDACTION and peer is not c else []
    else:
        _fail(srv, c, "INVALID_TARGET", target, description="You cannot delete messages there")
        return
    srv.commit_history()  # a line relayed earlier in this pass can be redacted too
    record = srv.history.find_message(key, msgid)
    seq = msgid_seq(msgid)
    if record is None or seq is None or seq < floor:
        _fail(
            srv,
            c,
            "UNKNOWN_MSGID",
            name,
            msgid,
            description="This message does not exist or is too old",
        )
        return
    own = record.source == c.prefix and seq >= c.prefix_seq
    if not own and not may_moderate:
        _fail(
            srv,
            c,
            "REDACT_FORBIDDEN",
            name,
            msgid,
            description="You are not authorised to delete this message",
        )
        return
    if not srv.history.delete_message(key, seq) and not srv.history.healthy:
        _fail(srv, c, "UNKNOWN_MSGID", name, msgid, description="The message could not be deleted")
        return
    line = f":{c.prefix} REDACT {name} {msgid}"
    if reason:
        line += f" :{reason}"
    srv.out.fanout([c, *audience], line)
