"""A server that drops us right after the welcome must not get a reconnect storm.

The backoff used to start over at every welcome, so such a server saw 21 reconnects in 30 s.
It now starts over only once a connection has stayed up for ``reconnect_stable`` seconds.
"""

from __future__ import annotations

from client.conftest import fast_settings, running_client

from .hostile_server import hostile_server

WINDOW = 3.0  # seconds watched
MOST = 6  # 0.1 + 0.2 + 0.4 + 0.8 + 1.6 s of backoff: about 5 connections fit in the window


def test_drop_after_welcome_backs_off():
    with hostile_server(close_after_welcome=True) as hs:
        settings = fast_settings(
            "127.0.0.1", hs.port, reconnect_min=0.1, reconnect_max=5.0, reconnect_stable=30.0
        )
        with running_client(settings):
            hs.wait_welcomes(1)
            try:
                hs.wait_welcomes(MOST + 1, timeout=WINDOW)
            except AssertionError:
                pass  # what we want: the window passed with few reconnects
            else:
                raise AssertionError(f"{hs.welcomes} welcomes within {WINDOW} s")
            assert 2 <= hs.connections <= MOST + 1
