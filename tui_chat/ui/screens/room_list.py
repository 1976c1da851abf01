"""The room list (/list): the server's rooms in a table, filtered as you type.

The rows come from :class:`~tui_chat.ui.model.room_list.RoomListing`, which the network view
fills from the LIST replies; the screen looks at it a few times a second while it is open, so
a listing of any size streams in without a message per row. Enter joins the selected room,
Esc closes. Room names and topics come from the server: they are shown as Text, never markup.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Static

from ...irc.casemap import is_channel, is_valid_channel
from ..model.room_list import MAX_ROOMS, RoomListing, RoomRow
from ..text import irc_text, plain_text

if TYPE_CHECKING:
    from .chat import ChatScreen

REFRESH_SECONDS = 0.25  # how often an open list picks up rows that arrived


class RoomListScreen(ModalScreen[str | None]):
    # Beside app.tcss, where the package data (pyproject.toml) already takes .tcss files from.
    CSS_PATH = Path(__file__).parent.parent / "room_list.tcss"

    BINDINGS = [
        Binding("escape", "close_rooms", "Close", id="rooms.close"),
        Binding("enter", "join_room", "Join", show=False, id="rooms.join"),
        Binding("down", "step_row(1)", "Next room", show=False, id="rooms.down"),
        Binding("up", "step_row(-1)", "Previous room", show=False, id="rooms.up"),
    ]

    def __init__(self, listing: RoomListing) -> None:
        super().__init__()
        self.listing = listing
        self.rows_in_table: list[RoomRow] = []
        self.table_version = -1
        self.table_filter = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="rooms-box"):
            yield Label("Rooms on this server", id="rooms-title")
            yield Input(placeholder="Filter by name or topic", id="rooms-filter")
            yield DataTable(id="rooms-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="rooms-status")
            yield Label("Enter joins the selected room · Esc closes", id="rooms-hint")

    @property
    def room_table(self) -> DataTable[Text]:
        return self.query_one("#rooms-table", DataTable)

    @property
    def filter_input(self) -> Input:
        return self.query_one("#rooms-filter", Input)

    def on_mount(self) -> None:
        self.room_table.add_column("Room", key="room")
        self.room_table.add_column(Text("Users", justify="right"), key="users")
        self.room_table.add_column("Topic", key="topic")
        self.filter_input.focus()
        self.fill_table()
        self.set_interval(REFRESH_SECONDS, self.fill_table)

    def fill_table(self) -> None:
        """Show the rows that match the filter, if the listing or the filter changed."""
        needle = self.filter_input.value
        if self.listing.version == self.table_version and needle == self.table_filter:
            return
        self.table_version, self.table_filter = self.listing.version, needle
        table = self.room_table
        selected = self.selected_room()
        rows, matched = self.listing.matching(needle)
        table.clear()
        table.add_rows(
            [plain_text(r.name), Text(str(r.users), justify="right"), irc_text(r.topic)]
            for r in rows
        )
        self.rows_in_table = rows
        if selected is not None:
            at = next((i for i, r in enumerate(rows) if r.name == selected.name), None)
            if at is not None:
                table.move_cursor(row=at, animate=False)
        self.query_one("#rooms-status", Static).update(Text(self._status(len(rows), matched)))

    def _status(self, shown: int, matched: int) -> str:
        listing = self.listing
        parts = []
        if not listing.done:
            parts.append(f"Listing… {_rooms(listing.total)} so far")
        elif not listing.total:
            parts.append("The server listed no rooms")
        else:
            parts.append(_rooms(listing.total))
        if listing.dropped:
            parts.append(f"the {MAX_ROOMS} with most users kept")
        if self.table_filter.strip():
            parts.append(f"{matched} {'match' if matched == 1 else 'matches'}")
        if shown < matched:
            parts.append(f"showing the {shown} with most users; type to narrow")
        return ", ".join(parts)

    def selected_room(self) -> RoomRow | None:
        row = self.room_table.cursor_row
        if 0 <= row < len(self.rows_in_table) and self.room_table.row_count:
            return self.rows_in_table[row]
        return None

    @on(Input.Changed, "#rooms-filter")
    def _filter_changed(self) -> None:
        self.fill_table()

    @on(Input.Submitted, "#rooms-filter")
    def _filter_submitted(self) -> None:
        self.action_join_room()

    @on(DataTable.RowSelected, "#rooms-table")
    def _row_chosen(self) -> None:
        self.action_join_room()

    def action_join_room(self) -> None:
        room = self.selected_room()
        if room is not None:
            self.dismiss(room.name)

    def action_step_row(self, step: int) -> None:
        table = self.room_table
        if table.row_count:
            row = max(0, min(table.row_count - 1, table.cursor_row + step))
            table.move_cursor(row=row, animate=False)

    def action_close_rooms(self) -> None:
        self.dismiss(None)


def _rooms(count: int) -> str:
    return "1 room" if count == 1 else f"{count} rooms"


def open_room_list(chat: ChatScreen) -> None:
    """Show the room list over the chat (once); the room chosen is joined."""
    app = chat.app
    if any(isinstance(screen, RoomListScreen) for screen in app.screen_stack):
        return

    def chosen(name: str | None) -> None:
        if not name:
            return
        if not (is_channel(name) and is_valid_channel(name, max_len=200)):
            chat.hint(f"Cannot join {name!r}: not a room name.")
            return
        from ..commands.rooms import join

        join(chat, name)

    app.push_screen(RoomListScreen(chat.model.room_list), chosen)
