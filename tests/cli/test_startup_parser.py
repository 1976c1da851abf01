"""Start-up (issue 12): a command line builds only the subcommand it names, and parses the same.

``serve`` alone has 20 options; ``tui-chat join`` used to build all of them (and host's, and
config's) before its first frame.
"""

from __future__ import annotations

import argparse

import pytest

from tui_chat.cli import COMMANDS, build_parser, chosen_command

LINES = [
    ["join", "127.0.0.1:6667", "--nick", "ann", "--room", "lobby", "--no-log"],
    ["join", "ircs://chat.example:6697/lobby", "--tls", "--insecure", "--password", "pw"],
    ["--config", "/tmp/x.toml", "join", "host", "--config", "/tmp/y.toml"],
    ["--config", "serve", "join", "host"],  # "serve" is --config's value, not the command
    ["--config=/tmp/x.toml", "host", "--port", "7000", "--no-tls", "--no-history"],
    ["host", "--bind", "::1", "--tls-port", "7001", "--data-dir", "/tmp/d", "--nick", "bo"],
    ["config", "--show-secrets"],
    ["serve", "--port", "0", "--oper", "a:b", "--oper", "c:d", "--history-days", "1.5"],
    ["serve", "--no-plain", "--flood-limit", "off", "--max-per-ip", "3", "--log-level", "debug"],
    [],
    ["--config", "/tmp/x.toml"],
]


def _options(parser: argparse.ArgumentParser, command: str) -> set[str]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {s for a in sub.choices[command]._actions for s in a.option_strings}


@pytest.mark.parametrize("line", LINES, ids=lambda line: " ".join(line) or "bare")
def test_the_chosen_subcommand_alone_parses_the_line_as_the_full_parser_does(line) -> None:
    only = chosen_command(line)
    assert only is not None
    assert build_parser(only=only).parse_args(line) == build_parser().parse_args(line)


def test_the_other_subcommands_options_are_not_built() -> None:
    only = chosen_command(["join", "127.0.0.1:1", "--nick", "x"])
    assert only == "join"
    parser = build_parser(only=only)
    assert "--nick" in _options(parser, "join")
    for other in ("host", "serve", "config"):
        assert _options(parser, other) <= {"-h", "--help"}
    assert chosen_command(["--config", "join", "serve"]) == "serve"
    assert _options(build_parser(only=""), "join") <= {"-h", "--help"}  # bare tui-chat


@pytest.mark.parametrize("line", [["frobnicate"], ["--", "join"], ["-x", "Join"]])
def test_an_unusual_line_builds_everything_and_argparse_decides(line) -> None:
    assert chosen_command(line) is None
    parser = build_parser(only=None)
    assert all("--help" in _options(parser, c) and len(_options(parser, c)) > 2 for c in COMMANDS)


def test_top_level_help_still_lists_every_subcommand() -> None:
    text = build_parser(only="join").format_help()
    for command in COMMANDS:
        assert command in text
