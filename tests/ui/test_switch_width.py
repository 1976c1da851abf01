"""The log is laid out at the width it is drawn at (issue 12, target 5): the first frame after a
switch out of the server window (where the user list hides, so the log is wider) shows the
room's newest line whole, wrapped at the log's new width, not cut at it."""

from __future__ import annotations

from textual.strip import Strip

from tui_chat.ui.widgets.message_log import MessageLog

from .conftest import Peer, joined, screen_text, wait_for

SIZE = (120, 30)
WORDS = [f"w{i:02d}" for i in range(45)]  # 180 cells: wraps at every width used here
LONG = " ".join(WORDS)


def record_log_rows(monkeypatch) -> list[tuple[int, str]]:
    """From now on, each row the real MessageLog.render_line draws: (y, text)."""
    rows: list[tuple[int, str]] = []
    real = MessageLog.render_line

    def render_line(log: MessageLog, y: int) -> Strip:
        strip = real(log, y)
        rows.append((y, strip.text))
        return strip

    monkeypatch.setattr(MessageLog, "render_line", render_line)
    return rows


def passes(rows: list[tuple[int, str]]) -> list[list[str]]:
    """The rows split into the log's draws (each starts again at a lower y)."""
    out: list[list[str]] = []
    last = None
    for y, text in rows:
        if last is None or y <= last:
            out.append([])
        out[-1].append(text)
        last = y
    return out


def assert_long_line_whole(rows: list[tuple[int, str]]) -> None:
    """Every draw of the log that shows the long line shows all of its words, whole."""
    shown = [p for p in passes(rows) if any("w00 " in row for row in p)]
    assert shown, "the long line was never drawn"
    for draw in shown:
        start = next(i for i, row in enumerate(draw) if "w00 " in row)
        words = " ".join(draw[start : start + 6]).split()
        assert [w for w in words if w.startswith("w") and len(w) == 3] == WORDS, draw


async def bob_says_long_line(pilot, app, server, peers) -> None:
    bob = Peer(server.port, "bob")
    peers.append(bob)
    await bob.register(pilot)
    await bob.join(pilot, "#lobby")
    bob.send(f"PRIVMSG #lobby :{LONG}")
    await wait_for(pilot, lambda: "w44" in screen_text(app), what="the long line shown")


async def test_switching_out_of_the_server_window_draws_the_room_at_its_width(
    server, make_app, peers, monkeypatch
) -> None:
    app = make_app(server.port)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        await bob_says_long_line(pilot, app, server, peers)
        model = app.chat.model
        lobby = model.key("#lobby")
        conversations = model.conversations
        server_key = next(conversations.key_of(c) for c in conversations if c.kind == "server")
        app.chat.show(server_key)
        await wait_for(pilot, lambda: "w44" not in screen_text(app), what="the server window")
        await pilot.pause()
        wide = app.chat.log_view.scrollable_content_region.width
        rows = record_log_rows(monkeypatch)
        app.chat.show(lobby)  # the user list shows again: the log is narrower
        await wait_for(pilot, lambda: "w44" in screen_text(app), what="#lobby shown")
        await pilot.pause()
        assert app.chat.log_view.scrollable_content_region.width < wide
        assert_long_line_whole(rows)
