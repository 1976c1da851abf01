"""/monitor and /setname in the real app against our server: what a user types and sees."""

from __future__ import annotations

from tui_chat.client.session import SERVER_BUFFER

from .conftest import Peer, conv_text, joined, type_line, wait_for

SIZE = (120, 36)


async def test_monitor_shows_who_comes_and_goes_in_the_server_window(make_app, server, peers):
    app = make_app(server.port)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        await type_line(pilot, "/monitor +bob,carol")
        await wait_for(
            pilot, lambda: "Offline: bob, carol" in conv_text(app, SERVER_BUFFER), what="731"
        )
        bob = Peer(server.port, "bob")
        peers.append(bob)
        await bob.register(pilot)
        await wait_for(pilot, lambda: "Online: bob" in conv_text(app, SERVER_BUFFER), what="730")
        await type_line(pilot, "/monitor -carol")
        await type_line(pilot, "/monitor list")
        await wait_for(
            pilot, lambda: "Monitoring: bob" in conv_text(app, SERVER_BUFFER), what="732"
        )
        await type_line(pilot, "/monitor +not a nick!")
        await wait_for(pilot, lambda: "Not a valid nick" in conv_text(app, "#lobby"), what="hint")


async def test_setname_changes_the_real_name_others_see(make_app, server, peers):
    bob = Peer(server.port, "bob")
    peers.append(bob)
    app = make_app(server.port)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        await bob.register(pilot)
        await type_line(pilot, "/setname Alice Pleasance Liddell")
        await wait_for(
            pilot,
            lambda: (
                "Your real name is now: Alice Pleasance Liddell" in conv_text(app, SERVER_BUFFER)
            ),
            what="SETNAME echo",
        )
        bob.send("WHOIS alice")
        line = await bob.expect(pilot, " 311 bob alice ")
        assert line.endswith(":Alice Pleasance Liddell")
