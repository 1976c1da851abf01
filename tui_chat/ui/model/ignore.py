"""The ignore list: nicks and ``nick!user@host`` masks, kept as typed (for the config and
/ignore's listing) and matched casefolded.

An entry without ``!`` or ``@`` is a nick (``spam``, or ``spam*`` with wildcards); one with
either is a mask whose missing parts match anything (``*@bad.example`` is
``*!*@bad.example``). Plain nicks are looked up in a set; only entries with wildcards or a
user or host part go through the linear-time wildcard matcher, and there are at most
:data:`MAX_IGNORES` entries, so the cost per message stays bounded whatever peers send.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from ...config import MAX_IGNORES, valid_ignore_entry
from ...irc.casemap import casefold
from ...irc.mask import Mask

__all__ = ["MAX_IGNORES", "IgnoreList", "full_mask"]


def full_mask(entry: str) -> str:
    """``entry`` as a whole ``nick!user@host`` mask: ``bob`` -> ``bob!*@*``."""
    nick, bang, rest = entry.partition("!")
    if not bang:
        if "@" not in entry:
            return f"{entry}!*@*"
        user, _, host = entry.partition("@")
        return f"*!{user or '*'}@{host or '*'}"
    user, at, host = rest.partition("@")
    return f"{nick or '*'}!{user or '*'}@{host if at and host else '*'}"


def _plain_nick(mask: str) -> str | None:
    """The nick of a ``nick!*@*`` mask without wildcards in the nick, else None."""
    nick, _, rest = mask.partition("!")
    if rest == "*@*" and not any(ch in nick for ch in "*?"):
        return nick
    return None


class IgnoreList:
    def __init__(self, entries: Iterable[str] = (), casemapping: str = "ascii") -> None:
        self.casemapping = casemapping
        self.entries: list[str] = []
        self._keys: set[str] = set()  # each entry's folded full mask: one entry per mask
        self._nicks: set[str] = set()
        self._masks: list[Mask] = []
        for entry in entries:
            # The config file's list was checked when read; one bad entry from elsewhere
            # must not stop the app from starting.
            with contextlib.suppress(ValueError):
                self.add(entry)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, nick: object) -> bool:
        return isinstance(nick, str) and self.matches(nick)

    def _key(self, entry: str) -> str:
        return casefold(full_mask(entry), self.casemapping)

    def add(self, entry: str) -> bool:
        """Ignore ``entry``; False when it is already there. ValueError when it is not a nick or
        mask, or the list is full."""
        if not valid_ignore_entry(entry):
            raise ValueError(f"{entry!r} is not a nick or nick!user@host mask")
        key = self._key(entry)
        if key in self._keys:
            return False
        if len(self.entries) >= MAX_IGNORES:
            raise ValueError(f"the ignore list is full ({MAX_IGNORES}); /unignore some first")
        self.entries.append(entry)
        self._keys.add(key)
        self._index(entry)
        return True

    def _index(self, entry: str) -> None:
        mask = full_mask(entry)
        nick = _plain_nick(mask)
        if nick is not None:
            self._nicks.add(casefold(nick, self.casemapping))
        else:
            self._masks.append(Mask(mask, self.casemapping))

    def remove(self, entry: str) -> bool:
        """Stop ignoring ``entry`` (as typed, or any spelling of the same mask); False when it
        was not ignored."""
        key = self._key(entry)
        if key not in self._keys:
            return False
        self.entries = [e for e in self.entries if self._key(e) != key]
        self._rebuild()
        return True

    def matches(self, nick: str, userhost: str = "") -> bool:
        """Is someone with this nick (and ``user@host``, when known) ignored?"""
        if not self.entries:
            return False
        if casefold(nick, self.casemapping) in self._nicks:
            return True
        if not self._masks:
            return False
        source = casefold(f"{nick}!{userhost or '@'}", self.casemapping)
        return any(mask.match(source, folded=True) for mask in self._masks)

    def set_casemapping(self, mapping: str) -> None:
        self.casemapping = mapping
        self._rebuild()

    def _rebuild(self) -> None:
        entries, self.entries = self.entries, []
        self._keys, self._nicks, self._masks = set(), set(), []
        for entry in entries:
            key = self._key(entry)
            if key not in self._keys:
                self.entries.append(entry)
                self._keys.add(key)
                self._index(entry)
