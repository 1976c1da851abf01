"""MARKREAD (``draft/read-marker``): get and set an account's last-read time of a conversation.

Markers belong to accounts: a connection that is not logged in gets ``FAIL MARKREAD
ACCOUNT_REQUIRED`` for both get and set, and ``MARKREAD <channel> *`` after a JOIN (the spec's
"no known timestamp"), so a client never waits for a marker that will not come.
"""

from __future__ import annotations

import calendar
import re
import time
from typing import TYPE_CHECKING

from ...irc.casemap import is_valid_channel, is_valid_nick
from ...irc.message import Message
from ..config import CHANTYPES
from ..registry import command
from ..state import CAP_READ_MARKER, Channel, Client

if TYPE_CHECKING:
    from ..server import Server

PREFIX = "timestamp="
# The server-time format; fixed-width fields, so matching is linear in the (bounded) input.
_STAMP_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z", re.ASCII
)
_MAX_STAMP = len(PREFIX) + 40


def parse_stamp(text: str) -> int | None:
    """``timestamp=YYYY-MM-DDThh:mm:ss.sssZ`` as milliseconds since the epoch, or None."""
    if len(text) > _MAX_STAMP or not text.startswith(PREFIX):
        return None
    m = _STAMP_RE.fullmatch(text, len(PREFIX))
    if m is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    if not (
        1970 <= year <= 9999
        and 1 <= month <= 12
        and 1 <= day <= calendar.monthrange(year, month)[1]
        and hour < 24
        and minute < 60
        and second < 61
    ):
        return None
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    millis = int((m.group(7) or "0")[:3].ljust(3, "0"))
    return seconds * 1000 + millis


def format_stamp(ms: int) -> str:
    seconds, millis = divmod(ms, 1000)
    return f"{PREFIX}{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds))}.{millis:03d}Z"


def _fail(srv: Server, c: Client, code: str, *params: str) -> None:
    *middle, text = params
    srv.out.send(c, " ".join([f":{srv.name} FAIL MARKREAD {code}", *middle, ":" + text]))


def _line(srv: Server, target: str, ms: int | None) -> str:
    return f":{srv.name} MARKREAD {target} {'*' if ms is None else format_stamp(ms)}"


@command("MARKREAD")
def cmd_markread(srv: Server, c: Client, msg: Message) -> None:
    if not msg.params:
        _fail(srv, c, "NEED_MORE_PARAMS", "Missing parameters")
        return
    target = msg.params[0]
    if not (is_valid_channel(target, chantypes=CHANTYPES) or is_valid_nick(target)):
        # Not echoed: it may be long, or made to look like something else.
        _fail(srv, c, "INVALID_PARAMS", "*", "Invalid target")
        return
    if c.account is None:
        _fail(srv, c, "ACCOUNT_REQUIRED", target, "Log in to an account to keep read markers")
        return
    markers = srv.read_markers
    if not markers.usable:
        _fail(srv, c, "INTERNAL_ERROR", target, "The read timestamp could not be set")
        return
    if len(msg.params) < 2:
        srv.out.send(c, _line(srv, target, markers.get(c.account, target)))
        return
    ms = parse_stamp(msg.params[1])
    if ms is None:
        _fail(srv, c, "INVALID_PARAMS", target, "Invalid timestamp")
        return
    # A marker from the future would hide every line until then: it is clamped to now.
    stored, changed = markers.set(c.account, target, min(ms, time.time_ns() // 1_000_000))
    line = _line(srv, target, stored)
    srv.out.send(c, line)
    if changed:
        for other in markers.of_account(c.account):
            if other is not c and other.caps & CAP_READ_MARKER and other.registered:
                srv.out.send(other, line)


def after_join(srv: Server, c: Client, ch: Channel) -> None:
    """The marker of a channel just joined: the spec wants it before the RPL_ENDOFNAMES."""
    if c.caps & CAP_READ_MARKER:
        ms = None if c.account is None else srv.read_markers.get(c.account, ch.name)
        srv.out.send(c, _line(srv, ch.name, ms))
