"""Shared pieces of the server adversarial tests: the real-server fixtures and a liveness probe."""

from __future__ import annotations

import contextlib
import time

from tests.server.conftest import connect, make_server, server
from tests.server.ircclient import TestClient

__all__ = ["assert_live", "connect", "make_server", "server"]

# The liveness bound: while an attack runs, another user's PING is answered this fast.
LIVENESS_SECONDS = 1.0


def assert_live(probe: TestClient, what: str = "") -> None:
    """``probe`` (a registered client) gets its PONG within the liveness bound.

    The elapsed time is checked as well as the wait's timeout: an in-process server stuck in C
    code (a regex) holds the GIL, so the test thread's own timeout fires only once it lets go.
    """
    started = time.monotonic()
    with contextlib.suppress(TimeoutError):
        probe.sync(timeout=LIVENESS_SECONDS)
    waited = time.monotonic() - started
    assert waited < LIVENESS_SECONDS, f"server stalled {waited:.1f}s {what}".rstrip()
