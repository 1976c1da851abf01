"""Numbers from the wire: ASCII decimal digits only, within bounds.

``str.isdigit()`` and ``int()`` accept far more than ``0-9`` (``²``, Arabic-Indic digits ...),
and ``int()`` of a huge digit string costs time; a peer's number goes through here instead.
"""

from __future__ import annotations

_DIGITS = frozenset("0123456789")


def parse_decimal(text: str, low: int = 0, high: int = (1 << 31) - 1) -> int | None:
    """``text`` as a plain decimal number in [low, high], or None if it is not one."""
    if not text or len(text) > len(str(high)) + 8 or not _DIGITS.issuperset(text):
        return None
    value = int(text)
    return value if low <= value <= high else None
