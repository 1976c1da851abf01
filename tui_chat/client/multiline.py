"""IRCv3 ``draft/multiline`` for the client: building batches to send, collecting received ones.

Sending: a multi-line text becomes one or more batches (:func:`plan_batches`) within the
server's ``max-bytes`` and ``max-lines`` (its CAP value, :func:`parse_limits`); a line longer
than fits one IRC line goes as several, the later ones tagged ``draft/multiline-concat``.
:func:`batch_lines` writes one batch as wire lines.

Receiving: :class:`MultilineCollector` keeps each open batch's lines (bounded in count and
size, as a server is a peer too) and, when it closes, gives back ONE message: the batch's
opening tags and source with the lines joined by ``\\n`` (no separator before a concat line),
which the session then handles like any PRIVMSG or NOTICE.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui_chat.irc import Message
from tui_chat.irc.fitting import char_boundary
from tui_chat.irc.numbers import parse_decimal

CAP = "draft/multiline"
BATCH_TYPE = "draft/multiline"
CONCAT_TAG = "draft/multiline-concat"
# What a server can make us hold while a batch is open; beyond these, the rest is dropped.
MAX_OPEN = 8
MAX_LINES = 1000
MAX_BYTES = 64 * 1024
# Our own ceiling whatever a server offers: a paste bigger than this goes as several batches.
SEND_MAX_LINES = 100
SEND_MAX_BYTES = 16 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int
    max_lines: int


def parse_limits(value: str | None) -> Limits | None:
    """The ``draft/multiline`` CAP value (``max-bytes=4096,max-lines=24``); None without the
    required max-bytes."""
    if not value:
        return None
    found: dict[str, int] = {}
    for token in value.split(",")[:16]:
        key, _, number = token.partition("=")
        parsed = parse_decimal(number, 1, 1 << 30)
        if key in ("max-bytes", "max-lines") and parsed is not None:
            found[key] = parsed
    if "max-bytes" not in found:
        return None
    return Limits(
        min(found["max-bytes"], SEND_MAX_BYTES),
        min(found.get("max-lines", SEND_MAX_LINES), SEND_MAX_LINES),
    )


Piece = tuple[str, bool]  # one wire line's text, and whether it continues the previous line


def _pieces(line: str, budget: int) -> list[Piece]:
    """One line of text as wire lines of at most ``budget`` bytes, cut after a space where
    possible (the space stays at the end, as the spec recommends), never inside a character."""
    data = line.encode()
    if len(data) <= budget:
        return [(line, False)]
    out: list[Piece] = []
    while len(data) > budget:
        cut = char_boundary(data, budget)
        space = data.rfind(b" ", 0, cut)
        if space > budget // 2:
            cut = space + 1
        out.append((data[:cut].decode(), bool(out)))
        data = data[cut:]
    if data:
        out.append((data.decode(), True))
    return out


def plan_batches(text: str, budget: int, limits: Limits) -> list[str]:
    """``text`` as the texts of one or more batches, each within ``limits`` once split into
    wire lines of ``budget`` bytes (:func:`split_pieces`); empty if there is nothing to send.

    Blank lines inside are kept (the spec lets servers relay them); leading and trailing ones
    are dropped, since a message of only blank lines may not be sent. A line too long for one
    batch goes on in the next.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    batches: list[list[Piece]] = []
    current: list[Piece] = []
    size = 0
    for line in lines:
        for piece, concat in _pieces(line, max(budget, 16)):
            cost = len(piece.encode()) + (1 if current and not concat else 0)
            if current and (len(current) >= limits.max_lines or size + cost > limits.max_bytes):
                batches.append(current)
                current, size, concat = [], 0, False
                cost = len(piece.encode())
            if not current and not piece.strip():
                continue  # a batch never starts with a blank line
            current.append((piece, concat))
            size += cost
    if current:
        batches.append(current)
    for batch in batches:
        while not batch[-1][0].strip():
            batch.pop()  # never empty: a batch starts with a line that is not blank
    return [join_pieces(b) for b in batches]


def join_pieces(pieces: list[Piece]) -> str:
    """What a batch reads as: lines joined by ``\\n``, a concat piece glued to the previous."""
    out: list[str] = []
    for text, concat in pieces:
        if out and not concat:
            out.append("\n")
        out.append(text)
    return "".join(out)


def split_pieces(text: str, budget: int) -> list[Piece]:
    """A batch's text (from :func:`join_pieces`) as wire lines again."""
    out: list[Piece] = []
    for line in text.split("\n"):
        out += _pieces(line, max(budget, 16))
    return out


def batch_lines(
    ref: str, command: str, target: str, pieces: list[Piece], tags: dict[str, str] | None
) -> list[str]:
    """One batch on the wire: ``BATCH +ref`` (with the client tags), its lines, ``BATCH -ref``."""
    out = [Message.of("BATCH", "+" + ref, BATCH_TYPE, target, tags=tags).to_line()]
    for text, concat in pieces:
        line_tags = {"batch": ref, CONCAT_TAG: ""} if concat else {"batch": ref}
        # The text is always a trailing parameter, so a blank or spaced line survives.
        head = Message.of(command, target, tags=line_tags).to_line()
        out.append(f"{head} :{text}")
    out.append(f"BATCH -{ref}")
    return out


@dataclass(slots=True)
class _Open:
    opening: Message
    target: str
    source: str | None = None  # the opening's, or else the first line's
    command: str = ""
    lines: list[str] | None = None
    size: int = 0
    truncated: bool = False


class MultilineCollector:
    """Received ``draft/multiline`` batches, bounded: at most :data:`MAX_OPEN` open, each
    keeping at most :data:`MAX_LINES` lines and :data:`MAX_BYTES` bytes."""

    def __init__(self) -> None:
        self._open: dict[str, _Open] = {}

    def reset(self) -> None:
        self._open.clear()

    def opens(self, msg: Message) -> bool:
        """``BATCH +ref draft/multiline target``: start collecting; True if it was one."""
        ref = msg.param(0)
        if not ref.startswith("+") or msg.param(1) != BATCH_TYPE or len(msg.params) < 3:
            return False
        if len(self._open) < MAX_OPEN:
            self._open[ref[1:]] = _Open(msg, msg.params[2], msg.source, lines=[])
        return True

    def collects(self, msg: Message) -> bool:
        """A PRIVMSG/NOTICE inside an open multiline batch: kept; True if it was one."""
        batch = self._open.get(msg.tags.get("batch", ""))
        if batch is None or msg.command not in ("PRIVMSG", "NOTICE"):
            return False
        lines = batch.lines
        assert lines is not None
        text = msg.param(1)
        concat = CONCAT_TAG in msg.tags and bool(lines)
        size = batch.size + len(text) + (0 if concat or not lines else 1)
        if len(lines) >= MAX_LINES or size > MAX_BYTES:
            batch.truncated = True
            return True
        batch.command = batch.command or msg.command
        batch.source = batch.source or msg.source
        batch.size = size
        if concat:
            lines[-1] += text
        else:
            lines.append(text)
        return True

    def closes(self, msg: Message) -> bool:
        """``BATCH -ref`` of an open multiline batch (then :meth:`finish` it)."""
        ref = msg.param(0)
        return ref.startswith("-") and ref[1:] in self._open

    def finish(self, msg: Message) -> Message | None:
        """The batch ``BATCH -ref`` closes as one message; None if it had nothing to show."""
        ref = msg.param(0)
        batch = self._open.pop(ref[1:])
        lines = batch.lines or []
        if not batch.command or not any(line.strip() for line in lines):
            return None
        if batch.truncated:
            lines = [*lines, "[…]"]
        opening = batch.opening
        return Message(
            batch.command,
            (batch.target, "\n".join(lines)),
            batch.source,
            dict(opening.tags),
        )
