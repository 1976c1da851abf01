"""Exactly-once delivery: the transaction ids of recently relayed lines, bounded.

A client tags each typed line with ``+tui-chat/txid=<token>`` and re-sends it with the same
token when the connection died before the echo came back. The server remembers the tokens it
relayed so a re-sent line is echoed to its sender again (same msgid and time) but not relayed
or stored twice.

Bounded: at most ``per_source`` tokens per source address (an IPv6 /64 counts as one address,
as one host usually has the whole prefix) and ``sources`` addresses, least recently used out,
each token for ``ttl`` seconds. A token is 16+ random characters, so it cannot be guessed: a
hostile client can only push out its own address's entries (or, with many addresses, make old
tokens be forgotten early, which costs a duplicate line, never a lost one).
"""

from __future__ import annotations

import collections
import ipaddress
import string

TAG = "+tui-chat/txid"
_CHARS = frozenset(string.ascii_letters + string.digits + "_-")
MIN_LEN, MAX_LEN = 16, 32

# What a relayed line is remembered by: (the line without tags, server-time, msgid) per target.
Delivery = tuple[str, str, str]


def valid_txid(value: str) -> bool:
    return MIN_LEN <= len(value) <= MAX_LEN and all(ch in _CHARS for ch in value)


def source_of(ip: str) -> str:
    if ":" not in ip:
        return ip
    try:
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False).network_address)
    except ValueError:
        return ip


class RecentTxids:
    def __init__(self, per_source: int = 512, sources: int = 256, ttl: float = 900.0) -> None:
        self.per_source = per_source
        self.sources = sources
        self.ttl = ttl
        self._seen: collections.OrderedDict[
            str, collections.OrderedDict[str, tuple[float, tuple[Delivery, ...]]]
        ] = collections.OrderedDict()

    def get(self, ip: str, txid: str, now: float) -> tuple[Delivery, ...] | None:
        entries = self._seen.get(source_of(ip))
        if entries is None:
            return None
        found = entries.get(txid)
        if found is None or now - found[0] > self.ttl:
            return None
        return found[1]

    def put(self, ip: str, txid: str, deliveries: tuple[Delivery, ...], now: float) -> None:
        source = source_of(ip)
        entries = self._seen.get(source)
        if entries is None:
            entries = self._seen[source] = collections.OrderedDict()
            if len(self._seen) > self.sources:
                self._seen.popitem(last=False)
        else:
            self._seen.move_to_end(source)
        entries[txid] = (now, deliveries)
        entries.move_to_end(txid)
        while len(entries) > self.per_source:
            entries.popitem(last=False)
        # Expired ones at the old end go too, so an idle address does not keep them.
        while entries:
            oldest = next(iter(entries.values()))
            if now - oldest[0] <= self.ttl:
                break
            entries.popitem(last=False)

    def __len__(self) -> int:
        return sum(len(e) for e in self._seen.values())
