"""The command line as a user meets it: exit codes, one-line errors, `tui-chat config`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui_chat.cli import host_port


def run_cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
    }
    return subprocess.run(
        [sys.executable, "-m", "tui_chat", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["join"],
        ["join", "[::1"],
        ["join", "host:99999"],
        ["join", "host", "--nick", "9lives"],
        ["join", "host", "--room", "bad,room"],
        ["host", "--port", "http"],
        ["host", "--tls-port", "70000"],
        ["join", "ircs://host:6697/lobby#sha256=abc"],
        ["join", "irc://host/lobby#sha256=" + "ab" * 32],
        ["join", "https://example.org"],
        ["join", "ircs://:6697/lobby"],
        ["serve", "--port", "-1"],
        ["serve", "--oper", "nopassword"],
        ["serve", "--flood-limit", "maybe"],
        ["serve", "--max-clients", "0"],
        ["frobnicate"],
        ["--no-such-option"],
    ],
)
def test_bad_arguments_get_one_line_and_status_2(args, tmp_path):
    result = run_cli(*args, home=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "error:" in lines[0]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("example.org", ("example.org", 6667)),
        ("example.org:7000", ("example.org", 7000)),
        ("127.0.0.1", ("127.0.0.1", 6667)),
        ("[::1]", ("::1", 6667)),
        ("[::1]:6697", ("::1", 6697)),
        ("::1", ("::1", 6667)),
    ],
)
def test_host_port_forms(text, expected):
    assert host_port(text) == expected


def test_config_command_creates_commented_file_and_prints_values(tmp_path):
    result = run_cli("config", home=tmp_path)
    assert result.returncode == 0, result.stderr
    path = tmp_path / "config" / "tui-chat" / "config.toml"
    assert f"config file: {path} (created with comments)" in result.stdout
    assert path.read_text().startswith("# tui-chat configuration")
    assert 'room = "#lobby"' in result.stdout
    assert str(tmp_path / "state") in result.stdout  # the log dir follows XDG_STATE_HOME

    again = run_cli("config", home=tmp_path)
    assert f"config file: {path} (exists)" in again.stdout


def test_config_command_reports_broken_file_by_line(tmp_path):
    config = tmp_path / "broken.toml"
    config.write_text('nick = "ok_nick"\nroom = \n')
    result = run_cli("config", "--config", str(config), home=tmp_path)
    assert result.returncode == 0
    assert "line 2" in result.stdout
    assert "using defaults" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_version(tmp_path):
    result = run_cli("--version", home=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("tui-chat ")
