"""A storm of private messages from thousands of distinct senders must not freeze the app.

Each new sender used to open a conversation, and opening one (and every later event) cost time
growing with the number open: 1000 senders delayed a typed line by 21 s.
"""

from __future__ import annotations

import time

import pytest
from ui.conftest import joined, make_app, type_line, wait_for

from tui_chat.client.events import SERVER_BUFFER
from tui_chat.client.session import MAX_QUERIES
from tui_chat.ui.model import MAX_AUTO_QUERIES

from .hostile_server import hostile_server

__all__ = ["make_app"]  # the fixture, shared with tests/ui

SENDERS = 3000
LIVENESS = 2.0  # the bound: a typed line reaches the server within 2 s


@pytest.mark.timeout(90)
async def test_private_message_storm_keeps_app_live_and_bounded(make_app):
    with hostile_server() as hs:
        app = make_app(hs.port)
        async with app.run_test(size=(100, 30)) as pilot:
            await joined(pilot, app)
            hs.send(*(f":u{i}!u@h{i} PRIVMSG {hs.nick} :hello number {i}" for i in range(SENDERS)))
            # Mid-storm: a thousand senders in (each in a window of its own, or in the server
            # window beyond the cap), the rest still coming.
            conversations = app.chat.model.conversations
            server_log = conversations.by_key(SERVER_BUFFER).log.entries
            await wait_for(
                pilot,
                lambda: len(conversations) + len(server_log) > 1000,
                timeout=30,
                what="the storm reached the app",
            )
            started = time.monotonic()
            await type_line(pilot, "typed during the storm")
            left = max(0.1, LIVENESS - (time.monotonic() - started))
            await wait_for(
                pilot,
                lambda: hs.seen("PRIVMSG #lobby :typed during the storm"),
                timeout=left,
                what="the typed line on the server",
            )

            # Every message arrives, and what the storm can grow stays at its bound.
            def last_shown() -> bool:
                return any("hello number 2999" in e.plain for e in server_log)

            await wait_for(pilot, last_shown, timeout=60, what="the last private message")
            queries = [c for c in conversations if c.kind == "query"]
            assert len(queries) == conversations.queries == MAX_AUTO_QUERIES
            assert len(conversations.keys()) == len(conversations) == MAX_AUTO_QUERIES + 2
            assert "u0" in conversations and f"u{SENDERS - 1}" not in conversations
            sidebar = app.chat.query_one("#sidebar").rows
            assert len(sidebar) == MAX_AUTO_QUERIES + 2
            assert len(app.controller.client._session.queries) <= MAX_QUERIES
            await pilot.press("ctrl+q")
