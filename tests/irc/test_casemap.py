"""Case mapping and name validation (tui_chat.irc.casemap)."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_chat.irc.casemap import (
    casefold,
    is_channel,
    is_valid_channel,
    is_valid_hostname,
    is_valid_nick,
    safe_nick,
)
from tui_chat.irc.limits import CHANNELLEN, NICKLEN

PROPS = settings(max_examples=300, deadline=None)


@pytest.mark.parametrize(
    "name, ascii_folded, rfc1459_folded, strict_folded",
    [
        ("Alice", "alice", "alice", "alice"),
        ("[Bot]", "[bot]", "{bot}", "{bot}"),
        ("A\\B~", "a\\b~", "a|b^", "a|b~"),
        ("#Lobby", "#lobby", "#lobby", "#lobby"),
        # Only ASCII letters fold: non-ASCII is compared as sent.
        ("ÉCOLE", "École"[0] + "cole", "École"[0] + "cole", "École"[0] + "cole"),
    ],
)
def test_casefold(name, ascii_folded, rfc1459_folded, strict_folded):
    assert casefold(name) == ascii_folded
    assert casefold(name, "ascii") == ascii_folded
    assert casefold(name, "rfc1459") == rfc1459_folded
    assert casefold(name, "strict-rfc1459") == strict_folded


def test_unknown_casemapping_falls_back_to_ascii():
    assert casefold("[A]", "rfc7613") == "[a]"


@PROPS
@given(st.text(max_size=40), st.sampled_from(["ascii", "rfc1459", "strict-rfc1459"]))
def test_casefold_is_idempotent_and_length_preserving(name, mapping):
    folded = casefold(name, mapping)
    assert casefold(folded, mapping) == folded
    assert len(folded) == len(name)
    if name.isascii():
        assert casefold(name.upper(), mapping) == casefold(name.lower(), mapping)


@pytest.mark.parametrize(
    "nick, valid",
    [
        ("alice", True),
        ("a", True),
        ("[away]", True),
        ("`_^{|}\\", True),
        ("a-1", True),
        ("n" * NICKLEN, True),
        ("n" * (NICKLEN + 1), False),
        ("", False),
        ("1abc", False),
        ("-abc", False),
        ("a b", False),
        ("a!b", False),
        ("a@b", False),
        ("a,b", False),
        ("#chan", False),
        (":nick", False),
        ("nick\n", False),
        ("nïck", False),
        ("ab\x02", False),
    ],
)
def test_is_valid_nick(nick, valid):
    assert is_valid_nick(nick) is valid


def test_is_valid_nick_max_len():
    assert is_valid_nick("abcd", max_len=4)
    assert not is_valid_nick("abcde", max_len=4)


@pytest.mark.parametrize(
    "name, valid",
    [
        ("#lobby", True),
        ("&local", True),
        ("#Ünïcode", True),
        ("##", True),
        ("#" + "c" * (CHANNELLEN - 1), True),
        ("#" + "c" * CHANNELLEN, False),
        ("#", False),
        ("", False),
        ("lobby", False),
        ("+modeless", False),
        ("#a b", False),
        ("#a,b", False),
        ("#a:b", False),
        ("#a\x07", False),
        ("#a\x00", False),
        ("#a\r", False),
        ("#a\n", False),
    ],
)
def test_is_valid_channel(name, valid):
    assert is_valid_channel(name) is valid


def test_is_channel():
    assert is_channel("#a") and is_channel("&a") and is_channel("#")
    assert not is_channel("") and not is_channel("a#") and not is_channel("+a")
    assert is_channel("+a", chantypes="#+")


@pytest.mark.parametrize(
    "host, valid",
    [
        ("irc.example.com", True),
        ("a.b", True),
        ("localhost", False),
        ("irc.example.com.", False),
        (".example.com", False),
        ("irc..example.com", False),
        ("irc_x.example.com", False),
        ("a" * 64 + ".com", False),
        ("a" * 63 + ".com", True),
        (".".join(["a" * 60] * 5), False),
    ],
)
def test_is_valid_hostname(host, valid):
    assert is_valid_hostname(host) is valid


@pytest.mark.parametrize(
    "login, nick",
    [
        ("alice", "alice"),
        ("Alice Smith", "AliceSmith"),
        ("jürgen", "jrgen"),
        ("42user", "user"),
        ("-_x", "_x"),
        ("1234", "guest"),
        ("", "guest"),
        ("日本", "guest"),
        ("x" * 50, "x" * NICKLEN),
    ],
)
def test_safe_nick(login, nick):
    assert safe_nick(login) == nick


def test_safe_nick_fallback_respects_max_len():
    assert safe_nick("", max_len=3) == "gue"
    assert safe_nick("###", max_len=10, fallback="tuichat") == "tuichat"


@PROPS
@given(
    st.text(alphabet=st.one_of(st.sampled_from(string.printable), st.characters()), max_size=60),
    st.integers(min_value=1, max_value=40),
)
def test_safe_nick_is_always_valid(name, max_len):
    nick = safe_nick(name, max_len)
    assert is_valid_nick(nick, max_len)
    assert safe_nick(nick, max_len) == nick


@PROPS
@given(st.from_regex(r"[A-Za-z\[\]\\`_^{|}][A-Za-z0-9\[\]\\`_^{|}-]{0,29}", fullmatch=True))
def test_valid_nicks_are_kept(nick):
    assert is_valid_nick(nick)
    assert safe_nick(nick) == nick
