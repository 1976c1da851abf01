"""The real ``tui-chat serve`` in a subprocess, on 127.0.0.1 port 0, for kill -9 tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def start_serve(data_dir: Path, *options: str) -> tuple[subprocess.Popen[str], int]:
    """Start the server with its history in ``data_dir``; returns it and its plaintext port."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tui_chat",
            "serve",
            "--bind",
            "127.0.0.1",
            "--port",
            "0",
            "--data-dir",
            str(data_dir),
            "--log-level",
            "warning",
            *options,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("listening on "), line
    return proc, int(line.rsplit(":", 1)[1])


def kill(proc: subprocess.Popen[str]) -> None:
    """SIGKILL (if still running), reaped."""
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=10)
    if proc.stdout is not None:
        proc.stdout.close()
