"""The event loop: listening sockets, non-blocking client sockets, buffers, timers, wake-up.

One thread owns everything here. Other threads talk to it only through
:meth:`Reactor.call_soon_threadsafe`, which queues a callable and pokes a socketpair.

Output is batched: producers write through :class:`~.output.Output`, which appends bytes to
``client.outbuf`` and puts the client on its dirty list once; after each pass of the loop every
dirty client gets exactly one ``send()``. A client is registered for EVENT_WRITE only while its
buffer holds what the kernel would not take.

TLS connections are the same clients on an ``ssl.SSLSocket``: the handshake runs in this loop,
one non-blocking step per readiness event (``Client.handshaking``), so a peer that opens a
TLS connection and says nothing costs a descriptor until the registration timeout, never time.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import heapq
import itertools
import logging
import os
import selectors
import socket
import ssl
import time
from collections.abc import Callable
from typing import Any, TypeAlias, cast

from .config import ServerConfig
from .output import Output
from .state import Client

log = logging.getLogger("tui_chat.server")

READ = selectors.EVENT_READ
WRITE = selectors.EVENT_WRITE
RECV_SIZE = 65536
# A client whose commands are being held (flood control) stops being read past this much
# pending input, so TCP pushes back instead of our memory growing.
HELD_INPUT_LIMIT = 16384
_LISTENER = "listener"
_TLS_LISTENER = "tls listener"
_WAKE = "wake"
# Most plaintext bytes given to one SSL write. OpenSSL wants a write it could not finish
# repeated with the same bytes; the first TLS_SEND_MAX bytes of an output buffer that only grows
# at the end until a write succeeds are the same bytes.
TLS_SEND_MAX = 256 * 1024
# An output buffer emptied by a send is cleared and kept up to this size (the allocator's small
# blocks); a larger one is replaced, so that its block is freed whole.
SMALL_OUTBUF = 512
# What a non-blocking SSL socket raises where a plain one would raise BlockingIOError.
_SSL_WOULD_BLOCK = (ssl.SSLWantReadError, ssl.SSLWantWriteError)
# Out of file descriptors, accept() fails at once and the listener stays readable: watching it
# would spin the loop. It is left alone for a back-off that doubles up to the maximum.
ACCEPT_PAUSE_FIRST = 0.1
ACCEPT_PAUSE_MAX = 1.0
# At most one warning about it per this many seconds, with a count of the ones held back.
FD_LOG_INTERVAL = 10.0
# Connections refused in one go with the spare descriptor (see _out_of_descriptors).
SPARE_REFUSALS = 64
_FD_ERRORS = (errno.EMFILE, errno.ENFILE)

# A socket address: (host, port) for IPv4, (host, port, flowinfo, scope_id) for IPv6.
Address: TypeAlias = tuple[Any, ...]
Callback: TypeAlias = Callable[..., object]


class BindError(OSError):
    """A port that could not be listened on, and which one (plaintext and TLS are two)."""

    def __init__(self, exc: OSError, port: int) -> None:
        super().__init__(exc.errno, exc.strerror or str(exc))
        self.port = port


class Reactor:
    def __init__(self, config: ServerConfig, out: Output) -> None:
        self.config = config
        self.out = out
        self.selector = selectors.DefaultSelector()
        self.listeners: list[socket.socket] = []
        self._listener_kinds: dict[socket.socket, str] = {}  # _LISTENER or _TLS_LISTENER
        self.addresses: list[tuple[str, int]] = []  # plaintext listeners
        self.tls_addresses: list[tuple[str, int]] = []
        self.tls_context: ssl.SSLContext | None = None
        self.clients: set[Client] = set()
        self.now = time.monotonic()
        self.running = False
        self._timers: list[tuple[float, int, Callback, tuple[object, ...]]] = []
        self._seq = itertools.count()
        self._calls: collections.deque[tuple[Callback, tuple[object, ...]]] = collections.deque()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self.selector.register(self._wake_r, READ, _WAKE)
        # One descriptor held in reserve: out of descriptors, it is closed so that a waiting
        # connection can be accepted and told why it is refused, then taken again.
        self._spare_fd = _reserve_fd()
        self._accept_paused = False
        self._accept_pause = 0.0
        self._fd_log_at = 0.0
        self._fd_suppressed = 0

    # -- listening -----------------------------------------------------------------------------

    def bind(self, tls_context: ssl.SSLContext | None = None) -> None:
        """Open the listening sockets: plaintext on ``config.port`` (unless ``config.plain`` is
        off) and, given a context, TLS on ``config.tls_port``. Raises OSError (address in use,
        ...) in the caller."""
        cfg = self.config
        self.tls_context = tls_context
        port = cfg.port
        try:
            if cfg.plain:
                self._bind_port(port, self.addresses, _LISTENER)
            if tls_context is not None and cfg.tls_port is not None:
                port = cfg.tls_port
                self._bind_port(port, self.tls_addresses, _TLS_LISTENER)
        except OSError as exc:
            self.close()
            raise BindError(exc, port) from exc
        except BaseException:
            self.close()
            raise

    def _bind_port(self, port: int, addresses: list[tuple[str, int]], kind: str) -> None:
        cfg = self.config
        if cfg.bind in ("", "*"):
            self._bind_any(port, addresses, kind)
            return
        infos = socket.getaddrinfo(cfg.bind, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        bound = len(addresses)
        for family, _, _, _, sockaddr in infos:
            try:
                self._listen(family, (sockaddr[0], port, *sockaddr[2:]), addresses, kind)
            except OSError:
                if len(addresses) == bound:
                    raise
                continue  # e.g. "localhost" resolving to an address we cannot use
            port = addresses[bound][1]  # port 0: every address family on the same port

    def _bind_any(self, port: int, addresses: list[tuple[str, int]], kind: str) -> None:
        if socket.has_ipv6:
            try:
                self._listen(socket.AF_INET6, ("::", port), addresses, kind, dual_stack=True)
                return
            except OSError as exc:
                log.debug("no dual-stack IPv6 (%s); falling back to IPv4", exc)
        self._listen(socket.AF_INET, ("0.0.0.0", port), addresses, kind)

    def _listen(
        self,
        family: int,
        sockaddr: Address,
        addresses: list[tuple[str, int]],
        kind: str,
        dual_stack: bool = False,
    ) -> None:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0 if dual_stack else 1)
            sock.bind(sockaddr)
            sock.listen(4096)
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise
        self.listeners.append(sock)
        self._listener_kinds[sock] = kind
        host, port = sock.getsockname()[:2]
        addresses.append((host, port))
        self.selector.register(sock, READ, kind)

    @property
    def port(self) -> int:
        """The plaintext port (0: none)."""
        return self.addresses[0][1] if self.addresses else 0

    @property
    def tls_port(self) -> int:
        """The TLS port (0: none)."""
        return self.tls_addresses[0][1] if self.tls_addresses else 0

    # -- cross-thread calls and timers ---------------------------------------------------------

    def call_soon_threadsafe(self, fn: Callback, *args: object) -> None:
        self._calls.append((fn, args))
        with contextlib.suppress(OSError):  # full pipe: a wake-up is already pending
            self._wake_w.send(b"\0")

    def call_later(self, delay: float, fn: Callback, *args: object) -> None:
        heapq.heappush(self._timers, (self.now + delay, next(self._seq), fn, args))

    # -- the loop ------------------------------------------------------------------------------

    def run(self) -> None:
        self.running = True
        self.on_start()
        select = self.selector.select
        out = self.out
        try:
            while self.running:
                timers = self._timers
                timeout = max(0.0, timers[0][0] - time.monotonic()) if timers else None
                if out.dirty:
                    timeout = 0.0
                events = select(timeout)
                self.now = time.monotonic()
                for key, mask in events:
                    data = key.data
                    if data.__class__ is Client:
                        if data.handshaking:
                            self._handshake(data)
                            continue
                        if mask & READ:
                            self._read(data)
                        if mask & WRITE and data.sock is not None:
                            out.mark_dirty(data)
                    elif data is _LISTENER or data is _TLS_LISTENER:
                        self._accept(cast(socket.socket, key.fileobj), data is _TLS_LISTENER)
                    else:
                        self._run_calls()
                while timers and timers[0][0] <= self.now:
                    _, _, fn, args = heapq.heappop(timers)
                    self._guarded(fn, *args)
                # A pending channel batch is written out by the flush too.
                if out.dirty or out.batch_pending:
                    self.flush()
        finally:
            self.close()

    def _guarded(self, fn: Callback, *args: object) -> None:
        try:
            fn(*args)
        except Exception:
            log.exception("error in %r", fn)

    def _run_calls(self) -> None:
        with contextlib.suppress(OSError):
            while self._wake_r.recv(4096):
                pass
        while self._calls:
            fn, args = self._calls.popleft()
            self._guarded(fn, *args)

    def _accept(self, lsock: socket.socket, tls: bool) -> None:
        # Drain a burst of connections per wake-up, but bounded so clients still get served.
        for _ in range(512):
            try:
                sock, addr = lsock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in _FD_ERRORS:
                    self._out_of_descriptors(lsock, exc)
                    return
                log.debug("accept failed: %s", exc)  # e.g. ECONNABORTED: that peer gave up
                continue
            self._accept_pause = 0.0
            try:
                sock.setblocking(False)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                if tls and self.tls_context is not None:
                    sock = self.tls_context.wrap_socket(
                        sock, server_side=True, do_handshake_on_connect=False
                    )
                self.on_accept(sock, addr)
            except Exception:
                log.exception("error accepting %s", addr)
                sock.close()

    def _out_of_descriptors(self, lsock: socket.socket, exc: OSError) -> None:
        """Refuse what waits in the backlog politely, then stop watching the listeners a while."""
        refused = 0
        if self._spare_fd is not None:
            os.close(self._spare_fd)
            self._spare_fd = None
            for _ in range(SPARE_REFUSALS):
                try:
                    sock, addr = lsock.accept()
                except OSError:
                    break
                refused += 1
                self.on_overload(sock, addr)
            self._spare_fd = _reserve_fd()
        self._accept_pause = min(ACCEPT_PAUSE_MAX, max(ACCEPT_PAUSE_FIRST, self._accept_pause * 2))
        if not self._accept_paused:
            self._accept_paused = True
            for sock in self.listeners:
                with contextlib.suppress(KeyError, ValueError):
                    self.selector.unregister(sock)
            self.call_later(self._accept_pause, self._resume_accept)
        if self.now >= self._fd_log_at:
            log.warning(
                "out of file descriptors (%s): %d connections refused, accepting again in %.1f s"
                " (%d similar warnings suppressed)",
                exc.strerror or exc,
                refused,
                self._accept_pause,
                self._fd_suppressed,
            )
            self._fd_log_at = self.now + FD_LOG_INTERVAL
            self._fd_suppressed = 0
        else:
            self._fd_suppressed += 1

    def _resume_accept(self) -> None:
        if not self._accept_paused or not self.running:
            return
        self._accept_paused = False
        for sock in self.listeners:
            self.selector.register(sock, READ, self._listener_kinds[sock])
        if self._spare_fd is None:
            self._spare_fd = _reserve_fd()

    def _read(self, c: Client) -> None:
        sock = c.sock
        if sock is None:
            return
        try:
            data = sock.recv(RECV_SIZE)
            if isinstance(sock, ssl.SSLSocket):
                # OpenSSL may hold the rest of a record (16 KiB at most) where the selector
                # cannot see it: take it now, or it would wait for the peer's next bytes.
                while sock.pending():
                    data += sock.recv(RECV_SIZE)
        except (BlockingIOError, InterruptedError, ssl.SSLWantReadError):
            return
        except ssl.SSLWantWriteError:
            self.out.mark_dirty(c)  # a TLS key update wants to send first
            return
        except ssl.SSLZeroReturnError:
            self.on_eof(c, "Connection closed")
            return
        except OSError as exc:
            self.on_eof(c, f"Read error: {exc.strerror or exc}")
            return
        if not data:
            self.on_eof(c, "Connection closed")
            return
        if c.closing:
            return  # draining so our ERROR line is not lost to a reset
        try:
            self.on_data(c, data)
        except Exception:
            log.exception("error handling input from %r", c)
            self.on_eof(c, "Internal error")

    def _handshake(self, c: Client) -> None:
        """One non-blocking step of a TLS handshake; the selector says when to take the next."""
        sock = c.sock
        if sock is None or c.closing:
            return
        assert isinstance(sock, ssl.SSLSocket)
        try:
            sock.do_handshake()
        except ssl.SSLWantReadError:
            self._want(c, READ)
            return
        except ssl.SSLWantWriteError:
            self._want(c, WRITE)
            return
        except (ssl.SSLError, OSError, ValueError) as exc:
            # Garbage, a plaintext client on the TLS port, a reset: it never was a user.
            reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or exc
            self.on_eof(c, f"TLS handshake failed: {reason}")
            return
        c.handshaking = False
        c.tls = sock.version() or "TLS"
        self._want(c, READ)
        self.on_tls_ready(c)
        self._read(c)  # the client's first lines may have come with its last handshake bytes

    def _want(self, c: Client, events: int) -> None:
        sock = c.sock
        if sock is None or events == c.events:
            return
        if c.events == 0:
            self.selector.register(sock, events, c)
        else:
            self.selector.modify(sock, events, c)
        c.events = events

    def register(self, c: Client) -> None:
        assert c.sock is not None  # a new connection
        self.clients.add(c)
        self.selector.register(c.sock, READ, c)
        c.events = READ

    def flush(self) -> None:
        """One send() per dirty client, then fix up its selector registration."""
        out = self.out
        if out.batch_pending:
            out.materialize(send=True)
        dirty = out.dirty
        if not dirty:
            return
        out.dirty = []
        limit = self.config.sendq_limit
        # Locals: this loop runs once per receiver of every line (50 of them at light load).
        read = READ
        held = HELD_INPUT_LIMIT
        tls_max = TLS_SEND_MAX
        for c in dirty:
            c.dirty = False
            sock = c.sock
            if sock is None or c.handshaking:
                continue  # gone; or its output waits for the handshake, which the selector drives
            buf = c.outbuf
            if buf:
                try:
                    if c.tls is None or len(buf) <= tls_max:
                        n = sock.send(buf)
                    else:
                        n = sock.send(bytes(buf[:tls_max]))
                except (BlockingIOError, InterruptedError, *_SSL_WOULD_BLOCK):
                    n = 0
                except OSError as exc:
                    self.on_eof(c, f"Write error: {exc.strerror or exc}")
                    continue
                if n == len(buf):
                    if n > SMALL_OUTBUF:
                        # A burst's buffer (the welcome, a NAMES or a history replay) is freed
                        # whole: clear() would shrink it in place, and the tails freed that
                        # way, scattered between idle clients' buffers, stayed in RSS
                        # (1.07 -> 1.78 KiB per idle client).
                        c.outbuf = bytearray()
                    else:
                        buf.clear()  # a relayed line or two: kept, no new object per send
                    if c.events == read and len(c.inbuf) <= held and not c.closing:
                        continue  # the usual case: all sent, READ only, as it is
                else:
                    del buf[:n]
                    if len(buf) > limit and not c.closing:
                        self.on_sendq_exceeded(c)
                        if c.sock is None:
                            continue
            if c.outbuf or c.events != read or len(c.inbuf) > held:
                self.update_events(c)  # else: READ only, as it is
            if c.closing and not c.outbuf:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_WR)

    def update_events(self, c: Client) -> None:
        sock = c.sock
        if sock is None:
            return
        want = WRITE if c.outbuf else 0
        if len(c.inbuf) <= HELD_INPUT_LIMIT:
            want |= READ
        if want != c.events:
            if c.events == 0:
                self.selector.register(sock, want, c)
            elif want == 0:
                self.selector.unregister(sock)
            else:
                self.selector.modify(sock, want, c)
            c.events = want

    def drop(self, c: Client) -> None:
        """Close the socket for good (state must already be cleaned up)."""
        sock = c.sock
        if sock is None:
            return
        if c.events:
            with contextlib.suppress(KeyError, ValueError, OSError):
                self.selector.unregister(sock)
            c.events = 0
        sock.close()
        c.sock = None
        self.clients.discard(c)
        self.on_dropped(c)

    def flush_all_blocking(self, timeout: float) -> None:
        """Shutdown path: push out every pending buffer, waiting up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        pending = [c for c in self.clients if c.outbuf and c.sock is not None]
        while pending and time.monotonic() < deadline:
            still = []
            for c in pending:
                if c.sock is None:
                    continue
                if c.handshaking:
                    continue
                try:
                    buf = c.outbuf
                    n = c.sock.send(buf if len(buf) <= TLS_SEND_MAX else bytes(buf[:TLS_SEND_MAX]))
                except (BlockingIOError, InterruptedError, *_SSL_WOULD_BLOCK):
                    n = 0
                except OSError:
                    continue
                del c.outbuf[:n]
                if c.outbuf:
                    still.append(c)
            pending = still
            if pending:
                sel = selectors.DefaultSelector()
                try:
                    for c in pending:
                        if c.sock is not None:
                            sel.register(c.sock, WRITE)
                    sel.select(max(0.0, min(0.05, deadline - time.monotonic())))
                finally:
                    sel.close()

    def close(self) -> None:
        for c in list(self.clients):
            self.drop(c)
        for sock in self.listeners:
            with contextlib.suppress(KeyError, ValueError):
                self.selector.unregister(sock)
            sock.close()
        self.listeners = []
        self._listener_kinds.clear()
        if self._spare_fd is not None:
            os.close(self._spare_fd)
            self._spare_fd = None
        for sock in (self._wake_r, self._wake_w):
            sock.close()
        self.selector.close()
        self.running = False

    # -- hooks for the server ------------------------------------------------------------------

    def on_start(self) -> None: ...

    def on_accept(self, sock: socket.socket, addr: Address) -> None: ...

    def on_overload(self, sock: socket.socket, addr: Address) -> None:
        """A connection accepted only to be refused (out of descriptors); close it."""
        sock.close()

    def on_data(self, c: Client, data: bytes) -> None: ...

    def on_tls_ready(self, c: Client) -> None: ...

    def on_eof(self, c: Client, reason: str) -> None: ...

    def on_sendq_exceeded(self, c: Client) -> None: ...

    def on_dropped(self, c: Client) -> None: ...


def _reserve_fd() -> int | None:
    try:
        return os.open(os.devnull, os.O_RDONLY)
    except OSError:
        return None  # already out: the next _out_of_descriptors cannot refuse politely
