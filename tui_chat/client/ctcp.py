"""CTCP replies: how often we answer, and what a reply may carry. No I/O, the clock passed in.

Every reply spends the sender's flood allowance on the server, so a few peers sending CTCP
VERSION to a room would otherwise delay the user's own lines by tens of seconds. And a reply
that echoes the request's argument must not carry a CTCP delimiter or line break of the
requester's choosing (the reflection class of CVE-2022-2663: ``PING x\\x01DCC SEND ...``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Overall: a burst of REPLY_BURST, then one reply per REPLY_INTERVAL seconds.
REPLY_BURST = 3
REPLY_INTERVAL = 5.0
# Per sender: one reply per SENDER_INTERVAL seconds; senders remembered (oldest forgotten).
SENDER_INTERVAL = 30.0
MAX_SENDERS = 256
MAX_REPLY_ARG = 64  # characters of a PING argument echoed back
_UNSAFE = str.maketrans("", "", "\x01\r\n\x00")


def reply_argument(arg: str) -> str:
    """What of a request's argument we echo: no CTCP delimiter, CR, LF or NUL, and short."""
    return arg.translate(_UNSAFE)[:MAX_REPLY_ARG]


@dataclass
class ReplyLimiter:
    """A token bucket overall plus a minimum interval per sender (keyed by casefolded nick)."""

    burst: int = REPLY_BURST
    interval: float = REPLY_INTERVAL
    sender_interval: float = SENDER_INTERVAL
    _tokens: float = float(REPLY_BURST)
    _updated: float | None = None
    _last_reply: dict[str, float] = field(default_factory=dict)

    def allow(self, sender_key: str, now: float) -> bool:
        if self._updated is None:
            self._updated = now
        refill = max(0.0, now - self._updated) / self.interval
        self._tokens = min(float(self.burst), self._tokens + refill)
        self._updated = now
        last = self._last_reply.get(sender_key)
        if last is not None and now - last < self.sender_interval:
            return False
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        self._last_reply.pop(sender_key, None)
        while len(self._last_reply) >= MAX_SENDERS:
            del self._last_reply[next(iter(self._last_reply))]
        self._last_reply[sender_key] = now
        return True
