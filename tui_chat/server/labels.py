"""IRCv3 ``labeled-response``: the reply to a labeled command carries its label.

Done once, around dispatch, not in each handler: everything a command writes to its sender is
appended to the sender's buffer during the handler (the server is one thread, so nothing else
writes there meanwhile), so ``Server.dispatch`` marks where the buffer ended
(``Output.mark``) and has the lines added since rewritten by :func:`labeled`. No reply becomes
``ACK``; one line gets the ``label`` tag; more lines are wrapped in a ``labeled-response`` batch
whose opening line carries the label and whose lines carry its ``batch`` tag, unless they
already belong to a batch of their own (a ``chathistory`` batch then nests inside, its BATCH
lines tagged with ours, as the batch spec nests).
"""

from __future__ import annotations

from ..irc.message import Message, escape_tag_value
from .state import CAP_BATCH, CAP_LABELED_RESPONSE, Client

# The spec's limit on a label; a longer one is ignored (no label, as if none was sent), so a
# peer cannot make every reply carry kilobytes of its choosing.
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


def labeled(reply: bytes, label: str, server_name: str, batch_ref: str) -> bytes:
    """``reply`` (whole CR LF lines, maybe none) as the labeled answer to one command."""
    tag = b"label=" + escape_tag_value(label).encode()
    lines = reply.split(b"\r\n")
    lines.pop()  # every queued line ends with CR LF: the last piece is empty
    head = f":{server_name} ".encode()
    if not lines:
        return b"@" + tag + b" " + head + b"ACK\r\n"
    if len(lines) == 1:
        return _tagged(lines[0], tag) + b"\r\n"
    ref = batch_ref.encode()
    mine = b"batch=" + ref
    out = [b"@" + tag + b" " + head + b"BATCH +" + ref + b" labeled-response"]
    out += [line if _in_batch(line) else _tagged(line, mine) for line in lines]
    out += [head + b"BATCH -" + ref, b""]
    return b"\r\n".join(out)


def _tagged(line: bytes, tag: bytes) -> bytes:
    if line[:1] == b"@":
        return b"@" + tag + b";" + line[1:]
    return b"@" + tag + b" " + line


def _in_batch(line: bytes) -> bool:
    if line[:1] != b"@":
        return False
    space = line.find(b" ")
    return any(t == b"batch" or t.startswith(b"batch=") for t in line[1:space].split(b";"))
