"""Each widget alone, mounted in a tiny app: state goes in as attributes, messages come out."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text
from textual.app import App, ComposeResult
from textual.message import Message
from textual.widget import Widget

from tui_chat.client.events import Member
from tui_chat.ui.model import IRC, BufferLog, Entry
from tui_chat.ui.widgets import (
    ChatHeader,
    ChatInput,
    HeaderState,
    MessageLog,
    RosterView,
    SearchBar,
    Sidebar,
    SidebarItem,
    UserList,
)

from .conftest import screen_text


class Host(App[None]):
    """One widget and the messages it posts."""

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget
        self.posted: list[Message] = []

    def compose(self) -> ComposeResult:
        yield self.widget

    def on_sidebar_selected(self, message: Sidebar.Selected) -> None:
        self.posted.append(message)

    def on_chat_input_lines(self, message: ChatInput.Lines) -> None:
        self.posted.append(message)

    def on_search_bar_find(self, message: SearchBar.Find) -> None:
        self.posted.append(message)

    def on_search_bar_close(self, message: SearchBar.Close) -> None:
        self.posted.append(message)

    def on_message_log_unseen(self, message: MessageLog.Unseen) -> None:
        self.posted.append(message)


def item(name: str, **kw: object) -> SidebarItem:
    fields: dict = {"unread": 0, "mentions": 0, "current": False, "joined": True} | kw
    return SidebarItem(name=name, label=name, **fields)


async def test_header_shows_its_state_and_takes_remote_text_literally():
    header = ChatHeader()
    async with Host(header).run_test(size=(80, 3)) as pilot:
        header.header_state = HeaderState(
            room="#lobby",
            topic="[bold]hi[/]",
            server="h:6667",
            state="connected",
            ok=True,
            lag=0.05,
        )
        await pilot.pause()
        text = screen_text(pilot.app)
        assert "#lobby  [bold]hi[/]" in text and "connected  lag 50 ms" in text


async def test_sidebar_renders_rows_and_posts_selected_on_click():
    sidebar = Sidebar()
    app = Host(sidebar)
    async with app.run_test(size=(30, 6)) as pilot:
        sidebar.rows = (item("#lobby", current=True), item("bob", unread=2, mentions=1))
        await pilot.pause()
        assert "2 bob 2 !1" in screen_text(app)
        await pilot.click(Sidebar, offset=(2, 1))
        await pilot.pause()
        assert [m.index for m in app.posted if isinstance(m, Sidebar.Selected)] == [1]


async def test_user_list_sorts_operators_first_and_counts():
    users = UserList()
    async with Host(users).run_test(size=(30, 8)) as pilot:
        users.roster = RosterView((Member(nick="zed"), Member(nick="amy", prefixes="@")))
        await pilot.pause()
        text = screen_text(pilot.app)
        assert text.index("@amy") < text.index(" zed") and users.border_title == "Users (2)"


async def test_message_log_shows_entries_and_reports_unseen_when_scrolled_up():
    log = MessageLog(id="log")
    app = Host(log)
    buffer = BufferLog(1000)
    now = datetime.now(UTC)
    async with app.run_test(size=(60, 6)) as pilot:
        log.show(buffer)
        log.append(
            buffer,
            [
                Entry(time=now, kind="message", nick="bob", parts=((IRC, f"line {i}"),))
                for i in range(30)
            ],
        )
        await pilot.pause()
        assert log.visible_text()[-1].endswith("line 29")
        log.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        log.append(buffer, [Entry(time=now, kind="message", nick="bob", parts=((IRC, "new"),))])
        await pilot.pause()
        assert [m.count for m in app.posted if isinstance(m, MessageLog.Unseen)][-1] == 1


async def test_chat_input_posts_each_line_of_a_multi_line_paste():
    from textual import events

    chat_input = ChatInput(nick_source=lambda: ["bob"])
    app = Host(chat_input)
    async with app.run_test() as pilot:
        chat_input.focus()
        chat_input.post_message(events.Paste("one\ntwo"))
        await pilot.pause()
        assert [m.lines for m in app.posted if isinstance(m, ChatInput.Lines)] == [["one", "two"]]
        await pilot.press("b", "tab")
        assert chat_input.value == "bob: "


async def test_search_bar_posts_find_and_close():
    bar = SearchBar()
    app = Host(bar)
    async with app.run_test() as pilot:
        bar.field.focus()
        await pilot.press(*"needle", "enter", "escape")
        await pilot.pause()
        kinds = [type(m).__name__ for m in app.posted]
        assert kinds == ["Find", "Close"]
        assert app.posted[0].needle == "needle"  # type: ignore[attr-defined]
        bar.set_status("1/3")
        await pilot.pause()
        assert "1/3" in str(Text(str(bar.query_one("#search-status").render())))
