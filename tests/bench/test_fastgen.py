"""bench/fastgen.c, the C load generator, against the real server: it must count exactly.

The bench compiles it at run time; a machine without a C compiler fails here (it is not
skipped): .ci/run installs gcc.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
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


def test_says_why_when_setup_fails(fastgen, server):
    """A refused JOIN (no such channel: a name the server rejects) ends the run with a reason."""
    result = run_fastgen(fastgen, server.port, "-r", "1", "-c", "nochannel", "-n", "1")
    assert not result["ok"]
    assert "could not register or join" in result["error"]
