"""The smart filter and links: joins, parts and quits of quiet people hidden (and shown again with
/filter off), http(s) URLs as hyperlinks we build, /url. The real app, server and peers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tui_chat.ui.links import find_urls, link_target
from tui_chat.ui.model.activity import (
    MAX_SPEAKERS,
    SMART_WINDOW,
    UNMASK_WINDOW,
    QuietJoins,
    RecentSpeakers,
)
from tui_chat.ui.model.entries import Entry
from tui_chat.ui.textual_compat import screen_strips

from .conftest import (
    Peer,
    find,
    joined,
    screen_has_no_actions,
    screen_text,
    type_line,
    wait_for,
)

SIZE = (120, 36)


async def test_smart_filter_hides_quiet_peoples_joins_parts_and_quits(server, make_app, peers):
    app = make_app(server.port)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        quiet, talker = Peer(server.port, "quiet"), Peer(server.port, "talker")
        peers += [quiet, talker]
        for peer in (quiet, talker):
            await peer.register(pilot)
            await peer.join(pilot, "#lobby")
        talker.send("PRIVMSG #lobby :hello all")
        await wait_for(pilot, lambda: "hello all" in screen_text(app))
        talker.send("PART #lobby :off to lunch")
        quiet.send("QUIT :gone")
        await wait_for(pilot, lambda: "off to lunch" in screen_text(app), what="talker's part")
        lobby = app.chat.current_conversation
        await wait_for(pilot, lambda: any("quit" in e.plain for e in lobby.log.entries))
        await pilot.pause()
        shown = screen_text(app)
        assert "talker (talker@127.0.0.1) joined" in shown  # hidden, then shown as talker spoke
        assert "quiet (quiet@" not in shown and "quiet quit" not in shown
        assert "talker left (off to lunch)" in shown  # spoke a moment ago: the part shows

        await type_line(pilot, "/filter off")
        await wait_for(pilot, lambda: "quiet quit (Quit: gone)" in screen_text(app))
        shown = screen_text(app)
        assert "quiet (quiet@127.0.0.1) joined" in shown
        assert "talker (talker@127.0.0.1) joined" in shown
        await type_line(pilot, "/filter on")
        await wait_for(pilot, lambda: "quiet quit (Quit: gone)" not in screen_text(app))
        assert "talker left (off to lunch)" in screen_text(app)


async def test_a_hidden_join_shows_once_the_newcomer_speaks(server, make_app, peers):
    app = make_app(server.port)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        lurker, newcomer = Peer(server.port, "lurker"), Peer(server.port, "newcomer")
        peers += [lurker, newcomer]
        for peer in (lurker, newcomer):
            await peer.register(pilot)
            await peer.join(pilot, "#lobby")
        await wait_for(pilot, lambda: "Users (3)" in screen_text(app))
        assert "joined" not in screen_text(app).replace("You joined", "")
        newcomer.send("PRIVMSG #lobby :hi, I am new")
        await wait_for(pilot, lambda: "newcomer (newcomer@127.0.0.1) joined" in screen_text(app))
        shown = screen_text(app)
        assert shown.index("newcomer (newcomer@") < shown.index("hi, I am new")
        assert "lurker (lurker@" not in shown  # said nothing: still hidden


async def test_the_smart_filter_setting_off_shows_every_join(server, make_app, peers):
    app = make_app(server.port, smart_filter=False)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        quiet = Peer(server.port, "quiet")
        peers.append(quiet)
        await quiet.register(pilot)
        await quiet.join(pilot, "#lobby")
        await wait_for(pilot, lambda: "quiet (quiet@127.0.0.1) joined" in screen_text(app))


def test_recent_speakers_forget_after_five_minutes_and_stay_bounded():
    speakers = RecentSpeakers()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    speakers.spoke("bob", t0)
    assert speakers.recent("bob", t0 + SMART_WINDOW)
    assert not speakers.recent("bob", t0 + SMART_WINDOW + timedelta(seconds=1))
    assert not speakers.recent("carol", t0)
    for i in range(MAX_SPEAKERS * 20):  # a flood of distinct nicks within the window
        speakers.spoke(f"n{i}", t0 + timedelta(milliseconds=i))
    assert len(speakers) <= MAX_SPEAKERS
    later = t0 + timedelta(hours=1)
    speakers.spoke("late", later)  # what is older than the window no longer counts
    assert speakers.recent("late", later)
    assert not speakers.recent(f"n{MAX_SPEAKERS * 20 - 1}", later)
    assert len(speakers) <= MAX_SPEAKERS


def test_quiet_joins_show_only_within_thirty_minutes_and_stay_bounded():
    joins = QuietJoins()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    entry = Entry(time=t0, kind="event", glyph="-->", about="bob", smart=True)
    joins.add("bob", entry)
    assert joins.take("bob", t0 + UNMASK_WINDOW) is entry
    assert joins.take("bob", t0) is None  # taken once
    joins.add("bob", entry)
    assert joins.take("bob", t0 + UNMASK_WINDOW + timedelta(seconds=1)) is None
    for i in range(MAX_SPEAKERS * 20):
        joins.add(f"n{i}", Entry(time=t0, kind="event", glyph="-->", about=f"n{i}"))
    assert len(joins) <= MAX_SPEAKERS


def links_on_screen(app) -> dict[str, str]:
    """link -> the text of the cells carrying it."""
    found: dict[str, str] = {}
    for strip in screen_strips(app):
        for segment in strip:
            if segment.style is not None and segment.style.link:
                found[segment.style.link] = found.get(segment.style.link, "") + segment.text
    return found


async def test_urls_become_links_we_build_and_url_lists_and_opens_them(server, make_app, peers):
    app = make_app(server.port)
    opened: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        app.open_url = lambda url, new_tab=True: opened.append(url)  # no browser in a test
        await joined(pilot, app)
        bob = Peer(server.port, "bob")
        peers.append(bob)
        await bob.register(pilot)
        await bob.join(pilot, "#lobby")
        bob.send("PRIVMSG #lobby :notes at https://example.com/a_(b)?x=1, and (http://ex.org/é).")
        bob.send(
            "PRIVMSG #lobby :not these: ftp://files.example javascript:alert(1) "
            "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\ xhttp://glued.example end"
        )
        await wait_for(pilot, lambda: "glued.example end" in screen_text(app))
        await pilot.pause()
        links = links_on_screen(app)
        assert links == {
            "https://example.com/a_(b)?x=1": "https://example.com/a_(b)?x=1",
            "http://ex.org/%C3%A9": "http://ex.org/é",
            # The escape sequence is gone; what is left visible of it is plain text with a URL.
            "https://evil.example/": "https://evil.example/",
        }
        assert screen_has_no_actions(app)

        row, column = find(app, "https://example.com/a_(b)")
        await pilot.click(offset=(column + 3, row))
        await wait_for(pilot, lambda: opened == ["https://example.com/a_(b)?x=1"])

        await type_line(pilot, "/url")
        await wait_for(pilot, lambda: "Recent links:" in screen_text(app))
        shown = screen_text(app)
        newest, older = shown.index(" 1. "), shown.index(" 3. ")
        assert "https://evil.example/" in shown[newest : newest + 80]
        assert "https://example.com/a_(b)?x=1" in shown[older : older + 80]
        await type_line(pilot, "/url 2")
        await wait_for(pilot, lambda: opened[-1:] == ["http://ex.org/%C3%A9"])
        await type_line(pilot, "/url 9")
        await wait_for(pilot, lambda: "/url N takes a number" in screen_text(app))


PIECES = [*"http:/s.x( )é\u200d\x1b]\\\"<>'", "http://", "https://", "HTTPS://"]
TEXT = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


@given(TEXT)
def test_found_urls_are_http_and_their_links_printable_ascii(text):
    last = 0
    for start, end in find_urls(text):
        assert start >= last and end > start
        last = end
        url = text[start:end]
        assert url.lower().startswith(("http://", "https://")) and len(url) > len("http://")
        assert not any(c.isspace() or not c.isprintable() for c in url)
        target = link_target(url)
        assert target.isascii() and all(" " < c < "\x7f" for c in target)
