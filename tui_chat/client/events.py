"""Immutable events the client worker posts to the UI.

The worker owns all connection state; the UI learns about it only through these objects, which
are frozen so nothing can be shared mutably between threads. ``buffer`` names the conversation an
event belongs to: a channel name, a nick (private conversation), or ``SERVER_BUFFER``. Text fields
hold raw, untrusted network text; rendering sanitises them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from .names import SERVER_BUFFER as SERVER_BUFFER  # re-exported


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    time: datetime = field(default_factory=_now)  # server-time when the server sent it


ConnectionPhase = Literal["connecting", "registering", "connected", "reconnecting", "disconnected"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionState(Event):
    phase: ConnectionPhase
    server: str  # "host:port" as the user typed it
    detail: str = ""  # why (refused, DNS failure, ping timeout...), shown in the status
    retry_in: float | None = None  # seconds until the next attempt, when reconnecting
    security: str = ""  # "TLS 1.3, verified" / "…, pinned" / "…, insecure"; "" in plaintext


@dataclass(frozen=True, slots=True, kw_only=True)
class Registered(Event):
    nick: str
    server_name: str
    network: str
    isupport: tuple[tuple[str, str], ...] = ()
    caps: frozenset[str] = frozenset()
    account: str = ""  # the account SASL logged in to ("" if none)


@dataclass(frozen=True, slots=True, kw_only=True)
class Lag(Event):
    seconds: float


MessageKind = Literal["privmsg", "notice", "action"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatMessage(Event):
    buffer: str
    sender: str  # nick (or server name for server notices)
    text: str
    kind: MessageKind = "privmsg"
    is_self: bool = False
    is_mention: bool = False
    msgid: str | None = None
    pending_id: str | None = None  # set when this is the echo of a line we sent
    is_history: bool = False
    userhost: str = ""  # the sender's user@host when the server gave it (ignore masks)
    reply_to: str | None = None  # the msgid this answers (+draft/reply), as the sender gave it


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingMessage(Event):
    """A line the user typed: queued (not yet on the wire) until ``delivered``."""

    pending_id: str
    buffer: str
    text: str
    kind: MessageKind = "privmsg"
    queued: bool = True  # True: waiting for a connection; False: written to the socket
    reply_to: str | None = None  # the msgid it answers (+draft/reply)


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageDelivered(Event):
    """The server echoed (echo-message) or accepted a pending line."""

    pending_id: str
    buffer: str
    msgid: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageRedacted(Event):
    """The server relayed a REDACT (draft/message-redaction): show ``msgid`` as deleted."""

    buffer: str
    msgid: str
    by: str  # who deleted it (the sender, or an operator)
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageFailed(Event):
    """The server refused a pending line it was going to echo (no such nick, +m channel...)."""

    pending_id: str
    buffer: str
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    nick: str
    prefixes: str = ""  # highest first, e.g. "@+" with multi-prefix
    away: bool = False
    userhost: str | None = None
    account: str | None = None  # logged in to this account (account-notify, extended-join, WHOX)


@dataclass(frozen=True, slots=True, kw_only=True)
class Roster(Event):
    """The full member list of a channel, sent whenever it changes."""

    buffer: str
    members: tuple[Member, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Joined(Event):
    buffer: str
    nick: str
    is_self: bool = False
    userhost: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Parted(Event):
    buffer: str
    nick: str
    reason: str = ""
    is_self: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Kicked(Event):
    buffer: str
    nick: str
    by: str
    reason: str = ""
    is_self: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Quit(Event):
    nick: str
    reason: str = ""
    buffers: tuple[str, ...] = ()  # the channels/queries where this user was seen


@dataclass(frozen=True, slots=True, kw_only=True)
class NickChanged(Event):
    old: str
    new: str
    is_self: bool = False
    buffers: tuple[str, ...] = ()
    reason: str = ""  # e.g. "nick taken, using alice_" when the client picked a new one


@dataclass(frozen=True, slots=True, kw_only=True)
class Topic(Event):
    buffer: str
    topic: str
    setter: str | None = None
    is_change: bool = False  # False: the topic as found on join; True: someone changed it


@dataclass(frozen=True, slots=True, kw_only=True)
class ModeChange(Event):
    buffer: str  # channel, or SERVER_BUFFER for user modes
    setter: str
    modes: str  # e.g. "+o-v alice bob"


@dataclass(frozen=True, slots=True, kw_only=True)
class AwayChanged(Event):
    nick: str
    away: bool
    message: str = ""
    is_self: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordNeeded(Event):
    """The server refused our password (464, or an ERROR about it) or wants one we did not send.

    The client has stopped reconnecting: it waits for :meth:`ChatClient.set_password` or
    :meth:`ChatClient.retry_now`. The password itself is never in an event.
    """

    server: str
    sent: bool  # a password was sent (and was wrong); False: none was given
    reason: str = ""  # the server's words, untrusted


InfoLevel = Literal["info", "error"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerInfo(Event):
    """Anything else worth showing: MOTD lines, numerics, WHOIS replies, errors from the server."""

    buffer: str
    text: str
    level: InfoLevel = "info"
    command: str = ""  # the numeric or command it came from


@dataclass(frozen=True, slots=True, kw_only=True)
class Invited(Event):
    channel: str
    by: str


HistoryKind = Literal["missed", "earlier"]


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryReplayed(Event):
    """The end of a replay of stored messages in ``buffer``, for the UI's separator line.

    The replayed messages came just before this event as ``ChatMessage(is_history=True)`` with
    their original times, oldest first, without any the client had already shown. ``kind`` is
    "missed" when they fill a gap after a reconnect or rejoin ("while you were away: N
    messages, M mentions") and "earlier" for the context a server replays on a first join.
    ``count`` may be 0 (nothing new): the UI then need not draw anything.
    """

    buffer: str
    count: int
    mentions: int = 0
    kind: HistoryKind = "earlier"


@dataclass(frozen=True, slots=True, kw_only=True)
class Typing(Event):
    """Someone's ``+typing`` notification (TAGMSG) in ``buffer``: active, paused or done."""

    buffer: str
    nick: str
    state: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadMarker(Event):
    """``draft/read-marker``: the account's last-read time of ``buffer`` (None: not known).

    Sent by the server after a JOIN and whenever another connection of the account (or this
    one) moves it forward; lines up to ``read_until`` have been read somewhere.
    """

    buffer: str
    read_until: datetime | None
