"""IRCv3 ``labeled-response``: the reply to a labeled command carries its label.

Done once, around dispatch, not in each handler: everything a command writes to its sender is
appended to the sender's ``outbuf`` during the handler (the server is one thread, so nothing
else writes there meanwhile), so :func:`begin` notes where the buffer ended and :func:`finish`
rewrites what was added since. No reply becomes ``ACK``; one line gets the ``label`` tag; more
lines are wrapped in a ``labeled-response`` batch whose opening line carries the label and whose
lines carry its ``batch`` tag, unless they already belong to a batch of their own (a
``chathistory`` batch then nests inside, its BATCH lines tagged with ours as the spec nests).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..irc.message import Message, escape_tag_value
from .state import CAP_BATCH, CAP_LABELED_RESPONSE, Client

if TYPE_CHECKING:
    from .server import Server

# The spec's limit on a label; a longer one is ignored (no label, as if none was sent), so a
# peer cannot make every line of a large reply carry kilobytes of its choosing.
MAX_LABEL_BYTES = 64
_BOTH = CAP_BATCH | CAP_LABELED_RESPONSE


def requested(c: Client, msg: Message) -> str | None:
    """The label to answer ``msg`` with, or None: the spec makes ``batch`` a prerequisite."""
    if c.caps & _BOTH != _BOTH or not msg.tags:
        return None
    label = msg.tags.get("label")
    if not label or len(label.encode()) > MAX_LABEL_BYTES:
        return None
    return label


def begin(srv: Server, c: Client) -> int:
    """Where the command's reply to ``c`` will start in its output buffer."""
    srv.out.materialize()  # earlier channel lines are not part of this reply
    return len(c.outbuf)


def finish(srv: Server, c: Client, start: int, label: str) -> None:
    srv.out.materialize()  # an echo-message line may still be in the pending channel batch
    if c.sock is None or c.closing or len(c.outbuf) < start:
        return  # gone, or its output was thrown away: nobody to answer
    tag = b"label=" + escape_tag_value(label).encode()
    added = bytes(c.outbuf[start:])
    del c.outbuf[start:]
    lines = added.split(b"\r\n")
    lines.pop()  # every queued line ends with CR LF: the last piece is empty
    head = f":{srv.name} ".encode()
    if not lines:
        c.outbuf += b"@" + tag + b" " + head + b"ACK\r\n"
    elif len(lines) == 1:
        c.outbuf += _tagged(lines[0], tag) + b"\r\n"
    else:
        ref = srv.new_batch_id().encode()
        out = [b"@" + tag + b" " + head + b"BATCH +" + ref + b" labeled-response"]
        mine = b"batch=" + ref
        out += [line if _in_batch(line) else _tagged(line, mine) for line in lines]
        out.append(head + b"BATCH -" + ref)
        out.append(b"")
        c.outbuf += b"\r\n".join(out)
    srv.out.mark_dirty(c)


def _tagged(line: bytes, tag: bytes) -> bytes:
    if line[:1] == b"@":
        return b"@" + tag + b";" + line[1:]
    return b"@" + tag + b" " + line


def _in_batch(line: bytes) -> bool:
    if line[:1] != b"@":
        return False
    space = line.find(b" ")
    return any(t == b"batch" or t.startswith(b"batch=") for t in line[1:space].split(b";"))
