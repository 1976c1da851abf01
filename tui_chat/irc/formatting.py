"""Untrusted message text: control-character stripping and mIRC formatting codes.

Everything here is pure string work with no Rich or Textual import, so the server, the client,
the chat logs and the UI can all share it. The UI turns :class:`Span` objects into styles in
``tui_chat/ui/text.py``.

Formatting codes, as in the modern IRC client documentation (https://modern.ircdocs.horse/formatting):
``\\x02`` bold, ``\\x1d`` italic, ``\\x1f`` underline, ``\\x1e`` strikethrough, ``\\x11`` monospace,
``\\x16`` reverse (each toggles), ``\\x0f`` resets everything, ``\\x03N[,M]`` sets palette
colours (one or two ASCII digits, 0-98; 99 means "default"), ``\\x04RRGGBB[,RRGGBB]`` sets hex
colours, and a bare ``\\x03`` or ``\\x04`` resets both colours.

Tab is kept by :func:`strip_controls` and :func:`strip_formatting`: it is harmless in a log file
and a notification. The UI layer turns it into a single space, because a tab's width depends on
the column it lands in, which a wrapped, indented chat line does not control.
"""

from __future__ import annotations

import re
from typing import NamedTuple

BOLD = "\x02"
COLOR = "\x03"
HEX_COLOR = "\x04"
RESET = "\x0f"
MONOSPACE = "\x11"
REVERSE = "\x16"
ITALIC = "\x1d"
STRIKETHROUGH = "\x1e"
UNDERLINE = "\x1f"

FORMAT_CODES = BOLD + COLOR + HEX_COLOR + RESET + MONOSPACE + REVERSE + ITALIC + STRIKETHROUGH
FORMAT_CODES += UNDERLINE

# Bidi embeddings, overrides, isolates and marks: a peer can use them to make text read
# differently from what was sent (a nick that looks like someone else's, a reversed URL).
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def _control_class(keep: str) -> re.Pattern[str]:
    c0 = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t" + keep)
    # Lone surrogates only arrive through surrogateescape decoding; they cannot be encoded for
    # the terminal and would make the writer raise, so they go too.
    return re.compile("[" + re.escape(c0) + "\x7f-\x9f" + BIDI_CONTROLS + "\ud800-\udfff" + "]+")


# Compiled on first use: with ranges up to U+DFFF, compiling them costs millions of instructions,
# which the app's start-up (issue 12) does not need before its first frame.
_controls: dict[bool, re.Pattern[str]] = {}

# ASCII digits only: ``\d`` would also take Arabic-Indic and other Unicode digits.
_FORMAT_RE = re.compile(
    r"\x03(?:([0-9]{1,2})(?:,([0-9]{1,2}))?)?"
    r"|\x04(?:([0-9A-Fa-f]{6})(?:,([0-9A-Fa-f]{6}))?)?"
    r"|[\x02\x0f\x11\x16\x1d\x1e\x1f]"
)

# mIRC colour 99 is "default colour", i.e. no colour set.
DEFAULT_COLOR = 99


def strip_controls(s: str, keep_formatting: bool = False) -> str:
    """Remove C0 controls but tab, DEL, C1 controls and bidi controls.

    With ``keep_formatting`` the mIRC formatting codes survive, for :func:`parse_formatting`.
    """
    pattern = _controls.get(keep_formatting)
    if pattern is None:
        pattern = _controls[keep_formatting] = _control_class(
            FORMAT_CODES if keep_formatting else ""
        )
    return pattern.sub("", s)


# A NamedTuple, not a dataclass: building a dataclass at import costs ~4 M instructions, and
# this module loads before the app's first frame (issue 12).
class Span(NamedTuple):
    """A run of text with one set of attributes.

    ``fg``/``bg`` are mIRC palette indices (0-98); ``fg_rgb``/``bg_rgb`` are ``0xRRGGBB`` from
    ``\\x04`` hex colours. At most one of each pair is set: the later code wins.
    """

    text: str
    bold: bool = False
    italic: bool = False
    underline: bool = False
    strikethrough: bool = False
    monospace: bool = False
    reverse: bool = False
    fg: int | None = None
    bg: int | None = None
    fg_rgb: int | None = None
    bg_rgb: int | None = None

    @property
    def plain(self) -> bool:
        """True when the span carries no formatting at all."""
        return self == Span(self.text)


_TOGGLES = {
    BOLD: "bold",
    ITALIC: "italic",
    UNDERLINE: "underline",
    STRIKETHROUGH: "strikethrough",
    MONOSPACE: "monospace",
    REVERSE: "reverse",
}


def _palette(digits: str) -> int | None:
    value = int(digits)
    return None if value == DEFAULT_COLOR else value


def parse_formatting(s: str) -> list[Span]:
    """Split text into styled spans. Other control characters are removed on the way.

    Empty spans are dropped and neighbours with the same attributes merged, so
    ``"".join(span.text for span in parse_formatting(s)) == strip_formatting(s)``.
    """
    s = strip_controls(s, keep_formatting=True)
    attrs: dict[str, object] = {}
    spans: list[Span] = []

    def emit(text: str) -> None:
        if not text:
            return
        span = Span(text, **attrs)  # type: ignore[arg-type]
        if spans and Span(spans[-1].text, **attrs) == spans[-1]:  # type: ignore[arg-type]
            spans[-1] = Span(spans[-1].text + text, **attrs)  # type: ignore[arg-type]
        else:
            spans.append(span)

    pos = 0
    for match in _FORMAT_RE.finditer(s):
        emit(s[pos : match.start()])
        pos = match.end()
        code = match.group()[0]
        if code in _TOGGLES:
            name = _TOGGLES[code]
            if attrs.pop(name, False) is False:
                attrs[name] = True
        elif code == RESET:
            attrs.clear()
        elif code == COLOR:
            fg, bg = match.group(1), match.group(2)
            if fg is None:
                for key in ("fg", "bg", "fg_rgb", "bg_rgb"):
                    attrs.pop(key, None)
                continue
            attrs.pop("fg_rgb", None)
            attrs["fg"] = _palette(fg)
            if bg is not None:
                attrs.pop("bg_rgb", None)
                attrs["bg"] = _palette(bg)
        else:  # HEX_COLOR
            fg, bg = match.group(3), match.group(4)
            if fg is None:
                for key in ("fg", "bg", "fg_rgb", "bg_rgb"):
                    attrs.pop(key, None)
                continue
            attrs.pop("fg", None)
            attrs["fg_rgb"] = int(fg, 16)
            if bg is not None:
                attrs.pop("bg", None)
                attrs["bg_rgb"] = int(bg, 16)
    emit(s[pos:])
    return spans


def strip_formatting(s: str) -> str:
    """Plain text for logs and notifications: formatting codes and other controls removed."""
    return _FORMAT_RE.sub("", strip_controls(s, keep_formatting=True))
