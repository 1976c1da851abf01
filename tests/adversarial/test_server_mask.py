"""Wildcard masks (WHO, bans) cannot freeze the server: matching is linear, never a regex."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from tui_chat.irc.mask import MAX_MASK_LEN, Mask, glob_match

from .server_helpers import assert_live, connect, make_server, server  # noqa: F401

EVIL_WHO = "*a*a*a*a*a*a*b"
EVIL_BAN = "*a*a*a*a*a*a*a*a*b!*@*"


def reference(mask: str, text: str) -> bool:
    """The obvious translation (fine on tiny inputs): ``*`` any run, ``?`` one character."""
    parts = [".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in mask.lower()]
    return re.fullmatch("".join(parts), text.lower(), re.DOTALL) is not None


@settings(max_examples=2000, deadline=None)
@given(st.text("aAb*?[", max_size=9), st.text("aAb?*[", max_size=12))
def test_matches_the_reference(mask: str, text: str) -> None:
    assert glob_match(mask, text) == reference(mask, text)


def test_examples() -> None:
    assert Mask("Nick!*@*").match("nick!user@127.0.0.1")
    assert Mask("*!*@127.0.0.?").match("x!y@127.0.0.1")
    assert not Mask("*!*@127.0.0.?").match("x!y@127.0.0.10")
    assert Mask("[a]*").match("[A]bc")  # '[' is a nick character, not a class
    assert not Mask("a*a").match("a")


def test_pathological_mask_is_fast_enough_to_run_many_times() -> None:
    # Exponential backtracking needs ~2**stars steps; this would take hours with a regex.
    mask = Mask("*a" * 100 + "*b")
    for _ in range(50):
        assert not mask.match("a" * 300)


def test_who_with_a_backtracking_mask_does_not_freeze(connect):  # noqa: F811
    victim = connect()
    victim.send("NICK victim")
    victim.send("USER v 0 * :" + "a" * 100)
    victim.expect("001")
    attacker, probe = connect("attacker"), connect("probe")
    attacker.send(f"WHO {EVIL_WHO}")
    assert_live(probe, "after a WHO with a backtracking mask")
    attacker.expect("315")
    attacker.send(f"WHO *a*a*{'a' * 10}")  # real matches still work
    who = attacker.expect("352")
    assert who.params[5] == "victim"


def test_ban_with_a_backtracking_mask_does_not_stall_messages(connect):  # noqa: F811
    op, member, probe = connect("op"), connect("a" * 30), connect("probe")
    op.join("#mine")
    member.join("#mine")
    op.send(f"MODE #mine +b {EVIL_BAN}")
    op.expect("MODE")
    for i in range(3):
        member.send(f"PRIVMSG #mine :line {i}")
    assert_live(probe, "while a member speaks under a backtracking ban mask")
    assert [op.expect("PRIVMSG").params[-1] for _ in range(3)] == ["line 0", "line 1", "line 2"]


def test_overlong_masks_are_refused(connect):  # noqa: F811
    op = connect("op")
    op.join("#long")
    op.send(f"MODE #long +b {'x' * (MAX_MASK_LEN + 1)}!*@*")
    op.send("MODE #long +b")
    assert op.expect("368")
    assert not [m for m in op.received if " 367 " in m]
    op.send(f"WHO {'*' * (MAX_MASK_LEN + 1)}")
    assert op.expect("315")
    assert not [m for m in op.received if " 352 " in m]
