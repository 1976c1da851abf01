"""The IRC server proper: connection lifecycle, input framing, flood control, dispatch, and the
user and channel state handlers share (membership, quitting, history writes, room state).

Command handlers live in :mod:`.handlers`, one module per topic, found through
:mod:`.registry`; :meth:`Server.dispatch` makes the checks their specs ask for. Every write to a
client goes through ``self.out`` (:class:`.output.Output`). ``PRIVMSG #chan :text``, most of a
busy server's input, skips the generic parse (:meth:`Server._fast_line`).
"""

from __future__ import annotations

import collections
import contextlib
import ipaddress
import logging
import secrets
import socket
import ssl
import sys
import time
from collections.abc import Callable

from ..irc import limits
from ..irc import numerics as N
from ..irc.casemap import casefold
from ..irc.fitting import fit_line
from ..irc.message import Message, ParseError, parse
from . import (
    handlers,  # noqa: F401  (registers every command)
    history_search,
    nickguard,
)
from .capnotify import follow_history, history_offered
from .config import CHANTYPES, VERSION, ServerConfig
from .connlog import ConnectionLog
from .handlers import multiline
from .handlers.messages import fast_privmsg
from .history import HistoryRecord, HistoryStore, private_key
from .labels import labeled
from .labels import requested as label_requested
from .logins import Logins
from .monitor import MonitorTable
from .output import Output
from .reactor import Address, Reactor
from .read_markers import ReadMarkers
from .registry import lookup
from .rotation import Rotation
from .state import CAPABILITIES, HISTORY_CAPABILITIES, NO_CHANNELS, Ban, Channel, Client
from .tls import TLSSetupError, fingerprint, self_signed, server_context
from .txids import RecentTxids, source_of

log = logging.getLogger("tui_chat.server")

# A peer that sends this much without a newline is broken or hostile (8 KiB).
MAX_UNTERMINATED = limits.MAX_TAGS_BYTES + 1
WhowasEntry = collections.namedtuple("WhowasEntry", "key nick user host realname when")


class Server(Reactor):
    def __init__(self, config: ServerConfig) -> None:
        # msgids are stored in history, so they must never repeat across restarts: the start
        # time (ms, base 36) makes a prefix unique per run, the random part per machine. Stored
        # lines get "<run>-<seq>" from the history store; the others "<run>_<counter>", so the
        # two never meet.
        run = _base36(int(time.time() * 1000)) + secrets.token_hex(2)
        super().__init__(config, Output(config.server_name, run + "_"))
        self.name = config.server_name
        self.nicks: dict[str, Client] = {}
        self.channels: dict[str, Channel] = {}
        self.whowas: collections.deque[WhowasEntry] = collections.deque(maxlen=config.whowas_size)
        self.per_ip: dict[str, int] = {}
        self.max_users = 0
        # Kept up to date rather than counted: LUSERS runs on every registration.
        self.user_count = 0
        self.invisible_count = 0
        self.oper_count = 0
        self.created = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
        self.motd: list[str] | None = None
        self.stopping = False
        self._batch_counter = 0
        self.history = HistoryStore(
            config.data_dir if config.history else None,
            days=config.history_days,
            per_channel_limit=config.history_limit,
            store_private=config.history_private,
            lag=config.history_lag,
            msgid_prefix=run,
        )
        # (sender, command, target) of every record awaiting commit, to FAIL if it is refused.
        self._stored_by: list[tuple[Client, str, str]] = []
        self._last_relay = 0.0  # when the last pass that relayed stored lines ended
        self._settle_armed = False  # a timer will commit what lags behind the journal
        self.capabilities = {
            name: bit
            for name, bit in CAPABILITIES.items()
            if history_offered(self) or name not in HISTORY_CAPABILITIES
        }
        self.logins = Logins(config, self.call_soon_threadsafe, lambda: self.now)
        self.read_markers = ReadMarkers(
            config.data_dir if config.history else None,
            config.read_markers_per_account,
            self.call_later,
        )
        # Values offered with CAP LS 302 (handlers.registration); a capability not named here
        # has none.
        self.cap_values = {
            "sasl": "PLAIN",
            # REGISTER before connecting, unless that would skip the server password.
            "draft/account-registration": "before-connect" if config.password is None else "",
            "draft/multiline": multiline.cap_value(self),
        }
        self.isupport = self._build_isupport()
        self._build_bursts()
        self.accepted = self.closed = self.refused = 0
        self.tls_fingerprint: str | None = None  # SHA-256 of the certificate, once loaded
        self.max_clients = _descriptor_cap(config.max_clients)
        self._full_bucket = float(config.flood_burst)  # one float, not one per connection
        self.txids = RecentTxids()
        self.monitor = MonitorTable(self.out)
        # source address -> (failed password attempts, when last counted); least recent first.
        self._auth_failures: collections.OrderedDict[str, tuple[float, float]] = (
            collections.OrderedDict()
        )
        self._logged_counts = (0, 0, 0)
        self.connlog = ConnectionLog(log)
        self._sweep_interval = max(
            0.02,
            min(
                1.0,
                config.registration_timeout / 4,
                config.ping_interval / 4,
                max(0.0, config.ping_timeout - config.ping_interval) / 4 or 1.0,
                config.close_linger / 2,
            ),
        )
        # Lingering closes are few and short: all looked at every tick. Everyone else once per
        # pass, within an eighth of the shortest timeout the sweep enforces (so late by at most
        # a quarter of it): see rotation.
        self._lingering: set[Client] = set()
        timeouts = [
            config.registration_timeout,
            config.ping_interval,
            config.ping_timeout - config.ping_interval,
            config.nick_grace,
            config.multiline_timeout,
        ]
        self._rotation: Rotation[Client] = Rotation(
            self._sweep_interval, min((t for t in timeouts if t > 0), default=1.0) / 8
        )

    # -- lifecycle -----------------------------------------------------------------------------

    def bind(self, tls_context: ssl.SSLContext | None = None) -> None:
        """Listen; with ``config.tls_port`` set, TLS too, with the context the config names
        (loaded here: :class:`~.tls.TLSSetupError` reaches the caller, as OSError does)."""
        if tls_context is None and self.config.tls_port is not None:
            tls_context = self.load_tls()
        super().bind(tls_context)

    def load_tls(self) -> ssl.SSLContext:
        cfg = self.config
        if cfg.tls_cert is not None or cfg.tls_key is not None:
            cert = cfg.tls_cert or cfg.tls_key
            key = cfg.tls_key or cfg.tls_cert
            assert cert is not None and key is not None
        elif cfg.tls_dir is not None:
            cert, key = self_signed(cfg.tls_dir, self.name)
        else:
            raise TLSSetupError("TLS needs --tls-cert and --tls-key, or a data directory")
        context = server_context(cert, key)
        self.tls_fingerprint = fingerprint(cert)
        return context

    def on_start(self) -> None:
        self.motd = self._load_motd()
        self._build_bursts()
        self.call_later(STATS_INTERVAL, self._log_stats)
        self.call_later(self._sweep_interval, self._sweep)
        if self.history.enabled:
            # Counts for retention's first pass, before anyone is served; what a big file
            # still lacks after that is indexed in steps, between clients.
            until = time.monotonic() + history_search.START_INDEX_SECONDS
            while self.history.index() and time.monotonic() < until:
                pass
            self._prune()
            self._index_history()
            self.call_later(self.config.history_checkpoint_interval, self._checkpoint)

    def _build_bursts(self) -> None:
        """The static lines of the welcome burst and of MOTD, encoded once per server.

        Registration storms are bound by this burst: per client it is now one join of bytes
        around the nick instead of a dozen formatted and encoded replies.
        """
        name = self.name
        lines = [
            (N.RPL_YOURHOST, f":Your host is {name}, running version {VERSION}"),
            (N.RPL_CREATED, f":This server was created {self.created}"),
            (N.RPL_MYINFO, f"{name} {VERSION} Biow beIiklmnopstv beIklov"),
        ]
        tokens = self.isupport
        for i in range(0, len(tokens), 12):
            chunk = " ".join(tokens[i : i + 12])
            lines.append((N.RPL_ISUPPORT, f"{chunk} :are supported by this server"))
        self.welcome_lines = _NickTemplate(name, lines)
        if self.motd is None:
            lines = [(N.ERR_NOMOTD, ":MOTD File is missing")]
        else:
            lines = [(N.RPL_MOTDSTART, f":- {name} Message of the day - ")]
            lines += [(N.RPL_MOTD, f":- {line}") for line in self.motd]
            lines.append((N.RPL_ENDOFMOTD, ":End of /MOTD command."))
        self.motd_lines = _NickTemplate(name, lines)

    def burst(self, nick: str, template: _NickTemplate) -> bytes:
        """Lines built by :meth:`_build_bursts`, addressed to ``nick``."""
        parts = template.parts
        if parts is not None and len(nick) <= limits.NICKLEN:
            return nick.encode().join(parts)
        # A line that may pass 512 bytes is cut per client, as send() would cut it.
        out = []
        for code, rest in template.lines:
            data = f":{self.name} {code} {nick} {rest}\r\n".encode()
            out.append(fit_line(data) if len(data) > limits.MAX_LINE_BYTES else data)
        return b"".join(out)

    def _log_stats(self) -> None:
        # A summary of connections; the per-connection INFO lines (connlog) stop at a budget,
        # since three lines per client cost as much as registering it during a storm.
        self.connlog.report_skipped()
        counts = (self.accepted, self.closed, self.refused)
        if counts != self._logged_counts:
            accepted, closed, refused = (
                a - b for a, b in zip(counts, self._logged_counts, strict=True)
            )
            self._logged_counts = counts
            log.info(
                "%d connections (%d users); last %.0f s: %d accepted, %d closed, %d refused",
                len(self.clients),
                self.user_count,
                STATS_INTERVAL,
                accepted,
                closed,
                refused,
            )
        self.call_later(STATS_INTERVAL, self._log_stats)

    def _load_motd(self) -> list[str] | None:
        path = self.config.motd_path
        if path is None:
            return None
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            log.warning("cannot read MOTD %s: %s", path, exc)
            return None
        return [line.replace("\0", "").replace("\r", "") for line in text.splitlines()] or [""]

    def _build_isupport(self) -> list[str]:
        L = limits
        return [
            f"AWAYLEN={L.AWAYLEN}",
            "BOT=B",
            "CASEMAPPING=ascii",
            f"CHANLIMIT=#:{L.MAX_CHANNELS_PER_USER}",
            "CHANMODES=beI,k,l,imnst",
            f"CHANNELLEN={L.CHANNELLEN}",
            f"CHANTYPES={CHANTYPES}",
            "ELIST=U",
            "EXCEPTS=e",
            "INVEX=I",
            f"KICKLEN={L.KICKLEN}",
            f"MAXLIST=b:{L.MAX_LIST_ENTRIES},e:{L.MAX_LIST_ENTRIES},I:{L.MAX_LIST_ENTRIES}",
            f"MAXTARGETS={L.MAX_TARGETS}",
            f"MODES={L.MAX_MODES}",
            f"MONITOR={L.MAX_MONITOR}",
            f"NAMELEN={L.REALNAMELEN}",
            f"NETWORK={self.config.network}",
            f"NICKLEN={L.NICKLEN}",
            "PREFIX=(ov)@+",
            "STATUSMSG=@+",
            f"TARGMAX=PRIVMSG:{L.MAX_TARGETS},NOTICE:{L.MAX_TARGETS},TAGMSG:{L.MAX_TARGETS},"
            f"JOIN:,PART:,KICK:{L.MAX_TARGETS},NAMES:{L.MAX_TARGETS},WHOIS:{L.MAX_TARGETS}",
            f"TOPICLEN={L.TOPICLEN}",
            f"USERLEN={L.USERLEN}",
            "UTF8ONLY",
            "WHOX",
        ] + (
            [f"CHATHISTORY={self.config.chathistory_max}", "MSGREFTYPES=msgid,timestamp"]
            if self.history.enabled
            else []
        )

    def shutdown(self, reason: str = "Server shutting down") -> None:
        """Tell every client, flush what we can, close everything and leave the loop."""
        if self.stopping:
            return
        self.stopping = True
        self.out.materialize()
        self.commit_history()  # what was relayed this pass goes out below
        data = f"ERROR :{reason}\r\n".encode()
        for c in list(self.clients):
            if not c.closing:
                self.out.send_bytes(c, data)
        self.flush_all_blocking(2.0)
        for c in list(self.clients):
            if c.sock is not None:
                with contextlib.suppress(OSError):
                    c.sock.shutdown(socket.SHUT_WR)
        self.running = False

    def close(self) -> None:
        self.read_markers.close()
        self.logins.close()
        super().close()
        self.history.close()

    # -- history -------------------------------------------------------------------------------

    def store(
        self,
        c: Client,
        command: str,
        target: str,
        text: str,
        key: str | None = None,
        private: Client | None = None,
    ) -> tuple[str, str] | None:
        """Queue a line for history; returns its (time, msgid) to relay it with, or None.

        ``key`` is given for a line to a whole channel (its folded name): the fast path, which
        hands the store a plain row with the time in milliseconds, nothing to parse back.
        The line must then be relayed with exactly that time and msgid, and it reaches no
        socket before :meth:`commit_history`, which :meth:`flush` runs first. ``private`` is
        the recipient of a private message: it is stored under both connections' identities.
        """
        history = self.history
        if key is None and not history.wants(target, command):
            return None
        ms, stamp = self.out.clock()
        if key is not None:
            msgid = history.append_channel(key, ms, c.prefix, command, target, text)
        else:
            msgid = history.new_msgid()
            record = HistoryRecord(msgid, stamp, c.prefix, command, target, text)
            parties = None if private is None else (c.identity, private.identity)
            key = None if parties is None else private_key(*parties)
            if not history.append(record, key, parties):
                return None
        self._stored_by.append((c, command, target))
        self.out.mark_dirty(c)  # so this pass ends in flush(), which commits
        return stamp, msgid

    def commit_history(self, *, write_ahead: bool = False) -> None:
        """Make everything queued this pass durable. Refused: relay anyway, tell senders.

        Mid-pass (a handler about to read the store) it is one SQLite transaction (with what
        lags behind the journal). With ``write_ahead`` (the end of a pass) it is one journal
        write, and SQLite gets the lines later (:meth:`flush`, :meth:`_settle_history`).
        """
        if not self._stored_by:
            return
        stored_by, self._stored_by = self._stored_by, []
        if self.history.write_ahead() if write_ahead else self.history.commit():
            return
        told: set[tuple[Client, str, str]] = set()
        for c, command, target in stored_by:
            if (c, command, target) in told or c.sock is None or c.closing:
                continue
            told.add((c, command, target))
            self.out.send(
                c,
                f":{self.name} FAIL {command} MESSAGE_ERROR {target} "
                ":Delivered, but could not be saved in the history",
            )

    def flush(self) -> None:
        # A pending channel batch is not materialized here: the reactor's flush sends it
        # straight to its members, after the journal write below (anything written before
        # then, a FAIL or a CAP line, materializes it first, in order).
        history = self.history
        # Group commit: nothing a client can see leaves before it is durable, in the journal.
        # SQLite lags behind it: after the sends, once enough waits or it waited long enough
        # (HistoryStore.settle), and before anything reads the store (the store does that).
        relayed = bool(self._stored_by)
        if relayed:
            self.commit_history(write_ahead=True)
        if history.rooms_pending:
            history.write_ahead()
        if history.enabled:
            follow_history(self)
        super().flush()
        if history.lagging:
            # If refused, the journal keeps the lines and the reopen stores them.
            history.settle()
            self._arm_settle()
        if relayed:
            self._last_relay = time.monotonic()

    def _arm_settle(self) -> None:
        """Make sure a timer commits what lags, when traffic stops (a lone line included)."""
        due = self.history.lag_due_in()
        if due is not None and not self._settle_armed:
            self._settle_armed = True
            self.call_later(due, self._settle_history)

    def _settle_history(self) -> None:
        self._settle_armed = False
        if self.history.settle():
            follow_history(self)
        # Not due (a checkpoint is copying, or these lines came after the ones the timer was
        # set for), or a backlog drains a chunk at a time: look again when it is.
        self._arm_settle()

    # -- room protection kept with the history ---------------------------------------------------
    #
    # History is served only to whoever could have read it live. A room's modes, key, bans and
    # founder are stored with its lines, so when the room is created again (it emptied, or the
    # server restarted) it comes back as protected as it was, and its history with it.

    def save_room(self, ch: Channel) -> None:
        if not self.history.enabled:
            return
        ch.saved = True
        self.history.save_room(
            ch.key,
            {
                "modes": ch.mode_string(with_params=False).split(" ")[0],
                "key": ch.password,
                "limit": ch.limit,
                "topic": [ch.topic, ch.topic_by, ch.topic_time],
                "bans": [[b.mask, b.set_by, b.set_at] for b in ch.bans],
                "excepts": [[b.mask, b.set_by, b.set_at] for b in ch.excepts],
                "invexes": [[b.mask, b.set_by, b.set_at] for b in ch.invexes],
                "founder": list(ch.founder) if ch.founder else None,
                "floor": ch.history_floor,
                "created": ch.created,
            },
        )

    def restore_room(self, ch: Channel) -> bool:
        """Give a room being created again its saved state. False if there was none.

        Stored lines of a room whose state is unknown (never saved, unreadable) are sealed:
        the room starts its history afresh rather than serve what it may have protected.
        """
        history = self.history
        if not history.enabled:
            return False
        state = history.load_room(ch.key)
        if state is None:
            if history.has_messages(ch.key):
                ch.history_floor = history.next_seq
            return False
        try:
            modes = str(state.get("modes", ""))
            ch.invite_only, ch.moderated = "i" in modes, "m" in modes
            ch.no_external, ch.secret, ch.topic_locked = "n" in modes, "s" in modes, "t" in modes
            key = state.get("key")
            ch.password = str(key) if key is not None else None
            ch.limit = int(state.get("limit") or 0)
            topic, by, when = state.get("topic") or ("", "", 0)
            ch.topic, ch.topic_by, ch.topic_time = str(topic), str(by), int(when)
            ch.bans = [Ban(str(m), str(b), int(t)) for m, b, t in state.get("bans") or ()]
            ch.excepts = [Ban(str(m), str(b), int(t)) for m, b, t in state.get("excepts") or ()]
            ch.invexes = [Ban(str(m), str(b), int(t)) for m, b, t in state.get("invexes") or ()]
            founder = state.get("founder")
            ch.founder = (str(founder[0]), str(founder[1])) if founder else None
            ch.history_floor = int(state.get("floor") or 0)
            ch.created = int(state.get("created") or ch.created)
        except (TypeError, ValueError):
            # A damaged row: keep the room shut rather than guess.
            log.warning("room %s: saved state unreadable; history sealed", ch.name)
            ch.invite_only, ch.secret = True, True
            ch.history_floor = history.next_seq
        ch.saved = True
        return True

    # -- password guessing, per address ----------------------------------------------------------

    def _auth_score(self, c: Client) -> float:
        found = self._auth_failures.get(source_of(c.ip))
        if found is None:
            return 0.0
        score, at = found
        return max(0.0, score - (self.now - at) / self.config.auth_fail_decay)

    def auth_throttled(self, c: Client) -> bool:
        """Too many wrong passwords lately from this client's address (any connection)."""
        return self._auth_score(c) >= self.config.auth_fail_limit

    def auth_failed(self, c: Client) -> None:
        source = source_of(c.ip)
        self._auth_failures[source] = (self._auth_score(c) + 1, self.now)
        self._auth_failures.move_to_end(source)
        if len(self._auth_failures) > AUTH_FAILURE_SOURCES:
            self._auth_failures.popitem(last=False)

    def is_founder(self, ch: Channel, c: Client) -> bool:
        return ch.founder is not None and ch.founder == (c.key, c.host)

    def _checkpoint(self) -> None:
        self.history.checkpoint()
        follow_history(self)
        self.call_later(self.config.history_checkpoint_interval, self._checkpoint)

    def _between_lines(self, first_try: float | None, step: Callable[..., None]) -> bool:
        """Is now a good moment for a history upkeep step (an index or retention step holds
        the loop for up to a few ms)? If not, ``step`` is retried shortly and False returned.

        Measured at light load (a line every 5 ms), a 1.6 ms index step landed on about 1% of
        the lines, which is where the p99 is. Right after a pass that relayed stored lines, the
        next line of a steady conversation is furthest away: a step waits for that moment, at
        most UPKEEP_DEFER, and runs at once when no line was relayed for a while. While the
        checkpointer copies the WAL no step runs at all: a write then would keep the WAL from
        restarting after the copy (see HistoryStore.settle).
        """
        if self.history.checkpointing:
            self.call_later(CHECKPOINT_WAIT, step)
            return False
        first_try = self.now if first_try is None else first_try
        since = self.now - self._last_relay
        if UPKEEP_GAP < since < UPKEEP_QUIET and self.now - first_try < UPKEEP_DEFER:
            self.call_later(UPKEEP_GAP, step, first_try)
            return False
        return True

    def _prune(self, first_try: float | None = None) -> None:
        if not self._between_lines(first_try, self._prune):
            return
        done = self.history.prune()
        follow_history(self)
        # A large backlog is deleted in bounded chunks, with the loop serving clients between.
        more = not done and self.history.healthy
        self.call_later(0.05 if more else self.config.history_prune_interval, self._prune)

    def _index_history(self, first_try: float | None = None) -> None:
        if not self._between_lines(first_try, self._index_history):
            return
        more = self.history.index()
        follow_history(self)
        # Search lags the newest lines by at most this interval, unless a backlog builds up.
        delay = history_search.INDEX_BACKLOG_INTERVAL if more else history_search.INDEX_INTERVAL
        self.call_later(delay, self._index_history)

    def new_batch_id(self) -> str:
        self._batch_counter += 1
        return _base36(self._batch_counter)

    def make_operator(self, nick: str) -> None:
        c = self.nicks.get(casefold(nick))
        if c is None or not c.registered:
            log.warning("make_operator: no such user %r", nick)
            return
        self.set_oper(c)

    def set_oper(self, c: Client) -> None:
        if not c.oper:
            c.oper = True
            self.oper_count += 1
            self.out.send(c, f":{c.nick} MODE {c.nick} :+o")
        self.out.reply(c, N.RPL_YOUREOPER, "You are now an IRC operator")

    # -- connections ---------------------------------------------------------------------------

    def on_accept(self, sock: socket.socket, addr: Address) -> None:
        ip = addr[0]
        if ip.startswith("::ffff:") and "." in ip:
            ip = ip[7:]
        # One string for all the clients of an address (NAT, a bouncer, a benchmark), not one
        # each: the per-client memory target is 1.5 KiB.
        ip = sys.intern(ip)
        cfg = self.config
        if len(self.clients) >= self.max_clients:
            self._refuse(sock, ip, "Server is full")
            return
        count = self.per_ip.get(ip, 0)
        if count >= cfg.max_per_ip and not (cfg.exempt_loopback and _is_loopback(ip)):
            self._refuse(sock, ip, "Too many connections from your address")
            return
        self.per_ip[ip] = count + 1
        c = Client(sock, ip, self.now)
        c.tokens = self._full_bucket
        self.register(c)
        self.accepted += 1
        self.connlog.note(self.now, "connection from %s", ip)

    def on_overload(self, sock: socket.socket, addr: Address) -> None:
        with contextlib.suppress(OSError):
            sock.setblocking(False)
        self._refuse(sock, addr[0], "Server is full")

    def _refuse(self, sock: socket.socket, ip: str, reason: str) -> None:
        self.refused += 1
        log.debug("refused %s: %s", ip, reason)
        try:
            sock.send(f"ERROR :Closing Link: {ip} ({reason})\r\n".encode())
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        sock.close()

    def on_dropped(self, c: Client) -> None:
        self.closed += 1
        self._lingering.discard(c)
        if not c.signon:  # never registered: remove_user logged nothing for it
            self.connlog.note(self.now, "%s closed before registering", c.ip)
        count = self.per_ip.get(c.ip, 1) - 1
        if count > 0:
            self.per_ip[c.ip] = count
        else:
            self.per_ip.pop(c.ip, None)

    def on_eof(self, c: Client, reason: str) -> None:
        if not c.closing:
            self.remove_user(c, reason)
            log.debug("%s closed: %s", c, reason)
        self.drop(c)

    def on_sendq_exceeded(self, c: Client) -> None:
        c.outbuf = bytearray()  # it will never read it
        self.remove_user(c, "SendQ exceeded")
        log.debug("%s dropped: SendQ exceeded", c)
        self.drop(c)

    def disconnect(self, c: Client, reason: str, quit_message: str | None = None) -> None:
        """Close a client: others see QUIT, it gets ERROR, the socket lingers to deliver it."""
        if c.closing or c.sock is None:
            return
        self.out.materialize()
        self.remove_user(c, quit_message or reason)
        c.closing = True
        self._lingering.add(c)
        c.inbuf = bytearray()
        c.partial = 0
        c.hold_until = self.now + self.config.close_linger
        self.out.send_bytes(c, f"ERROR :Closing Link: {c.host} ({reason})\r\n".encode())
        log.debug("%s disconnected: %s", c, reason)

    def remove_user(self, c: Client, reason: str) -> None:
        """Forget a user: QUIT to everyone sharing a channel (once each), free the nick."""
        self.out.materialize()
        if c.registered:
            self.connlog.note(self.now, "%s (%s) quit: %s", c.prefix, c.ip, reason)
            peers = self.peers(c)
            if peers:
                self.out.fanout(peers, f":{c.prefix} QUIT :{reason}")
            self.leave_all(c)
            self.remember(c)
            self.user_count -= 1
            self.invisible_count -= c.invisible
            self.oper_count -= c.oper
        self.monitor.clear(c)
        if c.key and self.nicks.get(c.key) is c:
            del self.nicks[c.key]
            if c.registered:
                self.monitor.offline(c.key, c.nick)
        c.registered = False
        self.read_markers.detach(c)

    def remember(self, c: Client) -> None:
        self.whowas.append(WhowasEntry(c.key, c.nick, c.user, c.host, c.realname, time.time()))

    # -- users and channels --------------------------------------------------------------------

    def find_user(self, nick: str) -> Client | None:
        c = self.nicks.get(casefold(nick))
        return c if c is not None and c.registered else None

    def find_channel(self, name: str) -> Channel | None:
        return self.channels.get(casefold(name))

    def existing_channel(self, c: Client, name: str) -> Channel | None:
        """The channel called ``name``, or None after telling ``c`` there is none (403)."""
        ch = self.find_channel(name)
        if ch is None:
            self.out.reply(c, N.ERR_NOSUCHCHANNEL, name, "No such channel")
        return ch

    # Membership changes only here: a pending channel batch is written out to the members it
    # was made for before anyone joins or leaves.

    def add_member(self, ch: Channel, c: Client, flags: int) -> None:
        self.out.materialize()
        self.channels.setdefault(ch.key, ch)
        ch.members[c] = flags
        channels = c.channels
        if not isinstance(channels, dict):
            channels = c.channels = {}
        channels[ch.key] = ch

    def remove_member(self, ch: Channel, c: Client) -> None:
        self.out.materialize()
        del ch.members[c]
        channels = c.channels
        assert isinstance(channels, dict)
        del channels[ch.key]
        if not channels:
            c.channels = NO_CHANNELS  # an emptied dict keeps its table
        if not ch.members:
            del self.channels[ch.key]

    def leave_all(self, c: Client) -> None:
        for ch in list(c.channels.values()):
            self.remove_member(ch, c)

    def peers(self, c: Client) -> set[Client]:
        out: set[Client] = set()
        for ch in c.channels.values():
            out.update(ch.members)
        out.discard(c)
        return out

    def _sweep(self) -> None:
        """One periodic sweep instead of per-client timers: lingering closes every tick, then
        this tick's share of everyone else (timeouts, pings)."""
        self.out.materialize()
        cfg = self.config
        now = self.now
        for c in [c for c in self._lingering if now >= c.hold_until]:
            self.drop(c)
        ping_line = f"PING :{self.name}\r\n".encode()
        for c in self._rotation.batch(self.clients):
            if c.closing or c.sock is None:
                continue  # lingering (above), or gone since the pass began
            elif not c.registered:
                if now - c.connected_at > cfg.registration_timeout:
                    self.disconnect(c, "Registration timed out")
            elif c.nick_deadline and now >= c.nick_deadline:
                nickguard.due(self, c)  # a nick reserved for an account: its grace is over
            elif c.multiline is not None and now - c.multiline.opened > cfg.multiline_timeout:
                multiline.expire(self, c)  # an unfinished batch holds memory: bounded in time
            elif now < c.hold_until:
                continue  # commands are queued: the client is busy, not idle
            else:
                idle = now - c.last_active
                if idle > cfg.ping_timeout:
                    self.disconnect(c, f"Ping timeout: {int(idle)} seconds")
                elif idle > cfg.ping_interval and not c.ping_sent:
                    c.ping_sent = True
                    self.out.send_bytes(c, ping_line)
        self.call_later(self._sweep_interval, self._sweep)

    # -- input ---------------------------------------------------------------------------------

    def on_data(self, c: Client, data: bytes) -> None:
        """Frame what arrived into lines and run them while the client's flood budget lasts.

        Only the new bytes are scanned here: a peer sending a byte per packet costs a byte's
        work per packet, not a re-read of the line it is building.
        """
        c.last_active = self.now
        c.ping_sent = False
        newline = data.rfind(b"\n")
        c.partial = len(data) - newline - 1 if newline >= 0 else c.partial + len(data)
        if c.inbuf or newline < 0 or self.now < c.hold_until:
            c.inbuf += data
            if len(c.inbuf) > c.partial and self.now >= c.hold_until:
                self.process_input(c, c.inbuf)
            elif self.now < c.hold_until:
                self.out.mark_dirty(c)  # may stop reading: see HELD_INPUT_LIMIT
        else:
            self.process_input(c, data)  # the usual case: whole lines, nothing pending
        if c.partial >= MAX_UNTERMINATED:
            self.disconnect(c, "Input line too long")

    def process_input(self, c: Client, buf: bytes | bytearray) -> None:
        """Run the complete lines at the start of ``buf`` (``c.inbuf``, or the bytes just
        received when nothing was pending); keep the rest in ``c.inbuf``.

        A line ends at LF, CR LF or a bare CR: a CR must never reach another client, and each
        command it ends costs a token of the flood budget like any line. Every byte is looked
        at a bounded number of times: fresh bytes are split once, and queued ones are found
        from a moving position and cut off the front once (O(1) for a bytearray), so a deep
        queue run one line per token costs the same per line however much waits.
        """
        flood = self.config.flood_limit
        sendq = self.config.sendq_limit
        pos = 0
        if buf.__class__ is bytes and buf.count(b"\r") == buf.count(b"\r\n"):
            # The usual case, received whole lines with no bare CR: one split in C.
            lines = buf.split(b"\n")
            lines.pop()  # the unterminated rest
            for line in lines:
                if self.now < c.hold_until or (flood and not self._take_token(c)):
                    break
                pos += len(line) + 1
                self.handle_line(c, line[:-1] if line[-1:] == b"\r" else line)
                if (
                    c.closing or c.sock is None or len(c.outbuf) > sendq
                ) and not self._still_reading(c, sendq):
                    return
        else:
            end = -1  # the LF ending the line that starts at ``pos``
            while True:
                if end < pos:
                    end = buf.find(b"\n", pos)
                    if end < 0:
                        break
                if self.now < c.hold_until or (flood and not self._take_token(c)):
                    break
                stop = end - 1 if end > pos and buf[end - 1] == 13 else end  # 13: CR of CR LF
                cr = buf.find(b"\r", pos, stop)
                if cr >= 0:
                    piece, pos = buf[pos:cr], cr + 1
                else:
                    piece, pos = buf[pos:stop], end + 1
                self.handle_line(c, bytes(piece))
                if not self._still_reading(c, sendq):
                    return
        if buf is c.inbuf:
            del buf[:pos]
        elif pos < len(buf):
            c.inbuf += memoryview(buf)[pos:]
        if len(c.inbuf) > c.partial:
            self.out.mark_dirty(c)  # lines wait for tokens: reading may have to pause

    def _still_reading(self, c: Client, sendq: int) -> bool:
        """After one of ``c``'s lines: whether to go on running its input."""
        if c.closing or c.sock is None:
            return False
        if len(c.outbuf) > sendq:
            # Checked as replies are made, not only at the end of the pass: pipelined
            # WHO/NAMES/LIST must not queue many times the SendQ first. The flush (which
            # commits history first) sends what the kernel takes and drops the client if the
            # rest is still past its SendQ; its later commands then never run.
            self.flush()
            return c.sock is not None
        return True

    def hold(self, c: Client, seconds: float) -> None:
        """Stop processing this client's input for a while (the rest of its lines wait)."""
        c.hold_until = max(c.hold_until, self.now + seconds)
        self.call_later(c.hold_until - self.now, self._resume, c)

    def release(self, c: Client) -> None:
        """End a :meth:`hold` early (the work it waited for is done) and run what queued."""
        c.hold_until = self.now
        self._resume(c)

    def _take_token(self, c: Client) -> bool:
        cfg = self.config
        tokens = c.tokens + (self.now - c.tokens_at) * cfg.flood_rate
        if tokens > cfg.flood_burst:
            tokens = cfg.flood_burst
        c.tokens_at = self.now
        if tokens >= 1.0:
            c.tokens = tokens - 1.0
            return True
        c.tokens = tokens
        self.hold(c, (1.0 - tokens) / cfg.flood_rate)
        return False

    def _resume(self, c: Client) -> None:
        if c.sock is None or c.closing or self.now < c.hold_until:
            return
        self.process_input(c, c.inbuf)
        if c.sock is not None:
            self.out.mark_dirty(c)  # reading may have been paused

    def handle_line(self, c: Client, raw: bytes) -> None:
        """One line, without its terminator (the framing in process_input cut CR and LF)."""
        if raw[:9] == b"PRIVMSG #" and c.registered and self._fast_line(c, raw):
            return
        if not raw.strip(b" "):
            return
        if raw[0] == 64:  # '@'
            space = raw.find(b" ")
            tag_bytes = len(raw) if space < 0 else space + 1
            # The limit is on the tag data, without the '@' and the space that frame it.
            if tag_bytes - 2 > limits.MAX_CLIENT_TAGS_BYTES:
                self.out.reply(c, N.ERR_INPUTTOOLONG, "Input line was too long")
                return
            body = len(raw) - tag_bytes
        else:
            body = len(raw)
        if body > limits.MAX_LINE_BYTES - 2:
            self.out.reply(c, N.ERR_INPUTTOOLONG, "Input line was too long")
            return
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            command = _guess_command(raw)
            self.out.send(
                c,
                f":{self.name} FAIL {command} INVALID_UTF8 "
                ":Message rejected, your message contained invalid UTF-8",
            )
            self.bad_line(c)
            return
        if "\0" in line:
            self.out.reply(
                c, N.ERR_UNKNOWNERROR, _guess_command(raw), "Message contained a NUL byte"
            )
            self.bad_line(c)
            return
        try:
            msg = parse(line)
        except ParseError:
            self.bad_line(c)
            return
        self.dispatch(c, msg)

    def _fast_line(self, c: Client, raw: bytes) -> bool:
        """``PRIVMSG #chan :text`` (most of a busy server's input) without the generic parse.

        Only a line the generic path would treat exactly the same way is taken: one target,
        no tags, non-empty text, within the length limit, valid UTF-8, no NUL (the framing
        has already cut lines at every CR).
        Returns False to leave the line to the generic path.
        """
        colon = raw.find(b" :", 9)
        if (
            colon < 0
            or colon + 2 == len(raw)
            or len(raw) > limits.MAX_LINE_BYTES - 2
            or raw.find(b" ", 9, colon) >= 0
            or raw.find(b",", 9, colon) >= 0
            or b"\0" in raw
        ):
            return False
        try:
            text = raw[colon + 2 :].decode()
            name = raw[8:colon].decode()
        except UnicodeDecodeError:
            return False
        try:
            fast_privmsg(self, c, name, text)
        except Exception:
            log.exception("error in PRIVMSG from %r", c)
            if c.sock is not None and not c.closing:
                self.out.reply(c, N.ERR_UNKNOWNERROR, "PRIVMSG", "Internal server error")
        return True

    def bad_line(self, c: Client) -> None:
        """Count a malformed or premature line; a client that sends mostly garbage is closed."""
        cfg = self.config
        if c.registered:
            # Leaky bucket: drains at limit/window per second, so only a burst closes.
            drained = (self.now - c.bad_at) * cfg.garbage_limit / cfg.garbage_window
            c.bad_lines = max(0.0, c.bad_lines - drained) + 1
            c.bad_at = self.now
            limit = cfg.garbage_limit
        else:
            c.bad_lines += 1
            limit = cfg.garbage_limit_unregistered
        if c.bad_lines > limit:
            self.disconnect(c, "Too many malformed lines")

    def dispatch(self, c: Client, msg: Message) -> None:
        """Run a command's handler after the checks its spec asks for (registry.CommandSpec),
        its reply labeled if the client asked (labeled-response)."""
        label = label_requested(c, msg)
        if label is None:
            self._dispatch(c, msg)
            return
        start = self.out.mark(c)
        self._dispatch(c, msg)
        if c.sock is None or c.closing:
            return  # gone (QUIT, KILL, SendQ): nobody to answer
        ref = self.new_batch_id()
        self.out.rewrite_since(c, start, lambda reply: labeled(reply, label, self.name, ref))

    def _dispatch(self, c: Client, msg: Message) -> None:
        spec = lookup(msg.command)
        if spec is None:
            if c.registered:  # clients probe for commands: not counted as garbage
                self.out.reply(c, N.ERR_UNKNOWNCOMMAND, msg.command, "Unknown command")
            else:
                self.out.reply(c, N.ERR_NOTREGISTERED, "You have not registered")
                self.bad_line(c)
            return
        if not spec.batches:
            self.out.materialize()  # only channel relays may add to a pending batch
        if not c.registered and not spec.before_registration:
            self.out.reply(c, N.ERR_NOTREGISTERED, "You have not registered")
            self.bad_line(c)
            return
        if spec.oper_only and not c.oper:
            self.out.reply(c, N.ERR_NOPRIVILEGES, "Permission Denied- You're not an IRC operator")
            return
        if len(msg.params) < spec.min_params:
            self.out.reply(c, N.ERR_NEEDMOREPARAMS, msg.command, "Not enough parameters")
            return
        try:
            spec.handler(self, c, msg)
        except Exception:
            log.exception("error in %s from %r", msg.command, c)
            if c.sock is not None and not c.closing:
                self.out.reply(c, N.ERR_UNKNOWNERROR, msg.command, "Internal server error")


# Addresses whose failed password attempts are remembered (least recently failed forgotten).
AUTH_FAILURE_SOURCES = 4096


STATS_INTERVAL = 60.0  # seconds between the INFO summaries of connections
# History upkeep steps wait for a moment between lines (Server._between_lines): "right after a
# relay" is within UPKEEP_GAP of one (also the retry period), a conversation quiet for
# UPKEEP_QUIET needs no waiting, and no step waits longer than UPKEEP_DEFER.
UPKEEP_GAP = 0.001
# An upkeep step due while the checkpointer copies the WAL looks again this much later.
CHECKPOINT_WAIT = 0.01
UPKEEP_QUIET = 1.0
UPKEEP_DEFER = 0.05


class _NickTemplate:
    """Server lines ``:<server> <code> <nick> <rest>`` with everything but the nick encoded.

    ``parts`` joined with an encoded nick give all the lines at once; it is None when a line
    could pass 512 bytes with a long nick (a long MOTD line), and ``Server.burst`` then cuts
    each line for the nick at hand.
    """

    __slots__ = ("lines", "parts")

    def __init__(self, server_name: str, lines: list[tuple[str, str]]) -> None:
        self.lines = lines
        parts = [b""]
        for code, rest in lines:
            head = f":{server_name} {code} ".encode()
            tail = f" {rest}\r\n".encode()
            if len(head) + limits.NICKLEN + len(tail) > limits.MAX_LINE_BYTES:
                self.parts = None
                return
            parts[-1] += head
            parts.append(tail)
        self.parts = parts


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


# Descriptors the server needs besides one per client: listeners, the wake-up pair, the
# selector, the history database and its WAL, the spare, stdio and logging.
FD_MARGIN = 32


def _descriptor_cap(max_clients: int) -> int:
    """``max_clients``, lowered to what RLIMIT_NOFILE leaves room for, so that a full server
    refuses with a reason instead of running out of descriptors."""
    try:
        import resource
    except ImportError:  # not a Unix
        return max_clients
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return max_clients
    return max(1, min(max_clients, soft - FD_MARGIN))


def _is_loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def _guess_command(raw: bytes) -> str:
    try:
        command = parse(raw.decode("utf-8", "replace")).command
    except ParseError:
        return "*"
    return command if command.isascii() and command.isalnum() else "*"
