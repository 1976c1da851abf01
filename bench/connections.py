"""The `connections` phase (issue 12, target 3 and "Faults at scale").

One server per run. The generator grows a fleet of idle REGISTERED clients (each saw 001) in
storms of 500 and stops at each size of the growth curve (1k, 10k, 50k) to measure:

  memory    server VmRSS delta since start-up / clients connected. Kernel socket buffers are
            kernel memory, not in the server's RSS, so they are not in this figure.
  idle CPU  server utime+stime over an idle window with everyone connected and quiet.
  storm     time for a storm of 500 more clients to all get 001 (first connect to last 001).

Then, at the top size (after its storm):

  fault b   (tui-chat) the server was started with --max-clients equal to what is connected:
            a storm of 500 more must each get an `ERROR :...` line and be closed, and a probe
            already in must still get its PING answered.
  fault a   a receiver with a tiny SO_RCVBUF that stops reading in a busy room (a sender at a
            fixed pace) must be cut off at the server's SendQ limit, while a probe in the same
            room sees the same PING round trip and room delivery latency before and during.

Past ~28,000 ephemeral ports per (source, destination) pair, clients bind a source address
further along 127.0.0.0/8 (Linux routes all of it to lo). Each process (generator, server)
needs a descriptor per client: the sizes are capped by RLIMIT_NOFILE's hard limit (which a
process cannot raise without CAP_SYS_RESOURCE), and the table says when that happened.
"""

from __future__ import annotations

import contextlib
import errno
import resource
import select
import socket
import time
from dataclasses import dataclass, field

import loadgen
import servers

SIZES_FULL = (1_000, 10_000, 50_000)
SIZES_QUICK = (1_000, 2_000)
STORM = 500
STORM_TIMEOUT = 10.0  # a storm that has not all registered by then counts its stragglers
IDLE_FULL = 10.0
IDLE_QUICK = 3.0
# Connections per source address. Linux's connect() tries even ports first: past half of the
# 28,232-port default range (~14,000 in use) its search for a free one grew storms of 500 from
# 0.1 s to 2-4 s, all of it in the generator's kernel time. 10,000 keeps it in the fast part.
PER_SOURCE = 10_000
# Descriptors the generator needs besides its fleet (the beyond-the-limit storm, the probe,
# sender and slow reader, epoll, stdio, the server's pipes) and the server's own margin.
GENERATOR_SPARE = STORM + 100
SERVER_SPARE = 32 + 3
TINY_RCVBUF = 4096
# Fault a: the sender writes BURST lines of LINE_BYTES every TICK seconds into the room.
TICK = 0.01
BURST = 5
PAYLOAD = b"x" * 380
BEFORE_SECONDS = 2.0
CUTOFF_TIMEOUT = 30.0
PROBE_PING_EVERY = 0.05
ROOM = b"#busy"
# IP_BIND_ADDRESS_NO_PORT (linux/in.h): bind picks the port at connect(), per destination.
IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)


def source_address(index: int) -> str | None:
    """The source address of the fleet's ``index``-th client; None: the default (127.0.0.1)."""
    block = index // PER_SOURCE
    if block == 0:
        return None
    return f"127.0.{block // 250}.{block % 250 + 2}"


def listen_overflows() -> int:
    """TcpExt ListenOverflows (system-wide): SYNs dropped because an accept queue was full."""
    try:
        with open("/proc/net/netstat") as f:
            rows = [line.split() for line in f if line.startswith("TcpExt:")]
        return int(rows[1][rows[0].index("ListenOverflows")])
    except (OSError, ValueError, IndexError):
        return 0


def plan_sizes(sizes: tuple[int, ...]) -> tuple[list[int], str | None]:
    """The sizes this machine can hold in one process each, and why any was lowered."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard == resource.RLIM_INFINITY:
        return list(sizes), None
    room = hard - STORM - max(GENERATOR_SPARE, SERVER_SPARE)
    cap = room // 1000 * 1000
    if max(sizes) <= cap:
        return list(sizes), None
    planned = sorted({min(s, cap) for s in sizes})
    note = (
        f"{max(sizes):,} capped at {cap:,}: RLIMIT_NOFILE hard limit is {hard:,} per process "
        f"and raising it needs CAP_SYS_RESOURCE (ulimit -Hn / prlimit as a privileged user)"
    )
    return planned, note


@dataclass
class Step:
    size: int
    rss_kib: int
    kib_per_client: float
    idle_cpu_s: float
    idle_seconds: float
    storm_s: float
    storm_ok: int
    storm_failed: int
    storm_problem: str | None


@dataclass
class StormResult:
    registered: int = 0
    failed: int = 0
    seconds: float = 0.0
    problem: str | None = None
    errors: int = 0  # got an ERROR line (fault b)
    closed_clean: int = 0  # and then the end of the connection


class Fleet:
    """Idle registered clients on one epoll: grown in storms, answering PINGs while held."""

    def __init__(self, server: servers.RunningServer) -> None:
        self.server = server
        self.ep = select.epoll()
        self.held: dict[int, loadgen.Conn] = {}
        self.made = 0
        self.lost = 0  # held clients the server closed
        self.lost_reason: str | None = None

    def __len__(self) -> int:
        return len(self.held)

    def _open(self, nick: bytes) -> loadgen.Conn:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            src = source_address(self.made)
            if src is not None:
                sock.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
                sock.bind((src, 0))
            err = sock.connect_ex(self.server.addr)
            if err not in (0, errno.EINPROGRESS):
                raise OSError(err, f"connect: {errno.errorcode.get(err, err)}")
        except BaseException:
            sock.close()
            raise
        self.made += 1
        conn = loadgen.Conn(sock, nick)
        conn.out = b"NICK %s\r\nUSER %s 0 * :bench client\r\n" % (nick, nick)
        return conn

    def storm(self, count: int, *, keep: bool = True, timeout: float = STORM_TIMEOUT):
        """Open ``count`` connections at once and wait for each to get 001 (or, with
        ``keep=False``, for an ERROR line and the end of the connection)."""
        result = StormResult()
        pending: dict[int, loadgen.Conn] = {}
        overflows = listen_overflows()
        t0 = time.monotonic()
        try:
            for _ in range(count):
                try:
                    conn = self._open(b"f%d" % self.made)
                except OSError as exc:
                    result.problem = f"generator: {exc}"
                    break
                pending[conn.fd] = conn
                self.ep.register(conn.fd, select.EPOLLIN | select.EPOLLOUT)
            deadline = t0 + timeout
            last = t0
            while pending and self.server.alive():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                for fd, ev in self.ep.poll(min(left, 0.5)):
                    conn = pending.get(fd)
                    if conn is None:
                        self._serve_held(fd)
                        continue
                    if ev & select.EPOLLOUT and conn.out and conn.flush():
                        self.ep.modify(fd, select.EPOLLIN)
                    if not ev & (select.EPOLLIN | select.EPOLLHUP | select.EPOLLERR):
                        continue
                    lines = conn.receive()
                    if lines is None:
                        continue
                    if b"ERROR" in lines and (lines.startswith(b"ERROR") or b"\nERROR" in lines):
                        conn.nick = b"!error"  # remembered: the refusal was said
                    if conn.closed:
                        self.ep.unregister(fd)
                        del pending[fd]
                        conn.close()
                        last = time.monotonic()
                        if conn.nick == b"!error":
                            result.errors += 1
                            result.closed_clean += 1
                        else:
                            result.failed += 1
                            result.problem = result.problem or (
                                f"closed before 001 ({conn.error or 'no ERROR line'})"
                            )
                        continue
                    if keep and b" 001 " in lines:
                        self.ep.modify(fd, select.EPOLLIN)
                        del pending[fd]
                        conn.buf = b""
                        self.held[fd] = conn
                        result.registered += 1
                        last = time.monotonic()
                    elif loadgen._has_ping(lines, len(lines)):
                        conn.answer_pings(lines)
            result.seconds = last - t0
            if pending:
                result.failed += len(pending)
                if not self.server.alive():
                    result.problem = f"server died: {self.server.exit_info()}"
                else:
                    result.problem = result.problem or f"no reply within {timeout:.0f} s"
                    dropped = listen_overflows() - overflows
                    if dropped:
                        # A full accept queue: the kernel drops SYNs, retried after 1, 3, 7 s.
                        result.problem += (
                            f"; {dropped:,} SYNs dropped by a full accept queue (system-wide "
                            f"ListenOverflows)"
                        )
        finally:
            for conn in pending.values():
                with contextlib.suppress(OSError, ValueError):
                    self.ep.unregister(conn.fd)
                conn.close()
        return result

    def _serve_held(self, fd: int) -> None:
        conn = self.held.get(fd)
        if conn is None:
            return
        lines = conn.receive()
        if lines is None:
            return
        if conn.closed:
            self.ep.unregister(fd)
            del self.held[fd]
            conn.close()
            self.lost += 1
            self.lost_reason = (
                self.lost_reason or conn.error or lines[-100:].decode(errors="replace")
            )
            return
        if lines.startswith(b"ERROR") or b"\nERROR" in lines:
            self.lost_reason = self.lost_reason or lines.decode(errors="replace").strip()[-100:]
        conn.answer_pings(lines)

    def serve(self, seconds: float) -> None:
        """Hold the fleet for ``seconds``: answer PINGs, notice closes."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            for fd, _ in self.ep.poll(min(left, 0.5)):
                self._serve_held(fd)

    def close(self) -> None:
        loadgen.close_all(self.held.values())
        self.held.clear()
        self.ep.close()


# ---------------------------------------------------------------------------- fault clients


class Line:
    """A blocking-free client outside the fleet, read and written by the fault loop."""

    def __init__(self, server: servers.RunningServer, nick: bytes, rcvbuf: int = 0) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            # Before connect, so the window it advertises is small from the handshake on.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.settimeout(10)
        try:
            sock.connect(server.addr)
        except BaseException:
            sock.close()
            raise
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn = loadgen.Conn(sock, nick)
        self.nick = nick

    def send(self, data: bytes) -> None:
        self.conn.out += data
        deadline = time.monotonic() + 5
        while not self.conn.flush():
            if time.monotonic() > deadline:
                raise loadgen.BenchError(f"{self.nick.decode()}: could not send in 5 s")
            select.select([], [self.conn.fd], [], 0.1)

    def wait_for(self, marker: bytes, timeout: float = 10.0) -> bytes:
        """Read until a line holding ``marker``; answers PINGs on the way."""
        deadline = time.monotonic() + timeout
        seen = b""
        while time.monotonic() < deadline:
            select.select([self.conn.fd], [], [], 0.1)
            lines = self.conn.receive()
            if lines is None:
                continue
            if self.conn.closed:
                raise loadgen.BenchError(f"{self.nick.decode()}: closed by the server ({seen!r})")
            self.conn.answer_pings(lines)
            seen = (seen + lines)[-2000:]
            if marker in lines:
                return lines
        raise loadgen.BenchError(f"{self.nick.decode()}: no {marker!r} in {timeout:.0f} s")

    def register(self) -> None:
        self.send(b"NICK %s\r\nUSER %s 0 * :bench fault client\r\n" % (self.nick, self.nick))
        self.wait_for(b" 001 ")

    def pump(self) -> None:
        """Read what is there without waiting (between steps): answer the server's PINGs."""
        while (lines := self.conn.receive()) and not self.conn.closed:
            self.conn.answer_pings(lines)

    def close(self) -> None:
        self.conn.close()


def ping_rtt(probe: Line, token: int, timeout: float = 5.0) -> float:
    """One PING round trip in ms (nan if no PONG in ``timeout``)."""
    t0 = time.monotonic_ns()
    probe.send(b"PING :rtt%d\r\n" % token)
    try:
        probe.wait_for(b"rtt%d" % token, timeout)
    except loadgen.BenchError:
        return float("nan")
    return (time.monotonic_ns() - t0) / 1e6


@dataclass
class Window:
    rtts: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    sent: int = 0

    def summary(self) -> dict:
        return {
            "rtt_p50": loadgen.percentile(self.rtts, 50),
            "rtt_p99": loadgen.percentile(self.rtts, 99),
            "rtt_max": max(self.rtts, default=float("nan")),
            "lat_p50": loadgen.percentile(self.latencies, 50),
            "lat_p99": loadgen.percentile(self.latencies, 99),
            "pings": len(self.rtts),
            "sent": self.sent,
        }


def room_traffic(
    sender: Line, probe: Line, reader: Line | None, seconds: float, watch: bytes | None
) -> tuple[Window, float | None]:
    """Pace lines into the room for ``seconds`` (or until ``watch`` shows up at the probe);
    the probe pings every PROBE_PING_EVERY and times room deliveries. ``reader`` (if given)
    keeps reading. Returns the window and when ``watch`` was seen (s from the start)."""
    win = Window()
    t0 = time.monotonic()
    next_tick = t0
    next_ping = t0
    ping_out: dict[bytes, int] = {}
    token = 0
    seen_at = None
    fds = [probe.conn.fd] + ([reader.conn.fd] if reader else [])
    while (now := time.monotonic()) - t0 < seconds:
        if now >= next_tick:
            ts = time.monotonic_ns()
            sender.conn.out += b"".join(
                b"PRIVMSG %s :%d %s\r\n" % (ROOM, ts, PAYLOAD) for _ in range(BURST)
            )
            win.sent += BURST
            next_tick += TICK
        sender.conn.flush()
        if now >= next_ping and len(ping_out) < 4:
            token += 1
            key = b"rtt%d" % token
            ping_out[key] = time.monotonic_ns()
            probe.conn.out += b"PING :" + key + b"\r\n"
            probe.conn.flush()
            next_ping = now + PROBE_PING_EVERY
        ready, _, _ = select.select(fds, [], [], max(0.0, min(next_tick, next_ping) - now))
        if reader is not None and reader.conn.fd in ready:
            reader.conn.receive()
            if reader.conn.closed:
                raise loadgen.BenchError("the slow reader was closed while still reading")
        if probe.conn.fd in ready:
            lines = probe.conn.receive()
            if lines is None:
                continue
            if probe.conn.closed:
                raise loadgen.BenchError("the probe was closed by the server")
            arrived = time.monotonic_ns()
            for line in lines.split(b"\n"):
                if b" PONG " in line:
                    key = line.rsplit(b":", 1)[-1].strip()
                    sent_at = ping_out.pop(key, None)
                    if sent_at is not None:
                        win.rtts.append((arrived - sent_at) / 1e6)
                elif b" PRIVMSG #busy :" in line:
                    ts = line.split(b" PRIVMSG #busy :", 1)[1].split(b" ", 1)[0]
                    if ts.isdigit():
                        win.latencies.append((arrived - int(ts)) / 1e6)
                elif line.startswith(b"PING"):
                    probe.conn.answer_pings(line + b"\n")
                elif watch is not None and watch in line and seen_at is None:
                    seen_at = time.monotonic() - t0
                    return win, seen_at
    return win, seen_at


# ---------------------------------------------------------------------------- the phase


def run(name: str, sizes: tuple[int, ...], *, quick: bool) -> tuple[dict, str | None]:
    """The whole phase against ``name``: (values for the table, the error or None). Values
    measured before a failure are kept, so a peer that gives up shows where."""
    planned, cap_note = plan_sizes(sizes)
    top = planned[-1]
    idle_seconds = IDLE_QUICK if quick else IDLE_FULL
    values: dict = {"steps": [], "cap_note": cap_note, "top": top, "sizes": planned}
    extra: dict = {}
    if name == "tui-chat":
        # Exactly what fault b's storm finds connected: the fleet after its last storm, and
        # the probe, sender and slow reader.
        extra["max_clients"] = top + STORM + 3
    server = servers.STARTERS[name](**extra)
    fleet = Fleet(server)
    lines: list[Line] = []
    try:
        probe = Line(server, b"probe")
        sender = Line(server, b"sender")
        reader = Line(server, b"slow", rcvbuf=TINY_RCVBUF)
        lines = [probe, sender, reader]
        for c in lines:
            c.register()
        for c in lines:
            c.send(b"JOIN %s\r\n" % ROOM)
            c.wait_for(b" 366 ")
        time.sleep(0.2)  # let start-up allocations settle before the baseline
        rss0 = server.rss_kib()
        values["rss_start"] = rss0
        for size in planned:
            while len(fleet) < size:
                res = fleet.storm(min(STORM, size - len(fleet)))
                if res.failed or res.registered == 0 or not server.alive():
                    values["reached"] = len(fleet)
                    return values, f"stopped at {len(fleet):,} of {size:,}: {res.problem}"
                for c in lines:
                    c.pump()
            fleet.serve(0.3)
            for c in lines:
                c.pump()
            if fleet.lost:
                return values, f"{fleet.lost} idle clients closed: {fleet.lost_reason}"
            rss = server.rss_kib()
            cpu0 = server.cpu_seconds()
            t_idle = time.monotonic()
            fleet.serve(idle_seconds)
            idle_cpu = server.cpu_seconds() - cpu0
            idle_wall = time.monotonic() - t_idle
            res = fleet.storm(STORM)
            values["steps"].append(
                Step(
                    size=size,
                    rss_kib=rss,
                    kib_per_client=(rss - rss0) / size,
                    idle_cpu_s=idle_cpu,
                    idle_seconds=idle_wall,
                    storm_s=res.seconds,
                    storm_ok=res.registered,
                    storm_failed=res.failed,
                    storm_problem=res.problem,
                )
            )
            values["reached"] = len(fleet)
            if res.failed or not server.alive():
                return values, f"storm of {STORM} at {size:,}: {res.failed} failed ({res.problem})"
        if name == "tui-chat":
            values["beyond"] = fault_beyond_max(fleet, probe)
        if name == "tui-chat" or not quick:  # --quick: the peers' 30 s wait is left out
            values["slow"] = fault_slow_reader(sender, probe, reader)
        return values, None
    except (loadgen.BenchError, OSError) as exc:
        return values, f"{type(exc).__name__}: {exc}"
    finally:
        for c in lines:
            c.close()
        fleet.close()
        server.stop()


def fault_beyond_max(fleet: Fleet, probe: Line) -> dict:
    """A storm beyond --max-clients: each must get ERROR and be closed; the probe is served."""
    before = ping_rtt(probe, 1)
    res = fleet.storm(STORM, keep=False)
    after = ping_rtt(probe, 2)
    return {
        "tried": STORM,
        "errors": res.errors,
        "admitted": res.registered,
        "other": STORM - res.errors - res.registered,
        "problem": res.problem,
        "rtt_before": before,
        "rtt_after": after,
        "held_lost": fleet.lost,
    }


def fault_slow_reader(sender: Line, probe: Line, reader: Line) -> dict:
    """Room traffic at a fixed pace while the slow reader reads, then while it does not."""
    before, _ = room_traffic(sender, probe, reader, BEFORE_SECONDS, None)
    during, cut_at = room_traffic(sender, probe, None, CUTOFF_TIMEOUT, b" QUIT ")
    return {
        "before": before.summary(),
        "during": during.summary(),
        "cut_after": cut_at,
        "bytes_to_cut": during.sent * (len(PAYLOAD) + 40),
    }


# ---------------------------------------------------------------------------- table rows

KIB_TARGET = 1.5
STORM_TARGET = 2.0
IDLE_CPU_TARGET = 1.0  # % of one core: "near zero"


def _nan(value: float | None) -> float:
    return float("nan") if value is None else value


def _f(value: float | None, spec: str) -> str:
    value = _nan(value)
    return "-" if value != value else format(value, spec)


def _step(values: dict, size: int) -> Step | None:
    return next((s for s in values.get("steps", []) if s.size == size), None)


def size_label(size: int, asked: tuple[int, ...], planned: list[int]) -> str:
    if size == planned[-1] and max(asked) > size:
        return f"{size:,} (for {max(asked):,})"
    return f"{size:,}"


def table_rows(sizes: tuple[int, ...]) -> list[tuple[str, object]]:
    """(label, render(values) -> str) for run.py's row(); one group per size, then faults."""
    planned, _ = plan_sizes(sizes)
    rows: list[tuple[str, object]] = []
    for size in planned:
        tag = f"connections {size_label(size, sizes, planned)}"

        def kib(v: dict, size: int = size) -> str:
            s = _step(v, size)
            return "-" if s is None else f"{s.kib_per_client:.2f}"

        def storm(v: dict, size: int = size) -> str:
            s = _step(v, size)
            if s is None:
                return "-"
            bad = f", {s.storm_failed} failed" if s.storm_failed else ""
            return f"{s.storm_s:.2f}{bad}"

        def idle(v: dict, size: int = size) -> str:
            s = _step(v, size)
            if s is None:
                return "-"
            return f"{s.idle_cpu_s / s.idle_seconds * 100:.2f} ({s.idle_cpu_s:.2f} s)"

        rows.append((f"{tag}: server KiB per idle client", kib))
        rows.append((f"{tag}: storm of {STORM} more, all 001 in s", storm))
        rows.append((f"{tag}: idle server CPU % (s over the window)", idle))

    def reached(v: dict) -> str:
        return f"{v.get('reached', 0):,}"

    def beyond(v: dict) -> str:
        b = v.get("beyond")
        if not b:
            return "-"
        return (
            f"{b['errors']} ERROR+close, {b['admitted']} in, {b['other']} other; "
            f"PING {_f(b['rtt_before'], '.1f')} → {_f(b['rtt_after'], '.1f')} ms"
        )

    def cut(v: dict) -> str:
        f = v.get("slow")
        if not f:
            return "-"
        if f["cut_after"] is None:
            return f"not cut in {CUTOFF_TIMEOUT:.0f} s"
        return f"cut after {f['cut_after']:.1f} s (~{f['bytes_to_cut'] / 1024:,.0f} KiB sent)"

    def before_during(v: dict, what: str) -> str:
        f = v.get("slow")
        if not f:
            return "-"
        b, d = f["before"], f["during"]
        return (
            f"{_f(b[what + '_p50'], '.2f')}/{_f(b[what + '_p99'], '.2f')} → "
            f"{_f(d[what + '_p50'], '.2f')}/{_f(d[what + '_p99'], '.2f')}"
        )

    def rtt(v: dict) -> str:
        return before_during(v, "rtt")

    def lat(v: dict) -> str:
        return before_during(v, "lat")

    top = planned[-1]
    rows.append(("connections: registered clients reached (+ each size's storm)", reached))
    rows.append((f"connections, {top:,} in: storm of {STORM} beyond --max-clients", beyond))
    rows.append((f"connections, {top:,} in: reader that stops reading", cut))
    rows.append(("  probe PING p50/p99 ms, before → while it is stuck", rtt))
    rows.append(("  room delivery p50/p99 ms, before → while it is stuck", lat))
    return rows


def targets(values: dict | None, sizes: tuple[int, ...]) -> list[tuple[bool | None, str]]:
    """(verdict, text) lines for tui-chat's issue 12 target 3 and the faults at scale."""
    planned, cap_note = plan_sizes(sizes)
    v = values or {}
    out: list[tuple[bool | None, str]] = []
    want = max(sizes)
    reached = v.get("reached")
    ok = None if reached is None else reached >= want
    note = f"; {cap_note}" if cap_note else ""
    out.append(
        (
            ok,
            f"connections: {want:,} concurrent registered clients (reached "
            f"{'-' if reached is None else format(reached, ',')}{note})",
        )
    )
    for size in planned:
        s = _step(v, size)
        ok = None if s is None else s.kib_per_client <= KIB_TARGET
        out.append(
            (
                ok,
                f"connections {size:,}: <= {KIB_TARGET} KiB of server memory per idle "
                f"client (measured {'-' if s is None else format(s.kib_per_client, '.2f')})",
            )
        )
        ok = None if s is None else s.storm_failed == 0 and s.storm_s <= STORM_TARGET
        out.append(
            (
                ok,
                f"connections {size:,}: a storm of {STORM} all registered within "
                f"{STORM_TARGET:.0f} s (measured {_f(None if s is None else s.storm_s, '.2f')} s)",
            )
        )
        pct = None if s is None else s.idle_cpu_s / s.idle_seconds * 100
        ok = None if pct is None else pct <= IDLE_CPU_TARGET
        out.append(
            (
                ok,
                f"connections {size:,}: idle CPU near zero, <= {IDLE_CPU_TARGET:.0f}% of "
                f"a core (measured {_f(pct, '.2f')}%)",
            )
        )
    b = v.get("beyond")
    ok = (
        None
        if not b
        else (b["errors"] == b["tried"] and b["rtt_after"] == b["rtt_after"] and not b["held_lost"])
    )
    out.append(
        (
            ok,
            "beyond --max-clients: every refused client gets ERROR and is closed, the "
            "probe's PING is answered"
            + (
                ""
                if not b
                else f" ({b['errors']}/{b['tried']} ERROR, PING after "
                f"{_f(b['rtt_after'], '.1f')} ms)"
            ),
        )
    )
    f = v.get("slow")
    ok = None
    detail = ""
    if f:
        b, d = f["before"], f["during"]
        # "Does not move": the probe's p99s stay within a few ms of before (the machine is
        # shared; the lead re-measures on an idle one).
        moved = max(d["rtt_p99"] - b["rtt_p99"], d["lat_p99"] - b["lat_p99"])
        ok = f["cut_after"] is not None and moved <= 5.0
        detail = (
            f" (cut after {_f(f['cut_after'], '.1f')} s; probe p99 moved {_f(moved, '+.2f')} ms)"
        )
    out.append(
        (
            ok,
            "a reader that stops reading is cut at its SendQ limit and the probe's "
            "PING / room p99 move by <= 5 ms" + detail,
        )
    )
    return out
