"""The log at scale (issue 12): a room of 10,000 lines is shown by laying out what is on screen,
not every line, and scrolls back to its first line; lines of one sender share one nick string."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from textual.app import App, ComposeResult

from tui_chat.ui.model import IRC, BufferLog, Entry
from tui_chat.ui.widgets import log_layout, message_log
from tui_chat.ui.widgets.message_log import MessageLog

from .conftest import Peer, conv_text, joined, wait_for

LINES = 10_000
LAID_OUT = 1_000  # at most this many heights estimated per layout: a few screens, not LINES
START = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)


class LogApp(App):
    def compose(self) -> ComposeResult:
        yield MessageLog()


def big_buffer(lines: int = LINES) -> BufferLog:
    buffer = BufferLog(lines)
    for i in range(lines):
        # Every seventh line wraps at 80 columns, so estimates and wrapping both matter.
        body = f"line {i} " + ("long words go on and on " * 6 if i % 7 == 0 else "short")
        buffer.push(
            Entry(
                time=START + timedelta(seconds=i),
                kind="message",
                nick=f"nick{i % 5}",
                parts=((IRC, body),),
            )
        )
    return buffer


class Counted:
    """Counts calls to the log's height estimate (the real one runs)."""

    def __init__(self) -> None:
        self.calls = 0
        self.real = log_layout.estimate_lines

    def __call__(self, *args: object) -> int:
        self.calls += 1
        return self.real(*args)  # type: ignore[arg-type]


async def test_showing_a_big_room_lays_out_the_newest_lines_not_all(monkeypatch) -> None:
    counted = Counted()
    monkeypatch.setattr(message_log, "estimate_lines", counted)
    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        log = app.query_one(MessageLog)
        small = BufferLog(100)
        log.show(small)
        buffer = big_buffer()
        log.show(buffer)
        await pilot.pause()
        shown = log.visible_text()
        assert shown[-1].endswith("line 9999 short")
        assert counted.calls <= LAID_OUT
        # Back and forth between the two rooms: nothing is laid out again.
        calls = counted.calls
        log.show(small)
        log.show(buffer)
        await pilot.pause()
        assert counted.calls == calls
        assert log.visible_text()[-1].endswith("line 9999 short")

        # Scrolled back to the very top, the first lines are there, in order, whole.
        log.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        await wait_for(pilot, lambda: log.visible_text()[:1] and "line 0 " in log.visible_text()[0])
        top = log.visible_text()
        assert "line 1 short" in "\n".join(top)
        assert "line 2 short" in "\n".join(top)
        # Line 0 wraps onto more rows than its estimate-free placeholder of one.
        assert top[1].strip().startswith("long words") or "on and on" in top[1]
        # And to the end again.
        log.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        await wait_for(pilot, lambda: log.visible_text()[-1:] == [shown[-1]])


async def test_a_resize_rewraps_what_is_shown_of_a_big_room(monkeypatch) -> None:
    counted = Counted()
    monkeypatch.setattr(message_log, "estimate_lines", counted)
    app = LogApp()
    async with app.run_test(size=(120, 20)) as pilot:
        log = app.query_one(MessageLog)
        log.show(big_buffer())
        await pilot.pause()
        wide = log.visible_text()
        assert wide[-1].endswith("line 9999 short")
        # Wrapped at the width the log has once its scrollbar shows (118), not at 120: no row
        # is cut. Line 9996 (a multiple of 7) takes two rows here, more at 50 columns.
        assert all(len(line) <= log.scrollable_content_region.width for line in wide)
        at = next(i for i, line in enumerate(wide) if "line 9996 long" in line)
        assert wide[at + 1].endswith("on and on") and "line 9997" in wide[at + 2]
        await pilot.resize_terminal(50, 20)
        await wait_for(pilot, lambda: log.scrollable_content_region.width < 50)
        await pilot.pause()
        narrow = log.visible_text()
        assert narrow[-1].endswith("line 9999 short")
        assert all(len(line) <= 50 for line in narrow)
        at = next(i for i, line in enumerate(narrow) if "line 9996 long" in line)
        assert narrow[at + 1].strip().startswith(("long", "on", "go", "words", "and"))
        assert log.line_count() > LINES
        assert counted.calls <= 2 * LAID_OUT  # two widths, each laid out from the newest lines


async def test_lines_of_one_sender_share_one_nick_string(server, make_app, peers) -> None:
    app = make_app(server.port)
    async with app.run_test(size=(120, 36)) as pilot:
        await joined(pilot, app)
        bob = Peer(server.port, "bob")
        peers.append(bob)
        await bob.register(pilot)
        await bob.join(pilot, "#lobby")
        for i in range(3):
            bob.send(f"PRIVMSG #lobby :hello {i}")
        await wait_for(pilot, lambda: "hello 2" in conv_text(app, "#lobby"))
        said = [e for e in app.chat.current_conversation.log.entries if e.plain.startswith("hello")]
        assert [e.plain for e in said] == ["hello 0", "hello 1", "hello 2"]
        assert said[0].nick == "bob"
        # Each line came off the wire as its own string: one copy is kept for all of them.
        assert said[0].nick is said[1].nick is said[2].nick
