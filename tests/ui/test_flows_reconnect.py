"""/reconnect: drop and connect again at once, or start over after the connection ended."""

from __future__ import annotations

from .conftest import Peer, joined, type_line, wait_for

SIZE = (100, 30)


async def test_reconnect_drops_and_rejoins_at_once(make_app, server, peers):
    bob = Peer(server.port, "bob")
    peers.append(bob)
    app = make_app(server.port, client_options={"reconnect_min": 30.0, "reconnect_max": 30.0})
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        await bob.register(pilot)
        await bob.join(pilot, "#lobby")
        await type_line(pilot, "/reconnect")
        await bob.expect(pilot, "QUIT :Quit: Reconnecting")
        # Back within the reconnect delay of 30 s: it did not wait.
        await wait_for(
            pilot,
            lambda: any(line.startswith(":alice!") for line in bob.received("JOIN #lobby")),
            timeout=5.0,
            what="alice back in #lobby",
        )
        await joined(pilot, app)


async def test_reconnect_after_the_connection_ended_starts_it_again(make_app, server, peers):
    app = make_app(server.port)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        await type_line(pilot, "/quote QUIT :gone")
        await wait_for(
            pilot,
            lambda: app.network_worker is not None and app.network_worker.is_finished,
            what="the connection ended",
        )
        await type_line(pilot, "/reconnect")
        await wait_for(pilot, lambda: app.chat.model.status.phase == "connected")
        await joined(pilot, app)
