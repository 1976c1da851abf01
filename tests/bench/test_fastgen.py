"""bench/fastgen.c, the C load generator, against the real server: it must count exactly.

The bench compiles it at run time; a machine without a C compiler fails here (it is not
skipped): .ci/run installs gcc.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import select
import socket
import subprocess
import threading
from pathlib import Path
from types import ModuleType

import pytest

from tui_chat.server import ServerConfig, ServerThread

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fastgen() -> Path:
    cbuild = _load("cbuild")
    assert cbuild.compiler() is not None, "no C compiler: .ci/run installs gcc"
    return cbuild.build("fastgen")


@pytest.fixture(scope="module")
def c_relay() -> Path:
    return _load("cbuild").build("c_relay")


@pytest.fixture
def server(tmp_path):
    srv = ServerThread(
        ServerConfig(bind="127.0.0.1", port=0, data_dir=tmp_path, flood_limit=False)
    ).start()
    yield srv
    srv.stop(timeout=5.0)
    assert not srv.running


def run_fastgen(exe: Path, port: int, *args: str) -> dict:
    proc = subprocess.run(
        [str(exe), "-T", "20", "-L", "15", *args, "127.0.0.1", str(port)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, (proc.stdout, proc.stderr)
    return json.loads(lines[0])


def test_counts_every_delivery_in_a_tiny_room(fastgen, server):
    result = run_fastgen(fastgen, server.port, "-r", "3", "-s", "2", "-n", "60", "-t", "30")
    assert result["ok"], result
    assert result["joined"] == 5
    assert result["sent"] == 60
    assert result["delivered"] == result["expected"] == 180
    assert result["lost"] == 0
    assert result["closed"] == 0
    assert result["lat_samples"] == 180  # a latency from every delivered line


def test_window_holds_back_the_senders(fastgen, server):
    """A window of 4 with 20 messages: still all of them, each counted once at each receiver."""
    result = run_fastgen(fastgen, server.port, "-r", "4", "-s", "3", "-w", "4", "-n", "20")
    assert result["ok"], result
    assert (result["sent"], result["delivered"], result["lost"]) == (20, 80, 0)


def test_paced_mode_sends_one_message_per_interval(fastgen, server):
    """-i: the light-load phase. Every message counted once at each receiver, and the five
    are spread over at least four intervals (a timer cannot fire early, so this bound holds on
    any machine, however slow)."""
    result = run_fastgen(fastgen, server.port, "-r", "3", "-n", "5", "-i", "50000", "-t", "30")
    assert result["ok"], result
    assert (result["sent"], result["delivered"], result["lost"]) == (5, 15, 0)
    assert result["lat_samples"] == 15
    assert result["elapsed_s"] >= 4 * 0.05


def test_says_why_when_setup_fails(fastgen, server):
    """A refused JOIN (no such channel: a name the server rejects) ends the run with a reason."""
    result = run_fastgen(fastgen, server.port, "-r", "1", "-c", "nochannel", "-n", "1")
    assert not result["ok"]
    assert "could not register or join" in result["error"]


class ChoppingProxy:
    """Forwards each connection to ``port``, the server's bytes in pieces of ``piece`` bytes,
    each its own send(): lines reach the generator split across reads."""

    def __init__(self, port: int, piece: int = 7) -> None:
        self.port = port
        self.piece = piece
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.sockets: list[socket.socket] = [self.listener]
        self.threads: list[threading.Thread] = []
        self._start(self._accept)

    @property
    def address(self) -> int:
        return self.listener.getsockname()[1]

    def _start(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self.threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = self.listener.accept()
                upstream = socket.create_connection(("127.0.0.1", self.port), timeout=10)
                for sock in (client, upstream):
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    self.sockets.append(sock)
                self._start(self._pump, client, upstream, 65536)
                self._start(self._pump, upstream, client, self.piece)

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket, piece: int) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                for i in range(0, len(data), piece):
                    dst.sendall(data[i : i + piece])
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        for thread in self.threads:
            thread.join(timeout=5)
        assert not any(t.is_alive() for t in self.threads)


def test_lines_split_across_reads_are_counted_once(fastgen, server):
    proxy = ChoppingProxy(server.port)
    try:
        result = run_fastgen(fastgen, proxy.address, "-r", "3", "-s", "1", "-n", "40")
    finally:
        proxy.close()
    assert result["ok"], result
    assert (result["sent"], result["delivered"], result["lost"]) == (40, 120, 0)
    assert result["lat_samples"] == 120


def test_c_relay_relays_every_line_to_every_other_connection(fastgen, c_relay):
    relay = subprocess.Popen([str(c_relay), "0"], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        assert relay.stdout is not None
        ready, _, _ = select.select([relay.stdout], [], [], 10)
        assert ready, "c_relay did not say where it listens"
        banner = relay.stdout.readline().decode()
        assert banner.startswith("listening on 127.0.0.1:"), banner
        port = int(banner.rsplit(":", 1)[1])
        args = ("-r", "4", "-s", "2", "-n", "50", "-p", str(relay.pid))
        result = run_fastgen(fastgen, port, *args)
    finally:
        relay.terminate()
        relay.wait(timeout=10)
        assert relay.stdout is not None
        relay.stdout.close()
    assert relay.returncode == 0  # it stops cleanly on SIGTERM
    assert result["ok"], result
    assert (result["sent"], result["delivered"], result["lost"]) == (50, 200, 0)
    assert result["server_cpu_s"] is not None
