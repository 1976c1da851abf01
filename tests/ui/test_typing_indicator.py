"""The typing line's words, with nicks as data: markup and control characters stay inert."""

from __future__ import annotations

from tui_chat.ui.widgets.typing_indicator import typing_text


def test_one_two_three_and_several():
    assert typing_text(()).plain == ""
    assert typing_text((("alice", False),)).plain == "alice is typing…"
    assert typing_text((("alice", False), ("bob", True))).plain == "alice and bob are typing…"
    three = (("a", False), ("b", False), ("c", True))
    assert typing_text(three).plain == "a, b and c are typing…"
    assert typing_text((*three, ("d", False))).plain == "several people are typing…"


def test_a_paused_nick_is_dimmed_and_nicks_are_never_markup():
    text = typing_text((("[bold]x[/bold]", False), ("bob\x1b[2J\x07", True)))
    assert text.plain.startswith("[bold]x[/bold] and bob")
    assert "\x1b" not in text.plain and "\x07" not in text.plain
    assert not [span for span in text.spans if "bold" in str(span.style)]
    dim = [span for span in text.spans if str(span.style) == "dim"]
    assert len(dim) == 1 and text.plain[dim[0].start : dim[0].end].startswith("bob")
