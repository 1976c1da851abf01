"""After we part or are kicked, the room's user list is empty and the header says we are not
in the room (the list of the people still there was shown until then)."""

from __future__ import annotations

from .conftest import Peer, joined, screen_lines, screen_text, type_line, wait_for

SIZE = (120, 30)


async def _with_bob(pilot, app, server, peers) -> Peer:
    bob = Peer(server.port, "bob")
    peers.append(bob)
    await bob.register(pilot)
    await bob.join(pilot, "#lobby")
    await wait_for(pilot, lambda: "Users (2)" in screen_text(app), what="bob in the list")
    return bob


async def test_after_we_part_the_list_is_empty_and_the_header_says_so(make_app, server, peers):
    app = make_app(server.port)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        await _with_bob(pilot, app, server, peers)
        await type_line(pilot, "/part")
        await wait_for(pilot, lambda: "Users (0)" in screen_text(app), what="list emptied")
        assert "not in this room" in screen_lines(app)[0]
        await type_line(pilot, "/join #lobby")
        await wait_for(pilot, lambda: "Users (2)" in screen_text(app), what="back in the room")
        assert "not in this room" not in screen_lines(app)[0]


async def test_after_we_are_kicked_the_list_is_empty(make_app, server, peers):
    app = make_app(server.port, nick="carol")
    async with app.run_test(size=SIZE) as pilot:
        bob = Peer(server.port, "bob")
        peers.append(bob)
        await bob.register(pilot)
        await bob.join(pilot, "#lobby")
        await joined(pilot, app)
        await wait_for(pilot, lambda: "Users (2)" in screen_text(app), what="both listed")
        server.make_operator("bob")
        await bob.expect(pilot, " 381 ")
        bob.send("KICK #lobby carol :out")
        await bob.expect(pilot, "KICK #lobby carol")
        await wait_for(pilot, lambda: "Users (0)" in screen_text(app), what="list emptied")
        assert "not in this room" in screen_lines(app)[0]
