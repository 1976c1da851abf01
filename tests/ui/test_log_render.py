"""The log's fast path for one-line channel messages draws exactly what the general path does."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.app import App, ComposeResult

from tui_chat.ui.model import IRC, BufferLog, Entry
from tui_chat.ui.widgets.log_styles import line_strip
from tui_chat.ui.widgets.message_log import MessageLog

BODIES = [
    "",
    "hello world",
    "\x02bold\x02 plain \x0304,12red on blue\x03 tail",
    "\x1ditalic\x1d\x1funder\x0f reset",
    "tabs\there and \x04ff8800hex\x04 colour",
    "wide 漢字 text and emoji 🎉 end",
    "[bold]not markup[/] [@click=app.quit]x[/]",
    "bell\x07 and cr\r and del\x7f",
    "x" * 200,
]
NICKS = ["alice", "Bob", "c\x02olor", "[x]"]


class LogApp(App):
    def compose(self) -> ComposeResult:
        yield MessageLog()


async def test_one_line_message_strips_match_the_general_path() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 10)):
        log = app.query_one(MessageLog)
        log.show(BufferLog(100))
        base = log.styles_for_render.base
        checked = 0
        for width in (20, 60, 80):
            for nick in NICKS:
                for body in BODIES:
                    entry = Entry(
                        time=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
                        kind="message",
                        nick=nick,
                        parts=((IRC, body),),
                    )
                    fast = log._message_strip(entry, width, base)
                    general = [
                        line_strip(line, app.console, width, base)
                        for line in log.wrap_entry(entry, width)
                    ]
                    if fast is None:
                        assert len(general) > 1
                        continue
                    checked += 1
                    assert len(general) == 1
                    assert list(fast) == list(general[0])
                    assert fast.cell_length == general[0].cell_length == width
        assert checked > 20
