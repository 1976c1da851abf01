"""Fitting text into IRC's 512-byte lines, for both sides: one way to cut UTF-8.

The server cuts what it relays (:func:`fit_line`, :func:`fit_text`); the client splits what the
user typed into lines that will fit once the server adds its prefix (:func:`split_text`). All
three cut at :func:`char_boundary`, so no side ever sends half a character.
"""

from __future__ import annotations

from .limits import MAX_LINE_BYTES


def char_boundary(data: bytes, limit: int) -> int:
    """The largest cut ``<= limit`` that does not fall inside a UTF-8 sequence of ``data``."""
    if limit >= len(data):
        return len(data)
    cut = max(0, limit)
    while cut and data[cut] & 0xC0 == 0x80:  # a continuation byte: the character began earlier
        cut -= 1
    return cut


def fit_line(data: bytes) -> bytes:
    """Cut an encoded line (with CR LF) to 512 bytes on a UTF-8 character boundary.

    Peers drop or split longer lines; as other servers do, we lose the tail of the trailing
    parameter instead. Callers that must know the text as delivered use :func:`fit_text`.
    IRCv3 tags do not count towards the 512 bytes and are kept whole.
    """
    body = data.find(b" ") + 1 if data[:1] == b"@" else 0
    if len(data) - body <= MAX_LINE_BYTES:
        return data
    cut = char_boundary(data, body + MAX_LINE_BYTES - 2)
    return data[:cut] + b"\r\n"


def fit_text(text: str, budget: int) -> str:
    """``text`` cut to at most ``budget`` UTF-8 bytes without splitting a character."""
    data = text.encode()
    if len(data) <= budget:
        return text
    return data[: char_boundary(data, budget)].decode()


def split_text(text: str, budget: int) -> list[str]:
    """Split ``text`` into lines and then into chunks of at most ``budget`` UTF-8 bytes.

    Splits prefer the last space in the chunk and never cut a code point in half. Empty lines
    are dropped: IRC cannot carry them.
    """
    budget = max(budget, 4)
    chunks: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        data = line.encode("utf-8")
        while len(data) > budget:
            cut = char_boundary(data, budget)
            space = data.rfind(b" ", 0, cut + 1)
            if space > budget // 2:
                cut = space
            piece = data[:cut].decode("utf-8")
            if piece.strip():
                chunks.append(piece)
            data = data[cut:]
            if data.startswith(b" "):
                data = data[1:]
        if data.strip():
            chunks.append(data.decode("utf-8"))
    return chunks
