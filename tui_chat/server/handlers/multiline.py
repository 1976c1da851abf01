"""IRCv3 ``draft/multiline``: a client's ``BATCH +ref draft/multiline <target>`` of PRIVMSG (or
NOTICE) lines, collected and relayed as one message when ``BATCH -ref`` closes it.

Bounds: a client has at most one open batch (:class:`OpenBatch`, in ``Client.multiline``); it
holds at most ``multiline_max_lines`` lines and ``multiline_max_bytes`` bytes of text (what the
``draft/multiline`` CAP value advertises), it is dropped if still open after
``multiline_timeout`` seconds (``Server._sweep``) and it goes with the connection. Nothing is
relayed before the batch closes. Each line costs a flood token like any other line.

Delivery: a recipient with ``draft/multiline`` and ``batch`` gets the batch (time and msgid on
the ``BATCH`` opening line, as the spec says); anyone else gets the lines as ordinary messages,
the msgid on the first only, blank lines left out. History stores the batch as ONE record whose
text joins the lines with ``\\n``, or ``\\r`` before a ``draft/multiline-concat`` line: neither
can occur in an IRC line, so ordinary records read back unchanged and no schema change is
needed (:func:`split_stored`). CHATHISTORY replays it as one batch or as lines, the same way.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...irc import limits
from ...irc import numerics as N
from ...irc.casemap import casefold
from ...irc.fitting import fit_text
from ...irc.message import Message, format_tags
from ..registry import command
from ..state import (
    CAP_BATCH,
    CAP_ECHO_MESSAGE,
    CAP_MESSAGE_TAGS,
    CAP_MULTILINE,
    CAP_SERVER_TIME,
    Client,
)
from ..txids import TAG as TXID_TAG
from ..txids import valid_txid
from .targets import sendable_channel

if TYPE_CHECKING:
    from ..history import HistoryRecord
    from ..server import Server

BATCH_TYPE = "draft/multiline"
CONCAT_TAG = "draft/multiline-concat"
CAP_NAME = "draft/multiline"
# What the history text of a batch joins its lines with (see the module docstring).
NEWLINE, CONCAT = "\n", "\r"
MAX_REF_LEN = 64  # a client's batch reference; longer is refused as invalid
# Remembered exactly-once ids of batches live apart from single lines' (valid txids have no
# ':'), so a single line re-sent with a batch's txid can never echo a batch as one line.
_TXID_PREFIX = "ml:"
_SEPARATORS = re.compile("([\n\r])")


class OpenBatch:
    """A client's batch between ``BATCH +ref`` and ``BATCH -ref``. ``failed``: it was refused
    (FAIL sent) and the rest of its lines are dropped silently until it closes."""

    __slots__ = (
        "client_tags",
        "command",
        "concat",
        "failed",
        "lines",
        "opened",
        "ref",
        "size",
        "target",
        "txid",
    )

    def __init__(self, ref: str, target: str, client_tags: str, txid: str | None, now: float):
        self.ref = ref
        self.target = target
        self.client_tags = client_tags
        self.txid = txid
        self.opened = now
        self.command = ""
        self.lines: list[str] = []
        self.concat: list[bool] = []
        self.size = 0  # text bytes plus one per joining line feed, as max-bytes counts
        self.failed = False


def cap_value(srv: Server) -> str:
    cfg = srv.config
    return f"max-bytes={cfg.multiline_max_bytes},max-lines={cfg.multiline_max_lines}"


def _fail(srv: Server, c: Client, code: str, *params: str, text: str) -> None:
    safe = [p if p and " " not in p and p[0] != ":" else "*" for p in params]
    srv.out.send(c, f":{srv.name} FAIL BATCH {' '.join([code, *safe, ':' + text])}")


def _refuse(
    srv: Server, c: Client, batch: OpenBatch | None, code: str, *params: str, text: str
) -> None:
    _fail(srv, c, code, *params, text=text)
    if batch is not None:
        batch.failed = True
        batch.lines, batch.concat = [], []


@command("BATCH", 1)
def cmd_batch(srv: Server, c: Client, msg: Message) -> None:
    ref = msg.params[0]
    if ref[:1] == "+":
        _open(srv, c, msg)
    elif ref[:1] == "-":
        batch = c.multiline
        if batch is None or batch.ref != ref[1:]:
            _fail(srv, c, "MULTILINE_INVALID", text="No such open batch")
            return
        c.multiline = None
        if not batch.failed:
            _deliver(srv, c, batch)
    else:
        _fail(srv, c, "MULTILINE_INVALID", text="Invalid batch reference")


def _open(srv: Server, c: Client, msg: Message) -> None:
    ref = msg.params[0][1:]
    if len(msg.params) < 3 or msg.params[1] != BATCH_TYPE or not c.caps & CAP_MULTILINE:
        _fail(srv, c, "MULTILINE_INVALID", text="Unsupported batch")
        return
    if not ref or len(ref) > MAX_REF_LEN:
        _fail(srv, c, "MULTILINE_INVALID", text="Invalid batch reference")
        return
    if c.multiline is not None:
        # One open batch per client: a second one means the client lost track; both go.
        c.multiline = None
        _fail(srv, c, "MULTILINE_INVALID", text="A multiline batch is already open")
        return
    client_tags = ""
    txid = None
    if msg.tags:
        relayed = {k: v for k, v in msg.tags.items() if k[0] == "+"}
        if relayed:
            client_tags = ";" + format_tags(relayed)
        found = msg.tags.get(TXID_TAG)
        txid = found if found is not None and valid_txid(found) else None
    c.multiline = OpenBatch(ref, msg.params[2], client_tags, txid, srv.now)


def add_line(srv: Server, c: Client, msg: Message, cmd: str) -> None:
    """A PRIVMSG/NOTICE/TAGMSG tagged ``batch=``: one line of the client's open batch."""
    batch = c.multiline
    ref = msg.tags.get("batch", "")
    if batch is None or batch.ref != ref:
        _fail(srv, c, "MULTILINE_INVALID", text="No such open batch")
        return
    if batch.failed:
        return
    text = msg.param(1)
    concat = CONCAT_TAG in msg.tags
    if cmd == "TAGMSG" or len(msg.params) < 2 or (batch.command and cmd != batch.command):
        _refuse(srv, c, batch, "MULTILINE_INVALID", text="Invalid multiline batch")
        return
    if casefold(msg.params[0]) != casefold(batch.target):
        _refuse(
            srv,
            c,
            batch,
            "MULTILINE_INVALID_TARGET",
            batch.target,
            msg.params[0],
            text="Invalid multiline target",
        )
        return
    if concat and (not text or not batch.lines):
        _refuse(srv, c, batch, "MULTILINE_INVALID", text="Invalid multiline batch")
        return
    cfg = srv.config
    if len(batch.lines) >= cfg.multiline_max_lines:
        limit = str(cfg.multiline_max_lines)
        _refuse(srv, c, batch, "MULTILINE_MAX_LINES", limit, text="max-lines exceeded")
        return
    size = batch.size + len(text.encode()) + (1 if batch.lines and not concat else 0)
    if size > cfg.multiline_max_bytes:
        limit = str(cfg.multiline_max_bytes)
        _refuse(srv, c, batch, "MULTILINE_MAX_BYTES", limit, text="max-bytes exceeded")
        return
    batch.command = cmd
    batch.size = size
    batch.lines.append(text)
    batch.concat.append(concat)


def expire(srv: Server, c: Client) -> None:
    """Drop ``c``'s batch if it has been open too long (the server's sweep calls this)."""
    batch = c.multiline
    if batch is not None and srv.now - batch.opened > srv.config.multiline_timeout:
        c.multiline = None
        if not batch.failed:
            _fail(srv, c, "MULTILINE_INVALID", text="Multiline batch timed out")


# -- delivery ----------------------------------------------------------------------------------


def join_stored(lines: list[str], concat: list[bool]) -> str:
    """The history text of a batch (see the module docstring)."""
    parts = [lines[0]]
    for line, joined in zip(lines[1:], concat[1:], strict=True):
        parts.append(CONCAT if joined else NEWLINE)
        parts.append(line)
    return "".join(parts)


def is_stored_batch(text: str) -> bool:
    return NEWLINE in text or CONCAT in text


def split_stored(text: str) -> tuple[list[str], list[bool]]:
    """The lines and concat flags of a batch's history text; one plain line for any other."""
    if not is_stored_batch(text):
        return [text], [False]
    parts = _SEPARATORS.split(text)  # text, separator, text, ...: one pass, no backtracking
    lines = parts[0::2]
    concat = [False] + [sep == CONCAT for sep in parts[1::2]]
    return lines, concat


def _fit(head: str, text: str) -> str:
    """``text`` cut (on a character boundary) so that ``head :text`` fits 512 bytes."""
    room = limits.MAX_LINE_BYTES - 4 - len(head.encode())
    return text if len(text.encode()) <= room else fit_text(text, room)


def _deliver(srv: Server, c: Client, batch: OpenBatch) -> None:
    lines, concat, cmd, target = batch.lines, batch.concat, batch.command, batch.target
    if not lines or not any(line.strip() for line in lines):
        _fail(srv, c, "MULTILINE_INVALID", text="Empty multiline batch")
        return
    errors = cmd != "NOTICE"
    echo = bool(c.caps & CAP_ECHO_MESSAGE)
    txid_key = None if batch.txid is None else _TXID_PREFIX + batch.txid
    if txid_key is not None:
        seen = srv.txids.get(c.ip, txid_key, srv.now)
        if seen is not None:
            # A re-sent batch already relayed (its echo was lost with the connection): echo
            # it again as it was, relay and store nothing.
            if echo:
                for head, stamp, msgid in seen:
                    old_lines, old_concat = split_stored(head.split(" :", 1)[1])
                    _fanout(
                        srv, [c], head.split(" :", 1)[0], old_lines, old_concat, batch, stamp, msgid
                    )
            return
    c.last_message = srv.now
    recipients: list[Client]
    stored_key: str | None = None
    private: Client | None = None
    if target[:1] == "#":
        ch = sendable_channel(srv, c, target, errors)
        if ch is None:
            return
        recipients = [m for m in ch.members if m is not c]
        name = ch.name
        stored_key = ch.key
        if srv.history.enabled and not ch.saved:
            srv.save_room(ch)
    else:
        user = srv.find_user(target)
        if user is None:
            if errors:
                srv.out.reply(c, N.ERR_NOSUCHNICK, target, "No such nick/channel")
            return
        recipients = [user]
        name = user.nick
        private = user
    if echo and c not in recipients:
        recipients.append(c)
    head = f":{c.prefix} {cmd} {name}"
    lines = [_fit(head, line) for line in lines]
    text = join_stored(lines, concat)
    stored = None
    if lines[0][:1] != "\x01" or lines[0].startswith("\x01ACTION"):
        if stored_key is not None and srv.history.enabled:
            stored = srv.store(c, cmd, name, text, stored_key)
        elif private is not None and srv.history.store_private:
            stored = srv.store(c, cmd, name, text, private=private)
    stamp, msgid = stored if stored is not None else (srv.out.timestamp(), srv.out.new_msgid())
    _fanout(srv, recipients, head, lines, concat, batch, stamp, msgid)
    if txid_key is not None:
        srv.txids.put(c.ip, txid_key, ((f"{head} :{text}", stamp, msgid),), srv.now)
    if private is not None and private.away and cmd == "PRIVMSG":
        srv.out.reply(c, N.RPL_AWAY, private.nick, private.away)


def _fanout(
    srv: Server,
    recipients: list[Client],
    head: str,
    lines: list[str],
    concat: list[bool],
    batch: OpenBatch,
    stamp: str,
    msgid: str,
) -> None:
    """The batch to each recipient, encoded once per kind of recipient (multiline or not, and
    which tags it takes), never once per recipient."""
    variants: dict[tuple[bool, int], bytes] = {}
    for m in recipients:
        capable = bool(m.caps & CAP_MULTILINE and m.caps & CAP_BATCH)
        key = (capable, m.tagmode)
        data = variants.get(key)
        if data is None:
            data = variants[key] = _encode(srv, m, head, lines, concat, batch, stamp, msgid)
        srv.out.send_bytes(m, data)


def _tags(m: Client, stamp: str, msgid: str | None, client_tags: str, extra: str = "") -> str:
    tags = []
    if extra:
        tags.append(extra)
    if m.caps & CAP_SERVER_TIME:
        tags.append(f"time={stamp}")
    if m.caps & CAP_MESSAGE_TAGS:
        if msgid is not None:
            tags.append(f"msgid={msgid}")
        if client_tags:
            tags.append(client_tags[1:])
    return f"@{';'.join(tags)} " if tags else ""


def _encode(
    srv: Server,
    m: Client,
    head: str,
    lines: list[str],
    concat: list[bool],
    batch: OpenBatch,
    stamp: str,
    msgid: str,
) -> bytes:
    out = []
    if m.caps & CAP_MULTILINE and m.caps & CAP_BATCH:
        ref = srv.new_batch_id()
        prefix, _, target = head.split(" ", 2)
        opening = _tags(m, stamp, msgid, batch.client_tags)
        out.append(f"{opening}{prefix} BATCH +{ref} {BATCH_TYPE} {target}")
        for line, joined in zip(lines, concat, strict=True):
            extra = f"batch={ref}" + (f";{CONCAT_TAG}" if joined else "")
            out.append(f"@{extra} {head} :{line}")
        out.append(f"{prefix} BATCH -{ref}")
    else:
        first = True
        for line in lines:
            if not line:
                continue  # the spec: no blank lines to clients without multiline
            tags = _tags(m, stamp, msgid if first else None, batch.client_tags if first else "")
            out.append(f"{tags}{head} :{line}")
            first = False
    return "".join(line + "\r\n" for line in out).encode()


def replay_lines(c: Client, rec: HistoryRecord, ref: str | None) -> list[str]:
    """A stored batch in a CHATHISTORY answer (inside batch ``ref``): one multiline batch for a
    client that has the capability, the lines as messages for anyone else."""
    lines, concat = split_stored(rec.text)
    head = f":{rec.source} {rec.command} {rec.target}"
    outer = f"batch={ref}" if ref is not None else ""
    out = []
    if c.caps & CAP_MULTILINE and c.caps & CAP_BATCH:
        inner = f"ml{rec.seq or 0}{ref or ''}"
        tags = _tags(c, rec.time, rec.msgid, "", outer)
        out.append(f"{tags}:{rec.source} BATCH +{inner} {BATCH_TYPE} {rec.target}")
        for line, joined in zip(lines, concat, strict=True):
            extra = f"batch={inner}" + (f";{CONCAT_TAG}" if joined else "")
            out.append(f"@{extra} {head} :{line}")
        out.append(f"{'@' + outer + ' ' if outer else ''}:{rec.source} BATCH -{inner}")
        return out
    first = True
    for line in lines:
        if line:
            tags = _tags(c, rec.time, rec.msgid if first else None, "", outer)
            out.append(f"{tags}{head} :{line}")
            first = False
    return out
