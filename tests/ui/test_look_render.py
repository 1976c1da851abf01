"""The log's hierarchy, nick prefixes, the nick column and wide characters, as the screen shows
them: the real app, the real server (or the scripted hostile one), raw-socket peers."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

from adversarial.hostile_server import hostile_server
from textual.app import App, ComposeResult

from tui_chat.ui.model import IRC, BufferLog, Entry
from tui_chat.ui.widgets.log_styles import line_strip
from tui_chat.ui.widgets.message_log import MessageLog

from .conftest import Peer, find, joined, screen_lines, screen_text, style_at, type_line, wait_for

SIZE = (120, 36)
LONG = "the quick brown fox jumps over the lazy dog and keeps running " * 3


async def test_message_text_is_the_brightest_and_alike_on_every_wrapped_line(
    server, make_app, peers
):
    app = make_app(server.port)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        bob = Peer(server.port, "bob")
        peers.append(bob)
        await bob.register(pilot)
        await bob.join(pilot, "#lobby")
        await type_line(pilot, "/filter off")  # bob's join shows: a noise line to compare
        bob.send(f"PRIVMSG #lobby :first {LONG}last")
        await wait_for(pilot, lambda: "last" in screen_text(app))
        row, column = find(app, "first the quick")
        text = style_at(app, row, column).color
        stamp = style_at(app, row, column - len("<bob> ") - 2).color
        cont_row, cont_col = find(app, "last")
        assert cont_row > row  # wrapped
        assert style_at(app, cont_row, cont_col).color == text
        join_row, join_col = find(app, "bob (bob@")
        noise = style_at(app, join_row, join_col + len("bob (")).color
        assert text != stamp and text != noise
        background = app.chat.log_view.rich_style.bgcolor
        luminance = {
            "text": text.get_truecolor().normalized,
            "stamp": stamp.get_truecolor().normalized,
            "noise": noise.get_truecolor().normalized,
        }
        assert background is not None
        # On the dark theme: the text is lighter than the time and the join line.
        assert sum(luminance["text"]) > sum(luminance["stamp"])
        assert sum(luminance["text"]) > sum(luminance["noise"])


async def test_a_line_shows_the_senders_channel_prefix_of_its_time(server, make_app, peers):
    app = make_app(server.port)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        bob = Peer(server.port, "bob")
        peers.append(bob)
        await bob.register(pilot)
        await bob.join(pilot, "#lobby")
        await type_line(pilot, "/voice bob")
        await bob.expect(pilot, "MODE #lobby +v bob")
        await wait_for(pilot, lambda: "+bob" in screen_text(app), what="+bob in the user list")
        bob.send("PRIVMSG #lobby :said with voice")
        await wait_for(pilot, lambda: "<+bob> said with voice" in screen_text(app))
        await type_line(pilot, "/devoice bob")
        await bob.expect(pilot, "MODE #lobby -v bob")
        lobby = app.chat.current_conversation
        await wait_for(
            pilot, lambda: [m.prefixes for m in lobby.members if m.nick == "bob"] == [""]
        )
        bob.send("PRIVMSG #lobby :said without")
        await wait_for(pilot, lambda: "<bob> said without" in screen_text(app))
        assert "<+bob> said with voice" in screen_text(app)  # the earlier line keeps its +
        await type_line(pilot, "mine")
        await wait_for(pilot, lambda: "<@alice> mine" in screen_text(app))


async def test_the_nick_column_lines_up_text_and_wrapped_lines(server, make_app, peers):
    app = make_app(server.port, nick_column=10)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        for nick in ("bo", "carolinemaria"):
            peer = Peer(server.port, nick)
            peers.append(peer)
            await peer.register(pilot)
            await peer.join(pilot, "#lobby")
            peer.send(f"PRIVMSG #lobby :from {nick} {LONG}end-{nick}")
        await wait_for(pilot, lambda: "end-carolinemaria" in screen_text(app))
        await type_line(pilot, "/me waves")
        await wait_for(pilot, lambda: "@alice waves" in screen_text(app))
        bo_row, text_at = find(app, "from bo")
        long_row, long_at = find(app, "from carolinemaria")
        assert long_at == text_at  # short and long nicks alike
        lines = screen_lines(app)
        assert lines[bo_row][text_at - 3 : text_at] == " │ "
        assert lines[bo_row][text_at - 5 : text_at - 3] == "bo"  # right-aligned in the column
        assert lines[long_row][text_at - 13 : text_at - 3] == "carolinem+"  # cut, marked
        for first, last in ((bo_row, find(app, "end-bo")[0]), (long_row, find(app, "end-ca")[0])):
            assert last > first  # wrapped: every continuation line starts at the same column
            for row in range(first + 1, last + 1):
                assert lines[row][text_at - 2 : text_at] == "│ " and lines[row][text_at] != " "
        action_row, action_col = find(app, "@alice waves")
        assert action_col == text_at and lines[action_row][text_at - 4] == "*"


async def test_the_one_line_fast_path_draws_the_prefix_like_the_general_path():
    class LogApp(App[None]):
        def compose(self) -> ComposeResult:
            yield MessageLog()

    app = LogApp()
    async with app.run_test(size=(80, 10)):
        log = app.query_one(MessageLog)
        log.show(BufferLog(100))
        base = log.styles_for_render.base
        checked = 0
        for prefix in ("", "@", "+"):
            for body in ("hello", "\x02bold\x02 and \x0304red\x03", "wide 漢字 🎉 end"):
                entry = Entry(
                    time=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
                    kind="message",
                    nick="bob",
                    parts=((IRC, body),),
                    prefix=prefix,
                )
                fast = log._message_strip(entry, 80, base)
                general = [
                    line_strip(line, app.console, 80, base) for line in log.wrap_entry(entry, 80)
                ]
                assert fast is not None and len(general) == 1
                assert list(fast) == list(general[0])
                stamp = entry.time.astimezone().strftime("%H:%M")
                assert fast.text.startswith(f"{stamp} <{prefix}bob> ")
                checked += 1
        assert checked == 9


def terminal_cells(text: str) -> int:
    """Cells a terminal that draws each character on its own (tmux 3.3, the Linux console,
    older VTE) gives ``text``: wide and fullwidth two, combining and format characters none."""
    cells = 0
    for c in text:
        if unicodedata.category(c) in ("Mn", "Me", "Cf") or 0xFE00 <= ord(c) <= 0xFE0F:
            continue
        cells += 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1
    return cells


FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # three people joined by ZWJ
HEART = "\u2764\ufe0f"  # a one-cell heart made a two-cell emoji by VS16
THUMB = "\U0001f44d\U0001f3fd"  # thumbs up with a skin tone


async def test_wide_characters_never_move_a_border(make_app):
    with hostile_server() as hs:
        app = make_app(hs.port)
        async with app.run_test(size=SIZE) as pilot:
            await joined(pilot, app)
            nicks = [f"{FAMILY}fam", f"{HEART}love", f"{THUMB}ok", "漢字"]
            hs.send(
                *(f":{nick}!u@h JOIN #lobby" for nick in nicks),
                f":{nicks[0]}!u@h TOPIC #lobby :{FAMILY * 3} {HEART} {THUMB} topic",
                *(
                    f":{nick}!u@h PRIVMSG #lobby :{FAMILY} {HEART} {THUMB} from {i}"
                    for i, nick in enumerate(nicks)
                ),
                f":{hs.nick}!u@h JOIN #{FAMILY}{THUMB}room",
            )
            await wait_for(pilot, lambda: "from 3" in screen_text(app))
            await wait_for(pilot, lambda: "Users (5)" in screen_text(app))
            await wait_for(pilot, lambda: "room" in screen_text(app), what="the emoji room")

            def assert_borders_hold(width: int) -> None:
                for line in screen_lines(app):
                    assert terminal_cells(line) == width, (width, line)

            for width in (120, 100):
                await pilot.resize_terminal(width, 36)
                await wait_for(pilot, lambda w=width: app.chat.size.width == w)
                await pilot.pause()
                assert "Users (5)" in screen_text(app)
                assert_borders_hold(width)
            await pilot.resize_terminal(80, 36)
            await pilot.pause()
            await pilot.press("f7", "f8")  # both panels, below 100 columns too
            await wait_for(pilot, lambda: "Users (5)" in screen_text(app))
            await pilot.pause()
            assert_borders_hold(80)
