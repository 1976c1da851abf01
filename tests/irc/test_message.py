"""The IRC wire format (tui_chat.irc.message): public parser vectors and round-trip properties."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from parser_tests import data as vectors

from tui_chat.irc import limits
from tui_chat.irc.casemap import is_valid_hostname
from tui_chat.irc.message import (
    Message,
    ParseError,
    escape_tag_value,
    format_tags,
    parse,
    parse_tags,
    source_nick,
    split_source,
    split_tags,
    unescape_tag_value,
)

PROPS = settings(max_examples=300, deadline=None)


def _ids(cases, key):
    return [repr(case.get(key, ""))[:60] for case in cases]


# --- public vectors (irc-parser-tests) ---------------------------------------------------------

SPLIT = vectors.msg_split["tests"]
JOIN = vectors.msg_join["tests"]
USERHOST = vectors.userhost_split["tests"]
HOSTNAMES = vectors.validate_hostname["tests"]


@pytest.mark.parametrize("case", SPLIT, ids=_ids(SPLIT, "input"))
def test_msg_split(case):
    atoms = case["atoms"]
    msg = parse(case["input"])
    # The parser upper-cases commands so handlers can match on one spelling.
    assert msg.command == atoms["verb"].upper()
    assert msg.params == tuple(atoms.get("params", ()))
    assert msg.source == atoms.get("source")
    assert msg.tags == {k: (v or "") for k, v in (atoms.get("tags") or {}).items()}


@pytest.mark.parametrize("case", JOIN, ids=_ids(JOIN, "desc"))
def test_msg_join(case):
    atoms = case["atoms"]
    msg = Message(
        atoms["verb"],
        tuple(atoms.get("params", ())),
        atoms.get("source"),
        {k: (v or "") for k, v in (atoms.get("tags") or {}).items()},
    )
    assert msg.to_line() in case["matches"]


@pytest.mark.parametrize("case", USERHOST, ids=_ids(USERHOST, "source"))
def test_userhost_split(case):
    atoms = case["atoms"]
    expected = (atoms.get("nick"), atoms.get("user"), atoms.get("host"))
    assert split_source(case["source"]) == expected
    assert source_nick(case["source"]) == (atoms.get("nick") or "")


@pytest.mark.parametrize("case", HOSTNAMES, ids=_ids(HOSTNAMES, "host"))
def test_validate_hostname(case):
    assert is_valid_hostname(case["host"]) is case["valid"]


# --- hand-written cases ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "param",
    ["\x1funderlined\x1f", "\x1estruck", "no\xa0break", "tab\there", "em\u2003space", "\x02b"],
)
def test_only_ascii_space_separates_params(param):
    # Regression: str.split() also split on \x1c-\x1f (mIRC underline, strikethrough), NBSP, tab.
    msg = Message.of("PRIVMSG", "#room", param)
    assert msg.to_line() == f"PRIVMSG #room {param}"
    assert parse(msg.to_line()) == msg


@pytest.mark.parametrize(
    "line, expected",
    [
        ("privmsg #a :hi there", Message("PRIVMSG", ("#a", "hi there"))),
        ("  PING   a   b  ", Message("PING", ("a", "b"))),
        ("PING :", Message("PING", ("",))),
        (":nick!u@h  JOIN  #a", Message("JOIN", ("#a",), "nick!u@h")),
        ("@a=1;b;c=x\\sy  :s CMD", Message("CMD", (), "s", {"a": "1", "b": "", "c": "x y"})),
        ("@a=1;a=2 CMD", Message("CMD", (), None, {"a": "2"})),
        ("CMD a :b :c", Message("CMD", ("a", "b :c"))),
        ("CMD a:b", Message("CMD", ("a:b",))),
        ("CMD\r\n", Message("CMD")),
    ],
)
def test_parse_cases(line, expected):
    assert parse(line) == expected


@pytest.mark.parametrize(
    "line", ["", "   ", "\r\n", ":src", ":src   ", "@a=b", "@a=b :src", ": :x"]
)
def test_parse_rejects_lines_without_command(line):
    with pytest.raises(ParseError):
        parse(line)


def test_empty_source_is_no_source():
    assert parse(": CMD x").source is None


@pytest.mark.parametrize(
    "raw, value",
    [
        ("a\\:b", "a;b"),
        ("\\s\\\\\\r\\n", " \\\r\n"),
        ("unknown\\xescape", "unknownxescape"),
        ("trailing\\", "trailing"),
        ("", ""),
    ],
)
def test_unescape_tag_value(raw, value):
    assert unescape_tag_value(raw) == value


def test_to_line_makes_last_param_trailing_only_when_needed():
    assert Message.of("CMD", "a", "b").to_line() == "CMD a b"
    assert Message.of("CMD", "a", "b c").to_line() == "CMD a :b c"
    assert Message.of("CMD", "a", "").to_line() == "CMD a :"
    assert Message.of("CMD", "a", ":b").to_line() == "CMD a ::b"
    assert (
        Message.of("cmd", source="s", tags={"k": "", "v": "a;b"}).to_line() == "@k;v=a\\:b :s CMD"
    )


def test_accessors():
    msg = Message.of("privmsg", "#a", "hi", source="n!u@h")
    assert msg.command == "PRIVMSG"
    assert msg.param(1) == "hi" and msg.param(5) == "" and msg.param(5, "x") == "x"
    assert msg.with_tags({"a": "b"}).tags == {"a": "b"}
    assert msg.with_source(None).source is None
    assert str(msg) == msg.to_line()
    assert (
        source_nick(None) == "" and source_nick("") == "" and source_nick("srv.name") == "srv.name"
    )


# --- limits ------------------------------------------------------------------------------------


def test_limits_are_consistent():
    assert limits.MAX_LINE_BYTES == 512
    assert limits.MAX_CLIENT_TAGS_BYTES < limits.MAX_TAGS_BYTES == 8191
    assert limits.MAX_RAW_LINE_BYTES == limits.MAX_TAGS_BYTES + limits.MAX_LINE_BYTES
    assert limits.DEFAULT_PORT == 6667 and limits.DEFAULT_ROOM[0] in limits.CHANTYPES
    for name in ("NICKLEN", "CHANNELLEN", "TOPICLEN", "KICKLEN", "AWAYLEN", "USERLEN"):
        assert 0 < getattr(limits, name) < limits.MAX_LINE_BYTES


def test_split_tags_separates_what_the_byte_limits_count():
    body = ":n!u@h PRIVMSG #a :" + "x" * 400
    assert split_tags(body) == ("", body)
    raw_tags = "+draft/reply=abc;msgid=1"
    assert split_tags(f"@{raw_tags}   {body}") == (raw_tags, body)
    assert parse_tags(raw_tags) == {"+draft/reply": "abc", "msgid": "1"}


def test_a_maximal_privmsg_fits_the_line_limit():
    # What a client may put in one PRIVMSG, given the relayed prefix the server adds.
    prefix = f":{'n' * limits.NICKLEN}!{'u' * limits.USERLEN}@{'h' * 63} "
    text = "é" * 100
    line = prefix + Message.of("PRIVMSG", "#" + "c" * 49, text).to_line()
    assert len(line.encode()) + 2 <= limits.MAX_LINE_BYTES


# --- properties --------------------------------------------------------------------------------

_NO_LINE_BREAKS = st.characters(blacklist_characters="\r\n\x00")
commands = st.from_regex(r"[A-Z]{1,12}|[0-9]{3}", fullmatch=True)
middles = st.text(
    alphabet=st.characters(blacklist_characters=" \r\n\x00"), min_size=1, max_size=20
).filter(lambda p: not p.startswith(":"))
lasts = st.text(alphabet=_NO_LINE_BREAKS, max_size=40)
params = st.builds(
    lambda mid, last: (*mid, *last), st.lists(middles, max_size=5), st.lists(lasts, max_size=1)
)
sources = st.none() | st.text(
    alphabet=st.characters(blacklist_characters=" \r\n\x00"), min_size=1, max_size=30
)
tag_keys = st.from_regex(r"\+?([A-Za-z0-9.-]+/)?[A-Za-z0-9-]+", fullmatch=True)
tag_values = st.text(max_size=30)
tags = st.dictionaries(tag_keys, tag_values, max_size=4)
messages = st.builds(Message, commands, params, sources, tags)


@PROPS
@given(messages)
def test_message_round_trips(msg):
    assert parse(msg.to_line()) == msg


@PROPS
@given(st.text())
def test_tag_escaping_round_trips(value):
    escaped = escape_tag_value(value)
    assert not any(ch in escaped for ch in "; \r\n")
    assert unescape_tag_value(escaped) == value


@settings(max_examples=150, deadline=None)
@given(tags)
def test_tags_round_trip(tag_dict):
    assert parse_tags(format_tags(tag_dict)) == tag_dict


_LINE_ALPHABET = st.one_of(st.sampled_from(" :@;=!\\\r\n\t\x00"), st.characters())


@PROPS
@given(st.text(alphabet=_LINE_ALPHABET, max_size=80))
@example("\r ")  # a command that is a bare CR: parse must not strip it on the second pass
@example("A \r")
def test_parse_raises_only_parse_error_and_normalises(line):
    try:
        msg = parse(line)
    except ParseError:
        return
    assert msg.command and msg.command == msg.command.upper()
    # Re-serialising what was parsed is stable: relaying a message does not change it.
    assert parse(msg.to_line()) == msg
