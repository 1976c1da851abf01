"""UI benchmark (issue 3, "Performance"): the real Textual app under a flood, and its start-up.

1. Flood: `tui-chat serve` runs as a subprocess; the real `ChatApp` runs headless in this process
   (`App.run_test()`), joined to `#flood`; a raw-socket peer sends N messages as fast as the
   server relays them. Measured: time until the last message is in the log's model and until it
   is on screen (the log widget's visible lines), hence messages/s absorbed; keypress latency
   during the flood (a `Key` event sent through the driver, as a terminal keypress arrives, until
   the Input's value shows it); and this process's RSS afterwards (scrollback full).
2. Start-up: `tui-chat join` and a minimal Textual app, each in a subprocess on a pseudo-terminal,
   timed from spawn until their first frame's text shows up on the terminal; several
   repetitions, alternating, median.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import os
import pty
import select
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import servers

REPO = Path(__file__).resolve().parents[2]
SIZE = (120, 36)
ROOM = "#flood"

MINIMAL_APP = """
from textual.app import App
from textual.widgets import Static

class Minimal(App):
    def compose(self):
        yield Static("minimal-first-frame")

Minimal().run()
"""


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def verdict(ok: bool | None) -> str:
    return "n/a " if ok is None else ("PASS" if ok else "MISS")


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


# ---------------------------------------------------------------------------- flood


class Flooder:
    """A registered raw-socket client in `ROOM` that sends N lines in one go, from a thread."""

    def __init__(self, port: int, nick: str = "flooder") -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.sendall(f"NICK {nick}\r\nUSER {nick} 0 * :bench\r\n".encode())
        self._expect(b" 001 ")
        self.sock.sendall(f"JOIN {ROOM}\r\n".encode())
        self._expect(b" 366 ")
        self.done = threading.Event()
        self.error: str | None = None

    def _expect(self, marker: bytes) -> None:
        buf = b""
        deadline = time.monotonic() + 10
        while marker not in buf:
            if time.monotonic() > deadline:
                raise TimeoutError(f"flooder: no {marker!r} in 10 s")
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("flooder: server closed the connection")
            buf += data

    def _send(self, payload: bytes) -> None:
        try:
            self.sock.sendall(payload)
        except OSError as exc:
            self.error = str(exc)
        finally:
            self.done.set()

    def start(self, n: int) -> None:
        payload = b"".join(
            b"PRIVMSG %s :flood %d the quick brown fox jumps over the lazy dog\r\n"
            % (ROOM.encode(), i)
            for i in range(n)
        )
        threading.Thread(target=self._send, args=(payload,), daemon=True).start()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


async def flood(n: int, tmp: Path) -> dict:
    from textual import events

    from tui_chat.config import Settings
    from tui_chat.ui.app import ChatApp

    server = servers.start_tui_chat()
    flooder = None
    result: dict = {"n": n}
    try:
        app = ChatApp(
            mode="join",
            host="127.0.0.1",
            port=server.port,
            nick="viewer",
            room=ROOM,
            password=None,
            settings=Settings(nick="viewer", path=tmp / "config.toml", notifications=False),
            data_path=tmp / "data",
        )
        async with app.run_test(size=SIZE) as pilot:
            deadline = time.monotonic() + 20
            while not (
                app.phase == "connected"
                and app._key(ROOM) in app.conversations
                and app.conversations[app._key(ROOM)].joined
                and app.current == app._key(ROOM)
            ):
                if time.monotonic() > deadline:
                    raise TimeoutError("the app did not join the room within 20 s")
                await pilot.pause(0.05)
            conv = app.conversations[app._key(ROOM)]
            flooder = await asyncio.to_thread(Flooder, server.port)
            last = f"flood {n - 1} "
            rss_before = rss_mib()
            loop_deadline = time.monotonic() + 120
            key_latencies: list[float] = []
            app.input.value = ""
            t0 = time.monotonic()
            flooder.start(n)
            t_model = t_screen = None
            typed = 0
            while t_screen is None and time.monotonic() < loop_deadline:
                if t_model is None:
                    entries = conv.log.entries
                    if entries and last in entries[-1].plain:
                        t_model = time.monotonic()
                    # One keypress, the way the terminal driver delivers it; then wait until
                    # the Input's value shows it.
                    char = "abcdefghij"[typed % 10]
                    typed += 1
                    if typed % 40 == 0:
                        app.input.value = ""
                    expected = app.input.value + char
                    key = events.Key(char, char)
                    key.set_sender(app)
                    t_key = time.monotonic()
                    app._driver.send_message(key)
                    key_deadline = t_key + 10
                    while app.input.value != expected and time.monotonic() < key_deadline:
                        await asyncio.sleep(0.001)
                    key_latencies.append(time.monotonic() - t_key)
                    await asyncio.sleep(0.02)
                else:
                    if any(last in line for line in app.log_view.visible_text()):
                        t_screen = time.monotonic()
                        break
                    await asyncio.sleep(0.002)
            result.update(
                model_s=None if t_model is None else t_model - t0,
                screen_s=None if t_screen is None else t_screen - t0,
                entries=len(conv.log.entries),
                keys=key_latencies,
                rss_before=rss_before,
                rss_after=rss_mib(),
                phase=app.phase,
                flood_error=flooder.error,
            )
            await pilot.press("ctrl+q")
    finally:
        if flooder is not None:
            flooder.close()
        server.stop()
    return result


# ---------------------------------------------------------------------------- start-up


def first_frame_seconds(argv: list[str], marker: bytes, env: dict, timeout: float = 20.0) -> float:
    """Spawn `argv` on a pseudo-terminal; seconds until `marker` appears in what it draws."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    t0 = time.monotonic()
    proc = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
        cwd=env.get("HOME"),
    )
    os.close(slave)
    seen = b""
    elapsed = float("nan")
    try:
        deadline = t0 + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
                if marker in seen:
                    elapsed = time.monotonic() - t0
                    break
            elif proc.poll() is not None:
                break
        # Quit like a user (Ctrl+Q), then make sure.
        with contextlib.suppress(OSError):
            os.write(master, b"\x11")
        end = time.monotonic() + 3
        while proc.poll() is None and time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                with contextlib.suppress(OSError):
                    os.read(master, 65536)
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
        os.close(master)
    return elapsed


def startup(reps: int, tmp: Path) -> dict:
    server = servers.start_tui_chat()
    try:
        home = tmp / "home"
        home.mkdir(exist_ok=True)
        env = {
            k: v for k, v in os.environ.items() if k not in ("TEXTUAL", "TEXTUAL_DEBUG", "NO_COLOR")
        }
        env.update(
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / ".config"),
            XDG_DATA_HOME=str(home / ".local/share"),
            XDG_STATE_HOME=str(home / ".local/state"),
            XDG_CACHE_HOME=str(home / ".cache"),
            TERM="xterm-256color",
            COLORTERM="truecolor",
        )
        exe = str(Path(sys.executable).parent / "tui-chat")
        minimal_py = tmp / "minimal_app.py"
        minimal_py.write_text(MINIMAL_APP)
        ours: list[float] = []
        minimal: list[float] = []
        for i in range(reps):
            minimal.append(
                first_frame_seconds([sys.executable, str(minimal_py)], b"minimal-first-frame", env)
            )
            ours.append(
                first_frame_seconds(
                    [
                        exe,
                        "join",
                        f"127.0.0.1:{server.port}",
                        "--nick",
                        f"start{i}",
                        "--room",
                        "#startup",
                        "--config",
                        str(tmp / "startup.toml"),
                    ],
                    b"or /help",
                    env,
                )
            )
        return {"ours": ours, "minimal": minimal}
    finally:
        server.stop()


# ---------------------------------------------------------------------------- main


def fmt(value, spec: str) -> str:
    if value is None or value != value:  # None or NaN
        return "-"
    return format(value, spec)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="UI benchmark for tui-chat")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--messages", type=int, default=None)
    parser.add_argument("--reps", type=int, default=None)
    args = parser.parse_args(argv)
    n = args.messages or (5_000 if args.quick else 20_000)
    reps = args.reps or (3 if args.quick else 7)

    missing = [
        p
        for p in ("tui_chat/ui/__init__.py", "tui_chat/ui/app.py", "tui_chat/server/__init__.py")
        if not (REPO / p).exists()
    ]
    if missing:
        print(f"UI benchmark skipped: {', '.join(missing)} not there yet")
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp_name:
        tmp = Path(tmp_name)
        flood_result: dict | None = None
        flood_error = start_error = None
        try:
            flood_result = asyncio.run(asyncio.wait_for(flood(n, tmp), timeout=240))
        except Exception as exc:  # report, do not crash the bench
            flood_error = f"{type(exc).__name__}: {exc}"
        try:
            start_result = startup(reps, tmp)
        except Exception as exc:
            start_result = None
            start_error = f"{type(exc).__name__}: {exc}"

    print("| UI metric | tui-chat | target | verdict |")
    print("|---|---|---|---|")
    if flood_result is not None:
        r = flood_result
        rate = n / r["screen_s"] if r["screen_s"] else None
        keys_ms = [k * 1000 for k in r["keys"]]
        p50, p99 = pct(keys_ms, 50), pct(keys_ms, 99)
        print(
            f"| flood of {n:,}: last message in the log model, s | {fmt(r['model_s'], '.2f')} | | |"
        )
        print(
            f"| flood of {n:,}: last message on screen, s (msgs/s) | {fmt(r['screen_s'], '.2f')} "
            f"({fmt(rate, ',.0f')}) | >= 5,000 msgs/s | "
            f"{verdict(None if rate is None else rate >= 5000)} |"
        )
        print(
            f"| keypress -> Input value during the flood, p50 / p99 ms ({len(keys_ms)} keys) "
            f"| {fmt(p50, '.1f')} / {fmt(p99, '.1f')} | p99 < 100 ms | "
            f"{verdict(None if not keys_ms else p99 < 100)} |"
        )
        rss_ok = verdict(r["rss_after"] * 1.048576 < 150)  # MiB -> MB
        print(
            f"| RSS after the flood, MiB (before {r['rss_before']:.0f}; {r['entries']:,} entries "
            f"kept) | {r['rss_after']:.0f} | < 150 MB | {rss_ok} |"
        )
        if r["phase"] != "connected" or r["flood_error"]:
            print(f"\nnote: app state after the flood: {r['phase']}; flooder: {r['flood_error']}")
    else:
        print(f"| flood | failed: {flood_error} | | MISS |")
    if start_result is not None:
        ours = statistics.median(start_result["ours"])
        mini = statistics.median(start_result["minimal"])
        ratio = ours / mini if mini == mini and mini else float("nan")
        print(
            f"| start-up to first frame, median of {reps}, ms: tui-chat join / minimal app "
            f"| {fmt(ours * 1000, '.0f')} / {fmt(mini * 1000, '.0f')} ({fmt(ratio, '.2f')}x) "
            f"| <= 1.3x | {verdict(None if ratio != ratio else ratio <= 1.3)} |"
        )
    else:
        print(f"| start-up | failed: {start_error} | | MISS |")
    print(
        "\nKey latency is measured until the Input's value changes (the next refresh draws it); "
        "the flood runs against `tui-chat serve` in a subprocess, the app in this process."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
