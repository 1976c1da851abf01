"""Ctrl+F then F4: search all history on the server (soju.im/search), end to end."""

from __future__ import annotations

from .conftest import Peer, joined, screen_text, start_test_server, wait_for
from .test_history_search import SIZE, status


async def test_f4_searches_all_history_in_rooms_the_user_is_in(tmp_path, make_app, peers):
    server = start_test_server(data_dir=tmp_path / "server")
    try:
        bob = Peer(server.port, "bob")
        peers.append(bob)
        bob.wait_sync(" 001 ")
        for room in ("#lobby", "#other"):
            bob.send(f"JOIN {room}")
            bob.wait_sync(f" 366 bob {room} ")
        bob.send("PRIVMSG #lobby :findme [b]in[/b] the lobby")
        bob.send("PRIVMSG #other :findme where alice is not")
        bob.send("PING :sync")
        bob.wait_sync("PONG")
        app = make_app(server.port)
        async with app.run_test(size=SIZE) as pilot:
            await joined(pilot, app)
            await pilot.press("ctrl+f")
            for key in "findme":
                await pilot.press(key)
            await pilot.press("f4")
            await wait_for(pilot, lambda: "all history: 1 matches" in status(app))
            panel = app.chat.searching.results
            assert panel.display and panel.option_count == 1
            # Shown as the text it is: the brackets are not markup.
            assert "#lobby <bob> findme [b]in[/b] the lobby" in screen_text(app)
            assert "where alice is not" not in screen_text(app)
            await pilot.press("escape")
            await wait_for(pilot, lambda: not panel.display)
            await pilot.press("ctrl+q")
    finally:
        server.stop()


async def test_f4_says_so_when_the_server_cannot_search(server, make_app):
    app = make_app(server.port)  # no history, so no soju.im/search
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        await pilot.press("ctrl+f")
        for key in "anything":
            await pilot.press(key)
        await pilot.press("f4")
        await wait_for(pilot, lambda: "Server cannot search" in status(app))
        await pilot.press("ctrl+q")
