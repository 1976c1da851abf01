"""Start-up (issue 12): app.tcss is read compacted, and that changes none of its rules.

Half of app.tcss's CSS tokens were indentation and line breaks, each one tokenized and parsed
before the first frame. The snapshot tests show the screens unchanged; these check the rules
themselves, for every stylesheet of ours, and that the running app uses the compacted text.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from textual.css.stylesheet import Stylesheet
from textual.css.tokenize import tokenize
from textual.theme import BUILTIN_THEMES

from tui_chat.ui.css_text import compact_css

from .conftest import joined

UI = Path(__file__).resolve().parents[2] / "tui_chat" / "ui"
VARIABLES = BUILTIN_THEMES["textual-dark"].to_color_system().generate()


def parsed(css: str) -> list[tuple[object, ...]]:
    """Each rule's selectors (every part: name, combinator, pseudo-classes, specificity), its
    declarations and its kind."""
    sheet = Stylesheet(variables=VARIABLES)
    sheet.add_source(css, read_from=("test", ""))
    sheet.parse()
    return [
        (
            [[dataclasses.astuple(p) for p in chain.selectors] for chain in rule.selector_set],
            rule.styles.css_lines,
            rule.is_default_rules,
        )
        for rule in sheet.rules
    ]


@pytest.mark.parametrize("path", sorted(UI.glob("*.tcss")), ids=lambda p: p.name)
def test_compacting_keeps_every_rule(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    compact = compact_css(text)
    assert parsed(compact) == parsed(text)
    assert "/*" not in compact and "\n" not in compact


def test_compacting_halves_app_tcss_tokens() -> None:
    text = (UI / "app.tcss").read_text(encoding="utf-8")
    before = sum(1 for _ in tokenize(text, ("app.tcss", "")))
    after = sum(1 for _ in tokenize(compact_css(text), ("app.tcss", "")))
    assert after < before * 0.6


def test_compacting_keeps_what_whitespace_means() -> None:
    css = "A :focus { color: red; } /* a } { comment */ B:hover,C > .x {\n  padding: 0 1;\n}"
    compact = compact_css(css)
    assert compact == "A :focus{color:red;}B:hover,C > .x{padding:0 1;}"
    assert parsed(compact) == parsed(css)
    assert compact_css("A { color: red; } /* never closed") == "A{color:red;}"


async def test_the_app_reads_the_compacted_stylesheet_and_applies_it(server, make_app) -> None:
    app = make_app(server.port)
    async with app.run_test(size=(120, 36)) as pilot:
        await joined(pilot, app)
        sources = {name: css for (path, name), (css, *_rest) in app.stylesheet.source.items()}
        assert sources["ChatApp.CSS"] == compact_css((UI / "app.tcss").read_text("utf-8"))
        assert str(UI / "app.tcss") not in {path for path, _ in app.stylesheet.source}
        sidebar = app.chat.query_one("#sidebar")
        assert sidebar.styles.width is not None and sidebar.styles.width.value == 22
        # ChatInput:focus (a pseudo-class rule) still applies: the input has focus.
        assert app.chat.chat_input.has_focus
        assert app.chat.chat_input.styles.border.top[0] == "tall"
