"""``SEARCH`` (the ``soju.im/search`` extension): full-text search over stored history.

``SEARCH <attrs>`` with message-tag-encoded attributes ``text``, ``in``, ``from``, ``after``,
``before`` and ``limit``; the answer is a ``soju.im/search`` batch of the matching lines, oldest
first, tagged like a chathistory batch. Who may read what is CHATHISTORY's rule: channels the
asker is in now (from each room's history floor on), and private conversations this connection
took part in. The query runs on the loop thread, so it is bounded: see history_search.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from ...irc import numerics as N
from ...irc.casemap import casefold, is_valid_nick
from ...irc.message import Message, parse_tags
from ...irc.numbers import parse_decimal
from ..history import is_channel, parse_time, private_key
from ..registry import command
from ..state import CAP_BATCH, Client
from .chathistory import _record_line

if TYPE_CHECKING:
    from ..server import Server

# Most lines one SEARCH returns (and what it returns without limit=).
SEARCH_MAX = 100
# Private conversations searched when no in= is given (the most recent ones the store lists).
MAX_CONVERSATIONS = 50
# After a search, the asker's next lines wait this many times as long as it took: the flood
# budget counts commands, not their cost, and a burst of 20 searches of up to 40 ms each would
# hold the loop for most of a second. So one connection's searches get at most ~1/6 of it.
HOLD_FACTOR = 5.0


def _fail(srv: Server, c: Client, code: str, description: str) -> None:
    srv.out.send(c, f":{srv.name} FAIL SEARCH {code} :{description}")


def _floors(srv: Server, c: Client, target: str | None) -> dict[str, int] | None:
    """The keys ``c`` may search with their floors; None if ``target`` is not theirs to read."""
    if target is None:
        floors = {ch.key: ch.history_floor for ch in c.channels.values()}
        if srv.history.store_private:
            for key in srv.history.conversations(c.identity, MAX_CONVERSATIONS):
                floors[key] = 0
        return floors
    if is_channel(target):
        ch = srv.find_channel(target)
        if ch is None or c not in ch.members:
            return None
        return {ch.key: ch.history_floor}
    if is_valid_nick(target):
        peer = srv.find_user(target)
        if peer is None or not srv.history.store_private:
            return {}
        return {private_key(c.identity, peer.identity): 0}
    return None


@command("SEARCH", 1)
def cmd_search(srv: Server, c: Client, msg: Message) -> None:
    if not srv.history.enabled:
        srv.out.reply(c, N.ERR_UNKNOWNCOMMAND, "SEARCH", "Unknown command")
        return
    attrs = parse_tags(msg.params[0])
    text = attrs.get("text", "")
    if not any(ch.isalnum() for ch in text):
        _fail(srv, c, "INVALID_PARAMS", "Missing search text")
        return
    limit = SEARCH_MAX
    if attrs.get("limit"):
        parsed = parse_decimal(attrs["limit"], 0, 1 << 62)
        if parsed is None:
            _fail(srv, c, "INVALID_PARAMS", "Invalid limit")
            return
        limit = min(parsed, SEARCH_MAX) or SEARCH_MAX
    bounds: dict[str, int] = {}
    for name in ("after", "before"):
        if attrs.get(name):
            try:
                bounds[name] = parse_time(attrs[name])
            except ValueError:
                _fail(srv, c, "INVALID_PARAMS", f"Invalid {name} timestamp")
                return
    sender = attrs.get("from") or None
    if sender is not None and not is_valid_nick(sender):
        _fail(srv, c, "INVALID_PARAMS", "Invalid from nick")
        return
    floors = _floors(srv, c, attrs.get("in") or None)
    if floors is None:
        _fail(srv, c, "INVALID_PARAMS", "Cannot search that target")
        return
    started = time.perf_counter()
    srv.commit_history()  # what anyone sent earlier in this pass is searchable
    # And, but for a backlog, everything before it: one step bounded by its rows, not by a
    # time (a busy machine must not make a search miss what was said just before it).
    srv.history.index(first=list(floors), budget=math.inf)
    found = srv.history.search(
        text,
        floors,
        limit,
        nick=None if sender is None else casefold(sender),
        after_ms=bounds.get("after"),
        before_ms=bounds.get("before"),
    )
    srv.hold(c, (time.perf_counter() - started) * HOLD_FACTOR)
    if not srv.history.healthy:
        _fail(srv, c, "MESSAGE_ERROR", "Messages could not be retrieved")
        return
    if not c.caps & CAP_BATCH:
        for _, rec in found:
            srv.out.send(c, _record_line(c, rec, None))
        return
    ref = srv.new_batch_id()
    srv.out.send(c, f":{srv.name} BATCH +{ref} soju.im/search")
    for _, rec in found:
        srv.out.send(c, _record_line(c, rec, ref))
    srv.out.send(c, f":{srv.name} BATCH -{ref}")
