"""``ChatClient``: the worker-thread loop that owns the socket and drives a :class:`Session`.

``run()`` blocks in the worker thread; every other public method may be called from any thread:
they put a request on a queue and poke a wake socket, so the UI never touches the network and
never waits on it. Events are gathered for ``batch_interval`` and handed to ``emit`` in one tuple.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import logging
import os
import queue
import secrets
import selectors
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tui_chat.irc import Message, ParseError, parse

from .chatlog import ChatLog
from .connection import LineReader, Outbox, Outgoing, backoff_delay, is_ip_literal, strip_brackets
from .events import (
    SERVER_BUFFER,
    ConnectionState,
    Event,
    Lag,
    MessageKind,
    PasswordNeeded,
    PendingMessage,
    ServerInfo,
)
from .multiline import plan_batches
from .sasl import SaslConfig
from .session import LAG_TOKEN_PREFIX, Session, split_text
from .tls import (
    CertificateRefused,
    PinStore,
    TLSPolicy,
    check_certificate,
    context_for,
    describe_verify_error,
)
from .ui_turn import LINES_PER_LOOK, UiTurn

log = logging.getLogger(__name__)

_RECV_SIZE = 65536
NOT_READING = "the server is not reading what we send"
_QUIT_FLUSH_SECONDS = 0.5
# Lines that keep the connection alive or registered: they skip the chat lane's queue.
_URGENT_COMMANDS = frozenset({"PONG", "CAP", "PASS", "USER", "QUIT"})


@dataclass(frozen=True)
class ClientSettings:
    host: str
    port: int = 6667
    nick: str = "guest"
    username: str | None = None
    realname: str = "tui-chat user"
    password: str | None = None
    # Joined after registration and after every reconnect; "#room key" joins with a key.
    rooms: tuple[str, ...] = ("#lobby",)
    reconnect_min: float = 1.0
    reconnect_max: float = 60.0
    # The backoff starts over only after a connection stayed up this long: a server that drops
    # us right after the welcome must not get an immediate reconnect every time.
    reconnect_stable: float = 60.0
    lag_interval: float = 30.0
    # After a reconnect under the nick we had (not the preferred one), wait this long before
    # reclaiming the preferred nick: its owner is probably reconnecting too.
    reclaim_grace: float = 120.0
    lag_timeout: float = 90.0
    connect_timeout: float = 10.0
    batch_interval: float = 0.03  # gather events this long into one emit() call
    # Our own chat lines (typed lines, commands, JOINs) leave through a token bucket: a burst of
    # chat_burst, then chat_rate a second. Both stay under our server's flood limit (20, then 5/s)
    # and ngircd's (about 3 commands a second), so a server never holds our PONG behind a paste.
    chat_burst: int = 5
    chat_rate: float = 2.5
    # Quitting sends the chat lines still waiting before QUIT: quit_burst of them at once (with
    # chat_burst, still under our server's burst of 20), then the paced rate for at most
    # quit_flush seconds. What would not fit is reported by lines_left_at_quit(), so the app
    # can ask before dropping it.
    quit_burst: int = 10
    quit_flush: float = 2.0
    # What a server can make us hold unsent (our answers to its PINGs while it never reads us),
    # like a server's SendQ: past it the connection is dropped and made again.
    max_unsent_bytes: int = 1 << 20
    # Chat logs go to <log_dir>/<server>/<buffer>.log (see chatlog.chat_log_path); None: no logs.
    log_dir: Path | None = None
    # TLS: None is plaintext; see tls.TLSPolicy for how the certificate is trusted.
    tls: TLSPolicy | None = None
    sasl: SaslConfig | None = None  # log in during registration (PLAIN, or EXTERNAL with TLS)


class _Stopped(Exception):
    """stop() was called while the worker was waiting."""


class _Refused(Exception):
    """Connecting again cannot help (a certificate we do not trust): the worker stops."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class _ConnectionLost(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ChatClient:
    def __init__(self, settings: ClientSettings, emit: Callable[[tuple[Event, ...]], None]) -> None:
        self.settings = settings
        self._emit_cb = emit
        self._server = f"{settings.host}:{settings.port}"
        self._session = Session(
            settings.nick,
            settings.username,
            settings.realname,
            settings.password,
            settings.rooms,
            sasl=settings.sasl,
        )
        self._requests: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._stopping = threading.Event()
        self._retry_now = threading.Event()
        # A password typed in the app for the next attempt (set from the UI thread, taken by
        # the worker); a one-element list so the swap is one atomic operation either side.
        self._new_password: list[str | None] = []
        self._quit_message = "Leaving"
        self._ids = itertools.count(1)
        self._id_lock = threading.Lock()
        self._connected = False
        self._unwritten = 0  # typed lines not yet written to a socket (under _id_lock)
        self.security = ""  # "TLS 1.3, pinned" etc. while connected with TLS; "" for plaintext
        # Taken by the UI while a keystroke waits for its frame; the worker waits between chunks.
        self.ui_turn = UiTurn()

        # Everything below belongs to the worker thread.
        self._events: list[Event] = []
        self._batch_deadline = 0.0
        self._unsent: deque[Outgoing] = deque()
        self._sock: socket.socket | None = None
        self._outbox = Outbox()
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._wake_r, selectors.EVENT_READ)
        self._resolved: dict[int, object] = {}
        self._reconnect_asked = False
        self._chatlog = (
            ChatLog(settings.log_dir, strip_brackets(settings.host), settings.port)
            if settings.log_dir is not None
            else None
        )

    # ------------------------------------------------------------------ any thread

    @property
    def nick(self) -> str:
        return self._session.nick

    @property
    def connected(self) -> bool:
        return self._connected

    def unsent_lines(self) -> int:
        """Typed lines not yet written to the server (waiting for the pace or a connection)."""
        with self._id_lock:
            return self._unwritten

    def lines_left_at_quit(self) -> int:
        """How many of :meth:`unsent_lines` quitting now would drop: those beyond what the
        quit flush can send (all of them while not connected)."""
        unsent = self.unsent_lines()
        if not self._connected:
            return unsent
        s = self.settings
        return max(0, unsent - (max(0, s.quit_burst) + int(s.chat_rate * s.quit_flush)))

    def stop(self, quit_message: str = "Leaving") -> None:
        self._quit_message = _clean(quit_message)
        self._stopping.set()
        self._poke()

    def retry_now(self) -> None:
        """While waiting to reconnect, stop waiting and try at once (a "reconnect now" button)."""
        self._retry_now.set()
        self._poke()

    def reconnect(self) -> None:
        """Drop the connection (saying QUIT) and connect again at once; when not connected,
        stop waiting and try now. Lines not yet delivered are sent on the new connection."""
        self._request("reconnect")
        self.retry_now()

    def set_password(self, password: str | None) -> None:
        """Use ``password`` (None: none) from the next attempt on, and make that attempt now."""
        if password is not None:
            _check_params(password)
        self._new_password.append(password)
        self.retry_now()

    def multiline_available(self) -> bool:
        """Whether a multi-line text goes as one message (the server takes draft/multiline)."""
        return self._session.multiline_limits() is not None

    def say(
        self,
        buffer: str,
        text: str,
        kind: MessageKind = "privmsg",
        reply_to: str | None = None,
        whole: bool = False,
    ) -> list[str]:
        """Queue ``text`` for ``buffer``; return one pending id per message actually sent.

        Each line is a message; with ``whole``, where the server takes draft/multiline, the
        text is one multi-line message (several if it is over the server's limits).
        ``reply_to``: the msgid this answers, sent as ``+draft/reply`` where tags are allowed.
        """
        if buffer == SERVER_BUFFER or not buffer or any(c in buffer for c in " ,\r\n\x00"):
            raise ValueError(f"cannot send messages to {buffer!r}")
        if reply_to is not None:
            _check_params(reply_to)
        text = text.replace("\x00", "")
        command = "NOTICE" if kind == "notice" else "PRIVMSG"
        budget = self._session.line_budget(command, buffer)
        if kind == "action":
            budget -= len("\x01ACTION \x01")
        limits = self._session.multiline_limits()
        if whole and limits is not None and kind != "action" and "\n" in text.strip():
            chunks = plan_batches(text, budget, limits)  # each chunk one multi-line message
        else:
            chunks = split_text(text, budget)
        ids = []
        for chunk in chunks:
            with self._id_lock:
                pending_id = f"p{next(self._ids)}"
                self._unwritten += 1
            ids.append(pending_id)
            self._request("say", pending_id, buffer, chunk, kind, reply_to)
        return ids

    def redact(self, buffer: str, msgid: str, reason: str = "") -> None:
        """Ask the server to delete the message ``msgid`` in ``buffer`` (REDACT); a server
        without draft/message-redaction gets nothing and the conversation says so."""
        _check_params(buffer, msgid, reason)
        if not msgid or " " in msgid or msgid.startswith(":") or " " in buffer:
            raise ValueError(f"not a message id: {msgid!r}")
        self._request("redact", buffer, msgid, reason)

    def send_typing(self, buffer: str, state: str) -> None:
        """Tell ``buffer`` we are typing (``active``, ``paused``, ``done``): sent only while
        connected to a server with message-tags, never queued (stale typing means nothing)."""
        if buffer == SERVER_BUFFER or not buffer or any(c in buffer for c in " ,\r\n\x00"):
            raise ValueError(f"cannot send typing to {buffer!r}")
        self._request("typing", buffer, state)

    def join(self, channel: str, key: str | None = None) -> None:
        _check_params(channel, key or "")
        self._request("join", channel, key)

    def part(self, channel: str, reason: str = "") -> None:
        _check_params(channel, reason)
        self._request("part", channel, reason)

    def set_nick(self, nick: str) -> None:
        _check_params(nick)
        self._request("nick", nick)

    def mark_read(self, buffer: str, when: datetime) -> None:
        """Tell the server (if it keeps read markers) that ``buffer`` is read up to ``when``."""
        _check_params(buffer)
        self._request("markread", buffer, when)

    def send_command(self, command: str, *params: str) -> None:
        _check_params(command, *params)
        for p in params[:-1]:
            if not p or " " in p or p.startswith(":"):
                raise ValueError(f"only the last parameter may be empty or contain spaces: {p!r}")
        if command.upper() == "QUIT":
            # Quitting through the server would only make the worker reconnect.
            self.stop(params[0] if params else "Leaving")
            return
        self._request("raw", Message.of(command, *params).to_line())

    def send_raw(self, line: str) -> None:
        if any(c in line for c in "\r\n\x00"):
            raise ValueError("a raw line may not contain CR, LF or NUL")
        if not line.strip():
            raise ValueError("empty line")
        try:
            msg = parse(line)
        except ParseError:
            raise ValueError(f"not an IRC command: {line!r}") from None
        if msg.command == "QUIT":
            self.stop(msg.param(0, "Leaving"))
            return
        self._request("raw", line)

    def _request(self, *item: object) -> None:
        self._requests.put(item)
        self._poke()

    def _poke(self) -> None:
        with contextlib.suppress(OSError):  # full (already poked) or closed (already stopped)
            self._wake_w.send(b"\0")

    # ------------------------------------------------------------------ worker thread

    def run(self) -> None:
        """Connect, chat, reconnect on failure, until stop(). Returns within a second of it."""
        s = self.settings
        attempt = 0
        try:
            while not self._stopping.is_set():
                up_for, detail = self._serve_once()
                if self._stopping.is_set():
                    break
                if self._session.password_refusal is not None:
                    # Another try with the same password only fails again (and may get this
                    # address locked out): wait for the user to give one, or to ask for a retry.
                    self._wait_for_password(self._session.password_refusal)
                    attempt = 0
                    continue
                if up_for >= s.reconnect_stable:
                    attempt = 0
                delay = backoff_delay(attempt, s.reconnect_min, s.reconnect_max)
                attempt += 1
                self._state("reconnecting", detail, retry_in=round(delay, 2))
                self._wait(delay)
        except _Stopped:
            pass
        except _Refused as e:
            self._add(ServerInfo(buffer=SERVER_BUFFER, text=e.detail, level="error"))
            self._state("disconnected", e.detail)
        except Exception:
            log.exception("client worker crashed")
            self._add(ServerInfo(buffer=SERVER_BUFFER, text="internal error", level="error"))
            raise
        finally:
            self._close_socket()
            self._connected = False
            self._state("disconnected", "stopped" if self._stopping.is_set() else "error")
            self._flush_events(force=True)
            if self._chatlog is not None:
                self._chatlog.close()
            self._sel.close()
            self._wake_r.close()
            self._wake_w.close()

    def _wait_for_password(self, reason: str) -> None:
        self._state("disconnected", "password needed" if not self._session.password else reason)
        self._add(
            PasswordNeeded(server=self._server, sent=bool(self._session.password), reason=reason)
        )
        self._flush_events(force=True)
        while not self._retry_now.is_set():
            with contextlib.suppress(_ConnectionLost):
                self._wait_for(self._retry_now.is_set, 3600.0, "password")
        self._retry_now.clear()

    def _serve_once(self) -> tuple[float, str]:
        """One connection from resolution to loss: (seconds it was registered, why it ended)."""
        session = self._session
        while self._new_password:
            session.password = self._new_password.pop(0)
        self._retry_now.clear()  # a request made while connected is stale by the next wait
        self.security = ""
        self._state("connecting")
        try:
            sock = self._connect()
            if self.settings.tls is not None:
                sock = self._start_tls(sock, self.settings.tls)
        except _ConnectionLost as e:
            return 0.0, e.detail
        self._sock = sock
        self._outbox = Outbox(self.settings.chat_burst, self.settings.chat_rate)
        session.connection_made()
        self._state("registering")
        for line in session.registration_lines():
            self._outbox.put(line)
        reader = LineReader()
        self._sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
        started = time.monotonic()
        ping_due = 0.0
        ping_sent: dict[str, float] = {}
        welcomed = False
        welcomed_at = 0.0
        reclaim_after = 0.0
        try:
            while True:
                now = time.monotonic()
                if self._stopping.is_set():
                    self._quit()
                    raise _Stopped
                # Timers: registration deadline, lag probes, nick reclaim.
                if not welcomed and now - started > self.settings.lag_timeout:
                    raise _ConnectionLost("registration timed out")
                if welcomed:
                    if ping_sent and now - min(ping_sent.values()) > self.settings.lag_timeout:
                        raise _ConnectionLost("ping timeout")
                    if now >= ping_due:
                        token = f"{LAG_TOKEN_PREFIX}{now:.3f}"
                        ping_sent[token] = now
                        self._outbox.put(f"PING :{token}")
                        if now >= reclaim_after:
                            session.try_reclaim_nick(retry=True)
                        ping_due = now + self.settings.lag_interval
                self._drain_session()
                if self._outbox.unsent_bytes > self.settings.max_unsent_bytes:
                    raise _ConnectionLost(NOT_READING)
                self._flush_events()
                timer = (ping_due if welcomed else started + self.settings.lag_timeout) - now
                paced_in = self._outbox.release()
                if paced_in is not None:
                    timer = min(timer, paced_in)
                timeout = self._next_timeout(timer)
                self._sel.modify(
                    sock,
                    selectors.EVENT_READ | (selectors.EVENT_WRITE if self._outbox else 0),
                )
                for key, mask in self._sel.select(timeout):
                    if key.fileobj is self._wake_r:
                        self._drain_wake()
                        continue
                    if mask & selectors.EVENT_WRITE:
                        self._send_ready(sock)
                    if mask & selectors.EVENT_READ:
                        data = self._recv(sock)
                        for i, line in enumerate(reader.feed(data)):
                            if not i % LINES_PER_LOOK:
                                self.ui_turn.wait()
                            self._handle_line(line, ping_sent)
                self._handle_requests()
                if self._reconnect_asked:
                    self._reconnect_asked = False
                    self._outbox.put(Message.of("QUIT", "Reconnecting").to_line())
                    self._flush_outbox(sock, time.monotonic() + _QUIT_FLUSH_SECONDS, paced=False)
                    self._retry_now.set()  # the wait before the next attempt ends at once
                    raise _ConnectionLost("reconnecting as asked")
                if not welcomed and session.welcomed:
                    welcomed = True
                    welcomed_at = time.monotonic()
                    if session.holding_nick:
                        reclaim_after = welcomed_at + self.settings.reclaim_grace
                    self._connected = True
                    self._state("connected")
                    ping_due = time.monotonic()
                    self._flush_unsent()
        except _ConnectionLost as e:
            return (time.monotonic() - welcomed_at if welcomed else 0.0), e.detail
        finally:
            self._connected = False
            session.connection_lost()
            self._sel.unregister(sock)
            self._drain_session()
            self._requeue()
            self._close_socket()

    def _handle_line(self, line: str, ping_sent: dict[str, float]) -> None:
        try:
            msg = parse(line)
        except ParseError:
            return
        if msg.command == "PONG":
            token = msg.params[-1] if msg.params else ""
            sent = ping_sent.pop(token, None)
            if sent is not None:
                # Older probes are answered too: the server replies in order.
                ping_sent.clear()
                self._add(Lag(seconds=round(time.monotonic() - sent, 3)))
                return
        try:
            self._session.feed(msg)
        except Exception:
            # One line the session cannot make sense of must not end the connection.
            log.exception("could not handle %r", line[:200])
        if msg.command == "ERROR":
            self._drain_session()
            raise _ConnectionLost(f"server said: {msg.param(0)}"[:200])

    def _recv(self, sock: socket.socket) -> bytes:
        try:
            data = sock.recv(_RECV_SIZE)
            if data and isinstance(sock, ssl.SSLSocket):
                # The rest of a TLS record OpenSSL holds is invisible to select(): take it now.
                while sock.pending():
                    data += sock.recv(_RECV_SIZE)
        except (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return b""
        except ssl.SSLZeroReturnError:
            raise _ConnectionLost("server closed the connection") from None
        except OSError as e:
            raise _ConnectionLost(f"connection lost: {e.strerror or e}") from None
        if not data:
            raise _ConnectionLost("server closed the connection")
        return data

    def _send_ready(self, sock: socket.socket) -> None:
        try:
            done = self._outbox.send(sock)
        except OSError as e:
            raise _ConnectionLost(f"connection lost: {e.strerror or e}") from None
        for item in done:
            if item.pending_id is not None:
                with self._id_lock:
                    self._unwritten -= 1
                if item.was_queued:
                    self._add(
                        PendingMessage(
                            pending_id=item.pending_id,
                            buffer=self._session.buffer_for(item.buffer),
                            text=_visible(item.wire, item.kind),
                            kind=item.kind,
                            queued=False,
                            reply_to=item.reply_to,
                        )
                    )
                self._session.message_written(
                    item.pending_id,
                    item.buffer,
                    item.command,
                    item.wire,
                    item.kind,
                    item.txid,
                    item.reply_to,
                )

    def _drain_session(self) -> None:
        session = self._session
        session.flush_rosters()
        if session.out:
            if self._sock is not None:
                for line in session.out:
                    command = line.split(" ", 1)[0]
                    if command in _URGENT_COMMANDS or (
                        command == "NICK" and not session.registered
                    ):
                        self._outbox.put(line)
                    else:
                        # In one lane with typed lines: a JOIN, its CHATHISTORY and the PING
                        # that marks the end of the answer must stay in this order.
                        self._outbox.pace(line)
            session.out.clear()
        if session.events:
            self._events_extend(session.events)
            session.events.clear()

    def _quit(self) -> None:
        """Send the chat lines still waiting, then say goodbye, then return.

        The chat lane goes first (QUIT would otherwise overtake what the user typed): an extra
        burst at once, then the paced rate while the rest fits in ``quit_flush`` seconds. What
        cannot fit is not waited for; the app has asked the user before quitting over it.
        """
        sock = self._sock
        if sock is None:
            return
        self._handle_requests()  # lines typed just before quitting are still in the queue
        s = self.settings
        outbox = self._outbox
        outbox.allow_extra(s.quit_burst)
        outbox.release()
        now = time.monotonic()
        fits = outbox.paced <= int(s.chat_rate * s.quit_flush)
        self._flush_outbox(sock, now + s.quit_flush if fits else now, paced=True)
        outbox.put(Message.of("QUIT", self._quit_message).to_line())
        self._flush_outbox(sock, time.monotonic() + _QUIT_FLUSH_SECONDS, paced=False)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_WR)

    def _flush_outbox(self, sock: socket.socket, deadline: float, paced: bool) -> None:
        """Write until the outbox (with ``paced``, its chat lane too) is empty, or the deadline."""
        outbox = self._outbox
        with selectors.DefaultSelector() as sel:
            sel.register(sock, selectors.EVENT_WRITE)
            while True:
                paced_in = outbox.release() if paced else None
                now = time.monotonic()
                if (not outbox and paced_in is None) or now >= deadline:
                    return
                timeout = deadline - now
                if not outbox and paced_in is not None:
                    timeout = min(timeout, paced_in)
                    time.sleep(timeout)  # nothing to write until the bucket lets a line out
                    continue
                if not sel.select(timeout):
                    continue
                try:
                    outbox.send(sock)
                except OSError:
                    return

    # -- connecting

    def _connect(self) -> socket.socket:
        s = self.settings
        host = strip_brackets(s.host)
        infos = self._resolve(host, s.port)
        errors = []
        for family, socktype, proto, _, addr in infos:
            sock = socket.socket(family, socktype, proto)
            sock.setblocking(False)
            try:
                err = sock.connect_ex(addr)
                if err not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK):
                    raise OSError(err, _strerror(err))
                if err != 0:
                    self._sel.register(sock, selectors.EVENT_WRITE)
                    try:
                        self._wait_for(lambda: False, s.connect_timeout, "connect", sock)
                    finally:
                        self._sel.unregister(sock)
                    err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        raise OSError(err, _strerror(err))
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return sock
            except OSError as e:
                sock.close()
                errors.append(e.strerror or str(e))
            except BaseException:
                sock.close()
                raise
        detail = errors[-1] if errors else "no address"
        raise _ConnectionLost(detail.lower() if detail else "connect failed")

    def _start_tls(self, raw: socket.socket, policy: TLSPolicy) -> ssl.SSLSocket:
        """The TLS handshake, non-blocking so that stop() still ends the wait; then the trust
        check (:func:`~.tls.check_certificate`). A handshake that fails or times out is retried
        like a refused connection; a certificate we do not trust stops the client."""
        s = self.settings
        host = strip_brackets(s.host)
        address = f"{host}:{s.port}"
        pins = PinStore(policy.pins_path) if policy.pins_path is not None else None
        remembered = pins.get(address) if pins is not None else None
        try:
            context = context_for(policy, remembered)
        except CertificateRefused as e:
            raw.close()
            raise _Refused(str(e)) from None
        try:
            sock = context.wrap_socket(raw, server_hostname=host, do_handshake_on_connect=False)
        except (ssl.SSLError, OSError, ValueError) as e:
            raw.close()
            raise _ConnectionLost(f"TLS failed: {e}") from None
        deadline = time.monotonic() + s.connect_timeout
        try:
            while True:
                try:
                    sock.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    want = selectors.EVENT_READ
                except ssl.SSLWantWriteError:
                    want = selectors.EVENT_WRITE
                self._sel.register(sock, want)
                try:
                    self._wait_for(
                        lambda: False, deadline - time.monotonic(), "TLS handshake", sock
                    )
                finally:
                    self._sel.unregister(sock)
            trust = check_certificate(
                policy, remembered, sock.getpeercert(binary_form=True), address
            )
        except ssl.SSLCertVerificationError as e:
            sock.close()
            raise _Refused(describe_verify_error(e, address)) from None
        except CertificateRefused as e:
            sock.close()
            raise _Refused(str(e)) from None
        except (ssl.SSLError, OSError) as e:
            sock.close()
            reason = getattr(e, "reason", None) or getattr(e, "strerror", None) or e
            raise _ConnectionLost(f"TLS handshake failed: {reason}") from None
        except BaseException:
            sock.close()
            raise
        if pins is not None and trust == "pinned" and policy.pin is not None:
            pins.remember(address, policy.pin)
        version = (sock.version() or "TLS").replace("TLSv", "TLS ")
        self.security = f"{version}, {trust}"
        return sock

    def _resolve(self, host: str, port: int) -> list[Any]:
        if is_ip_literal(host):
            try:
                return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except OSError as e:
                raise _ConnectionLost(f"bad address: {e}") from None
        # getaddrinfo has no timeout, so it runs in a helper thread the worker can abandon.
        token = id(object())

        def resolve() -> None:
            try:
                result: object = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except OSError as e:
                result = e
            self._requests.put(("resolved", token, result))
            self._poke()

        threading.Thread(target=resolve, name="tui-chat-resolve", daemon=True).start()
        self._wait_for(lambda: token in self._resolved, self.settings.connect_timeout, "DNS")
        result = self._resolved.pop(token)
        if isinstance(result, OSError):
            raise _ConnectionLost(f"DNS failure: {result.strerror or result}")
        return result  # type: ignore[return-value]

    def _wait_for(
        self,
        done: Callable[[], bool],
        timeout: float,
        what: str,
        target: socket.socket | None = None,
    ) -> None:
        """Wait, serving requests, until ``done()``, ``target`` is ready, or the timeout."""
        deadline = time.monotonic() + timeout
        while True:
            if self._stopping.is_set():
                raise _Stopped
            if done():
                return
            now = time.monotonic()
            if now >= deadline:
                raise _ConnectionLost(f"{what} timed out")
            self._flush_events()
            for key, _ in self._sel.select(self._next_timeout(deadline - now)):
                if key.fileobj is self._wake_r:
                    self._drain_wake()
                elif key.fileobj is target:
                    return
            self._handle_requests()

    def _wait(self, delay: float) -> None:
        with contextlib.suppress(_ConnectionLost):
            self._wait_for(self._retry_now.is_set, delay, "wait")
        self._retry_now.clear()

    # -- requests from other threads

    def _drain_wake(self) -> None:
        with contextlib.suppress(OSError):
            while self._wake_r.recv(4096):
                pass

    def _handle_requests(self) -> None:
        session = self._session
        ready = self._sock is not None and session.welcomed
        while True:
            try:
                item = self._requests.get_nowait()
            except queue.Empty:
                break
            kind, *args = item
            if kind == "say":
                pending_id, buffer, text, mkind, reply_to = args
                command, wire = session.wire_message(buffer, text, mkind)
                txid = secrets.token_urlsafe(16)
                line = Message.of(command, buffer, wire).to_line()  # tagged once caps are known
                out = Outgoing(
                    line, pending_id, buffer, command, wire, mkind, not ready, txid, reply_to
                )
                self._unsent.append(out)
                self._add(
                    PendingMessage(
                        pending_id=pending_id,
                        buffer=session.buffer_for(buffer),
                        text=text,
                        kind=mkind,
                        queued=not ready,
                        reply_to=reply_to,
                    )
                )
            elif kind == "redact":
                if not ready:
                    session.info(
                        session.buffer_for(args[0]),
                        "Not connected: the message was not deleted.",
                        "REDACT",
                        "error",
                    )
                    continue
                redact = session.redact_line(*args)
                if redact is not None:
                    self._unsent.append(Outgoing(redact))
            elif kind == "raw":
                self._unsent.append(Outgoing(args[0]))
            elif kind == "typing":
                typing = session.typing_line(*args) if ready else None
                # Behind a paste it would arrive stale: dropped, the next one restates it.
                if typing is not None and not self._outbox.paced:
                    self._outbox.pace(typing)
            elif kind == "join":
                channel, key = args
                if ready:
                    session.request_join(channel, key)
                else:
                    session.rooms[session.fold(channel)] = (channel, key)
            elif kind == "part":
                channel, reason = args
                if ready:
                    session.request_part(channel, reason)
                else:
                    session.rooms.pop(session.fold(channel), None)
            elif kind == "nick":
                session.request_nick(args[0])
            elif kind == "markread":
                if ready:  # a marker from before a reconnect is stale: the next read sends one
                    session.mark_read(*args)
            elif kind == "reconnect":
                self._reconnect_asked = self._sock is not None
            elif kind == "resolved":
                self._resolved[args[0]] = args[1]
        if ready:
            self._flush_unsent()
        self._drain_session()

    def _flush_unsent(self) -> None:
        self._drain_session()  # rejoins (and anything else the session said) go first
        while self._unsent:
            item = self._unsent.popleft()
            line = item.line
            if item.txid is not None:
                line = self._session.typed_line(
                    item.command, item.buffer, item.wire, item.txid, item.reply_to
                )
            self._outbox.pace(line, item)

    def _requeue(self) -> None:
        """The connection is gone: lines not yet echoed or not yet written go back in front."""
        lost = [
            Outgoing(
                Message.of(f.command, f.buffer, f.text).to_line(),
                f.pending_id,
                f.buffer,
                f.command,
                f.text,
                f.kind,
                True,
                f.txid,
                f.reply_to,
            )
            for f in self._session.in_flight
        ]
        self._session.in_flight.clear()
        with self._id_lock:
            self._unwritten += len(lost)  # written, never echoed: they will be written again
        lost += self._outbox.take_unsent()
        for item in reversed(lost):
            self._unsent.appendleft(item)
        for item in lost:
            if item.pending_id is None:
                continue
            item.was_queued = True
            self._add(
                PendingMessage(
                    pending_id=item.pending_id,
                    buffer=item.buffer,
                    text=_visible(item.wire, item.kind),
                    kind=item.kind,
                    queued=True,
                    reply_to=item.reply_to,
                )
            )

    def _close_socket(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()
        self._outbox.take_unsent()

    # -- events

    def _state(self, phase: str, detail: str = "", retry_in: float | None = None) -> None:
        self._add(
            ConnectionState(
                phase=phase,  # type: ignore[arg-type]
                server=self._server,
                detail=detail,
                retry_in=retry_in,
                security=self.security,
            )
        )

    def _add(self, event: Event) -> None:
        self._events_extend((event,))

    def _events_extend(self, events: Iterable[Event]) -> None:
        if not self._events:
            self._batch_deadline = time.monotonic() + self.settings.batch_interval
        self._events.extend(events)

    def _flush_events(self, force: bool = False) -> None:
        if not self._events or (not force and time.monotonic() < self._batch_deadline):
            return
        batch, self._events = tuple(self._events), []
        try:
            self._emit_cb(batch)
        except Exception:
            log.exception("emit callback failed")
        chatlog = self._chatlog
        if chatlog is not None:
            chatlog.write(batch)
            if chatlog.failed is not None:
                self._chatlog = None
                self._add(ServerInfo(buffer=SERVER_BUFFER, text=chatlog.failed, level="error"))

    def _next_timeout(self, timer: float) -> float:
        """Sleep until ``timer`` seconds from now, or sooner if a batch of events is due."""
        timeout = max(0.0, timer)
        if self._events:
            timeout = min(timeout, max(0.0, self._batch_deadline - time.monotonic()))
        return timeout


def _visible(wire: str, kind: str) -> str:
    return wire[len("\x01ACTION ") : -1] if kind == "action" else wire


def _check_params(*params: str) -> None:
    for p in params:
        if any(c in p for c in "\r\n\x00"):
            raise ValueError(f"parameter may not contain CR, LF or NUL: {p!r}")


def _clean(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ").replace("\x00", "")


def _strerror(err: int) -> str:
    return os.strerror(err)
