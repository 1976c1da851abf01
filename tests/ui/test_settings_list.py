"""/list through the real app: the rooms in a filterable table (Enter joins, Esc closes), against
our server and against a scripted server that answers as big networks do (no 321, thousands of
rows, hostile topics), bounded in rows."""

from __future__ import annotations

import contextlib

import pytest

from tests.adversarial.hostile_server import hostile_server
from tests.interop.conftest import _run_miniircd
from tui_chat.client.names import SERVER_BUFFER
from tui_chat.ui.model.room_list import MAX_ROOMS, MAX_SHOWN
from tui_chat.ui.screens.room_list import RoomListScreen
from tui_chat.ui.textual_compat import screen_strips

from .conftest import (
    Peer,
    conv_text,
    joined,
    screen_text,
    type_line,
    wait_for,
)


async def _room_list(pilot, app) -> RoomListScreen:
    return await wait_for(
        pilot,
        lambda: app.screen if isinstance(app.screen, RoomListScreen) else None,
        what="the room list",
    )


def _links_or_clicks(app) -> list[str]:
    """Cells carrying a link or a click action (markup that got read). screen_has_no_actions
    would flag the table's scrollbar, whose mouse handlers are Textual's own."""
    found = []
    for strip in screen_strips(app):
        for segment in strip:
            style = segment.style
            if style is not None and (style.link or "@click" in style.meta):
                found.append(segment.text)
    return found


def _names(screen: RoomListScreen) -> list[str]:
    return [row.name for row in screen.rows_in_table]


async def test_list_shows_our_servers_rooms_filters_and_joins(server, make_app, peers):
    app = make_app(server.port)
    async with app.run_test(size=(120, 40)) as pilot:
        await joined(pilot, app)
        bob = Peer(server.port, "bob")
        peers.append(bob)
        await bob.register(pilot)
        for room in ("#lobby", "#alpha", "#beta"):
            await bob.join(pilot, room)
        bob.send("TOPIC #alpha :Alpha talk")
        await bob.expect(pilot, "TOPIC #alpha")

        await type_line(pilot, "/list")
        screen = await _room_list(pilot, app)
        await wait_for(
            pilot,
            lambda: screen.listing.done and len(screen.rows_in_table) == 3,
            what="three rooms",
        )
        # The room we are in is listed by name (it used to lose it), with its two users first.
        assert _names(screen)[0] == "#lobby"
        text = screen_text(app)
        assert "#alpha" in text and "Alpha talk" in text and "#beta" in text
        assert "3 rooms" in text
        # Nothing of the listing landed in a log.
        assert "End of /LIST" not in conv_text(app, SERVER_BUFFER)
        assert "Alpha talk" not in conv_text(app, "#lobby")

        await pilot.press(*"ALP")  # any case
        await wait_for(pilot, lambda: _names(screen) == ["#alpha"], what="filtered")
        await pilot.press("enter")
        await joined(pilot, app, "#alpha")
        assert app.screen is app.chat

        await type_line(pilot, "/list")
        screen = await _room_list(pilot, app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.chat, what="closed")
        assert app.chat.model.conversations.current == app.chat.model.key("#alpha")


@pytest.mark.timeout(90)
async def test_a_big_listing_without_321_is_bounded_inert_and_browsable(make_app):
    with hostile_server() as hs:
        app = make_app(hs.port)
        async with app.run_test(size=(140, 40)) as pilot:
            await joined(pilot, app)
            me = hs.nick
            # LIST sent another way than /list: the table opens when the listing ends.
            await type_line(pilot, "/quote LIST")
            hs.wait_line("LIST")
            hostile_topic = (
                "[+nt] Big [bold]room[/bold][@click=app.quit]x[/]\x1b[2J\x1b]8;;http://e/\x07"
            )
            lines = [
                f":irc.test 322 {me} #lobby 3 :our room",  # joined: the client files it there
                f":irc.test 322 {me} #big 500 :{hostile_topic}",
                f":irc.test 322 {me} #bigger 450 :also big",
                f":irc.test 322 {me} #broken lots :not a count",
            ]
            lines += [f":irc.test 322 {me} #r{i} {i % 300} :room {i}" for i in range(MAX_ROOMS)]
            lines.append(f":irc.test 323 {me} :End of /LIST")
            hs.send(*lines)

            screen = await _room_list(pilot, app)
            await wait_for(pilot, lambda: len(screen.rows_in_table) == MAX_SHOWN, what="rows")
            listing = screen.listing
            assert listing.done
            assert len(listing) == MAX_ROOMS
            assert listing.total == MAX_ROOMS + 3  # the row without a count is not a row
            assert _names(screen)[:2] == ["#big", "#bigger"]
            text = screen_text(app)
            assert "Big [bold]room[/bold][@click=app.quit]x[/]" in text
            assert "\x1b" not in text and not _links_or_clicks(app)
            assert "showing the 1000 with most users" in text
            assert "#lobby" in [r.name for r in listing.matching("lobby")[0]]

            await pilot.press(*"big")
            await wait_for(pilot, lambda: _names(screen) == ["#big", "#bigger"], what="filter")
            await pilot.press("down", "enter")
            hs.wait_line("JOIN #bigger")
            await wait_for(pilot, lambda: app.screen is app.chat, what="closed")
            assert "room 17" not in conv_text(app, SERVER_BUFFER)


async def test_list_against_miniircd(make_app, tmp_path):
    # A third-party server: no 321, no capabilities, an empty topic.
    with contextlib.contextmanager(_run_miniircd)(tmp_path) as address:
        app = make_app(address.port, room="#lobby")
        async with app.run_test(size=(120, 40)) as pilot:
            await joined(pilot, app)
            await type_line(pilot, "/join #second")
            await joined(pilot, app, "#second")
            await type_line(pilot, "/list")
            screen = await _room_list(pilot, app)
            await wait_for(
                pilot,
                lambda: screen.listing.done and sorted(_names(screen)) == ["#lobby", "#second"],
                what="both rooms listed",
            )
            await pilot.press(*"lob", "enter")
            await wait_for(pilot, lambda: app.screen is app.chat, what="closed")
            await joined(pilot, app, "#lobby")  # already in it: Enter shows it
