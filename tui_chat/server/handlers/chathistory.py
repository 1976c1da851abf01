"""Reading history back: replay on JOIN and the IRCv3 ``draft/chathistory`` command.

Writing is the server's job (:meth:`Server.store`, committed once per loop pass before output
is flushed); this module only queries :class:`~.history.HistoryStore`. Queries run in the loop
thread, so every answer is bounded: ``history_replay`` lines on JOIN, ``chathistory_max`` per
request, and CHATHISTORY counts against the flood limit like any command.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ...irc import numerics as N
from ...irc.casemap import is_valid_nick
from ...irc.message import Message
from ...irc.numbers import parse_decimal
from ..history import (
    MESSAGE_COMMANDS,
    HistoryRecord,
    SelectorError,
    is_channel,
    parse_selector,
    private_key,
    replay_text,
)
from ..registry import command
from ..state import (
    CAP_BATCH,
    CAP_EVENT_PLAYBACK,
    CAP_MESSAGE_TAGS,
    CAP_SERVER_TIME,
    Channel,
    Client,
)
from . import multiline

if TYPE_CHECKING:
    from ..server import Server

# Subcommand -> number of parameters including the subcommand itself (the last is the limit).
SUBCOMMANDS = {"LATEST": 4, "BEFORE": 4, "AFTER": 4, "AROUND": 4, "BETWEEN": 5, "TARGETS": 4}
_NOT_RETRIEVED = "Messages could not be retrieved"


def _kinds(c: Client) -> tuple[str, ...] | None:
    # Without draft/event-playback a batch may carry only PRIVMSG and NOTICE (stored TOPIC
    # changes stay out), and the limit counts only what is sent.
    return None if c.caps & CAP_EVENT_PLAYBACK else MESSAGE_COMMANDS


def _record_line(c: Client, rec: HistoryRecord, ref: str | None) -> str:
    # Tags in the order batch, time, msgid. One f-string per case: this runs for each of the
    # up to 100 lines of an answer.
    caps = c.caps
    if caps & CAP_SERVER_TIME:
        tags = (
            f"time={rec.time};msgid={rec.msgid}" if caps & CAP_MESSAGE_TAGS else f"time={rec.time}"
        )
    else:
        tags = f"msgid={rec.msgid}" if caps & CAP_MESSAGE_TAGS else ""
    if ref is not None:
        tags = f"batch={ref};{tags}" if tags else f"batch={ref}"
    if tags:
        return f"@{tags} :{rec.source} {rec.command} {rec.target} :{rec.text}"
    return f":{rec.source} {rec.command} {rec.target} :{rec.text}"


def _record_lines(c: Client, rec: HistoryRecord, ref: str | None) -> list[str]:
    if multiline.is_stored_batch(rec.text):
        return multiline.replay_lines(c, rec, ref)  # a draft/multiline batch, stored as one
    return [_record_line(c, rec, ref)]


def _send_records(srv: Server, c: Client, target: str, records: list[HistoryRecord]) -> None:
    """A ``chathistory`` batch (plain lines for a client without ``batch``); may be empty."""
    if not c.caps & CAP_BATCH:
        for rec in records:
            for line in _record_lines(c, rec, None):
                srv.out.send(c, line)
        return
    ref = srv.new_batch_id()
    srv.out.send(c, f":{srv.name} BATCH +{ref} chathistory {target}")
    for rec in records:
        for line in _record_lines(c, rec, ref):
            srv.out.send(c, line)
    srv.out.send(c, f":{srv.name} BATCH -{ref}")


def replay(srv: Server, c: Client, ch: Channel) -> None:
    """The last ``history_replay`` lines of a channel, right after the JOIN burst.

    A client with ``batch`` and ``server-time`` gets a ``chathistory`` batch it can show with
    the original times; anyone else (irssi, WeeChat without the caps) gets NOTICEs from the
    server with the time in the text, so context is never lost on them.
    """
    srv.commit_history()  # a line relayed earlier in this pass belongs to the context
    capable = c.caps & CAP_BATCH and c.caps & CAP_SERVER_TIME
    kinds = _kinds(c) if capable else None
    records = srv.history.latest(
        ch.key, srv.config.history_replay, commands=kinds, floor=ch.history_floor
    )
    if not records:
        return
    if capable:
        _send_records(srv, c, ch.name, records)
        return
    time_tag = c.caps & CAP_SERVER_TIME
    for rec in records:
        tags = f"@time={rec.time} " if time_tag else ""
        lines, _ = multiline.split_stored(rec.text)  # a multiline message: a NOTICE per line
        for line in lines:
            if line:
                text = replay_text(replace(rec, text=line))
                srv.out.send(c, f"{tags}:{srv.name} NOTICE {ch.name} :{text}")


def _fail(srv: Server, c: Client, code: str, *context: str, description: str) -> None:
    # Context parameters come from the client: one that is empty, has a space or starts with
    # ':' would change how the FAIL line parses, so it is shown as '*'.
    safe = [p if p and " " not in p and p[0] != ":" else "*" for p in context]
    srv.out.send(c, f":{srv.name} FAIL CHATHISTORY {code} {' '.join([*safe, ':' + description])}")


@command("CHATHISTORY", 0)
def cmd_chathistory(srv: Server, c: Client, msg: Message) -> None:
    if not srv.history.enabled:
        srv.out.reply(c, N.ERR_UNKNOWNCOMMAND, "CHATHISTORY", "Unknown command")
        return
    params = msg.params
    if not params:
        _fail(srv, c, "INVALID_PARAMS", "*", description="Insufficient parameters")
        return
    sub = params[0].upper()
    need = SUBCOMMANDS.get(sub)
    if need is None:
        _fail(srv, c, "INVALID_PARAMS", params[0], description="Unknown command")
        return
    if len(params) != need:
        # The current chathistory text: every syntactically invalid command is INVALID_PARAMS
        # (the 2019 draft's UNKNOWN_COMMAND and NEED_MORE_PARAMS are gone).
        too_many = len(params) > need
        text = "Too many parameters" if too_many else "Insufficient parameters"
        _fail(srv, c, "INVALID_PARAMS", sub, description=text)
        return
    limit_text = params[need - 1]
    limit = parse_decimal(limit_text, 0, 1 << 62)
    if limit is None:
        _fail(srv, c, "INVALID_PARAMS", sub, limit_text, description="Invalid limit")
        return
    most = srv.config.chathistory_max
    if limit == 0 or limit > most:
        limit = most
    srv.commit_history()  # read what this client (or anyone) sent earlier in this pass
    try:
        if sub == "TARGETS":
            _targets(srv, c, params[1], params[2], limit)
        else:
            _messages(srv, c, sub, params, limit)
    except SelectorError as exc:
        _fail(srv, c, "INVALID_PARAMS", sub, exc.text, description=exc.description)


def _messages(srv: Server, c: Client, sub: str, params: tuple[str, ...], limit: int) -> None:
    target = params[1]
    if is_channel(target):
        ch = srv.find_channel(target)
        if ch is None or c not in ch.members:
            _fail(srv, c, "INVALID_TARGET", sub, target, description=_NOT_RETRIEVED)
            return
        key, name, floor = ch.key, ch.name, ch.history_floor
    elif is_valid_nick(target):
        # Bound to the two connections (not nicks): nobody can read a conversation they were
        # not part of, even by taking a nick. Without --history-private nothing is stored.
        peer = srv.find_user(target)
        if peer is None:
            _send_records(srv, c, target, [])
            return
        key, name, floor = private_key(c.identity, peer.identity), target, 0
    else:
        _fail(srv, c, "INVALID_TARGET", sub, target, description=_NOT_RETRIEVED)
        return
    store, kinds = srv.history, _kinds(c)
    if sub == "LATEST":
        ref = parse_selector(params[2], allow_star=True)
        records = store.latest(key, limit, ref, commands=kinds, floor=floor)
    elif sub == "BETWEEN":
        first, second = parse_selector(params[2]), parse_selector(params[3])
        records = store.between(key, first, second, limit, commands=kinds, floor=floor)
    else:
        ref = parse_selector(params[2])
        query = {"BEFORE": store.before, "AFTER": store.after, "AROUND": store.around}[sub]
        records = query(key, ref, limit, commands=kinds, floor=floor)
    if not store.healthy:
        _fail(srv, c, "MESSAGE_ERROR", sub, target, description=_NOT_RETRIEVED)
        return
    _send_records(srv, c, name, records)


def _targets(srv: Server, c: Client, first_text: str, second_text: str, limit: int) -> None:
    first, second = parse_selector(first_text), parse_selector(second_text)
    for sel, text in ((first, first_text), (second, second_text)):
        if sel is not None and sel.kind != "timestamp":
            raise SelectorError("syntax", text)  # TARGETS takes timestamps only
    channels = [ch.name for ch in c.channels.values()]
    found = srv.history.targets(first, second, limit, channels, nick=c.nick, identity=c.identity)
    if not srv.history.healthy:
        _fail(srv, c, "MESSAGE_ERROR", "TARGETS", "*", description=_NOT_RETRIEVED)
        return
    lines = [f":{srv.name} CHATHISTORY TARGETS {t.name} {t.time}" for t in found]
    if not c.caps & CAP_BATCH:
        for line in lines:
            srv.out.send(c, line)
        return
    ref = srv.new_batch_id()
    srv.out.send(c, f":{srv.name} BATCH +{ref} draft/chathistory-targets")
    for line in lines:
        srv.out.send(c, f"@batch={ref} {line}")
    srv.out.send(c, f":{srv.name} BATCH -{ref}")
