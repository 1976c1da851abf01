"""Compile the bench's C helpers (fastgen.c, c_relay.c) at run time; nothing built is committed.

Each source is built once per process with ``cc -O2`` into a temporary directory that is removed
when the process exits. Without a C compiler :func:`build` raises :class:`NoCompiler` and the
caller falls back (the fan-out phases to the Python generator) and says so.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
_built: dict[str, Path] = {}
_tmp: tempfile.TemporaryDirectory[str] | None = None


class NoCompiler(Exception):
    """No C compiler, or the source did not compile: the reason is the message."""


def compiler() -> str | None:
    return shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")


def build(name: str) -> Path:
    """The executable built from ``bench/<name>.c``."""
    global _tmp
    if name in _built:
        return _built[name]
    cc = compiler()
    if cc is None:
        raise NoCompiler("no C compiler (cc) on PATH")
    if _tmp is None:
        _tmp = tempfile.TemporaryDirectory(prefix="bench-c-")
        atexit.register(_tmp.cleanup)
    exe = Path(_tmp.name) / name
    proc = subprocess.run(
        [cc, "-O2", "-o", str(exe), str(HERE / f"{name}.c")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0:
        raise NoCompiler(f"{name}.c did not compile: {proc.stderr.strip()[:300]}")
    _built[name] = exe
    return exe
