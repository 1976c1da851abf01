"""Per-connection and per-channel state. Slotted: 10,000 idle clients must stay small."""

from __future__ import annotations

import secrets
import socket
import ssl
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from ..irc.casemap import casefold
from ..irc.mask import Mask

if TYPE_CHECKING:
    from .handlers.multiline import OpenBatch
    from .logins import SaslExchange

# Capability bits (a client's enabled CAPs are one int).
CAP_MESSAGE_TAGS = 1
CAP_SERVER_TIME = 2
CAP_ECHO_MESSAGE = 4
CAP_MULTI_PREFIX = 8
CAP_AWAY_NOTIFY = 16
CAP_USERHOST_IN_NAMES = 32
CAP_CAP_NOTIFY = 64
CAP_BATCH = 128
CAP_CHATHISTORY = 256
CAP_EVENT_PLAYBACK = 512
CAP_SASL = 1 << 10
CAP_ACCOUNT_REGISTRATION = 1 << 11
CAP_ACCOUNT_TAG = 1 << 12
CAP_ACCOUNT_NOTIFY = 1 << 13
CAP_EXTENDED_JOIN = 1 << 14
CAP_MESSAGE_REDACTION = 1 << 15
CAP_LABELED_RESPONSE = 1 << 16
CAP_INVITE_NOTIFY = 1 << 17
CAP_SETNAME = 1 << 18
CAP_MULTILINE = 1 << 19
CAP_READ_MARKER = 1 << 20
CAP_SEARCH = 1 << 21

CAPABILITIES = {
    "message-tags": CAP_MESSAGE_TAGS,
    "server-time": CAP_SERVER_TIME,
    "echo-message": CAP_ECHO_MESSAGE,
    "multi-prefix": CAP_MULTI_PREFIX,
    "away-notify": CAP_AWAY_NOTIFY,
    "userhost-in-names": CAP_USERHOST_IN_NAMES,
    "cap-notify": CAP_CAP_NOTIFY,
    "batch": CAP_BATCH,
    "draft/chathistory": CAP_CHATHISTORY,
    "draft/event-playback": CAP_EVENT_PLAYBACK,
    "sasl": CAP_SASL,
    "draft/account-registration": CAP_ACCOUNT_REGISTRATION,
    "account-tag": CAP_ACCOUNT_TAG,
    "account-notify": CAP_ACCOUNT_NOTIFY,
    "extended-join": CAP_EXTENDED_JOIN,
    "draft/message-redaction": CAP_MESSAGE_REDACTION,
    "labeled-response": CAP_LABELED_RESPONSE,
    "invite-notify": CAP_INVITE_NOTIFY,
    "setname": CAP_SETNAME,
    "draft/multiline": CAP_MULTILINE,
    "soju.im/search": CAP_SEARCH,
    "draft/read-marker": CAP_READ_MARKER,
}
# Offered only when the server keeps history.
# (Redaction finds the message, and who sent it, in the history; search runs over it.)
HISTORY_CAPABILITIES = frozenset(
    {"draft/chathistory", "draft/event-playback", "draft/message-redaction", "soju.im/search"}
)

# What a client that is in no channel holds as its channels (see Client.channels).
NO_CHANNELS: Final[Mapping[str, Channel]] = MappingProxyType({})

# Channel membership bits.
MEMBER_OP = 1
MEMBER_VOICE = 2


def sees_invisible(viewer: Client, u: Client) -> bool:
    """Whether ``u``'s ``+i`` leaves them visible to ``viewer``: it hides a user only from those
    who share no channel with them. Bounded by the channel limit per user, not by channel sizes."""
    if viewer is u or viewer.oper:
        return True
    small, big = sorted((viewer.channels, u.channels), key=len)
    return any(key in big for key in small)


def member_prefix(flags: int, multi: bool) -> str:
    """``@``, ``+`` (both, ``@+``, for a client with multi-prefix) or nothing."""
    if flags & MEMBER_OP:
        return "@+" if multi and flags & MEMBER_VOICE else "@"
    return "+" if flags & MEMBER_VOICE else ""


class Client:
    """One TCP connection and, once registered, one user."""

    __slots__ = (
        "_identity",
        "account",
        "away",
        "bad_at",
        "bad_lines",
        "bot",
        "cap_302",
        "cap_negotiating",
        "caps",
        "channels",
        "closing",
        "connected_at",
        "dirty",
        "events",
        "fd",
        "handshaking",
        "hold_until",
        "host",
        "inbuf",
        "invisible",
        "ip",
        "key",
        "last_active",
        "last_message",
        "monitoring",
        "multiline",
        "nick",
        "nick_deadline",
        "oper",
        "oper_failures",
        "outbuf",
        "partial",
        "password",
        "ping_sent",
        "prefix",
        "prefix_seq",
        "realname",
        "registered",
        "sasl",
        "signon",
        "sock",
        "tagmode",
        "tagmsg_tokens",
        "tagmsg_tokens_at",
        "tls",
        "tokens",
        "tokens_at",
        "user",
        "wallops",
    )

    def __init__(self, sock: socket.socket, ip: str, now: float) -> None:
        self.fd = sock.fileno()
        self.ip = ip
        # An IPv6 host starting with ':' would read as a trailing parameter on the wire.
        self.host = "0" + ip if ip.startswith(":") else ip
        self.sock: socket.socket | None = sock
        # Input not yet run: lines held back by flood control, then an unterminated line of
        # ``partial`` bytes. A bytearray, so that appending and cutting run lines off the
        # front cost what they add or remove, never the whole buffer.
        self.inbuf = bytearray()
        self.partial = 0
        self.outbuf = bytearray()
        self.events = 0
        self.dirty = False
        # A TLS connection: True until the handshake is done, then tls is its version.
        self.handshaking = isinstance(sock, ssl.SSLSocket)
        self.tls: str | None = None
        self.closing = False
        self.registered = False
        self.cap_negotiating = False
        self.cap_302 = False  # sent CAP LS 302 or later: cap-notify is on for good
        self.caps = 0
        self.tagmode = 0
        # "" until NICK and USER: a registered client always has all three.
        self.nick = ""
        self.key = ""  # the casefolded nick
        self.user = ""
        self.realname = ""
        self.prefix = "*"
        self.prefix_seq = 0  # the history's next seq when the nick last changed
        self.password: str | None = None
        # Shared and read-only until the first JOIN (Server.add_member): an empty dict per
        # idle client is 64 bytes of the 1.5 KiB it may cost.
        self.channels: Mapping[str, Channel] = NO_CHANNELS
        self.away: str | None = None
        # MONITOR list (see monitor.MonitorTable): folded nick -> nick as given; None if empty.
        self.monitoring: dict[str, str] | None = None
        self.oper = False
        self.invisible = False
        self.wallops = False
        self.bot = False  # user mode +B (IRCv3 bot-mode)
        self.connected_at = now
        self.last_active = now
        self.last_message = now
        self.signon = 0
        self.ping_sent = False
        self.tokens = 0.0
        self.tokens_at = now
        self.hold_until = 0.0
        self.tagmsg_tokens = -1.0  # -1: not yet used, a full bucket (see tagmsg_budget)
        self.tagmsg_tokens_at = now
        self.oper_failures = 0
        self.bad_lines = 0.0
        self.bad_at = now
        self._identity: str | None = None  # see identity
        self.account: str | None = None  # the account logged in to (its registered spelling)
        self.sasl: SaslExchange | None = None  # made at the first AUTHENTICATE
        # When the sweep renames this client off a nick reserved for an account (0: never).
        self.nick_deadline = 0.0
        # The draft/multiline batch being received (handlers.multiline.OpenBatch), at most one.
        self.multiline: OpenBatch | None = None

    @property
    def identity(self) -> str:
        """Names this connection's private history (history.private_key) and its invites:
        random, never reused. Made when first asked for, since most connections never are."""
        if self._identity is None:
            self._identity = secrets.token_hex(8)
        return self._identity

    def set_caps(self, caps: int) -> None:
        self.caps = caps
        # Bits: 1 server-time, 2 message-tags, 4 account-tag (see output._tags).
        self.tagmode = (
            (1 if caps & CAP_SERVER_TIME else 0)
            | (2 if caps & CAP_MESSAGE_TAGS else 0)
            | (4 if caps & CAP_ACCOUNT_TAG else 0)
        )

    def update_prefix(self, seq: int | None = None) -> None:
        """``seq``: the history's next seq, given when the nick changes. A stored line is this
        connection's own (REDACT) if it carries this prefix and a seq from there on: before
        it, someone else may have held the nick."""
        self.prefix = f"{self.nick}!{self.user}@{self.host}"
        if seq is not None:
            self.prefix_seq = seq

    def __repr__(self) -> str:
        return f"<Client {self.nick or '*'} {self.ip} fd={self.fd}>"


class Channel:
    __slots__ = (
        "bans",
        "created",
        "excepts",
        "founder",
        "history_floor",
        "invexes",
        "invite_only",
        "invited",
        "key",
        "limit",
        "members",
        "moderated",
        "name",
        "no_external",
        "password",
        "saved",
        "secret",
        "topic",
        "topic_by",
        "topic_locked",
        "topic_time",
    )

    def __init__(self, name: str, key: str, now: int) -> None:
        self.name = name
        self.key = key
        self.members: dict[Client, int] = {}
        self.created = now
        self.topic = ""
        self.topic_by = ""
        self.topic_time = 0
        self.bans: list[Ban] = []
        self.excepts: list[Ban] = []  # +e: masks a ban does not apply to
        self.invexes: list[Ban] = []  # +I: masks let past +i without an invite
        # Identities (Client.identity) of invited connections, oldest first, bounded.
        self.invited: dict[str, None] = {}
        self.invite_only = False
        self.moderated = False
        self.no_external = True
        self.topic_locked = True
        self.secret = False
        self.password: str | None = None
        self.limit = 0
        # (folded nick, host) of whoever created the room: the one a restored room re-ops.
        self.founder: tuple[str, str] | None = None
        # Stored lines below this seq are never served from this room (see restore_room).
        self.history_floor = 0
        self.saved = False  # its state is in the history store (see Server.save_room)

    def mode_string(self, with_params: bool) -> str:
        flags = "+"
        params = []
        if self.invite_only:
            flags += "i"
        if self.password is not None:
            flags += "k"
            params.append(self.password if with_params else "*")
        if self.limit:
            flags += "l"
            params.append(str(self.limit))
        for flag, on in (
            ("m", self.moderated),
            ("n", self.no_external),
            ("s", self.secret),
            ("t", self.topic_locked),
        ):
            if on:
                flags += flag
        return " ".join([flags, *params])

    def is_banned(self, client: Client) -> bool:
        """Matched by a ban (+b) and by no ban exception (+e)."""
        if not self.bans:
            return False
        target = casefold(client.prefix)
        if not any(ban.matcher.match(target, folded=True) for ban in self.bans):
            return False
        return not any(e.matcher.match(target, folded=True) for e in self.excepts)

    def is_invite_exempt(self, client: Client) -> bool:
        """Matched by an invite exception (+I): may join while +i without an invite."""
        if not self.invexes:
            return False
        target = casefold(client.prefix)
        return any(i.matcher.match(target, folded=True) for i in self.invexes)


class Ban:
    __slots__ = ("mask", "matcher", "set_at", "set_by")

    def __init__(self, mask: str, set_by: str, set_at: int) -> None:
        self.mask = mask
        self.set_by = set_by
        self.set_at = set_at
        self.matcher = Mask(mask)


def normalize_ban(mask: str) -> str:
    """``nick`` -> ``nick!*@*``; ``user@host`` -> ``*!user@host``, as other servers do."""
    if "!" not in mask and "@" not in mask:
        return mask + "!*@*"
    if "!" not in mask:
        return "*!" + mask
    if "@" not in mask:
        return mask + "@*"
    return mask
