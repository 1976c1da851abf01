"""Types as a gate: the server and the wire format pass mypy --strict with no error."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_server_and_irc_pass_mypy_strict(tmp_path):
    api = pytest.importorskip("mypy.api")
    stdout, stderr, status = api.run(
        [
            "--strict",
            "--follow-imports=silent",
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            "--config-file",
            str(ROOT / "pyproject.toml"),
            str(ROOT / "tui_chat" / "server"),
            str(ROOT / "tui_chat" / "irc"),
        ]
    )
    assert status == 0, stdout + stderr
