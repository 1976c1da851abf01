"""The load generator: raw non-blocking sockets on one epoll loop, no IRC parser.

Receivers count deliveries with `bytes.count` over complete lines; a spread-out subset of them
also pulls the send timestamps out with one compiled regex per `recv()` to measure latency.
Senders embed `time.monotonic_ns()` (CLOCK_MONOTONIC, comparable across processes) in every
message and are paced by a window: the senders together keep at most `window` messages ahead of
the average receiver, so the server (not the generator, and not an unbounded queue) sets the pace.
Every wait has a deadline; the caller closes every socket in a `finally`.
"""

from __future__ import annotations

import contextlib
import errno
import re
import resource
import select
import socket
import ssl
import time
from dataclasses import dataclass, field

from servers import RunningServer

EPOLLIN = select.EPOLLIN
EPOLLOUT = select.EPOLLOUT
RECV_SIZE = 256 * 1024
CHANNEL = b"#bench"
MARK = b" PRIVMSG #bench :"
TS_RE = re.compile(rb" PRIVMSG #bench :(\d+) ")
PAYLOAD = b"the quick brown fox jumps over the lazy dog"


# A non-blocking TLS socket says "would block" with these instead of BlockingIOError.
_WOULD_BLOCK = (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError)
_CLIENT_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
_CLIENT_TLS.check_hostname = False
_CLIENT_TLS.verify_mode = ssl.CERT_NONE  # a benchmark: the server's own self-signed certificate


def _recv(sock: socket.socket) -> bytes:
    data = sock.recv(RECV_SIZE)
    if data and sock.__class__ is ssl.SSLSocket:
        # The rest of a TLS record OpenSSL holds is invisible to epoll: take it now.
        while sock.pending():  # type: ignore[attr-defined]
            data += sock.recv(RECV_SIZE)
    return data


def _tls_socket(addr: tuple[str, int]) -> socket.socket:
    """Connected and past the TLS handshake (blocking: a setup cost, outside every timing)."""
    raw = socket.create_connection(addr, timeout=10)
    sock = _CLIENT_TLS.wrap_socket(raw)
    sock.setblocking(False)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


class BenchError(Exception):
    """A phase could not run (server died, clients did not register, ...)."""


class Conn:
    __slots__ = ("buf", "closed", "error", "fd", "nick", "out", "sock")

    def __init__(self, sock: socket.socket, nick: bytes) -> None:
        self.sock = sock
        self.fd = sock.fileno()
        self.nick = nick
        self.buf = b""
        self.out = b""
        self.closed = False
        self.error = ""  # why the connection closed, when a socket error closed it

    def receive(self) -> bytes | None:
        """The complete lines that arrived (an unfinished one waits in ``buf``), or None when
        nothing was ready. The end of the connection marks it closed and gives b"".

        For setup and teardown: the traffic loop reads its receivers itself, faster.
        """
        try:
            data = _recv(self.sock)
        except _WOULD_BLOCK:
            return None
        except OSError as exc:
            self.error = str(exc)
            data = b""
        if not data:
            self.closed = True
            return b""
        data = self.buf + data
        end = data.rfind(b"\n") + 1
        self.buf = data[end:]
        return data[:end]

    def answer_pings(self, lines: bytes) -> None:
        if _has_ping(lines, len(lines)):
            self.sock.send(_pongs(lines, len(lines)))

    def flush(self) -> bool:
        """Send what is queued; True when nothing is left."""
        if self.out:
            try:
                sent = self.sock.send(self.out)
            except _WOULD_BLOCK:
                return False
            except OSError:
                self.closed = True
                self.out = b""
                return True
            self.out = self.out[sent:]
        return not self.out

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def close_all(conns) -> None:
    for conn in conns:
        conn.close()


def _pongs(data: bytes, end: int) -> bytes:
    """PONG replies for the PING lines among `data[:end]` (rare, so a slow path is fine)."""
    replies = []
    for line in data[:end].split(b"\n"):
        if line.startswith(b"PING"):
            replies.append(b"PONG" + line[4:].rstrip(b"\r") + b"\r\n")
    return b"".join(replies)


def _has_ping(data: bytes, end: int) -> bool:
    return data.startswith(b"PING") or data.find(b"\nPING", 0, end) >= 0


# ---------------------------------------------------------------------------- registration


@dataclass
class Registration:
    conns: list[Conn] = field(default_factory=list)
    attempted: int = 0
    total_time: float = 0.0
    storm_times: list[float] = field(default_factory=list)
    failure: str | None = None
    stragglers: int = 0  # connections of a storm that did not register in time (keep_going)
    first_problem: str | None = None


def register(
    server: RunningServer,
    nicks: list[bytes],
    *,
    batch: int = 500,
    storm_timeout: float = 10.0,
    deadline: float | None = None,
    keep_going: bool = False,
) -> Registration:
    """Connect and register `nicks` in storms of `batch`: open them all, send NICK/USER, wait
    for 001 on each (at most `storm_timeout`), then the next storm.

    Without `keep_going` the first storm that does not complete ends the run. With it, a storm's
    stragglers (say, SYNs dropped by a full listen backlog) stay pending while the next storm
    starts, and are given `storm_timeout` more at the end; the run ends when the server dies,
    the generator runs out of sockets, `deadline` passes, or a storm registers nobody.
    """
    result = Registration()
    ep = select.epoll()
    pending: dict[int, tuple[Conn, int]] = {}
    problems: list[str] = []
    t0 = time.monotonic()

    def pump(until: float, storm: int | None) -> None:
        """Serve pending connections until `until`, or until storm `storm` has no pending."""
        while pending:
            if storm is not None and not any(s == storm for _, s in pending.values()):
                return
            left = until - time.monotonic()
            if left <= 0 or not server.alive():
                return
            for fd, ev in ep.poll(min(left, 0.5)):
                entry = pending.get(fd)
                if entry is None:
                    continue
                conn = entry[0]
                if ev & EPOLLOUT and conn.out and conn.flush():
                    ep.modify(fd, EPOLLIN)
                if not ev & (EPOLLIN | select.EPOLLHUP | select.EPOLLERR):
                    continue
                lines = conn.receive()
                if lines is None:
                    continue
                if conn.closed:
                    ep.unregister(fd)
                    del pending[fd]
                    conn.close()
                    if conn.error:
                        problems.append(conn.error)
                    problems.append("connection closed by the server before 001")
                    continue
                if b" 001 " in lines:
                    ep.unregister(fd)
                    del pending[fd]
                    conn.buf = b""
                    result.conns.append(conn)
                elif _has_ping(lines, len(lines)):
                    conn.answer_pings(lines)
                elif b" 433 " in lines or lines.startswith(b"ERROR"):
                    problems.append(lines.decode(errors="replace").strip()[:100])

    def give_up_on_pending() -> None:
        for conn, _ in pending.values():
            ep.unregister(conn.fd)
            conn.close()
        result.stragglers += len(pending)
        pending.clear()

    try:
        for storm, start in enumerate(range(0, len(nicks), batch)):
            if not server.alive():
                break
            if deadline is not None and time.monotonic() > deadline:
                result.failure = "phase time limit reached"
                break
            storm_start = time.monotonic()
            before = len(result.conns)
            for nick in nicks[start : start + batch]:
                try:
                    if getattr(server, "tls", False):
                        sock = _tls_socket(server.addr)
                    else:
                        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                except OSError as exc:
                    result.failure = f"generator could not open a socket: {exc}"
                    break
                sock.setblocking(False)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                err = 0 if getattr(server, "tls", False) else sock.connect_ex(server.addr)
                conn = Conn(sock, nick)
                if err not in (0, errno.EINPROGRESS):
                    conn.close()
                    result.failure = f"connect failed: {errno.errorcode.get(err, err)}"
                    break
                conn.out = b"NICK %s\r\nUSER %s 0 * :bench client\r\n" % (nick, nick)
                pending[conn.fd] = (conn, storm)
                ep.register(conn.fd, EPOLLOUT | EPOLLIN)
                result.attempted += 1
            until = storm_start + storm_timeout
            if deadline is not None:
                until = min(until, deadline)
            pump(until, storm)
            result.storm_times.append(time.monotonic() - storm_start)
            if result.failure or not server.alive():
                break
            late = sum(1 for _, s in pending.values() if s == storm)
            if late or problems:
                what = problems[0] if problems else f"no 001 within {storm_timeout:.0f} s"
                result.first_problem = result.first_problem or f"storm at {start}: {what}"
                if not keep_going:
                    result.failure = f"{late + len(problems)} of storm at {start} failed ({what})"
                    break
                if len(result.conns) == before:
                    result.failure = f"storm at {start} registered nobody ({what})"
                    break
        if pending and server.alive() and keep_going and not result.failure:
            until = time.monotonic() + storm_timeout
            if deadline is not None:
                until = min(until, deadline)
            pump(until, None)
        if not server.alive():
            result.failure = f"server died: {server.exit_info()}"
        else:
            result.stragglers += len(problems)
            give_up_on_pending()
        result.total_time = time.monotonic() - t0
        return result
    except BaseException:
        close_all(result.conns)
        raise
    finally:
        for conn, _ in pending.values():
            conn.close()
        ep.close()


def exchange(
    conns: list[Conn], line: bytes, marker: bytes, *, timeout: float, server: RunningServer
) -> list[Conn]:
    """Send `line` on every connection and read until `marker` shows up on each. Returns the
    connections that did not see it in time."""
    ep = select.epoll()
    waiting = {c.fd: c for c in conns}
    try:
        for conn in conns:
            conn.out += line
            ep.register(conn.fd, EPOLLIN | EPOLLOUT)
        deadline = time.monotonic() + timeout
        while waiting and time.monotonic() < deadline and server.alive():
            for fd, ev in ep.poll(0.2):
                conn = waiting.get(fd)
                if conn is None:
                    continue
                if ev & EPOLLOUT and conn.flush():
                    ep.modify(fd, EPOLLIN)
                if not ev & (EPOLLIN | select.EPOLLHUP | select.EPOLLERR):
                    continue
                lines = conn.receive()
                if lines is None:
                    continue
                if conn.closed:
                    ep.unregister(fd)
                    continue
                if marker in lines:
                    ep.unregister(fd)
                    del waiting[fd]
                else:
                    conn.answer_pings(lines)
        return list(waiting.values())
    finally:
        ep.close()


def drain(conns: list[Conn], *, quiet: float = 0.25, limit: float = 5.0) -> None:
    """Read and discard until nothing has arrived for `quiet` seconds (at most `limit`)."""
    ep = select.epoll()
    by_fd = {c.fd: c for c in conns if not c.closed}
    try:
        for fd in by_fd:
            ep.register(fd, EPOLLIN)
        deadline = time.monotonic() + limit
        last = time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - last < quiet:
            for fd, _ev in ep.poll(0.05):
                conn = by_fd[fd]
                lines = conn.receive()
                if lines is None:
                    continue
                if conn.closed:
                    ep.unregister(fd)
                    continue
                last = time.monotonic()
                conn.answer_pings(lines)
    finally:
        ep.close()


# ---------------------------------------------------------------------------- traffic


@dataclass
class Traffic:
    sent: int = 0
    delivered: int = 0
    expected: int = 0
    elapsed: float = 0.0
    cpu: float = 0.0
    gen_cpu: float = 0.0
    latencies_ns: list[int] = field(default_factory=list)
    receivers_closed: int = 0
    server_died: str | None = None

    @property
    def lost(self) -> int:
        return self.expected - self.delivered

    @property
    def rate(self) -> float:
        return self.delivered / self.elapsed if self.elapsed else 0.0

    @property
    def cpu_us_per_delivery(self) -> float:
        return self.cpu * 1e6 / self.delivered if self.delivered else float("nan")


def percentile(values: list[int], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def traffic(
    server: RunningServer,
    senders: list[Conn],
    receivers: list[Conn],
    *,
    duration: float,
    window: int = 0,
    interval: float = 0.0,
    count: int = 0,
    sampled: int = 20,
    tail_timeout: float = 10.0,
) -> Traffic:
    """Send channel messages and count them at every receiver.

    Saturating mode (`window` > 0): senders keep `window` messages in flight beyond the average
    receiver's progress, for `duration` seconds. Paced mode (`interval` > 0): the first sender
    sends one message every `interval` seconds, `count` messages (or until `duration`).
    Then the tail is awaited until every receiver has every message or `tail_timeout` passes.
    """
    result = Traffic()
    n_recv = len(receivers)
    step = max(1, n_recv // sampled) if sampled else n_recv + 1
    rsocks = [c.sock for c in receivers]
    tails = [b""] * n_recv
    counts = [0] * n_recv
    ridx = {c.fd: i for i, c in enumerate(receivers)}
    sample = {i for i in range(0, n_recv, step)}
    sidx = {c.fd: c for c in senders}
    seqs = [0] * len(senders)
    lat = result.latencies_ns
    ep = select.epoll()
    monotonic_ns = time.monotonic_ns
    monotonic = time.monotonic
    closed = 0
    try:
        for c in receivers:
            ep.register(c.fd, EPOLLIN)
        for c in senders:
            ep.register(c.fd, EPOLLIN)
        sent = 0
        delivered = 0
        paced = interval > 0
        per_sender = max(1, window // max(1, len(senders))) if window else 1
        chunk = max(1, min(32, per_sender // 2))
        gen0 = cpu_self()
        cpu0 = server.cpu_seconds()
        t_start = monotonic()
        send_until = t_start + duration
        next_tick = t_start
        t_last = t_start
        tail_deadline = None
        while True:
            now = monotonic()
            sending = now < send_until and (not paced or sent < count)
            timeout = 0.05
            if sending:
                if paced:
                    if now >= next_tick:
                        s = senders[0]
                        s.out += b"PRIVMSG #bench :%d %d %s\r\n" % (monotonic_ns(), sent, PAYLOAD)
                        if not s.flush():
                            ep.modify(s.fd, EPOLLIN | EPOLLOUT)
                        sent += 1
                        next_tick += interval
                        if next_tick < now:  # fell behind (a stall): do not burst to catch up
                            next_tick = now + interval
                    timeout = max(0.0, next_tick - monotonic())
                else:
                    budget = delivered // n_recv + window - sent if n_recv else window
                    if budget >= chunk:
                        for si, s in enumerate(senders):
                            if s.out or budget < chunk:
                                continue
                            k = min(chunk, budget)
                            seq = seqs[si]
                            ts = monotonic_ns()
                            s.out = b"".join(
                                [
                                    b"PRIVMSG #bench :%d %d %s\r\n" % (ts, seq + j, PAYLOAD)
                                    for j in range(k)
                                ]
                            )
                            seqs[si] = seq + k
                            sent += k
                            budget -= k
                            if not s.flush():
                                ep.modify(s.fd, EPOLLIN | EPOLLOUT)
            else:
                if tail_deadline is None:
                    tail_deadline = now + tail_timeout
                if delivered >= sent * (n_recv - closed) or now > tail_deadline:
                    break
                if not server.alive():
                    result.server_died = server.exit_info()
                    break
            events = ep.poll(timeout)
            # Arrival time = when epoll reported the data, so the generator's own walk over
            # many ready receivers does not count as server latency.
            t_ready = monotonic_ns()
            for fd, ev in events:
                i = ridx.get(fd)
                if i is not None:
                    try:
                        data = _recv(rsocks[i])
                    except _WOULD_BLOCK:
                        continue
                    except OSError:
                        data = b""
                    if not data:
                        ep.unregister(fd)
                        del ridx[fd]
                        closed += 1
                        continue
                    tail = tails[i]
                    if tail:
                        data = tail + data
                    end = data.rfind(b"\n") + 1
                    tails[i] = data[end:]
                    if not end:
                        continue
                    n = data.count(MARK, 0, end)
                    if n:
                        counts[i] += n
                        delivered += n
                        if i in sample:
                            lat.extend([t_ready - int(x) for x in TS_RE.findall(data, 0, end)])
                    if _has_ping(data, end):
                        rsocks[i].send(_pongs(data, end))
                    continue
                s = sidx.get(fd)
                if s is None:
                    continue
                if ev & EPOLLOUT and s.flush():
                    ep.modify(fd, EPOLLIN)
                if ev & (EPOLLIN | select.EPOLLHUP | select.EPOLLERR):
                    try:
                        data = _recv(s.sock)
                    except _WOULD_BLOCK:
                        continue
                    except OSError:
                        data = b""
                    if not data:
                        ep.unregister(fd)
                        del sidx[fd]
                        continue
                    data = s.buf + data
                    end = data.rfind(b"\n") + 1
                    s.buf = data[end:]
                    if _has_ping(data, end):
                        s.sock.send(_pongs(data, end))
            if delivered > result.delivered:
                result.delivered = delivered
                t_last = monotonic()
        cpu1 = server.cpu_seconds() if server.alive() else cpu0
        result.gen_cpu = cpu_self() - gen0
        result.sent = sent
        result.expected = sent * n_recv
        result.delivered = delivered
        result.elapsed = t_last - t_start
        result.cpu = cpu1 - cpu0
        result.receivers_closed = closed
        if not server.alive():
            result.server_died = server.exit_info()
        return result
    finally:
        ep.close()


def make_nicks(prefix: str, n: int) -> list[bytes]:
    return [f"{prefix}{i}".encode() for i in range(n)]
