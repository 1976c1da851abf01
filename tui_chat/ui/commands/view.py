"""What the log shows: recent links (/url) and the smart filter (/filter)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..links import link_target
from ..model import IRC, LIT, PLAIN, Entry
from ..model.activity import MAX_LINKS
from .registry import command

if TYPE_CHECKING:
    from ..screens.chat import ChatScreen


@command(
    "url",
    usage="/url [N]",
    help=f"List the last {MAX_LINKS} links of this conversation, newest first; /url N opens "
    "link N in the browser.",
    args=(0, 1),
    aliases=("urls",),
)
def url(chat: ChatScreen, number: str | None = None) -> None:
    conv = chat.current_conversation
    links = list(reversed(conv.links))
    if number is not None:
        if not number.strip().isdigit() or not 1 <= int(number) <= len(links):
            chat.hint(f"/url N takes a number from the list (1 to {len(links)}).")
            return
        chat.app.open_url(link_target(links[int(number) - 1].url))
        return
    if not links:
        chat.info(conv.name, "No links in this conversation yet.")
        return
    now = datetime.now(UTC)
    entries = [Entry(time=now, kind="info", glyph="--", parts=((LIT, "Recent links:"),))]
    for i, link in enumerate(links, 1):
        stamp = link.time.astimezone().strftime("%H:%M")
        parts = ((LIT, f"{i:>2}. {stamp} "), (PLAIN, link.nick), (LIT, ": "), (IRC, link.url))
        entries.append(Entry(time=now, kind="info", glyph="--", parts=parts))
    chat.log_view.append(conv.log, entries)


@command(
    "filter",
    usage="/filter [on|off]",
    help="Hide (on) or show (off) joins, parts and quits of people who have not spoken for "
    "5 minutes; without an argument, switch.",
    args=(0, 1),
)
def smart_filter(chat: ChatScreen, state: str | None = None) -> None:
    choice = (state or "").strip().lower()
    if choice not in ("", "on", "off"):
        chat.hint("Usage: /filter [on|off]")
        return
    on = not chat.log_view.smart_filter if not choice else choice == "on"
    chat.set_smart_filter(on)
    words = "hidden" if on else "shown"
    chat.info(
        chat.model.conversations.current,
        f"Smart filter {'on' if on else 'off'}: joins, parts and quits of quiet people are "
        f"{words}.",
    )
