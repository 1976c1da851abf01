"""The ignore list: nicks as typed (for the config and /ignore's listing), matched casefolded."""

from __future__ import annotations

from collections.abc import Iterable

from ...irc.casemap import casefold


class IgnoreList:
    def __init__(self, names: Iterable[str] = (), casemapping: str = "ascii") -> None:
        self.casemapping = casemapping
        self.names: list[str] = list(names)
        self.folded: set[str] = {casefold(n, casemapping) for n in self.names}

    def __bool__(self) -> bool:
        return bool(self.folded)

    def __contains__(self, nick: object) -> bool:
        return (
            isinstance(nick, str)
            and bool(self.folded)
            and casefold(nick, self.casemapping) in self.folded
        )

    def add(self, nick: str) -> None:
        folded = casefold(nick, self.casemapping)
        if folded not in self.folded:
            self.names.append(nick)
            self.folded.add(folded)

    def remove(self, nick: str) -> bool:
        """Stop ignoring ``nick``; False when it was not ignored."""
        folded = casefold(nick, self.casemapping)
        if folded not in self.folded:
            return False
        self.folded.discard(folded)
        self.names = [n for n in self.names if casefold(n, self.casemapping) != folded]
        return True

    def set_casemapping(self, mapping: str) -> None:
        self.casemapping = mapping
        self.folded = {casefold(n, mapping) for n in self.names}
