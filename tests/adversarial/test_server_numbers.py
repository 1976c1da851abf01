"""Numbers from peers are ASCII digits: '²' and friends are refused, never an internal error."""

from __future__ import annotations

import pytest

from tests.server.ircclient import TestClient
from tui_chat.irc.numbers import parse_decimal

from .server_helpers import assert_live, connect, make_server, server  # noqa: F401


def no_internal_error(c: TestClient) -> None:
    assert not [line for line in c.sync() if line.command == "400"], c.received[-5:]


def test_parse_decimal() -> None:
    assert parse_decimal("302") == 302
    assert parse_decimal("²") is None
    assert parse_decimal("٣") is None  # an Arabic-Indic three
    assert parse_decimal("1_000") is None
    assert parse_decimal("+5") is None
    assert parse_decimal("9" * 5000) is None  # no huge int() either
    assert parse_decimal("0", 1) is None


def test_cap_ls_with_a_unicode_digit_still_negotiates(connect):  # noqa: F811
    c = connect()
    c.send("CAP LS ²")
    c.expect("CAP")
    c.send("NICK capper")
    c.send("USER c 0 * :c")
    c.send("CAP END")
    c.expect("001")
    no_internal_error(c)


@pytest.mark.parametrize("line", ["WHOWAS gone ²", "LIST >²", "LIST <¹,>٣", "MODE #d +l ¹"])
def test_commands_with_unicode_digits(connect, line):  # noqa: F811
    c, probe = connect("numbers"), connect("probe")
    c.join("#d")
    c.send(line)
    no_internal_error(c)
    c.send("MODE #d")
    assert "l" not in c.expect("324").params[2]
    assert_live(probe)
