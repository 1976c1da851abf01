"""MONITOR's table: who watches which nick, kept both ways.

``watchers`` maps a folded nick to the connections watching it, so telling them a nick came
or went costs what that nick has watchers, never a scan of all clients; each client's own
list (``Client.monitoring``: folded nick -> the nick as the client gave it) is bounded by
``limits.MAX_MONITOR`` and dropped with the connection.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..irc import numerics as N
from ..irc.casemap import casefold
from .output import Output
from .state import Client


class MonitorTable:
    def __init__(self, out: Output) -> None:
        self.out = out
        self.watchers: dict[str, dict[Client, None]] = {}

    def add(self, c: Client, nicks: Iterable[str], limit: int) -> list[str]:
        """Watch ``nicks`` (valid nicks); returns those left out because the list is full."""
        mine = c.monitoring
        if mine is None:
            mine = c.monitoring = {}
        pending = list(nicks)
        for i, nick in enumerate(pending):
            key = casefold(nick)
            if key in mine:
                continue
            if len(mine) >= limit:
                return pending[i:]
            mine[key] = nick
            self.watchers.setdefault(key, {})[c] = None
        return []

    def remove(self, c: Client, nicks: Iterable[str]) -> None:
        mine = c.monitoring
        if not mine:
            return
        for nick in nicks:
            key = casefold(nick)
            if mine.pop(key, None) is not None:
                self._unwatch(c, key)

    def clear(self, c: Client) -> None:
        """Forget ``c``'s list (MONITOR C, or the connection is gone)."""
        mine = c.monitoring
        if not mine:
            return
        c.monitoring = None
        for key in mine:
            self._unwatch(c, key)

    def _unwatch(self, c: Client, key: str) -> None:
        watching = self.watchers.get(key)
        if watching is not None:
            watching.pop(c, None)
            if not watching:
                del self.watchers[key]

    def online(self, u: Client) -> None:
        """``u`` registered, or now goes by a nick someone may watch."""
        for w in self.watchers.get(u.key, ()):
            self.out.reply(w, N.RPL_MONONLINE, u.prefix)

    def offline(self, key: str, nick: str) -> None:
        """Nobody goes by ``nick`` (folded: ``key``) any more."""
        for w in self.watchers.get(key, ()):
            self.out.reply(w, N.RPL_MONOFFLINE, nick)
