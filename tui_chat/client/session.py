"""The client side of the IRC protocol as a state machine: no sockets, no threads, no clock.

The connection feeds it parsed :class:`Message` objects and drains two lists: ``out`` (lines to
write, without CR LF) and ``events`` (immutable UI events). Everything that must survive a
reconnect (the rooms to rejoin with their keys, the preferred nick, query partners) lives here
too; :meth:`Session.connection_made` resets what belongs to one connection. History (batches,
CHATHISTORY gap fill, msgid de-duplication) is its own engine, :class:`.HistorySync`, which the
session owns and hands the lines that concern it.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tui_chat import __version__
from tui_chat.irc import Message, casefold, source_nick, split_source
from tui_chat.irc import numerics as N
from tui_chat.irc.casemap import safe_nick
from tui_chat.irc.fitting import split_text as split_text  # shared with the server
from tui_chat.irc.limits import CHANTYPES, MAX_LINE_BYTES
from tui_chat.irc.numbers import parse_decimal

from . import presence, replies
from .accounts import register_reply
from .ctcp import ReplyLimiter, reply_argument
from .events import (
    SERVER_BUFFER,
    AwayChanged,
    ChatMessage,
    Event,
    Invited,
    Joined,
    Kicked,
    Member,
    MessageDelivered,
    MessageFailed,
    MessageKind,
    MessageRedacted,
    ModeChange,
    NickChanged,
    Parted,
    Quit,
    ReadMarker,
    Registered,
    Roster,
    ServerInfo,
    Topic,
    Typing,
)
from .history_sync import HistorySync
from .multiline import CAP as MULTILINE_CAP
from .multiline import Limits, MultilineCollector, batch_lines, parse_limits, split_pieces
from .read_marker import CAP as READ_MARKER_CAP
from .read_marker import MarkerState, format_marker
from .sasl import SaslConfig, SaslLogin, explain_failure, not_offered
from .search import SearchResults, ServerSearch
from .typing import STATES as TYPING_STATES
from .typing import TYPING_TAG

VERSION_REPLY = f"tui-chat {__version__}"
WANTED_CAPS = (
    "server-time",
    "message-tags",
    "echo-message",
    "multi-prefix",
    "away-notify",
    "userhost-in-names",
    "cap-notify",
    "batch",
    "draft/chathistory",
    "account-notify",
    "extended-join",
    "draft/message-redaction",
    "invite-notify",
    "setname",
    "chghost",
    "draft/multiline",
    "soju.im/search",
    READ_MARKER_CAP,
)
LAG_TOKEN_PREFIX = "tui-chat-lag-"
WHOX_TOKEN = "147"  # marks the WHOX replies to our own WHO after a join
DEFAULT_REALNAME = "tui-chat user"
CTCP_ANSWERED = ("CLIENTINFO", "PING", "TIME", "VERSION")  # rate-limited (see ctcp.py)
TXID_TAG = "+tui-chat/txid"  # client-only tag: a typed line's id, kept across re-sends
REPLY_TAG = "+draft/reply"  # client-only tag: the msgid of the message a line answers
MAX_MSGID = 256  # a longer msgid (reply reference, REDACT) is nobody's: ignored
# Private partners remembered (display name, nick changes): a peer-controlled name is a key
# here, so the oldest are forgotten.
MAX_QUERIES = 512
# What a server can make the client hold; beyond a bound, the excess is dropped (history
# batches have their own bounds in history_sync).
MAX_CHANNELS = 500
MAX_MEMBERS = 20_000  # per channel
MAX_ISUPPORT = 256
MAX_CAPS = 256
# Longest line a server's LINELEN may make us send: what our own reader takes from a server
# (tags aside), so an echo of our longest line still fits.
MAX_LINELEN = 4096
MAX_OPEN_WHOIS = 64  # WHOIS replies begun (311) and not yet ended (318)
# Worst case of the "nick!user@host" the server prepends when relaying our lines, used until
# we have seen our own full source (RFC 2812 allows 63-byte hostnames; usernames stay short).
_ASSUMED_USERHOST = 1 + 10 + 1 + 63

# Nick characters for mention detection: a mention is the nick not touching another of these.
_NICK_CHARS = r"A-Za-z0-9\[\]\\`_^{|}\-"

# Errors that mean "your message to this target went nowhere".
_SEND_ERRORS = frozenset(
    {
        N.ERR_NOSUCHNICK,
        N.ERR_NOSUCHCHANNEL,
        N.ERR_CANNOTSENDTOCHAN,
        N.ERR_TOOMANYTARGETS,
        N.ERR_NOTONCHANNEL,
        "477",  # ERR_NEEDREGGEDNICK
        "489",  # ERR_SECUREONLYCHAN
        "492",  # ERR_NOCTCP (InspIRCd)
        "531",  # ERR_CANTSENDTOUSER
    }
)

_IGNORED_NUMERICS = frozenset(
    {N.RPL_ISUPPORT, N.RPL_ENDOFNAMES, N.RPL_CREATIONTIME, N.RPL_TOPICWHOTIME}
)


@dataclass
class _MemberState:
    nick: str
    prefixes: str = ""  # mode symbols, ordered highest first
    away: bool = False
    userhost: str | None = None
    account: str | None = None  # the account logged in to, when the server says


@dataclass
class _Channel:
    name: str
    members: dict[str, _MemberState] = field(default_factory=dict)
    names_done: bool = True  # False while a 353 burst is being collected
    new_members: dict[str, _MemberState] = field(default_factory=dict)


@dataclass
class _InFlight:
    pending_id: str
    buffer: str
    target_key: str
    command: str
    text: str  # the wire text (CTCP-wrapped for actions)
    kind: MessageKind
    txid: str | None = None
    reply_to: str | None = None


def parse_server_time(value: str) -> datetime | None:
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return None
    # Naive and aware times cannot be compared, and replays are sorted by time.
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)


class Session:
    """IRC registration, capabilities, rosters and event translation for one user."""

    def __init__(
        self,
        nick: str,
        username: str | None = None,
        realname: str = "tui-chat user",
        password: str | None = None,
        rooms: tuple[str, ...] = (),
        clock: Callable[[], float] = time.monotonic,
        sasl: SaslConfig | None = None,
    ) -> None:
        self.preferred_nick = nick
        # The nick we had when the last registered connection dropped: asked for first on the
        # next one, so two users whose nicks were settled (alice, alice_) keep them whichever
        # reconnects first after a server restart. /nick forgets it.
        self.held_nick: str | None = None
        self.nick = nick
        self.registered = False
        self.sasl = sasl  # log in with SASL during registration (None: no login)
        self._sasl: SaslLogin | None = None  # this connection's attempt
        self._clock = clock  # only for rate limits (CTCP replies); the protocol needs no clock
        self._ctcp_limit = ReplyLimiter()
        self.username = username or safe_nick(nick, 10, "tuichat")
        self.realname = realname
        self.password = password
        self.casemapping = "rfc1459"
        self._folds: dict[str, str] = {}
        # folded name -> (display name, key); the channels to (re)join after registration.
        self.rooms: dict[str, tuple[str, str | None]] = {}
        for room in rooms:
            name, _, key = room.partition(" ")
            self.rooms[self.fold(name)] = (name, key or None)
        self.queries: dict[str, str] = {}  # folded nick -> display, for private conversations
        # folded nick -> the away message last shown for them (301), so it is shown once.
        self._away_told: dict[str, str] = {}
        self.out: list[str] = []
        self.events: list[Event] = []
        # History sync lives as long as the client: gaps span connections.
        self.history = HistorySync(self)
        self.search = ServerSearch(self.is_me)
        self.connection_made()

    # ---------------------------------------------------------------- per-connection state

    def connection_made(self) -> None:
        """Reset everything that belongs to one TCP connection and start registering."""
        self._set_nick(self.held_nick or self.preferred_nick)
        self.asked_nick = self.nick  # what registration asks for first
        self.registered = False
        self.account = ""  # the account SASL logged us in to (900)
        self.welcomed = False  # registration finished and the rooms were rejoined
        self.caps: set[str] = set()
        self._cap_ls: dict[str, str] = {}
        self._cap_negotiating = False
        self.isupport: dict[str, str] = {}
        self.prefix_modes = "ov"
        self.prefix_symbols = "@+"
        self.chantypes = CHANTYPES
        self.chanmodes = ("beI", "k", "l", "imnpst")
        self.nicklen = 0
        self.line_limit = MAX_LINE_BYTES  # a server's ISUPPORT LINELEN may raise it
        self.channels: dict[str, _Channel] = {}
        self.server_name = ""
        self.userhost: str | None = None  # our own "user@host" once seen
        self.in_flight: list[_InFlight] = []
        # The server said our password is wrong or missing: reconnecting cannot help.
        self.password_refusal: str | None = None
        self._nick_attempt = 0
        self._nick_base = self.nick
        self._nick_limit = 0
        self._nick_reason = ""
        self._reclaiming = False
        self._auto_who: set[str] = set()
        self._whois_open: set[str] = set()  # nicks between their 311 and 318
        self.history.connection_made()
        self._multiline = MultilineCollector()
        self._batch_refs = itertools.count(1)
        if hasattr(self, "search"):
            self.search.connection_made()
        self.read_markers = MarkerState()
        self._time: datetime | None = None
        self._pending_joins: dict[str, str | None] = {}
        self._mention_re: re.Pattern[str] | None = None
        # Channels whose member list changed since the last flush_rosters(): a flood of JOINs
        # costs one sorted roster per batch of lines, not one per line.
        self._dirty_rosters: dict[int, _Channel] = {}

    def connection_lost(self) -> None:
        """The connection ended: remember the nick it had, for the next registration."""
        if self.registered:
            self.held_nick = self.nick

    @property
    def holding_nick(self) -> bool:
        """Registered after a drop by asking for the nick we had (got or suffixed), not the
        preferred one: its owner may be reconnecting too, so reclaiming it can wait."""
        held = self.held_nick
        return (
            self.registered
            and held is not None
            and self.fold(self.asked_nick) == self.fold(held)
            and not self.is_me(self.preferred_nick)
        )

    def registration_lines(self) -> list[str]:
        lines = ["CAP LS 302"]
        if self.password:
            lines.append(Message.of("PASS", self.password).to_line())
        lines.append(Message.of("NICK", self.nick).to_line())
        # An empty real name is a protocol error (461) on strict servers, ours included.
        realname = self.realname.strip() or DEFAULT_REALNAME
        lines.append(Message.of("USER", self.username, "0", "*", realname).to_line())
        self._cap_negotiating = True
        return lines

    # ---------------------------------------------------------------- helpers

    def fold(self, name: str) -> str:
        # Folding is on the hot path of every message (targets, senders), so it is memoised.
        folded = self._folds.get(name)
        if folded is None:
            if len(self._folds) > 4096:
                self._folds.clear()
            folded = self._folds[name] = casefold(name, self.casemapping)
        return folded

    def is_me(self, nick: str) -> bool:
        return self.fold(nick) == self.fold(self.nick)

    def is_channel(self, name: str) -> bool:
        return bool(name) and name[0] in self.chantypes

    @property
    def message_time(self) -> datetime | None:
        """The server-time of the line being handled, if it had one."""
        return self._time

    def make_event(self, cls: type[Event], **fields: Any) -> Event:
        if self._time is not None:
            fields.setdefault("time", self._time)
        return cls(**fields)

    def _emit(self, cls: type[Event], **fields: Any) -> None:
        if self.history.replaying:
            # Inside a history batch only messages count; a replayed TOPIC or notice must not
            # look like something happening now.
            return
        self.events.append(self.make_event(cls, **fields))

    def _send(self, command: str, *params: str) -> None:
        self.out.append(Message.of(command, *params).to_line())

    def info(self, buffer: str, text: str, command: str, level: str = "info") -> None:
        self._emit(ServerInfo, buffer=buffer, text=text, command=command, level=level)

    def buffer_for(self, name: str) -> str:
        """The display name we use for a channel or query, however the server cased it."""
        key = self.fold(name)
        if key in self.channels:
            return self.channels[key].name
        if key in self.rooms:
            return self.rooms[key][0]
        return self.queries.get(key, name)

    def _query(self, nick: str) -> str:
        """The display name of the private conversation with ``nick``, remembered (bounded)."""
        key = self.fold(nick)
        known = self.queries.get(key)
        if known is not None:
            return known
        if len(self.queries) >= MAX_QUERIES:
            del self.queries[next(iter(self.queries))]
        self.queries[key] = nick
        return nick

    def line_budget(self, command: str, target: str) -> int:
        """Text bytes that fit in ``COMMAND target :text`` once the server adds our source."""
        source = len(self.nick) + (1 + len(self.userhost) if self.userhost else _ASSUMED_USERHOST)
        overhead = 1 + source + 1 + len(command) + 1 + len(target.encode()) + 2 + 2
        return self.line_limit - overhead

    def _mentions(self, text: str) -> bool:
        if self._mention_re is None:
            nick = re.escape(self.fold(self.nick))
            self._mention_re = re.compile(rf"(?<![{_NICK_CHARS}]){nick}(?![{_NICK_CHARS}])")
        return self._mention_re.search(self.fold(text)) is not None

    def _set_nick(self, nick: str) -> None:
        self.nick = nick
        self._mention_re = None

    # ---------------------------------------------------------------- outgoing requests

    def typed_line(
        self, command: str, buffer: str, wire: str, txid: str | None, reply_to: str | None = None
    ) -> str:
        """The line for a typed message, tagged with its transaction id (and the msgid it
        answers) when tags are allowed; without message-tags it goes out plain.

        A multi-line message (see :meth:`multiline_limits`) is a whole draft/multiline batch:
        several lines joined by CR LF, the tags on its opening line. Without the capability
        (lost with a reconnect) its lines go as ordinary messages.
        """
        tags: dict[str, str] | None = None
        if "message-tags" in self.caps:
            tags = {}
            if txid:
                tags[TXID_TAG] = txid
            if reply_to:
                tags[REPLY_TAG] = reply_to
        if "\n" in wire:
            pieces = split_pieces(wire, self.line_budget(command, buffer))
            if self.multiline_limits() is not None:
                ref = f"ml{next(self._batch_refs)}"
                return "\r\n".join(batch_lines(ref, command, buffer, pieces, tags or None))
            lines = [Message.of(command, buffer, text).to_line() for text, _ in pieces if text]
            return "\r\n".join(lines)
        return Message.of(command, buffer, wire, tags=tags or None).to_line()

    def redact_line(self, buffer: str, msgid: str, reason: str) -> str | None:
        """``REDACT`` for one of our messages, or None (with a note) when the server can't."""
        if "draft/message-redaction" not in self.caps:
            self.info(
                self.buffer_for(buffer),
                "This server cannot delete messages (no draft/message-redaction).",
                "REDACT",
                "error",
            )
            return None
        params = (buffer, msgid, reason) if reason else (buffer, msgid)
        return Message.of("REDACT", *params).to_line()

    def typing_line(self, buffer: str, state: str) -> str | None:
        """The ``+typing`` TAGMSG for ``buffer``; None where the server has no message-tags
        (it would answer an unknown command) or we are not registered."""
        if not self.welcomed or "message-tags" not in self.caps or state not in TYPING_STATES:
            return None
        return Message.of("TAGMSG", buffer, tags={TYPING_TAG: state}).to_line()

    def multiline_limits(self) -> Limits | None:
        """The server's draft/multiline limits when a paste may go as one message."""
        if MULTILINE_CAP not in self.caps or "batch" not in self.caps:
            return None
        return parse_limits(self._cap_ls.get(MULTILINE_CAP))

    def wire_message(self, buffer: str, text: str, kind: MessageKind) -> tuple[str, str]:
        """(command, wire text) for one chunk the user typed."""
        if kind == "action":
            return "PRIVMSG", f"\x01ACTION {text}\x01"
        return ("NOTICE" if kind == "notice" else "PRIVMSG"), text

    def message_written(
        self,
        pending_id: str,
        buffer: str,
        command: str,
        wire: str,
        kind: MessageKind,
        txid: str | None = None,
        reply_to: str | None = None,
    ) -> None:
        """A pending line reached the socket: wait for its echo, or treat it as delivered."""
        if not self.is_channel(buffer):
            self._query(buffer)
        if "echo-message" in self.caps and ("\n" not in wire or self.multiline_limits()):
            self.in_flight.append(
                _InFlight(
                    pending_id, buffer, self.fold(buffer), command, wire, kind, txid, reply_to
                )
            )
            return
        text = _strip_action(wire) if kind == "action" else wire
        self._emit(
            ChatMessage,
            buffer=self.buffer_for(buffer),
            sender=self.nick,
            text=text,
            kind=kind,
            is_self=True,
            pending_id=pending_id,
        )
        self._emit(MessageDelivered, pending_id=pending_id, buffer=self.buffer_for(buffer))

    def request_join(self, channel: str, key: str | None) -> None:
        self._pending_joins[self.fold(channel)] = key
        if key:
            self._send("JOIN", channel, key)
        else:
            self._send("JOIN", channel)

    def request_part(self, channel: str, reason: str) -> None:
        # Forget it now so a reconnect before the server answers does not rejoin it.
        self.rooms.pop(self.fold(channel), None)
        if reason:
            self._send("PART", channel, reason)
        else:
            self._send("PART", channel)

    def request_nick(self, nick: str) -> None:
        self.preferred_nick = nick
        self.held_nick = None
        self._reclaiming = False
        if self.registered:
            self._send("NICK", nick)

    def try_reclaim_nick(self, retry: bool = False) -> None:
        """Ask for the preferred nick again if registration had to settle for another one.

        ``retry`` (the periodic timer) asks even if an earlier request got no answer at all.
        """
        if retry:
            self._reclaiming = False
        if self.registered and not self.is_me(self.preferred_nick) and not self._reclaiming:
            self._reclaiming = True
            self._send("NICK", self.preferred_nick)

    def _nick_freed(self, key: str) -> None:
        """Someone left the nick ``key``: take it if it is the one we prefer, or the one we had
        before a drop while we are on neither (our own ghost held it until now)."""
        if key == self.fold(self.preferred_nick):
            self.try_reclaim_nick()
            return
        held = self.held_nick
        if (
            held is not None
            and key == self.fold(held)
            and self.registered
            and not self.is_me(held)
            and not self.is_me(self.preferred_nick)
            and not self._reclaiming
        ):
            self._reclaiming = True
            self._send("NICK", held)

    def rejoin_lines(self) -> None:
        keyed = [(name, key) for name, key in self.rooms.values() if key]
        plain = [name for name, key in self.rooms.values() if not key]
        for name, key in keyed:
            self.request_join(name, key)
        for name in plain:
            self._pending_joins[self.fold(name)] = None
        # One JOIN per channel keeps each line far below the limit and errors easy to route.
        for name in plain:
            self._send("JOIN", name)

    # ---------------------------------------------------------------- incoming

    def feed(self, msg: Message) -> None:
        if msg.command == "BATCH":
            if self._multiline.opens(msg):
                return
            if self._multiline.closes(msg):
                whole = self._multiline.finish(msg)
                if whole is not None:
                    self.feed(whole)  # the batch as one message, with its opening's tags
                return
        elif "batch" in msg.tags and self._multiline.collects(msg):
            return
        stamp = msg.tags.get("time")
        self._time = parse_server_time(stamp) if stamp else None
        if self.search.take(msg, self._time):
            return
        if not self.history.begin_line(msg):
            return
        handler = getattr(self, "_on_" + msg.command, None)
        if handler is not None:
            handler(msg)
        elif parse_decimal(msg.command, 0, 999) is not None:
            self._on_numeric(msg)
        else:
            self.info(SERVER_BUFFER, " ".join(msg.params), msg.command)

    # -- connection-level

    def _on_PING(self, msg: Message) -> None:
        self._send("PONG", *msg.params[:1]) if msg.params else self._send("PONG", "")

    def _on_PONG(self, msg: Message) -> None:
        # Lag tokens are measured by the connection before the session sees them.
        self.history.on_pong(msg.params[-1] if msg.params else "")

    def _on_ERROR(self, msg: Message) -> None:
        text = msg.param(0)
        # Servers that refuse a password without 464 say so in the ERROR that closes the link
        # ("Closing Link: ... (Bad Password)", InspIRCd's "[Invalid password.]").
        if not self.registered and self.password_refusal is None and "password" in text.lower():
            self.password_refusal = text[:200]
        self.info(SERVER_BUFFER, text, "ERROR", "error")

    def _on_CAP(self, msg: Message) -> None:
        sub = msg.param(1).upper()
        if sub == "LS":
            more = len(msg.params) > 3 and msg.params[2] == "*"
            for item in msg.params[-1].split():
                name, _, value = item.partition("=")
                if name in self._cap_ls or len(self._cap_ls) < MAX_CAPS:
                    self._cap_ls[name] = value
            if not more:
                wanted = [c for c in WANTED_CAPS if c in self._cap_ls]
                self._sasl = None
                if self.sasl is not None and self._cap_negotiating:
                    sasl_offer = self._cap_ls.get("sasl")
                    login = SaslLogin(self.sasl)
                    if login.wants(sasl_offer):
                        self._sasl = login
                        wanted.append("sasl")
                    else:
                        self.info(
                            SERVER_BUFFER,
                            not_offered(self.sasl.mechanism, sasl_offer),
                            "SASL",
                            "error",
                        )
                if wanted:
                    self._send("CAP", "REQ", " ".join(wanted))
                else:
                    self._cap_end()
        elif sub == "ACK":
            for item in msg.params[-1].split():
                if item.startswith("-"):
                    self.caps.discard(item[1:])
                else:
                    self.caps.add(item)
            if self._sasl is not None and "sasl" in self.caps and not self._sasl.active:
                for line in self._sasl.start():
                    self._send(*line)
                return  # CAP END waits for the login's end
            self._cap_end()
        elif sub == "NAK":
            if self._sasl is not None:
                self.info(SERVER_BUFFER, not_offered(self._sasl.config.mechanism, None), "SASL")
                self._sasl = None
            self._cap_end()
        elif sub == "NEW":
            offered = [i.partition("=")[0] for i in msg.params[-1].split()]
            wanted = [c for c in offered if c in WANTED_CAPS and c not in self.caps]
            if wanted:
                self._send("CAP", "REQ", " ".join(wanted))
        elif sub == "DEL":
            for item in msg.params[-1].split():
                self.caps.discard(item.partition("=")[0])

    def _on_AUTHENTICATE(self, msg: Message) -> None:
        if self._sasl is not None:
            for line in self._sasl.on_authenticate(msg.param(0)):
                self._send(*line)

    def _rpl_900(self, msg: Message) -> None:  # RPL_LOGGEDIN
        account = msg.param(2) if len(msg.params) > 3 else ""
        self.account = account
        self.info(SERVER_BUFFER, f"Logged in as {account}" if account else msg.params[-1], "900")
        # Servers tell others with ACCOUNT (account-notify), never the one who logged in.
        for chan in self._apply_account(self.nick, account or None):
            self._roster(chan)

    def _on_REGISTER(self, msg: Message) -> None:  # the answer to /register
        self.info(SERVER_BUFFER, register_reply(msg), "REGISTER")

    def _rpl_903(self, msg: Message) -> None:  # RPL_SASLSUCCESS
        if self._sasl is not None:
            self._sasl.finished()
        self._cap_end()

    def _sasl_failed(self, msg: Message) -> None:
        self.info(SERVER_BUFFER, explain_failure(msg.command), "SASL", "error")
        if self._sasl is not None:
            self._sasl.finished()
        self._cap_end()

    _rpl_902 = _rpl_904 = _rpl_905 = _rpl_906 = _rpl_907 = _sasl_failed

    def _rpl_908(self, msg: Message) -> None:  # RPL_SASLMECHS: follows a 904, says what it takes
        self.info(SERVER_BUFFER, f"The server takes SASL {msg.param(1)}", "908")

    def _cap_end(self) -> None:
        if self._cap_negotiating:
            self._cap_negotiating = False
            self._send("CAP", "END")

    def _on_MARKREAD(self, msg: Message) -> None:
        got = self.read_markers.received(msg, self.fold(msg.param(0)))
        if got is not None:
            self._emit(ReadMarker, buffer=self.buffer_for(got[0]), read_until=got[1])

    def mark_read(self, buffer: str, when: datetime) -> None:
        """The user has read ``buffer`` up to the line of server time ``when``.

        Markers belong to an account: without a login there is nothing to send them to."""
        if (
            READ_MARKER_CAP in self.caps
            and self.account
            and self.read_markers.advance(self.fold(buffer), when)
        ):
            self._send("MARKREAD", buffer, format_marker(when))

    def _on_BATCH(self, msg: Message) -> None:
        ours, hits = self.search.on_batch(msg)
        if hits is not None:
            self.events.append(self.make_event(SearchResults, hits=hits))
        if not ours:
            self.history.on_batch(msg)

    def _on_FAIL(self, msg: Message) -> None:
        if msg.param(0).upper() == "SEARCH":
            error = msg.params[-1] if len(msg.params) > 2 else "search failed"
            self.events.append(self.make_event(SearchResults, error=error))
            return
        if msg.param(0).upper() == "CHATHISTORY" and self.history.on_fail(msg):
            return
        if msg.param(0).upper() == "REDACT" and len(msg.params) >= 4:
            target = msg.param(2)
            buffer = self.buffer_for(target) if target and target != "*" else SERVER_BUFFER
            self.info(buffer, f"Could not delete the message: {msg.params[-1]}", "FAIL", "error")
            return
        self.info(SERVER_BUFFER, " ".join(msg.params), msg.command, "error")

    # -- numerics

    def _on_numeric(self, msg: Message) -> None:
        code = msg.command
        handler = getattr(self, "_rpl_" + code, None)
        if handler is not None:
            handler(msg)
            return
        if code in _IGNORED_NUMERICS:
            return
        self._generic_numeric(msg)

    def _generic_numeric(self, msg: Message, text: str | None = None) -> None:
        """Show a numeric where it belongs: its channel, the query with the nick it is about,
        else the server window. ``text``: the reply put into words (default: its parameters)."""
        code = msg.command
        level = "error" if code[0] in "45" else "info"
        params = msg.params[1:]  # params[0] is our own nick (or "*")
        buffer = SERVER_BUFFER
        if len(params) > 1:
            first = params[0]
            key = self.fold(first)
            if self.is_channel(first) and (key in self.channels or level == "error"):
                buffer = self.buffer_for(first)
                params = params[1:]
            elif key in self.queries:
                buffer = self.queries[key]
        self.info(buffer, " ".join(params) if text is None else text, code, level)
        if code in _SEND_ERRORS and len(msg.params) > 1:
            self._fail_in_flight(msg.param(1), msg.params[-1])

    def _fail_in_flight(self, target: str, reason: str) -> None:
        key = self.fold(target)
        for i, item in enumerate(self.in_flight):
            if item.target_key == key:
                del self.in_flight[i]
                self._emit(
                    MessageFailed,
                    pending_id=item.pending_id,
                    buffer=self.buffer_for(item.buffer),
                    reason=reason,
                )
                return

    def _rpl_001(self, msg: Message) -> None:
        self.registered = True
        self._cap_negotiating = False
        self.server_name = msg.source or ""
        wanted = self.asked_nick
        self._set_nick(msg.param(0, self.nick))
        if not self.is_me(wanted):
            reason = self._nick_reason or "nick unavailable"
            self._emit(
                NickChanged,
                old=wanted,
                new=self.nick,
                is_self=True,
                reason=f"{reason}: {wanted!r}, using {self.nick!r}",
            )
        self.info(SERVER_BUFFER, msg.param(1), msg.command)

    def _rpl_005(self, msg: Message) -> None:
        for token in msg.params[1:-1]:
            name, _, value = token.partition("=")
            if name.startswith("-"):
                self.isupport.pop(name[1:], None)
                continue
            if name not in self.isupport and len(self.isupport) >= MAX_ISUPPORT:
                continue
            self.isupport[name] = value
            if name == "PREFIX":
                m = re.fullmatch(r"\(([^)]*)\)(.*)", value)
                if m and len(m.group(1)) == len(m.group(2)):
                    self.prefix_modes, self.prefix_symbols = m.group(1), m.group(2)
            elif name == "CHANTYPES":
                self.chantypes = value
            elif name == "CASEMAPPING":
                self._recase(value)
            elif name == "NICKLEN" and (nicklen := parse_decimal(value, 1, 512)) is not None:
                self.nicklen = nicklen
            elif (
                name == "LINELEN" and (limit := parse_decimal(value, 512, MAX_LINELEN)) is not None
            ):
                self.line_limit = limit
            elif name == "CHANMODES":
                parts = value.split(",")
                if len(parts) >= 4:
                    self.chanmodes = (parts[0], parts[1], parts[2], parts[3])

    def _recase(self, mapping: str) -> None:
        if mapping == self.casemapping:
            return
        self.casemapping = mapping
        self._folds.clear()
        self.rooms = {self.fold(name): (name, key) for name, key in self.rooms.values()}
        self.queries = {self.fold(v): v for v in self.queries.values()}
        self._mention_re = None

    def _registered_event(self) -> None:
        self._emit(
            Registered,
            nick=self.nick,
            server_name=self.server_name,
            network=self.isupport.get("NETWORK", self.server_name),
            isupport=tuple(self.isupport.items()),
            caps=frozenset(self.caps),
            account=self.account,
        )

    def _rpl_376(self, msg: Message) -> None:
        self.info(SERVER_BUFFER, msg.param(1), msg.command)
        self._after_welcome()

    def _rpl_422(self, msg: Message) -> None:
        self.info(SERVER_BUFFER, msg.param(1), msg.command)
        self._after_welcome()

    def _after_welcome(self) -> None:
        if self.welcomed:
            return
        self.welcomed = True
        self._registered_event()
        self.rejoin_lines()

    def _nick_failed(self, msg: Message, reason: str) -> None:
        if self.registered:
            if self._reclaiming:
                self._reclaiming = False  # still taken; the connection will try again later
                return
            self._generic_numeric(msg)
            return
        self._nick_reason = reason
        self._nick_attempt += 1
        base = self._nick_base
        suffix_n = self._nick_attempt
        if msg.command == N.ERR_ERRONEUSNICKNAME:
            cleaned = safe_nick(base)
            if cleaned != base:
                # The nick itself is invalid: try it cleaned up before adding suffixes.
                self._nick_base = base = cleaned
                self._nick_attempt = suffix_n = 0
            else:
                self._nick_limit = max(1, len(self.nick) - 1)  # probably too long: shorten
        limit = self._nick_limit or self.nicklen or 0
        suffix = "_" * suffix_n if suffix_n < 5 else str(suffix_n)
        candidate = (base[: max(1, limit - len(suffix))] if limit else base) + suffix
        self._set_nick(candidate)
        self._send("NICK", candidate)

    def _rpl_433(self, msg: Message) -> None:
        self._nick_failed(msg, "nick taken")

    def _rpl_436(self, msg: Message) -> None:
        self._nick_failed(msg, "nick collision")

    def _rpl_437(self, msg: Message) -> None:
        self._nick_failed(msg, "nick unavailable")

    def _rpl_432(self, msg: Message) -> None:
        self._nick_failed(msg, "nick invalid")

    def _rpl_464(self, msg: Message) -> None:
        # ERR_PASSWDMISMATCH, before registration: wrong or missing PASS. (After it, some
        # servers use it for OPER; that is an ordinary error.)
        if not self.registered:
            self.password_refusal = (msg.params[-1] if len(msg.params) > 1 else "")[:200]
            self.password_refusal = self.password_refusal or "Password incorrect"
        self._generic_numeric(msg)

    def _rpl_421(self, msg: Message) -> None:
        if msg.param(1).upper() == "CAP":
            self._cap_negotiating = False  # the server knows no CAP; registration goes on
            return
        if msg.param(1).upper() in ("MONITOR", "SETNAME"):
            command = msg.param(1).upper()
            self.info(SERVER_BUFFER, f"This server does not support {command}.", "421", "error")
            return
        self._generic_numeric(msg)

    def _rpl_451(self, msg: Message) -> None:
        if not self.registered:
            return  # some servers answer CAP before registration with this; harmless
        self._generic_numeric(msg)

    def _rpl_332(self, msg: Message) -> None:
        channel = msg.param(1)
        self._emit(Topic, buffer=self.buffer_for(channel), topic=msg.param(2), is_change=False)

    def _rpl_333(self, msg: Message) -> None:
        channel = msg.param(1)
        setter = source_nick(msg.param(2))
        when = msg.param(3)
        text = f"Topic set by {setter}"
        seconds = parse_decimal(when, 0, 1 << 40)
        if seconds is not None:
            with contextlib.suppress(OverflowError, OSError, ValueError):
                stamp = datetime.fromtimestamp(seconds).astimezone()
                text += f" on {stamp:%Y-%m-%d %H:%M}"
        self.info(self.buffer_for(channel), text, msg.command)

    def _rpl_331(self, msg: Message) -> None:
        if self.fold(msg.param(1)) in self.channels:
            return  # "no topic" on join is not news
        self._generic_numeric(msg)

    def _rpl_353(self, msg: Message) -> None:
        channel_name = msg.params[-2] if len(msg.params) >= 3 else ""
        chan = self.channels.get(self.fold(channel_name))
        if chan is None:
            self._generic_numeric(msg)
            return
        if chan.names_done:
            chan.names_done = False
            chan.new_members = {}
        for entry in msg.params[-1].split():
            if len(chan.new_members) >= MAX_MEMBERS:
                break
            member = self._parse_names_entry(entry)
            if member is not None:
                chan.new_members[self.fold(member.nick)] = member

    def _parse_names_entry(self, entry: str) -> _MemberState | None:
        i = 0
        while i < len(entry) and entry[i] in self.prefix_symbols:
            i += 1
        prefixes, rest = entry[:i], entry[i:]
        if not rest:
            return None
        nick, user, host = split_source(rest)
        if not nick:
            return None
        userhost = f"{user}@{host}" if user and host else None
        return _MemberState(nick, self._order_prefixes(prefixes), userhost=userhost)

    def _order_prefixes(self, symbols: str) -> str:
        return "".join(s for s in self.prefix_symbols if s in symbols)

    def _rpl_366(self, msg: Message) -> None:
        chan = self.channels.get(self.fold(msg.param(1)))
        if chan is None:
            return
        if not chan.names_done:
            # Keep what we already knew about each member (away state) across a NAMES refresh.
            for key, member in chan.new_members.items():
                old = chan.members.get(key)
                if old is not None:
                    member.away = old.away
                    member.userhost = member.userhost or old.userhost
                    member.account = old.account
            chan.members = chan.new_members
            chan.new_members = {}
            chan.names_done = True
        self._roster(chan)
        if self.fold(chan.name) in self._auto_who and (
            "away-notify" in self.caps or "account-notify" in self.caps
        ):
            if "WHOX" in self.isupport:  # the accounts too (RPL_WHOSPCRPL, _rpl_354)
                self._send("WHO", chan.name, f"%tcuhnfa,{WHOX_TOKEN}")
            else:
                self._send("WHO", chan.name)

    def _rpl_352(self, msg: Message) -> None:
        # <me> <channel> <user> <host> <server> <nick> <flags> :<hops> <realname>
        channel, user, host, nick, flags = (msg.param(i) for i in (1, 2, 3, 5, 6))
        changed = self._apply_away(nick, flags.startswith("G"), f"{user}@{host}")
        if self.fold(channel) in self._auto_who:
            for chan in changed:
                self._roster(chan)
            return
        self._generic_numeric(msg, replies.who_reply(msg.params))

    def _rpl_354(self, msg: Message) -> None:
        # Our WHOX: <me> <token> <channel> <user> <host> <nick> <flags> <account>
        if msg.param(1) != WHOX_TOKEN or self.fold(msg.param(2)) not in self._auto_who:
            self._generic_numeric(msg)
            return
        user, host, nick, flags, account = (msg.param(i) for i in range(3, 8))
        changed = self._apply_away(nick, flags.startswith("G"), f"{user}@{host}")
        changed += self._apply_account(nick, account if account not in ("", "0") else None)
        for chan in changed:
            self._roster(chan)

    def _on_ACCOUNT(self, msg: Message) -> None:  # account-notify
        account = msg.param(0)
        nick = source_nick(msg.source)
        for chan in self._apply_account(nick, account if account not in ("", "*") else None):
            self._roster(chan)

    def _apply_account(self, nick: str, account: str | None) -> list[_Channel]:
        key = self.fold(nick)
        changed = []
        for chan in self.channels.values():
            member = chan.members.get(key)
            if member is not None and member.account != account:
                member.account = account
                changed.append(chan)
        return changed

    def _rpl_315(self, msg: Message) -> None:
        key = self.fold(msg.param(1))
        if key in self._auto_who:
            self._auto_who.discard(key)
            chan = self.channels.get(key)
            if chan is not None:
                self._roster(chan)
            return
        self._generic_numeric(msg)

    # -- WHOIS and friends: numbers and times in words (see replies.py)

    def _rpl_311(self, msg: Message) -> None:
        if len(self._whois_open) < MAX_OPEN_WHOIS:
            self._whois_open.add(self.fold(msg.param(1)))
        self._generic_numeric(msg, replies.whois_user(msg.params))

    def _rpl_314(self, msg: Message) -> None:
        self._generic_numeric(msg, replies.whois_user(msg.params, was=True))

    def _rpl_312(self, msg: Message) -> None:
        self._generic_numeric(msg, replies.whois_server(msg.params))

    def _rpl_317(self, msg: Message) -> None:
        self._generic_numeric(msg, replies.whois_idle(msg.params))

    def _rpl_318(self, msg: Message) -> None:
        self._whois_open.discard(self.fold(msg.param(1)))
        self._generic_numeric(msg)

    def _rpl_319(self, msg: Message) -> None:
        self._generic_numeric(msg, replies.whois_channels(msg.params))

    def _rpl_330(self, msg: Message) -> None:
        self._generic_numeric(msg, replies.whois_account(msg.params))

    def _rpl_265(self, msg: Message) -> None:
        self._generic_numeric(msg, replies.user_counts(msg.params, "Local"))

    def _rpl_266(self, msg: Message) -> None:
        self._generic_numeric(msg, replies.user_counts(msg.params, "Global"))

    def _rpl_301(self, msg: Message) -> None:
        """RPL_AWAY: once per away message per person (as irssi does), except in a WHOIS."""
        nick = msg.param(1)
        text = msg.params[-1] if len(msg.params) > 2 else ""
        key = self.fold(nick)
        if key not in self._whois_open:
            if self._away_told.get(key) == text:
                return
            if key not in self._away_told and len(self._away_told) >= MAX_QUERIES:
                del self._away_told[next(iter(self._away_told))]
            self._away_told[key] = text
        self._generic_numeric(msg, f"{nick} is away: {text}" if text else f"{nick} is away")

    def _rpl_305(self, msg: Message) -> None:
        self._emit(AwayChanged, nick=self.nick, away=False, is_self=True)
        self._apply_away(self.nick, False, None, emit=True)
        self.info(SERVER_BUFFER, msg.param(1), msg.command)

    def _rpl_306(self, msg: Message) -> None:
        self._emit(AwayChanged, nick=self.nick, away=True, is_self=True)
        self._apply_away(self.nick, True, None, emit=True)
        self.info(SERVER_BUFFER, msg.param(1), msg.command)

    def _rpl_324(self, msg: Message) -> None:
        channel = msg.param(1)
        modes = " ".join(msg.params[2:])
        if self.fold(channel) in self.channels:
            self._track_key(channel, msg.params[2:])
        self.info(self.buffer_for(channel), f"Modes: {modes}", msg.command)

    def _rpl_396(self, msg: Message) -> None:
        # RPL_HOSTHIDDEN: our visible host changed, which changes the split budget.
        if self.userhost:
            user = self.userhost.partition("@")[0]
            self.userhost = f"{user}@{msg.param(1)}"
        self._generic_numeric(msg)

    # -- channel membership

    def _apply_away(
        self, nick: str, away: bool, userhost: str | None, emit: bool = False
    ) -> list[_Channel]:
        key = self.fold(nick)
        changed = []
        for chan in self.channels.values():
            member = chan.members.get(key)
            if member is None:
                continue
            if member.away != away or (userhost and member.userhost != userhost):
                member.away = away
                member.userhost = userhost or member.userhost
                changed.append(chan)
        if emit:
            for chan in changed:
                self._roster(chan)
        return changed

    def _roster(self, chan: _Channel) -> None:
        if not self.history.replaying:
            self._dirty_rosters[id(chan)] = chan

    def flush_rosters(self) -> None:
        """Emit one Roster per channel whose members changed since the last call.

        The connection calls this once per batch of lines read, before handing events on.
        """
        dirty, self._dirty_rosters = self._dirty_rosters, {}
        for chan in dirty.values():
            if self.channels.get(self.fold(chan.name)) is chan:  # not left meanwhile
                self._emit_roster(chan)

    def _emit_roster(self, chan: _Channel) -> None:
        rank = {s: i for i, s in enumerate(self.prefix_symbols)}

        def order(m: _MemberState) -> tuple[int, str]:
            return (rank[m.prefixes[0]] if m.prefixes else len(rank), self.fold(m.nick))

        members = tuple(
            Member(
                nick=m.nick,
                prefixes=m.prefixes,
                away=m.away,
                userhost=m.userhost,
                account=m.account,
            )
            for m in sorted(chan.members.values(), key=order)
        )
        self.events.append(Roster(buffer=chan.name, members=members))

    def _channels_of(self, nick: str) -> list[_Channel]:
        key = self.fold(nick)
        return [c for c in self.channels.values() if key in c.members]

    def _on_JOIN(self, msg: Message) -> None:
        nick, user, host = split_source(msg.source or "")
        if not nick:
            return
        name = msg.param(0)
        if not name:
            return
        key = self.fold(name)
        userhost = f"{user}@{host}" if user and host else None
        if self.is_me(nick):
            if key not in self.channels and len(self.channels) >= MAX_CHANNELS:
                return  # a server pulling us into channel after channel
            if userhost:
                self.userhost = userhost
            display = self.rooms.get(key, (name, None))[0]
            # The server's spelling wins when it differs only in case from what was typed.
            if self.fold(display) == key:
                display = name
            joined = self.channels[key] = _Channel(display)
            join_key = self._pending_joins.pop(key, None)
            old_key = self.rooms.get(key, (display, None))[1]
            self.rooms[key] = (display, join_key or old_key)
            joined.members[self.fold(nick)] = _MemberState(nick, userhost=userhost)
            self._auto_who.add(key)
            self._emit(Joined, buffer=display, nick=nick, is_self=True, userhost=userhost)
            self.history.joined(key, display)
            return
        chan = self.channels.get(key)
        if chan is None or len(chan.members) >= MAX_MEMBERS:
            return
        member = chan.members[self.fold(nick)] = _MemberState(nick, userhost=userhost)
        if "extended-join" in self.caps and len(msg.params) > 2:
            # JOIN <channel> <account or *> :<realname>
            member.account = msg.params[1] if msg.params[1] != "*" else None
        self._emit(Joined, buffer=chan.name, nick=nick, userhost=userhost)
        self._roster(chan)

    def _on_PART(self, msg: Message) -> None:
        nick = source_nick(msg.source)
        for name in msg.param(0).split(","):
            self._leave(name, nick, msg.param(1), by=None)

    def _on_KICK(self, msg: Message) -> None:
        by = source_nick(msg.source)
        self._leave(msg.param(0), msg.param(1), msg.param(2), by=by)

    def _leave(self, name: str, nick: str, reason: str, by: str | None) -> None:
        key = self.fold(name)
        chan = self.channels.get(key)
        if chan is None:
            return
        me = self.is_me(nick)
        if by is None:
            self._emit(Parted, buffer=chan.name, nick=nick, reason=reason, is_self=me)
        else:
            self._emit(Kicked, buffer=chan.name, nick=nick, by=by, reason=reason, is_self=me)
        if me:
            del self.channels[key]
            self.rooms.pop(key, None)
            self._auto_who.discard(key)
            return
        chan.members.pop(self.fold(nick), None)
        self._roster(chan)

    def _on_QUIT(self, msg: Message) -> None:
        nick = source_nick(msg.source)
        key = self.fold(nick)
        chans = self._channels_of(nick)
        buffers = [c.name for c in chans]
        if key in self.queries:
            buffers.append(self.queries[key])
        self._emit(Quit, nick=nick, reason=msg.param(0), buffers=tuple(buffers))
        for chan in chans:
            del chan.members[key]
            self._roster(chan)
        self._nick_freed(key)

    def _on_NICK(self, msg: Message) -> None:
        old = source_nick(msg.source)
        new = msg.param(0)
        old_key, new_key = self.fold(old), self.fold(new)
        me = self.is_me(old)
        chans = self._channels_of(old)
        buffers = [c.name for c in chans]
        if old_key in self.queries:
            buffers.append(self.queries[old_key])
            del self.queries[old_key]
            self.queries[new_key] = new
        if me:
            self._set_nick(new)
            self._reclaiming = False
            if self.is_me(self.preferred_nick):
                self._nick_reason = ""
        self._emit(NickChanged, old=old, new=new, is_self=me, buffers=tuple(buffers))
        for chan in chans:
            member = chan.members.pop(old_key)
            member.nick = new
            chan.members[new_key] = member
            self._roster(chan)
        if not me:
            self._nick_freed(old_key)

    def _on_MODE(self, msg: Message) -> None:
        target = msg.param(0)
        setter = source_nick(msg.source) or (msg.source or "")
        if not self.is_channel(target):
            self._emit(
                ModeChange, buffer=SERVER_BUFFER, setter=setter, modes=" ".join(msg.params[1:])
            )
            return
        chan = self.channels.get(self.fold(target))
        name = chan.name if chan else target
        self._emit(ModeChange, buffer=name, setter=setter, modes=" ".join(msg.params[1:]))
        if chan is None:
            return
        if self._apply_modes(chan, msg.params[1:]):
            self._roster(chan)

    def _mode_changes(
        self, params: tuple[str, ...] | list[str]
    ) -> Iterator[tuple[bool, str, str | None]]:
        """Yield (adding, mode letter, argument or None) for a channel mode string."""
        if not params:
            return
        args = list(params[1:])
        adding = True
        list_modes, always, when_set, _ = self.chanmodes
        for ch in params[0]:
            if ch in "+-":
                adding = ch == "+"
                continue
            takes = (ch in self.prefix_modes or ch in list_modes or ch in always) or (
                ch in when_set and adding
            )
            arg = args.pop(0) if takes and args else None
            yield adding, ch, arg

    def _apply_modes(self, chan: _Channel, params: tuple[str, ...]) -> bool:
        changed = False
        for adding, ch, arg in self._mode_changes(params):
            if ch in self.prefix_modes and arg is not None:
                member = chan.members.get(self.fold(arg))
                if member is None:
                    continue
                symbol = self.prefix_symbols[self.prefix_modes.index(ch)]
                have = set(member.prefixes)
                if adding:
                    have.add(symbol)
                else:
                    have.discard(symbol)
                member.prefixes = self._order_prefixes("".join(have))
                changed = True
            elif ch == "k":
                key = self.fold(chan.name)
                display = self.rooms.get(key, (chan.name, None))[0]
                self.rooms[key] = (display, arg if adding and arg and arg != "*" else None)
        return changed

    def _track_key(self, channel: str, params: tuple[str, ...]) -> None:
        chan = self.channels.get(self.fold(channel))
        if chan is not None:
            self._apply_modes(chan, params)

    def _on_TOPIC(self, msg: Message) -> None:
        channel = msg.param(0)
        self._emit(
            Topic,
            buffer=self.buffer_for(channel),
            topic=msg.param(1),
            setter=source_nick(msg.source),
            is_change=True,
        )

    def _on_AWAY(self, msg: Message) -> None:
        nick = source_nick(msg.source)
        away = bool(msg.params)
        self._away_told.pop(self.fold(nick), None)  # a new away message is news again
        self._emit(
            AwayChanged, nick=nick, away=away, message=msg.param(0), is_self=self.is_me(nick)
        )
        self._apply_away(nick, away, None, emit=True)

    def _on_INVITE(self, msg: Message) -> None:
        target, channel, by = msg.param(0), msg.param(1), source_nick(msg.source)
        if target and not self.is_me(target):
            # invite-notify: someone else was invited to a room we are in; a quiet line there.
            key = self.fold(channel)
            buffer = self.channels[key].name if key in self.channels else SERVER_BUFFER
            self.info(buffer, presence.invite_text(by, target, channel), "INVITE")
            return
        self._emit(Invited, channel=channel, by=by)

    def _on_SETNAME(self, msg: Message) -> None:
        nick = source_nick(msg.source)
        mine = self.is_me(nick)
        text = presence.setname_text(nick, msg.param(0), mine)
        for buffer in [SERVER_BUFFER] if mine else self._buffers_of(nick):
            self.info(buffer, text, "SETNAME")

    def _on_CHGHOST(self, msg: Message) -> None:
        nick = source_nick(msg.source)
        user, host = msg.param(0), msg.param(1)
        if not user or not host:
            return
        userhost = f"{user}@{host}"
        if self.is_me(nick):
            self.userhost = userhost  # the split budget depends on it
        key = self.fold(nick)
        for chan in self._channels_of(nick):
            chan.members[key].userhost = userhost
            self._roster(chan)
            self.info(chan.name, presence.chghost_text(nick, userhost), "CHGHOST")

    def _buffers_of(self, nick: str) -> list[str]:
        return [chan.name for chan in self._channels_of(nick)]

    def _rpl_730(self, msg: Message) -> None:  # RPL_MONONLINE
        self._monitor_reply(msg)

    def _rpl_731(self, msg: Message) -> None:  # RPL_MONOFFLINE
        self._monitor_reply(msg)

    def _rpl_732(self, msg: Message) -> None:  # RPL_MONLIST
        self._monitor_reply(msg)

    def _monitor_reply(self, msg: Message) -> None:
        text = presence.monitor_text(msg.command, msg.params[-1] if len(msg.params) > 1 else "")
        if text is not None:
            self.info(SERVER_BUFFER, text, msg.command)

    # -- messages

    def _on_TAGMSG(self, msg: Message) -> None:
        # Never shown as a line (the spec says so); only +typing means something to us.
        state = msg.tags.get(TYPING_TAG)
        sender = source_nick(msg.source)
        target = msg.param(0)
        if state not in TYPING_STATES or not sender or not target or self.is_me(sender):
            return
        if self.history.replaying:
            return
        if self.is_channel(target):
            buffer = self.buffer_for(target)
        elif self.is_me(target):
            buffer = self.buffer_for(sender)
        else:
            return  # STATUSMSG and the like: not worth a line under the log
        self._emit(Typing, buffer=buffer, nick=sender, state=state)

    def _on_PRIVMSG(self, msg: Message) -> None:
        self._on_message(msg, "privmsg")

    def _on_NOTICE(self, msg: Message) -> None:
        self._on_message(msg, "notice")

    def _on_message(self, msg: Message, kind: MessageKind) -> None:
        target, text = msg.param(0), msg.param(1)
        if not target:
            return
        nick, user, host = split_source(msg.source or "")
        from_server = not msg.source or (user is None and host is None and "." in (nick or ""))
        from_server = from_server or not self.registered or target == "*"
        if kind == "notice" and from_server:
            self.info(SERVER_BUFFER, text, msg.command)
            return
        sender = nick or ""
        me = self.is_me(sender)
        if me and user and host:
            self.userhost = f"{user}@{host}"
        if self.is_channel(target):
            buffer = self.buffer_for(target)
        elif self.is_channel(target[1:2]) and target[0] in self.prefix_symbols:
            buffer = self.buffer_for(target[1:])  # STATUSMSG, e.g. "@#chan"
        else:
            partner = target if me else sender
            buffer = self._query(partner)
        msgid = msg.tags.get("msgid")
        is_history = self.history.replaying
        reply_to = msg.tags.get(REPLY_TAG) or None
        if reply_to is not None and len(reply_to) > MAX_MSGID:
            reply_to = None

        if text.startswith("\x01"):
            body = text.strip("\x01")
            ctcp, _, arg = body.partition(" ")
            ctcp = ctcp.upper()
            if ctcp == "ACTION":
                kind = "action" if kind == "privmsg" else kind
                text = arg
            else:
                if not me and not is_history:  # never answer a CTCP from the past
                    self._ctcp(msg.command, sender, ctcp, arg)
                return

        pending_id = None
        if me and not is_history:
            pending_id = self._match_echo(msg.command, target, msg.param(1), msg.tags.get(TXID_TAG))
        event = self.make_event(
            ChatMessage,
            buffer=buffer,
            sender=sender,
            text=text,
            kind=kind,
            is_self=me,
            is_mention=not me and self._mentions(text),
            msgid=msgid,
            pending_id=pending_id,
            is_history=is_history,
            userhost=f"{user}@{host}" if user and host else "",
            reply_to=reply_to,
        )
        assert isinstance(event, ChatMessage)
        if self.history.keep_replayed(event):
            return
        first = self.history.shown_live(self.fold(buffer), msgid, event.time)
        if not first and pending_id is None:
            return
        self.events.append(event)
        if pending_id is not None:
            self._emit(MessageDelivered, pending_id=pending_id, buffer=buffer, msgid=msgid)

    def _on_REDACT(self, msg: Message) -> None:
        target, msgid = msg.param(0), msg.param(1)
        if not target or not msgid or len(msgid) > MAX_MSGID:
            return
        sender = source_nick(msg.source) or ""
        if self.is_channel(target):
            buffer = self.buffer_for(target)
        else:
            buffer = self.buffer_for(target if self.is_me(sender) else sender)
        # Not _emit: a REDACT in a history batch (servers may send one there) still deletes.
        event = self.make_event(
            MessageRedacted, buffer=buffer, msgid=msgid, by=sender, reason=msg.param(2)
        )
        self.events.append(event)

    def _match_echo(
        self, command: str, target: str, wire: str, txid: str | None = None
    ) -> str | None:
        if txid:
            for i, item in enumerate(self.in_flight):
                if item.txid == txid:
                    del self.in_flight[i]
                    return item.pending_id
        key = self.fold(target)
        for i, item in enumerate(self.in_flight):
            if item.command == command and item.target_key == key and item.text == wire:
                del self.in_flight[i]
                return item.pending_id
        return None

    def _ctcp(self, command: str, sender: str, ctcp: str, arg: str) -> None:
        if command == "NOTICE":  # a reply to a CTCP of ours
            self.info(SERVER_BUFFER, f"CTCP {ctcp} reply from {sender}: {arg}", "CTCP")
            return
        if ctcp not in CTCP_ANSWERED:
            return
        if not sender or not self._ctcp_limit.allow(self.fold(sender), self._clock()):
            return  # a flood of requests: silence costs nothing, answers cost our own lines
        if ctcp == "VERSION":
            answer = VERSION_REPLY
        elif ctcp == "PING":
            answer = reply_argument(arg)
        elif ctcp == "TIME":
            answer = time.strftime("%a %b %d %H:%M:%S %Y")  # local time, as irssi and WeeChat
        else:
            answer = " ".join(("ACTION", *CTCP_ANSWERED))
        self._send("NOTICE", sender, f"\x01{ctcp} {answer}\x01")
        self.info(SERVER_BUFFER, f"CTCP {ctcp} from {sender}", "CTCP")


def _strip_action(wire: str) -> str:
    return wire[len("\x01ACTION ") : -1]
