"""Untrusted text -> Rich Text (tui_chat.ui.text), including what Textual shows for it."""

from __future__ import annotations

import asyncio
import html
import os
import re
import subprocess
import sys
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.color import Color, ColorType
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import Label, Static

from tui_chat.irc.formatting import BIDI_CONTROLS, FORMAT_CODES
from tui_chat.ui.text import (
    MIRC_COLORS,
    NICK_COLORS,
    irc_text,
    mirc_color,
    nick_color_index,
    nick_style,
    plain_text,
    sanitize,
)

HOSTILE_MARKUP = [
    "[bold]not bold[/bold]",
    "[@click=app.quit]click me[/]",
    " [@click=app.quit]leading space[/]",
    "[link=https://evil.example]link[/link]",
    "unbalanced [/] close",
    "[/]",
    "[red on white]x",
    "$accent [b]content markup[/b]",
]

hostile_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(FORMAT_CODES + BIDI_CONTROLS + "[]/@=,0123456789\t\r\n\x00\x1b\x7f\x9b"),
        st.characters(),
    ),
    max_size=80,
)


def forbidden(ch: str) -> bool:
    cp = ord(ch)
    return cp < 0x20 or 0x7F <= cp <= 0x9F or ch in BIDI_CONTROLS or 0xD800 <= cp <= 0xDFFF


# --- plain Rich ------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", HOSTILE_MARKUP)
def test_markup_stays_literal(raw):
    for text in (irc_text(raw), plain_text(raw)):
        assert text.plain == raw
        assert text.spans == []
    assert sanitize(raw) == raw


def test_controls_and_bidi_are_gone():
    raw = "a\x00b\x07c\x1b[31md\r\ne\x7ff\x85g\u202eh\u2066i\u200fj\tk"
    assert sanitize(raw) == "abc[31mdefghij k"
    assert irc_text(raw).plain == "abc[31mdefghij k"
    assert plain_text(raw).plain == "abc[31mdefghij k"


def test_formatting_codes_become_styles():
    text = irc_text("a\x02b\x02\x1dc\x1d\x1fd\x1f\x1ee\x1e\x16f\x16\x11g")
    assert text.plain == "abcdefg"
    assert [(text.plain[s.start : s.end], s.style) for s in text.spans] == [
        ("b", Style(bold=True)),
        ("c", Style(italic=True)),
        ("d", Style(underline=True)),
        ("e", Style(strike=True)),
        ("f", Style(reverse=True)),
        # Monospace has no terminal equivalent; the text is kept and unstyled.
    ]


def test_colours_map_to_the_mirc_palette_and_hex():
    text = irc_text("\x034,12red on blue\x0f \x04ff8000,000010hex")
    (red, hexed) = text.spans
    assert red.style == Style(color=Color.parse("#ff0000"), bgcolor=Color.parse("#0000fc"))
    assert hexed.style.color.triplet == (0xFF, 0x80, 0x00)
    assert hexed.style.bgcolor.triplet == (0x00, 0x00, 0x10)
    assert text.plain[hexed.start : hexed.end] == "hex"


def test_plain_text_drops_formatting():
    text = plain_text("\x02\x034bold red\x0f", style="bold")
    assert text.plain == "bold red"
    assert text.spans == []
    assert text.style == "bold"


def test_base_style_is_kept_under_spans():
    text = irc_text("x\x02y", style="dim")
    assert text.style == "dim"
    assert text.spans[0].style == Style(bold=True)


def test_palette():
    assert len(MIRC_COLORS) == 99
    assert all(c.type == ColorType.TRUECOLOR for c in MIRC_COLORS)
    assert mirc_color(0) == Color.parse("#ffffff")
    assert mirc_color(1) == Color.parse("#000000")
    assert mirc_color(98) == Color.parse("#ffffff")
    assert mirc_color(99) is None
    assert mirc_color(None) is None


@settings(max_examples=200, deadline=None)
@given(hostile_text)
def test_any_text_renders_safely(s):
    text = irc_text(s)
    assert text.plain == sanitize(s)
    assert not any(forbidden(ch) for ch in text.plain)
    for span in text.spans:
        assert isinstance(span.style, Style)
        assert span.style.link is None
        assert not span.style.meta
    content = Content.from_rich_text(text)
    assert content.plain == text.plain


# --- nick colours ------------------------------------------------------------------------------


def test_nick_style_is_case_insensitive():
    assert nick_style("Alice") == nick_style("alice") == nick_style("ALICE")
    # rfc1459 also folds []\~ to {}|^.
    assert nick_style("[Bot]", "rfc1459") == nick_style("{bot}", "rfc1459")
    assert nick_color_index("Alice") == zlib.crc32(b"alice") % len(NICK_COLORS)


def test_nick_colours_spread():
    nicks = [f"user{i}" for i in range(200)]
    used = {nick_color_index(n) for n in nicks}
    assert len(used) == len(NICK_COLORS)


def test_nick_colour_is_stable_across_processes():
    nicks = ["alice", "Bob", "carol_", "[x]", "日本"]
    code = (
        "from tui_chat.ui.text import nick_style;"
        f"print([str(nick_style(n).color.name) for n in {nicks!r}])"
    )
    here = [str(nick_style(n).color.name) for n in nicks]
    for seed in ("1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == repr(here)


# --- through Textual ----------------------------------------------------------------------------


class Shows(App[str]):
    def __init__(self, renderable) -> None:
        super().__init__()
        self.renderable = renderable

    def compose(self) -> ComposeResult:
        yield Static(self.renderable, id="static")
        yield Label(self.renderable, id="label")


def screen_text(app: App) -> str:
    # Each differently styled run is its own <text> element, escaped, with no-break spaces.
    svg = app.export_screenshot()
    runs = re.findall(r"<text [^>]*>([^<]*)</text>", svg)
    return html.unescape("".join(runs)).replace("\xa0", " ")


@pytest.mark.parametrize(
    "raw",
    [
        "[@click=app.quit]click me[/]",
        " [@click=app.quit]click me[/]",
        "\x02[@click=app.quit]\x02click me[/]",
        "\x034[link=https://evil.example]click me[/link]",
    ],
)
def test_textual_shows_markup_literally_and_clicks_do_nothing(raw):
    async def run() -> None:
        app = Shows(irc_text(raw))
        async with app.run_test(size=(80, 6)) as pilot:
            shown = screen_text(app)
            assert sanitize(raw).strip() in shown
            for widget_id in ("#static", "#label"):
                for x in range(0, len(sanitize(raw)), 3):
                    await pilot.click(widget_id, offset=(x, 0))
                await pilot.pause()
                assert app.is_running and app.return_code is None

    asyncio.run(run())


def test_clicking_real_markup_would_quit():
    # The control for the test above: the same click on a markup *string* does quit, so the
    # literal-markup test is able to fail.
    async def run() -> App:
        app = Shows("[@click=app.quit]click me[/]")
        async with app.run_test(size=(80, 6)) as pilot:
            assert "[@click" not in screen_text(app)
            await pilot.click("#static", offset=(2, 0))
            await pilot.pause()
        return app

    assert asyncio.run(run()).return_code == 0


def test_text_is_not_reparsed_as_content_markup():
    raw = "[b]x[/b] $accent [@click=app.quit]y[/]"
    content = Content.from_rich_text(irc_text(raw))
    assert content.plain == raw
    assert content.spans == []
    assert isinstance(irc_text(raw), Text)
