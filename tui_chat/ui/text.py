"""Untrusted IRC text -> Rich ``Text``, safely.

Every string that came from the network (messages, nicks, topics, reasons, MOTD) goes through
here before it reaches a widget. Text is built with ``Text.append(text, style)`` and ``Style``
objects only, never parsed as console markup, so ``[bold]``, ``[@click=app.quit]`` (with or
without a leading space), ``[link=...]`` and a stray ``[/]`` are shown literally. Hand the result
to a widget as a ``Text`` (or ``Content.from_rich_text``), never as a ``str``: Textual parses a
``str`` as markup.

Only Rich is imported, not Textual, so this renders in tests and in non-Textual tools too.
"""

from __future__ import annotations

import zlib
from functools import lru_cache

from rich.color import Color
from rich.style import Style
from rich.text import Text

from tui_chat.irc.casemap import casefold
from tui_chat.irc.formatting import Span, parse_formatting, strip_formatting

from .links import find_urls, link_target

# mIRC colours 0-15 and the extended 16-98, as listed in https://modern.ircdocs.horse/formatting.
# Fixed RGB rather than the terminal's 16 ANSI colours: senders pick these colours by number
# expecting mIRC's look, and a terminal theme may remap ANSI "blue" to anything.
_MIRC_HEX = (
    # 0-15
    "ffffff 000000 00007f 009300 ff0000 7f0000 9c009c fc7f00 "
    "ffff00 00fc00 009393 00ffff 0000fc ff00ff 7f7f7f d2d2d2 "
    # 16-27
    "470000 472100 474700 324700 004700 00472c 004747 002747 000047 2e0047 470047 47002a "
    # 28-39
    "740000 743a00 747400 517400 007400 007449 007474 004074 000074 4b0074 740074 740045 "
    # 40-51
    "b50000 b56300 b5b500 7db500 00b500 00b571 00b5b5 0063b5 0000b5 7500b5 b500b5 b5006b "
    # 52-63
    "ff0000 ff8c00 ffff00 b2ff00 00ff00 00ffa0 00ffff 008cff 0000ff a500ff ff00ff ff0098 "
    # 64-75
    "ff5959 ffb459 ffff71 cfff60 6fff6f 65ffc9 6dffff 59b4ff 5959ff c459ff ff66ff ff59bc "
    # 76-87
    "ff9c9c ffd39c ffff9c e2ff9c 9cff9c 9cffdb 9cffff 9cd3ff 9c9cff dc9cff ff9cff ff94d3 "
    # 88-98
    "000000 131313 282828 363636 4d4d4d 656565 818181 9f9f9f bcbcbc e2e2e2 ffffff"
)

MIRC_COLORS: tuple[Color, ...] = tuple(Color.parse("#" + h) for h in _MIRC_HEX.split())


def mirc_color(index: int | None) -> Color | None:
    """The Rich colour for an mIRC palette index; None for 99 ("default"), None, or out of range."""
    if index is None or not 0 <= index < len(MIRC_COLORS):
        return None
    return MIRC_COLORS[index]


def _rgb(value: int | None) -> Color | None:
    if value is None:
        return None
    return Color.from_rgb((value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF)


@lru_cache(maxsize=512)
def _span_style(
    bold: bool,
    italic: bool,
    underline: bool,
    strike: bool,
    reverse: bool,
    fg: int | None,
    bg: int | None,
    fg_rgb: int | None,
    bg_rgb: int | None,
) -> Style:
    # Unset attributes stay None (not False) so the widget's or caller's base style shows
    # through; monospace has no terminal equivalent, every cell is already monospaced.
    return Style(
        bold=bold or None,
        italic=italic or None,
        underline=underline or None,
        strike=strike or None,
        reverse=reverse or None,
        color=_rgb(fg_rgb) or mirc_color(fg),
        bgcolor=_rgb(bg_rgb) or mirc_color(bg),
    )


def span_style(span: Span) -> Style:
    """The Rich style for one formatting span."""
    return _span_style(
        span.bold,
        span.italic,
        span.underline,
        span.strikethrough,
        span.reverse,
        span.fg,
        span.bg,
        span.fg_rgb,
        span.bg_rgb,
    )


# Joiners and modifiers that make one glyph of several characters: Rich counts such a sequence
# as one glyph, two cells wide, while many terminals (tmux 3.3, older VTE, the Linux console)
# draw each part, up to eight cells. Dropped, every terminal and Rich agree on the width, so
# no border or scrollbar moves; a family emoji shows as its members, a thumbs-up untinted.
_JOINERS = {
    0x00AD: None,  # soft hyphen: invisible to Rich, one cell in some terminals
    0x200B: None,  # zero-width space
    0x200D: None,  # zero-width joiner
    **dict.fromkeys(range(0x2060, 0x2065)),  # word joiner and invisible operators
    **dict.fromkeys(range(0xFE00, 0xFE10)),  # variation selectors (text/emoji presentation)
    0xFEFF: None,  # zero-width no-break space
    **dict.fromkeys(range(0x1F3FB, 0x1F400)),  # skin tone modifiers
    **dict.fromkeys(range(0xE0000, 0xE0080)),  # tag characters (subdivision flags)
    **dict.fromkeys(range(0xE0100, 0xE01F0)),  # variation selectors supplement
}


def cell_safe(s: str) -> str:
    """``s`` without the characters whose width terminals disagree on (see ``_JOINERS``)."""
    return s if s.isascii() else s.translate(_JOINERS)


def sanitize(s: str) -> str:
    """Plain, display-safe text: controls and formatting codes removed, tabs made spaces."""
    return cell_safe(strip_formatting(s).replace("\t", " "))


def irc_text(s: str, style: str | Style = "", link: Style | None = None) -> Text:
    """Untrusted IRC text with its mIRC formatting as styles; ``style`` is the base style.

    With ``link``, http(s) URLs get that style and a terminal hyperlink built by
    :func:`link_target` from the text (never from anything the sender escaped).
    """
    text = Text(style=style)
    for span in parse_formatting(s.replace("\t", " ")):
        text.append(cell_safe(span.text), None if span.plain else span_style(span))
    if link is not None and "://" in text.plain:
        plain = text.plain
        for start, end in find_urls(plain):
            text.stylize(link + Style(link=link_target(plain[start:end])), start, end)
    return text


def plain_text(s: str, style: str | Style = "") -> Text:
    """Untrusted text with formatting codes dropped rather than shown (nicks, hostnames)."""
    return Text(sanitize(s), style=style)


# Mid-lightness colours that stay readable on both dark and light backgrounds: no near-white,
# near-black, pure yellow or pale pastels.
NICK_COLORS: tuple[str, ...] = (
    "#e05d5d",
    "#e0803c",
    "#b8930b",
    "#6a9f1f",
    "#2fa84f",
    "#1a9e8f",
    "#1f9fc4",
    "#3f7fe0",
    "#6f6ff0",
    "#9a5ce0",
    "#c04fc0",
    "#e0508f",
    "#a0785a",
    "#5f9a7a",
)

_NICK_STYLES = tuple(Style(color=c) for c in NICK_COLORS)


def nick_color_index(nick: str, casemapping: str = "ascii") -> int:
    """Which of :data:`NICK_COLORS` a nick gets.

    CRC-32 of the casefolded nick rather than ``hash()``: ``hash()`` is salted per process, and a
    nick must keep its colour across restarts and for every user of the same room.
    """
    folded = casefold(nick, casemapping)
    return zlib.crc32(folded.encode("utf-8", "surrogatepass")) % len(NICK_COLORS)


def nick_style(nick: str, casemapping: str = "ascii") -> Style:
    """A stable colour for a nick, the same for ``Alice`` and ``alice``."""
    return _NICK_STYLES[nick_color_index(nick, casemapping)]
