"""IRC wildcard masks (``*`` and ``?``) matched in linear time, never with a regex.

A mask like ``*a*a*a*a*b`` makes a backtracking regex engine explore every way of splitting the
text among the stars: exponential in the number of stars. Greedy matching does not need to:
split the mask on ``*``; the first piece must match at the start, the last at the end, and each
piece between them is taken at its leftmost match after the previous one (taking a later match
can never help, since a star absorbs whatever is skipped). That is the classic two-pointer
wildcard algorithm with "backtrack to the last star", done piece by piece so that ``str.find``
does the scanning for pieces without ``?``. Worst case O(len(mask) * len(text)), usually linear.

``[`` is a nick character, not a class, and there is no escape character, as on other servers.
Both sides are folded with the server's case mapping before matching.
"""

from __future__ import annotations

from .casemap import casefold

# Longer masks are refused (a ban) or match nothing (WHO): no real mask needs more, and the
# cost of a match grows with the mask.
MAX_MASK_LEN = 300


def _piece_at(piece: str, text: str, pos: int) -> bool:
    """Does ``piece`` (``?`` = any one character) match ``text`` exactly at ``pos``?"""
    if pos + len(piece) > len(text):
        return False
    return all(ch == "?" or text[pos + i] == ch for i, ch in enumerate(piece))


def _find_piece(piece: str, text: str, start: int, end: int) -> int:
    """Leftmost position >= start where ``piece`` matches and ends by ``end``, or -1."""
    if "?" not in piece:
        return text.find(piece, start, end)
    # Anchor on the longest literal run so most positions are skipped by str.find.
    literal = max(piece.split("?"), key=len)
    if not literal:
        return start if start + len(piece) <= end else -1
    offset = piece.index(literal)
    pos = start
    while True:
        hit = text.find(literal, pos + offset, end)
        if hit < 0:
            return -1
        cand = hit - offset
        if _piece_at(piece, text, cand) and cand + len(piece) <= end:
            return cand
        pos = cand + 1


class Mask:
    """A compiled mask: fold and split once, match many texts (bans are checked per message)."""

    __slots__ = ("_head", "_middle", "_min_len", "_single", "_tail", "text")

    def __init__(self, mask: str, mapping: str = "ascii") -> None:
        self.text = mask
        folded = casefold(mask, mapping)
        pieces = folded.split("*")
        self._single = len(pieces) == 1  # no star: the whole text must match
        self._head = pieces[0]
        self._tail = pieces[-1] if len(pieces) > 1 else ""
        self._middle = tuple(p for p in pieces[1:-1] if p)
        self._min_len = len(folded) - folded.count("*")

    def match(self, text: str, mapping: str = "ascii", folded: bool = False) -> bool:
        if not folded:
            text = casefold(text, mapping)
        if len(text) < self._min_len:
            return False
        head = self._head
        if self._single:
            return len(text) == len(head) and _piece_at(head, text, 0)
        if not _piece_at(head, text, 0):
            return False
        tail = self._tail
        end = len(text) - len(tail)
        if not _piece_at(tail, text, end):
            return False
        pos = len(head)
        for piece in self._middle:
            hit = _find_piece(piece, text, pos, end)
            if hit < 0:
                return False
            pos = hit + len(piece)
        return pos <= end


def glob_match(mask: str, text: str, mapping: str = "ascii") -> bool:
    """One-off match of an IRC wildcard mask against ``text``, case-folded."""
    return Mask(mask, mapping).match(text, mapping)
