"""The TAGMSG budget: a token bucket per client, apart from the flood budget every line uses.

A TAGMSG costs its sender one flood token like any line, but it may carry 4094 bytes of client
tags to every member of a channel, eight times what a PRIVMSG can, and nobody reads it: typing
notifications are paced by their spec at one per 3 seconds per target. So each target also
costs a token here, and a TAGMSG past the bucket is dropped (typing state is ephemeral; the
next one restates it) instead of holding the client's input, which would delay its messages.
"""

from __future__ import annotations

from .config import ServerConfig
from .state import Client


def take_tagmsg(cfg: ServerConfig, c: Client, now: float) -> bool:
    """Whether ``c`` may send one more TAGMSG to one target now (and charge it if so)."""
    if not cfg.flood_limit:
        return True
    tokens = c.tagmsg_tokens
    if tokens < 0:
        tokens = float(cfg.tagmsg_burst)
    else:
        tokens = min(float(cfg.tagmsg_burst), tokens + (now - c.tagmsg_tokens_at) * cfg.tagmsg_rate)
    c.tagmsg_tokens_at = now
    if tokens >= 1.0:
        c.tagmsg_tokens = tokens - 1.0
        return True
    c.tagmsg_tokens = tokens
    return False
