"""Room size (issue 12, target 2) with the C generator that measures the server (target 6).

Phase `rooms`: one room of 10, 100, 1,000 and 5,000 members (SENDERS of them senders, the rest
receivers) on every server, plus the minimal C relay (c_relay.c) as "the limit". bench/fastgen.c
drives each: it registers and joins everyone, waits until the server is quiet, saturates the
room within a window of WINDOW messages and reports deliveries/s, latency, losses, its own CPU
and the server's (utime+stime from /proc over the traffic window). Server CPU per delivery
divides that by every line the server wrote to the room (the receivers' copies and the senders'
copies of each other's messages), so a room of 10 is not charged 1/7 more than it did.

The target: tui-chat's CPU per delivery must not grow with room size (largest room vs smallest).

Both C programs are built at run time by cbuild.py; without a C compiler the rooms run with the
Python generator (loadgen.py), and the table says so. `fanout_cell` gives run.py's fan-out phase
the same generator.

Standalone: python bench/rooms.py [--quick] [--servers tui-chat,...] [--plot DIR]
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import select
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cbuild
import loadgen
import servers

SIZES_FULL = (10, 100, 1000, 5000)
SIZES_QUICK = (10, 100, 500)
SENDERS = 3
WINDOW = 256
LIMIT = "limit (C relay)"
GROWTH_TOLERANCE = 1.15  # "does not grow": largest room's CPU/delivery within run-to-run noise
# Connections in setup at once. miniircd's listen backlog is 5 (a burst loses SYNs); ngircd
# resets connections when 50 join at once; InspIRCd holds each registration for about 1 s, so
# it needs many at once to set up a room of 5,000 in reasonable time.
SETUP_BATCH = {"miniircd": 5, "ngircd": 20, "inspircd": 200, LIMIT: 100}


# ---------------------------------------------------------------------------- generator


def generator_problem() -> str | None:
    """Why the C generator cannot be used (then the Python one is), or None."""
    try:
        cbuild.build("fastgen")
    except cbuild.NoCompiler as exc:
        return str(exc)
    return None


def run_fastgen(
    server: servers.RunningServer,
    n_recv: int,
    n_send: int,
    *,
    seconds: float,
    window: int = WINDOW,
    batch: int = 20,
    setup_timeout: float = 120.0,
    tail_timeout: float = 10.0,
) -> dict[str, Any]:
    """One fastgen run against ``server``; its JSON result ("ok": false with "error" on any
    failure, the generator's own or a timeout)."""
    argv = [
        str(cbuild.build("fastgen")),
        *("-r", str(n_recv), "-s", str(n_send), "-t", str(seconds), "-w", str(window)),
        *("-b", str(batch), "-p", str(server.proc.pid)),
        *("-T", str(setup_timeout), "-L", str(tail_timeout)),
        server.host,
        str(server.port),
    ]
    limit = setup_timeout + seconds + tail_timeout + 30
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=limit, check=False)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"generator ran over {limit:.0f} s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            result: dict[str, Any] = json.loads(line)
            return result
    return {
        "ok": False,
        "error": f"generator exit {proc.returncode}: {proc.stderr.strip()[-200:]}",
    }


def fanout_values(result: dict[str, Any]) -> dict[str, Any]:
    """run.py's fan-out cell values from a fastgen result."""
    nan = float("nan")
    return {
        "rate": result["rate"],
        "cpu_us": nan if result["server_cpu_us"] is None else result["server_cpu_us"],
        "p50": nan if result["lat_p50_ms"] is None else result["lat_p50_ms"],
        "p99": nan if result["lat_p99_ms"] is None else result["lat_p99_ms"],
        "lost": result["lost"],
        "sent": result["sent"],
        "gen_cpu": result["gen_cpu_pct"],
        "closed": result["closed"],
        "generator": "C",
    }


def fanout_cell(
    cell_type: type,
    name: str,
    n_recv: int,
    n_send: int,
    seconds: float,
    window: int,
    start: dict[str, Any],
):
    """run.py's fan-out scenario with the C generator: a ``cell_type`` (run.Cell). ``start``:
    the server's start options (history on or off)."""
    server = servers.STARTERS[name](**start)
    try:
        result = run_fastgen(
            server, n_recv, n_send, seconds=seconds, window=window, batch=SETUP_BATCH.get(name, 20)
        )
        if not result["ok"]:
            return cell_type(error=_why(server, result))
        cell = cell_type(fanout_values(result))
        if result["closed"]:
            cell.error = f"{result['closed']} receivers disconnected by the server"
        return cell
    finally:
        server.stop()


def _why(server: servers.RunningServer, result: dict[str, Any]) -> str:
    if not server.alive():
        return f"server died: {server.exit_info()} ({result.get('error')})"
    return str(result.get("error"))


# ---------------------------------------------------------------------------- the C relay


def start_c_relay() -> servers.RunningServer:
    exe = cbuild.build("c_relay")
    tmp = tempfile.TemporaryDirectory(prefix="bench-c-relay-")
    proc, stderr_path = servers._spawn([str(exe), "0"], tmp, pipe_stdout=True)
    server = servers.RunningServer(LIMIT, proc, "127.0.0.1", 0, tmp, stderr_path)
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], servers.START_TIMEOUT)
        banner = proc.stdout.readline().decode() if ready else ""
        match = re.match(r"listening on 127\.0\.0\.1:(\d+)", banner)
        if not match:
            raise servers.ServerStartError(f"c_relay: {server.exit_info()} {banner!r}")
        server.port = int(match.group(1))
        return server
    except BaseException:
        server.stop()
        raise


# ---------------------------------------------------------------------------- the phase


def setup_limit(size: int) -> float:
    """Seconds to register and join a room of ``size``. Every JOIN goes to every member, so a
    room's setup is quadratic for every server (tui-chat: 60 s for 5,000 on an idle 2-core
    machine, 99 s at load 7); ngircd's grows faster still (15 s for 1,000 members, 117 s for
    2,000), so past this limit a server is shown as not holding the room, with how many had
    joined."""
    return 30 + size * 0.035


def run_room(name: str, size: int, seconds: float, cell_type: type):
    """One room of ``size`` members on server ``name`` (or LIMIT): a run.Cell."""
    n_send = min(SENDERS, size - 1)
    n_recv = size - n_send
    server = start_c_relay() if name == LIMIT else servers.STARTERS[name]()
    try:
        if generator_problem() is None:
            result = run_fastgen(
                server,
                n_recv,
                n_send,
                seconds=seconds,
                batch=SETUP_BATCH.get(name, 20),
                setup_timeout=setup_limit(size),
            )
        else:
            result = _python_room(server, n_recv, n_send, seconds)
        if not result["ok"]:
            cell = cell_type(error=_why(server, result))
            cell.values = {"held": result.get("joined", 0), "failed": True}
            return cell
        written = result["delivered"] + result.get("to_senders", 0)
        cpu = result["server_cpu_s"]
        values = fanout_values(result)
        values.update(
            {
                "members": size,
                "written": written,
                "cpu_us": cpu * 1e6 / written if cpu is not None and written else math.nan,
                "setup_s": result["setup_s"],
                "generator": result.get("generator", "C"),
            }
        )
        cell = cell_type(values)
        if result["closed"]:
            cell.error = f"{result['closed']} receivers disconnected by the server"
        return cell
    finally:
        server.stop()


def _python_room(
    server: servers.RunningServer, n_recv: int, n_send: int, seconds: float
) -> dict[str, Any]:
    """The fallback without a C compiler: the same room through loadgen.py."""
    nicks = loadgen.make_nicks("s", n_send) + loadgen.make_nicks("r", n_recv)
    t0 = time.monotonic()
    reg = loadgen.register(server, nicks, batch=5, storm_timeout=30)
    try:
        if reg.failure:
            return {"ok": False, "error": reg.failure, "joined": len(reg.conns)}
        missing = loadgen.exchange(
            reg.conns, b"JOIN #bench\r\n", b" 366 ", timeout=120, server=server
        )
        if missing:
            return {"ok": False, "error": f"{len(missing)} did not join", "joined": 0}
        loadgen.drain(reg.conns)
        setup = time.monotonic() - t0
        senders = reg.conns[:n_send]
        receivers = reg.conns[n_send:]
        tr = loadgen.traffic(server, senders, receivers, duration=seconds, window=WINDOW)
    finally:
        loadgen.close_all(reg.conns)
    return {
        "ok": True,
        "rate": tr.rate,
        "server_cpu_s": tr.cpu,
        "server_cpu_us": tr.cpu_us_per_delivery,
        "lat_p50_ms": loadgen.percentile(tr.latencies_ns, 50) / 1e6,
        "lat_p99_ms": loadgen.percentile(tr.latencies_ns, 99) / 1e6,
        "lost": tr.lost,
        "sent": tr.sent,
        "delivered": tr.delivered,
        "to_senders": tr.sent * (n_send - 1),  # not counted by loadgen; the server wrote them
        "gen_cpu_pct": tr.gen_cpu / tr.elapsed * 100 if tr.elapsed else math.nan,
        "closed": tr.receivers_closed,
        "setup_s": setup,
        "generator": "Python",
    }


def run_phase(
    names: list[str],
    sizes: tuple[int, ...],
    seconds: float,
    cell_type: type,
    guarded: Callable[..., Any],
    progress: Callable[[str, str, Any], None],
) -> dict[str, dict[str, Any]]:
    """Every room size on every server and the C relay: {f"rooms{size}": {name: Cell}}.

    A server that could not hold a size is not tried at larger ones (its failure shows why)."""
    results: dict[str, dict[str, Any]] = {}
    columns = [*names, LIMIT] if generator_problem() is None else list(names)
    for name in columns:
        for size in sizes:
            limit = 120 + size * 0.05 + seconds
            cell = guarded(run_room, name, size, seconds, cell_type, limit=limit)
            results.setdefault(f"rooms{size}", {})[name] = cell
            progress(name, f"room of {size:,}", cell)
            if not cell.values or cell.values.get("failed"):
                break
    return results


# ---------------------------------------------------------------------------- reporting


def _fmt(value: Any, spec: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, spec)


def _ok(results: dict, size: int, name: str) -> dict | None:
    cell = results.get(f"rooms{size}", {}).get(name)
    if cell is None or not cell.values or cell.values.get("failed"):
        return None
    return cell.values


def table(names: list[str], results: dict, sizes: tuple[int, ...]) -> list[str]:
    """The room-size table (its own: it has the C relay's column)."""
    columns = [*names, LIMIT] if any(LIMIT in c for c in results.values()) else list(names)
    lines = ["| room size / metric | " + " | ".join(columns) + " |"]
    lines.append("|---" * (len(columns) + 1) + "|")

    def cells(size: int, render: Callable[[dict], str]) -> list[str]:
        out = []
        for name in columns:
            cell = results.get(f"rooms{size}", {}).get(name)
            if cell is None:
                out.append("not run")
            elif not cell.values or cell.values.get("failed"):
                held = cell.values.get("held") if cell.values else None
                out.append("failed" + (f" ({held:,} joined)" if held else ""))
            else:
                out.append(render(cell.values))
        return out

    rows: list[tuple[str, Callable[[dict], str]]] = [
        ("deliveries/s", lambda v: _fmt(v["rate"], ",.0f")),
        ("server CPU µs/delivery", lambda v: _fmt(v["cpu_us"], ".3f")),
        ("latency p50 / p99 ms", lambda v: f"{_fmt(v['p50'], '.1f')} / {_fmt(v['p99'], '.1f')}"),
        ("lost", lambda v: f"{v['lost']:,}"),
        ("generator CPU %", lambda v: _fmt(v["gen_cpu"], ".0f")),
        ("setup (register + join all), s", lambda v: _fmt(v["setup_s"], ".1f")),
    ]
    for size in sizes:
        if f"rooms{size}" not in results:
            continue
        for label, render in rows:
            lines.append("| " + " | ".join([f"room of {size:,}: {label}", *cells(size, render)]))
            lines[-1] += " |"
    return lines


def growth_curve(names: list[str], results: dict, sizes: tuple[int, ...]) -> list[str]:
    """CPU per delivery against room size as text bars, one block per server."""
    columns = [*names, LIMIT]
    got = [
        (name, size, v["cpu_us"])
        for name in columns
        for size in sizes
        if (v := _ok(results, size, name)) and not math.isnan(v["cpu_us"])
    ]
    if not got:
        return []
    top = max(cpu for _, _, cpu in got)
    lines = ["Server CPU µs per delivery against room size (each # is 1/40 of the largest):"]
    for name in columns:
        rows = [(size, cpu) for n, size, cpu in got if n == name]
        if not rows:
            continue
        lines.append(f"  {name}")
        for size, cpu in rows:
            lines.append(f"    {size:>6,} {cpu:7.3f} {'#' * max(1, round(cpu / top * 40))}")
        steps = marginal_costs(results, sizes, name)
        if steps:
            text = ", ".join(f"{a:,}->{b:,} {cost:.3f}" for a, b, cost in steps)
            lines.append(f"    per extra member, µs per message: {text}")
    return lines


def targets(results: dict, sizes: tuple[int, ...], quick: bool) -> list[str]:
    small, large = sizes[0], sizes[-1]
    ours_small, ours_large = _ok(results, small, "tui-chat"), _ok(results, large, "tui-chat")
    ratio = ok = None
    if ours_small and ours_large and ours_small["cpu_us"] and ours_large["cpu_us"]:
        ratio = ours_large["cpu_us"] / ours_small["cpu_us"]
        ok = ratio <= GROWTH_TOLERANCE
    verdict = "n/a " if ok is None else ("PASS" if ok else "MISS")
    lines = [
        f"  {verdict}  room size: CPU/delivery in a room of {large:,} <= {GROWTH_TOLERANCE}x "
        f"a room of {small:,}'s (measured {_fmt(ratio, '.2f')}x)"
    ]
    marginal = marginal_costs(results, sizes, "tui-chat")
    ok = growth = None
    if len(marginal) >= 2 and marginal[0][2] > 0:
        growth = marginal[-1][2] / marginal[0][2]
        ok = growth <= GROWTH_TOLERANCE
    verdict = "n/a " if ok is None else ("PASS" if ok else "MISS")
    steps = ", ".join(f"{a:,}->{b:,}: {cost:.3f}" for a, b, cost in marginal)
    lines.append(
        f"  {verdict}  room size: CPU per extra member (per message) does not grow: "
        f"{_fmt(growth, '.2f')}x from the smallest step to the largest ({steps or '-'} µs)"
    )

    # Judged on tui-chat's cells: the target is that the generator does not set tui-chat's
    # figures. The relay can outrun the generator (then its line is a lower bound of the limit).
    def highest(names: set[str] | None) -> float | None:
        gens = [
            cell.values["gen_cpu"]
            for key, cells in results.items()
            if key.startswith("rooms")
            for name, cell in cells.items()
            if (names is None or name in names)
            and cell.values
            and not cell.values.get("failed")
            and "gen_cpu" in cell.values
        ]
        return max(gens) if gens else None

    ours, anywhere = highest({"tui-chat"}), highest(None)
    if ours is not None:
        verdict = "PASS" if ours < 90 else "MISS"
        lines.append(
            f"  {verdict}  room size: the generator never saturates on tui-chat (highest "
            f"generator CPU {ours:.0f}%; {_fmt(anywhere, '.0f')}% on any server or the relay)"
        )
    return lines


def marginal_costs(
    results: dict, sizes: tuple[int, ...], name: str
) -> list[tuple[int, int, float]]:
    """(size a, size b, µs) per pair of neighbouring sizes: the server CPU one message costs per
    member added between a and b. CPU per delivery alone falls with room size because each
    message's own cost (reading, parsing, storing it) is shared by more members; this is the
    per-member part, the one that must not grow."""
    per_message = []
    for size in sizes:
        v = _ok(results, size, name)
        if v and v.get("written") and v.get("sent") and not math.isnan(v["cpu_us"]):
            per_message.append((size, v["cpu_us"] * v["written"] / v["sent"]))
    return [
        (a, b, (cost_b - cost_a) / (b - a))
        for (a, cost_a), (b, cost_b) in itertools.pairwise(per_message)
    ]


def write_plot(directory: Path, names: list[str], results: dict, sizes: tuple[int, ...]) -> Path:
    """rooms.svg in ``directory``: deliveries/s, CPU per delivery and CPU per extra member
    against room size (log x), one line per server, drawn from this run's own figures."""
    directory.mkdir(parents=True, exist_ok=True)
    columns = [*names, LIMIT]
    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#555555"]
    width, height, pad = 420, 300, 60
    x0, x1 = math.log10(sizes[0]), math.log10(sizes[-1])

    def measured(metric: str, scale: float) -> dict[str, list[tuple[int, float]]]:
        return {
            name: [
                (size, v[metric] * scale)
                for size in sizes
                if (v := _ok(results, size, name)) and not math.isnan(v[metric])
            ]
            for name in columns
        }

    # Each step's cost is drawn at the larger of its two sizes.
    per_member = {
        name: [(b, cost) for _, b, cost in marginal_costs(results, sizes, name)] for name in columns
    }

    def panel(left: int, series: dict[str, list[tuple[int, float]]], title: str, unit: str):
        top = max((y for pts in series.values() for _, y in pts), default=1.0) * 1.1 or 1.0
        out = [
            f'<g transform="translate({left},0)">',
            f'<text x="{width / 2}" y="24" text-anchor="middle" font-size="14">{title}</text>',
            f'<line x1="{pad}" y1="{height - pad}" x2="{width - 20}" y2="{height - pad}" '
            'stroke="black"/>',
            f'<line x1="{pad}" y1="40" x2="{pad}" y2="{height - pad}" stroke="black"/>',
        ]

        def px(size: int) -> float:
            span = (x1 - x0) or 1.0
            return pad + (math.log10(size) - x0) / span * (width - 20 - pad)

        def py(y: float) -> float:
            return height - pad - y / top * (height - pad - 40)

        for size in sizes:
            out.append(
                f'<text x="{px(size):.1f}" y="{height - pad + 16}" text-anchor="middle" '
                f'font-size="11">{size:,}</text>'
            )
        for i in range(5):
            y = top * i / 4
            out.append(
                f'<text x="{pad - 4}" y="{py(y) + 4:.1f}" text-anchor="end" font-size="10">'
                f"{y:,.2f}</text>"
            )
        out.append(
            f'<text x="{width / 2}" y="{height - 20}" text-anchor="middle" font-size="11">'
            f"members in the room (log scale); {unit}</text>"
        )
        for (_name, pts), colour in zip(series.items(), colours, strict=False):
            if not pts:
                continue
            path = " ".join(f"{px(s):.1f},{py(y):.1f}" for s, y in pts)
            out.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
            for s, y in pts:
                out.append(f'<circle cx="{px(s):.1f}" cy="{py(y):.1f}" r="3" fill="{colour}"/>')
        out.append("</g>")
        return out

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{3 * width}" height="{height + 40}" '
        'font-family="sans-serif">',
        '<rect width="100%" height="100%" fill="white"/>',
        *panel(0, measured("rate", 1e-6), "Fan-out deliveries per second", "millions/s"),
        *panel(width, measured("cpu_us", 1.0), "Server CPU per delivery", "µs"),
        *panel(2 * width, per_member, "Server CPU per extra member, per message", "µs"),
    ]
    for i, (name, colour) in enumerate(zip(columns, colours, strict=False)):
        x = 20 + i * (3 * width - 40) / len(columns)
        parts.append(
            f'<rect x="{x:.0f}" y="{height + 14}" width="12" height="12" fill="{colour}"/>'
        )
        parts.append(f'<text x="{x + 16:.0f}" y="{height + 24}" font-size="12">{name}</text>')
    parts.append("</svg>")
    path = directory / "rooms.svg"
    path.write_text("\n".join(parts) + "\n")
    return path


def report(names: list[str], results: dict, sizes: tuple[int, ...], quick: bool) -> None:
    """The phase's table, growth curve and target lines, printed after run.py's table."""
    if not any(k.startswith("rooms") for k in results):
        return
    problem = generator_problem()
    print(
        f"\n## Room size ({SENDERS} senders, the rest receivers, window {WINDOW}; generator: "
        + ("bench/fastgen.c" if problem is None else f"Python, because {problem}")
        + ")\n"
    )
    print("\n".join(table(names, results, sizes)))
    print()
    print("\n".join(growth_curve(names, results, sizes)))


def print_notes(results: dict) -> None:
    notes = [
        f"- {name}, room of {key[5:]}: {cell.error}"
        for key, cells in results.items()
        if key.startswith("rooms")
        for name, cell in cells.items()
        if cell.error
    ]
    if notes:
        print("\nRoom-size failures and anomalies:")
        print("\n".join(notes))


def main(argv: list[str] | None = None) -> int:
    import argparse

    import run

    parser = argparse.ArgumentParser(description="the room-size phase alone")
    parser.add_argument("--servers", default=",".join(run.ALL_SERVERS))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--plot", type=Path, help="write rooms.svg into this directory")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.servers.split(",") if n.strip()]
    run.raise_nofile()
    sizes = SIZES_QUICK if args.quick else SIZES_FULL
    seconds = 1.0 if args.quick else 3.0
    results = run_phase(names, sizes, seconds, run.Cell, run.guarded, run.progress)
    report(names, results, sizes, args.quick)
    print_notes(results)
    print("\n".join(targets(results, sizes, args.quick)))
    if args.plot:
        print(f"plot: {write_plot(args.plot, names, results, sizes)}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    raise SystemExit(main())
