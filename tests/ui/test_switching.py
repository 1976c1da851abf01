"""Switching conversations (issue 12, target 5): Ctrl+N shows the next room's newest line and
marks it current in the sidebar by drawing again only the two sidebar rows that changed; a long
name is cut in its own row, never wrapped onto the next one."""

from __future__ import annotations

from textual.strip import Strip

from tui_chat.ui.widgets import Sidebar

from .conftest import Peer, find, screen_lines, screen_text, style_at, wait_for

SIZE = (100, 24)
ROOMS = ("#lobby", "#dev", "#ops")
LONG = "#a-room-with-a-name-far-too-long-for-the-sidebar"


def record_rows(monkeypatch) -> list[int]:
    """From now on, the sidebar rows the real render_line draws."""
    rows: list[int] = []
    real = Sidebar.render_line

    def render_line(sidebar: Sidebar, y: int) -> Strip:
        rows.append(y)
        return real(sidebar, y)

    monkeypatch.setattr(Sidebar, "render_line", render_line)
    return rows


def sidebar_row(app, name: str) -> int:
    """The screen row of conversation ``name`` in the sidebar."""
    sidebar = app.chat.query_one(Sidebar)
    top = sidebar.content_region.y
    index = next(i for i, item in enumerate(sidebar.rows) if item.name == name)
    return top + index


async def all_joined(pilot, app, rooms) -> None:
    model = app.chat.model

    def done() -> bool:
        convs = [model.conversations.get(room) for room in rooms]
        return model.status.phase == "connected" and all(c is not None and c.joined for c in convs)

    await wait_for(pilot, done, what="every room joined")


async def test_ctrl_n_shows_the_next_room_and_redraws_two_sidebar_rows(
    server, make_app, peers, monkeypatch
) -> None:
    app = make_app(server.port, app_options={"rooms": ROOMS})
    async with app.run_test(size=SIZE) as pilot:
        await all_joined(pilot, app, ROOMS)
        bob = Peer(server.port, "bob")
        peers.append(bob)
        await bob.register(pilot)
        for room in ROOMS:
            await bob.join(pilot, room)
            for i in range(30):
                bob.send(f"PRIVMSG {room} :{room} says {i}")
        model = app.chat.model
        await wait_for(
            pilot,
            lambda: all(
                "says 29" in model.conversations.get(r).log.entries[-1].plain for r in ROOMS
            ),
            what="every room's lines",
        )
        app.chat.show(model.key("#lobby"))
        await pilot.pause()
        await wait_for(pilot, lambda: "#lobby says 29" in screen_text(app), what="#lobby shown")
        drawn = record_rows(monkeypatch)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: "#dev says 29" in screen_text(app), what="#dev shown")
        await pilot.pause()
        assert model.conversations.current == model.key("#dev")
        assert "#lobby says" not in screen_text(app)
        # The sidebar marks #dev current (its background), #lobby no longer.
        lobby, dev = sidebar_row(app, "#lobby"), sidebar_row(app, "#dev")
        row, column = find(app, "#dev says 29")  # the log's copy is further right
        assert row != dev or column > 20
        current_bg = style_at(app, dev, 3).bgcolor
        assert current_bg is not None and current_bg != style_at(app, lobby, 3).bgcolor
        # Only the two rows that changed were drawn again, not the whole sidebar.
        sidebar = app.chat.query_one(Sidebar)
        top = sidebar.content_region.y
        assert set(drawn) == {lobby - top, dev - top}


async def test_a_long_room_name_is_cut_in_its_row(server, make_app, peers) -> None:
    rooms = ("#lobby", LONG, "#next")
    app = make_app(server.port, app_options={"rooms": rooms})
    async with app.run_test(size=SIZE) as pilot:
        await all_joined(pilot, app, rooms)
        bob = Peer(server.port, "bob")
        peers.append(bob)
        await bob.register(pilot)
        await bob.join(pilot, LONG)
        bob.send(f"PRIVMSG {LONG} :hello in there")
        model = app.chat.model
        await wait_for(pilot, lambda: model.conversations.get(LONG).unread == 1, what="unread")
        await pilot.pause()
        lines = screen_lines(app)
        long_row, next_row = sidebar_row(app, LONG), sidebar_row(app, "#next")
        assert next_row == long_row + 1
        shown = lines[long_row][:22]
        assert "…" in shown and shown.rstrip().rstrip("▕").rstrip().endswith("… 1")
        assert lines[next_row][:22].split()[:2] == ["4", "#next"]
        # A click on the row after it picks that conversation.
        await pilot.click(Sidebar, offset=(3, 3))
        await wait_for(pilot, lambda: model.conversations.current == model.key("#next"))
