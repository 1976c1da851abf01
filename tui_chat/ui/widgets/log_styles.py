"""The message log's styles: component-class styles resolved once per theme, and Strips."""

from __future__ import annotations

from typing import NamedTuple

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget


class LogStyles(NamedTuple):
    time: Style
    text: Style  # what people say: the brightest thing in the log
    status: Style  # a nick's channel prefix ("@", "+")
    link: Style
    event: Style
    notice: Style
    info: Style
    error: Style
    mention: Style
    pending: Style
    day: Style
    action: Style
    separator: Style
    match: Style
    match_current: Style
    base: Style  # the widget's own style: lines are stored with it applied


def line_strip(line: Text, console: Console, width: int, base: Style) -> Strip:
    """One wrapped line as a Strip of exactly ``width`` cells with ``base`` under every style.

    The same result as ``Strip(...).crop_extend(0, width, base).apply_style(base)``, built as
    one Strip instead of three (each Strip carries several caches: a flood made ~125k of them).
    """
    add = base.__add__
    segments = [Segment(text, add(style)) for text, style, _ in line.render(console) if text]
    cells = line.cell_len
    if cells > width:
        return Strip(segments, cells).crop(0, width)
    if cells < width:
        segments.append(Segment(" " * (width - cells), base))
    return Strip(segments, width)


def text_style(style: Style) -> Style:
    """A component style without its background, so it can sit on any line background."""
    return Style(
        color=style.color,
        bold=style.bold,
        italic=style.italic,
        underline=style.underline,
        dim=style.dim,
        strike=style.strike,
        reverse=style.reverse,
    )


def component_text_style(widget: Widget, name: str) -> Style:
    """The text part of a component class style, with theme colours blended (alpha resolved)."""
    return text_style(widget.get_component_rich_style(name))


def component_background(widget: Widget, name: str) -> Style:
    return Style(bgcolor=widget.get_component_rich_style(name).bgcolor)
