"""A room's people in the order the user list shows them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ...irc.casemap import casefold

if TYPE_CHECKING:
    from ...client.events import Member

_RANKS = "~&@%+"


def member_rank(member: Member) -> int:
    """0-2 operators (owner, admin, op), 3 half-op, 4 voiced, 5 everyone else."""
    for i, prefix in enumerate(_RANKS):
        if prefix in member.prefixes:
            return i
    return len(_RANKS)


def sort_members(members: Sequence[Member], casemapping: str = "ascii") -> list[Member]:
    return sorted(members, key=lambda m: (member_rank(m), casefold(m.nick, casemapping)))
