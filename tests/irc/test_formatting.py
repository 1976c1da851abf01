"""Control stripping and mIRC formatting codes (tui_chat.irc.formatting)."""

from __future__ import annotations

import itertools
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_chat.irc.formatting import (
    BIDI_CONTROLS,
    FORMAT_CODES,
    Span,
    parse_formatting,
    strip_controls,
    strip_formatting,
)

PROPS = settings(max_examples=300, deadline=None)

# Text biased towards the characters that matter: format codes, digits and commas right after
# them, hex digits, other controls and bidi marks, mixed with arbitrary Unicode.
_INTERESTING = (
    FORMAT_CODES + BIDI_CONTROLS + "0123456789,abcdefABCDEF\t\r\n\x00\x07\x1b\x7f\x85\x9b"
)
hostile_text = st.text(
    alphabet=st.one_of(st.sampled_from(_INTERESTING), st.characters()), max_size=80
)


def is_forbidden(ch: str) -> bool:
    cp = ord(ch)
    return (
        (cp < 0x20 and ch != "\t")
        or 0x7F <= cp <= 0x9F
        or ch in BIDI_CONTROLS
        or 0xD800 <= cp <= 0xDFFF
    )


# --- strip_controls ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("plain", "plain"),
        ("tab\there", "tab\there"),
        ("nul\x00 bel\x07 esc\x1b[2J cr\r lf\n", "nul bel esc[2J cr lf"),
        ("del\x7f c1\x85\x9b31m", "del c1" + "31m"),
        ("bidi \u202egnp.exe\u202c", "bidi gnp.exe"),
        ("isolates \u2066a\u2067b\u2068c\u2069 marks \u200e\u200f\u061c", "isolates abc marks "),
        # Colour digits stay: only strip_formatting knows they belong to the code.
        ("\x02bold\x02 \x034red", "bold 4red"),
        ("émoji 🎉 and 日本語", "émoji 🎉 and 日本語"),
    ],
)
def test_strip_controls(raw, expected):
    assert strip_controls(raw) == expected


def test_strip_controls_can_keep_formatting_codes_only():
    raw = "\x02b\x03" + "4,5c\x04ff0000\x0f\x11\x16\x1d\x1e\x1f" + "\x00\x1b\x7f\x9b\u202e"
    assert strip_controls(raw, keep_formatting=True) == raw[: raw.index("\x00")]


def test_lone_surrogates_are_removed():
    raw = b"bad \xff byte".decode("utf-8", "surrogateescape")
    assert strip_controls(raw) == "bad  byte"


@PROPS
@given(hostile_text)
def test_strip_controls_leaves_nothing_forbidden(s):
    out = strip_controls(s)
    assert not any(is_forbidden(ch) for ch in out)
    assert strip_controls(out) == out
    # Only removes: the survivors keep their order.
    assert out == "".join(ch for ch in s if not is_forbidden(ch))


# --- parse_formatting ---------------------------------------------------------------------------


def styles(s):
    return [(sp.text, {k: v for k, v in _attrs(sp).items() if v}) for sp in parse_formatting(s)]


def _attrs(span):
    return {name: value for name, value in span._asdict().items() if name != "text"}


@pytest.mark.parametrize(
    "code, attr",
    [
        ("\x02", "bold"),
        ("\x1d", "italic"),
        ("\x1f", "underline"),
        ("\x1e", "strikethrough"),
        ("\x11", "monospace"),
        ("\x16", "reverse"),
    ],
)
def test_toggles(code, attr):
    assert styles(f"a{code}b{code}c") == [("a", {}), ("b", {attr: True}), ("c", {})]


def test_reset_clears_everything():
    assert styles("\x02\x1d\x034,5x\x0fy") == [
        ("x", {"bold": True, "italic": True, "fg": 4, "bg": 5}),
        ("y", {}),
    ]


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("\x034red", [("red", {"fg": 4})]),
        ("\x0304red", [("red", {"fg": 4})]),
        # Two digits at most: the third is text.
        ("\x03123", [("3", {"fg": 12})]),
        ("\x034,12x", [("x", {"fg": 4, "bg": 12})]),
        ("\x0304,012x", [("2x", {"fg": 4, "bg": 1})]),
        # A comma not followed by a digit is text.
        ("\x034,x", [(",x", {"fg": 4})]),
        ("\x034,", [(",", {"fg": 4})]),
        # A bare \x03 resets both colours; a leading comma after it is text.
        ("\x034,5a\x03b", [("a", {"fg": 4, "bg": 5}), ("b", {})]),
        ("\x034,5a\x03,6b", [("a", {"fg": 4, "bg": 5}), (",6b", {})]),
        # Changing only the foreground keeps the background.
        ("\x034,5a\x037b", [("a", {"fg": 4, "bg": 5}), ("b", {"fg": 7, "bg": 5})]),
        # The extended palette reaches 98; 99 means default colour.
        ("\x0398x", [("x", {"fg": 98})]),
        ("\x034a\x0399b", [("a", {"fg": 4}), ("b", {})]),
        # Only ASCII digits count ("٣" is ARABIC-INDIC DIGIT THREE).
        ("\x03٣x", [("٣x", {})]),
        ("\x04ff8000x", [("x", {"fg_rgb": 0xFF8000})]),
        ("\x04FF8000,00ff00x", [("x", {"fg_rgb": 0xFF8000, "bg_rgb": 0x00FF00})]),
        # Not six hex digits: a bare \x04 (reset) followed by text.
        ("\x034a\x04ff80x", [("a", {"fg": 4}), ("ff80x", {})]),
        ("\x04ff8000,zz", [(",zz", {"fg_rgb": 0xFF8000})]),
        # The later of palette and hex colour wins.
        ("\x04ff8000\x035x", [("x", {"fg": 5})]),
        ("\x035\x04ff8000x", [("x", {"fg_rgb": 0xFF8000})]),
    ],
)
def test_colours(raw, expected):
    assert styles(raw) == expected


def test_other_controls_are_dropped_and_neighbours_merged():
    assert parse_formatting("a\x00b\u202ec\x1b") == [Span("abc")]
    assert parse_formatting("\x02\x02a\x02\x02b") == [Span("ab")]
    assert parse_formatting("") == []
    assert parse_formatting("\x02\x03\x0f") == []


def test_markup_is_just_text():
    raw = "[bold]x[/] [@click=app.quit]y[/] [link=https://e.x]z"
    assert parse_formatting(raw) == [Span(raw)]
    assert strip_formatting(raw) == raw


def test_span_plain():
    assert Span("x").plain
    assert not Span("x", bold=True).plain
    assert not Span("x", fg=3).plain


@PROPS
@given(hostile_text)
def test_spans_are_strip_formatting(s):
    spans = parse_formatting(s)
    assert "".join(sp.text for sp in spans) == strip_formatting(s)
    assert all(sp.text for sp in spans)
    for a, b in itertools.pairwise(spans):
        assert _attrs(a) != _attrs(b), "neighbours with equal attributes are merged"
    for sp in spans:
        for colour in (sp.fg, sp.bg):
            assert colour is None or 0 <= colour <= 98
        for colour in (sp.fg_rgb, sp.bg_rgb):
            assert colour is None or 0 <= colour <= 0xFFFFFF
        assert not (sp.fg is not None and sp.fg_rgb is not None)
        assert not (sp.bg is not None and sp.bg_rgb is not None)


@PROPS
@given(hostile_text)
def test_strip_formatting_is_safe_and_idempotent(s):
    out = strip_formatting(s)
    assert not any(is_forbidden(ch) for ch in out)
    assert strip_formatting(out) == out
    assert strip_controls(out) == out


@PROPS
@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs")), max_size=60))
def test_ordinary_text_is_untouched(s):
    assert strip_controls(s) == s
    assert strip_formatting(s) == s
    assert parse_formatting(s) == ([Span(s)] if s else [])


def test_bidi_set_is_format_category():
    # Guard against a typo in the constant: every bidi control is a Unicode format character.
    assert all(unicodedata.category(ch) == "Cf" for ch in BIDI_CONTROLS)
