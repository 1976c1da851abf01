"""Rooms and conversations: joining, leaving, closing, topic, names, invites, modes, the list."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ...irc.casemap import is_channel
from ...irc.limits import MAX_LINE_BYTES
from ..model import IRC, LIT, NICK, PLAIN, Part, event_entry
from ..model.members import sort_members
from .registry import command

if TYPE_CHECKING:
    from ..screens.chat import ChatScreen

# Room names and key of one JOIN line: servers refuse a longer line (417), or cut it and join
# rooms nobody asked for (the last name cut short).
JOIN_BYTES = MAX_LINE_BYTES - len("JOIN  \r\n")


@command(
    "join",
    usage="/join #ROOM [KEY]",
    help="Join a room (and switch to it).",
    args=(1, 2),
    aliases=("j",),
)
def join(chat: ChatScreen, room: str, key: str | None = None) -> None:
    if not is_channel(room):
        room = "#" + room
    if len(room.encode()) + len((key or "").encode()) > JOIN_BYTES:
        count = room.count(",") + 1
        chat.hint(f"Too long for one JOIN ({count} rooms); join fewer at a time.")
        return
    client = chat.need_client()
    if client is None:
        return
    k = chat.model.key(room)
    conv = chat.model.conversations.by_key(k)
    if conv is not None and conv.joined:
        chat.show(k)
        return
    chat.model.switch_on_join.add(k)
    client.join(room, key)


@command(
    "part",
    usage="/part [#ROOM] [REASON]",
    help="Leave the current room, or the one named.",
    args=(0, 2),
)
def part(chat: ChatScreen, room: str | None = None, reason: str = "") -> None:
    if room is not None and not is_channel(room):
        reason = f"{room} {reason}".strip()
        room = None
    target = room or chat.channel_here("part")
    if target is None:
        return
    client = chat.need_client()
    if client is not None:
        client.part(target, reason)


@command(
    "close",
    usage="/close [NAME]",
    help="Close a conversation (leaving the room if it is one).",
    args=(0, 1),
)
def close(chat: ChatScreen, name: str | None = None) -> None:
    model = chat.model
    key = model.key(name) if name else model.conversations.current
    conv = model.conversations.by_key(key)
    if conv is None:
        chat.hint(f"No conversation named {name}.")
        return
    if conv.kind == "server":
        chat.hint("The server window stays open; /quit leaves.")
        return
    client = chat.client
    if conv.kind == "channel" and conv.joined and client is not None:
        model.close_on_part.add(key)  # closed when the server confirms the PART
        client.part(conv.name, "")
        return
    chat.close_conversation(key)


@command("topic", usage="/topic [TEXT]", help="Show the room's topic, or set it.", args=(0, 1))
def topic(chat: ChatScreen, text: str | None = None) -> None:
    room = chat.channel_here("topic")
    if room is None:
        return
    if text is None:
        conv = chat.current_conversation
        if conv.topic:
            chat.log_view.append(
                conv.log,
                [event_entry(datetime.now(UTC), "--", (LIT, "Topic: "), (IRC, conv.topic))],
            )
        else:
            chat.info(room, f"{room} has no topic.")
        return
    client = chat.need_client()
    if client is not None:
        client.send_command("TOPIC", room, text)


@command("names", usage="/names [#ROOM]", help="List the people in a room.", args=(0, 1))
def names(chat: ChatScreen, room: str | None = None) -> None:
    model = chat.model
    key = model.key(room) if room else model.conversations.current
    conv = model.conversations.by_key(key)
    if conv is not None and conv.kind == "channel" and conv.joined:
        members = sort_members(conv.members, model.casemapping)
        parts: list[Part] = [(LIT, "People in "), (PLAIN, conv.name), (LIT, f" ({len(members)}):")]
        for member in members:
            parts += [(LIT, " " + member.prefixes[:1]), (NICK, member.nick)]
        chat.log_view.append(
            chat.current_conversation.log, [event_entry(datetime.now(UTC), "--", *parts)]
        )
        return
    if room is None:
        chat.hint("Usage: /names #ROOM (or use it in a room).")
        return
    client = chat.need_client()
    if client is not None:
        client.send_command("NAMES", room)


@command(
    "invite",
    usage="/invite NICK [#ROOM]",
    help="Invite NICK to this room, or the one named.",
    args=(1, 2),
)
def invite(chat: ChatScreen, nick: str, room: str | None = None) -> None:
    room = room or chat.channel_here("invite")
    if room is None:
        return
    client = chat.need_client()
    if client is not None:
        client.send_command("INVITE", nick, room)


@command(
    "mode",
    usage="/mode [TARGET] MODES [ARGS]",
    help="Show or change modes (e.g. /mode +m).",
    args=(0, 1),
)
def mode(chat: ChatScreen, spec: str | None = None) -> None:
    words = (spec or "").split()
    if not words or words[0][0] in "+-":
        room = chat.channel_here("mode")
        if room is None:
            return
        words.insert(0, room)
    client = chat.need_client()
    if client is not None:
        client.send_command("MODE", *words)


@command(
    "list",
    usage="/list [PATTERN]",
    help="Browse the server's rooms in a table: type to filter, Enter joins, Esc closes.",
    args=(0, 1),
)
def list_rooms(chat: ChatScreen, pattern: str | None = None) -> None:
    client = chat.need_client()
    if client is None:
        return
    from ..screens.room_list import open_room_list

    listing = chat.model.room_list
    listing.start()
    listing.requested = True  # the screen is open now; the end of the listing need not open it
    if pattern:
        client.send_command("LIST", pattern.split()[0])
    else:
        client.send_command("LIST")
    open_room_list(chat)
