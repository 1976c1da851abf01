"""/close on a room the app is still in must leave the app alive (issue 8, item 1).

The app once kept the rooms being closed in ``self._closing``, which is Textual's own "this pump
is shutting down" flag: a non-empty set made Textual drop every key and every message.
"""

from __future__ import annotations

import pytest
from ui.conftest import Peer, conv_text, joined, make_app, peers, server, type_line, wait_for

__all__ = ["make_app", "peers", "server"]  # fixtures shared with tests/ui


# A frozen app never lets run_test() finish: the timeout turns the hang into a failure.
@pytest.mark.timeout(40)
async def test_close_joined_room_keeps_keys_and_network_alive(make_app, server, peers):
    bob = Peer(server.port, "bob")
    peers.append(bob)
    bob.wait_sync(" 001 ")
    app = make_app(server.port)
    async with app.run_test(size=(100, 30)) as pilot:
        await joined(pilot, app)
        await bob.join(pilot, "#lobby")
        await type_line(pilot, "/join #dev")
        await joined(pilot, app, "#dev")

        await type_line(pilot, "/close")
        await wait_for(
            pilot, lambda: "#dev" not in app.chat.model.conversations, what="#dev closed"
        )
        await wait_for(
            pilot, lambda: app.chat.model.conversations.current == "#lobby", what="back in #lobby"
        )

        # Keys still reach the input and leave as a line ...
        await type_line(pilot, "still here after close")
        await bob.expect(pilot, "PRIVMSG #lobby :still here after close", timeout=5)
        # ... and network events still reach the log.
        bob.send("PRIVMSG #lobby :and I can still talk to you")
        await wait_for(
            pilot,
            lambda: "and I can still talk to you" in conv_text(app, "#lobby"),
            timeout=5,
            what="bob's line shown",
        )
        await pilot.press("ctrl+q")
