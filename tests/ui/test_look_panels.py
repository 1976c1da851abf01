"""Side panels that fold below 100 columns (F7/F8), the sidebar's activity colours and Alt+A:
the real app and server, peers on raw sockets, keys through the Pilot."""

from __future__ import annotations

from tui_chat.ui.model.activity import Activity
from tui_chat.ui.widgets import Sidebar, UserList

from .conftest import Peer, find, joined, screen_text, style_at, type_line, wait_for


def shown(app) -> tuple[bool, bool]:
    return (
        app.chat.query_one(Sidebar).display,
        app.chat.query_one(UserList).display,
    )


async def test_panels_fold_below_100_columns_and_return_when_wide_again(server, make_app):
    app = make_app(server.port)
    async with app.run_test(size=(120, 30)) as pilot:
        await joined(pilot, app)
        await wait_for(pilot, lambda: "Users (1)" in screen_text(app))
        assert shown(app) == (True, True)
        wide_log = app.chat.log_view.size.width
        await pilot.resize_terminal(99, 30)
        await wait_for(pilot, lambda: shown(app) == (False, False), what="panels folded")
        await wait_for(pilot, lambda: app.chat.log_view.size.width > wide_log - 21)
        assert "Users (" not in screen_text(app)
        assert all(len(line) <= 99 for line in screen_text(app).splitlines())
        await pilot.resize_terminal(80, 30)
        # Narrow, the footer packs its keys: the last one is whole, not "f8 Use".
        await wait_for(
            pilot, lambda: screen_text(app).splitlines()[-1].rstrip().endswith("f8 Users")
        )
        await pilot.resize_terminal(100, 30)
        await wait_for(pilot, lambda: shown(app) == (True, True), what="panels back")
        await wait_for(pilot, lambda: "Users (1)" in screen_text(app))
        assert "f7 Rooms  f8 Users" in screen_text(app)  # wide again: the spacious footer


async def test_f7_and_f8_toggle_the_panels_and_the_choice_outlives_a_resize(server, make_app):
    app = make_app(server.port)
    async with app.run_test(size=(120, 30)) as pilot:
        await joined(pilot, app)
        await wait_for(pilot, lambda: "f7 Rooms  f8 Users" in screen_text(app), what="footer")
        await pilot.press("f7")
        await wait_for(pilot, lambda: shown(app) == (False, True))
        await pilot.resize_terminal(80, 30)
        await wait_for(pilot, lambda: shown(app) == (False, False))
        await pilot.press("f8")
        await wait_for(pilot, lambda: shown(app) == (False, True), what="user list at 80")
        await wait_for(pilot, lambda: "Users (1)" in screen_text(app))
        await pilot.resize_terminal(120, 30)
        await pilot.pause()
        assert shown(app) == (False, True)  # the F7 choice stays; the width does not undo it
        await pilot.press("f7")
        await wait_for(pilot, lambda: shown(app) == (True, True))


async def test_sidebar_colours_activity_and_alt_a_visits_mentions_first(server, make_app, peers):
    app = make_app(server.port)
    async with app.run_test(size=(120, 30)) as pilot:
        await joined(pilot, app)
        rooms = ("#busy", "#dev", "#quiet")
        for room in rooms:
            await type_line(pilot, f"/join {room}")
            await wait_for(pilot, lambda r=room: app.chat.model.conversations.current == r)
        bob = Peer(server.port, "bob")
        peers.append(bob)
        await bob.register(pilot)
        for room in rooms:
            await bob.join(pilot, room)
        await pilot.press("alt+2")
        await wait_for(pilot, lambda: app.chat.model.conversations.current == "#lobby")
        convs = app.chat.model.conversations
        busy, dev, quiet = (convs.get(room) for room in rooms)
        bob.send("PRIVMSG #busy :chatter")
        bob.send("PRIVMSG #dev :alice: review please?")
        bob.send("NICK bobby")  # a nick change: noise in #quiet, where bob said nothing
        await wait_for(
            pilot,
            lambda: (
                (busy.activity, dev.activity, quiet.activity)
                == (Activity.MESSAGES, Activity.MENTIONS, Activity.NOISE)
            ),
            what="activity of the three rooms",
        )
        await pilot.pause()
        colours = {}
        for room in (*rooms, "#lobby"):
            row, column = find(app, f" {room}")
            colours[room] = style_at(app, row, column + 1)
        assert len({(s.color, s.bold) for s in colours.values()}) == 4, colours

        await pilot.press("alt+a")
        await wait_for(pilot, lambda: convs.current == "#dev", what="the mention first")
        await pilot.press("alt+a")
        await wait_for(pilot, lambda: convs.current == "#busy", what="then the messages")
        await pilot.press("alt+a")  # noise is not activity: back where the run started
        await wait_for(pilot, lambda: convs.current == "#lobby", what="back to the start")
        assert quiet.activity == Activity.NOISE


async def test_with_the_sidebar_folded_the_header_lists_conversations_with_news(
    server, make_app, peers
):
    app = make_app(server.port)
    async with app.run_test(size=(80, 24)) as pilot:
        await joined(pilot, app)
        for room in ("#busy", "#dev"):
            await type_line(pilot, f"/join {room}")
            await wait_for(pilot, lambda r=room: app.chat.model.conversations.current == r)
        bob = Peer(server.port, "bob")
        peers.append(bob)
        await bob.register(pilot)
        for room in ("#busy", "#dev"):
            await bob.join(pilot, room)
        await pilot.press("alt+2")
        await wait_for(pilot, lambda: app.chat.model.conversations.current == "#lobby")
        assert "Act:" not in screen_text(app).splitlines()[0]
        bob.send("PRIVMSG #busy :chatter")
        bob.send("PRIVMSG #dev :alice: look")
        await wait_for(pilot, lambda: "Act: 3 4" in screen_text(app).splitlines()[0])
        row, column = find(app, "Act: 3 4")
        busy, dev = style_at(app, row, column + 5), style_at(app, row, column + 7)
        assert busy.color != dev.color  # the mention stands out
        await pilot.press("f7")  # the sidebar shows the news itself: the header need not
        await wait_for(pilot, lambda: "Act:" not in screen_text(app).splitlines()[0])
