"""The app's stylesheet as Textual parses it: comments and layout whitespace taken out.

Textual's CSS tokenizer makes a token of every run of whitespace, and every token costs the
same to tokenize, check for variables and parse. Half of app.tcss's tokens were indentation
and line breaks: reading it compacted takes ~10 M instructions off the app's start-up
(issue 12), while the file stays written for people. String methods, not regular
expressions: compiling those would cost a good part of what compacting saves.
"""

from __future__ import annotations


def compact_css(text: str) -> str:
    """``text`` without comments, runs of whitespace made one space, and no space around
    ``{``, ``}`` and ``;`` nor after ``:``; it parses to the same rules. (For stylesheets
    without strings: a run of spaces inside quotes would be made one space too.)"""
    parts = []
    at = 0
    while (start := text.find("/*", at)) >= 0:
        parts.append(text[at:start])
        end = text.find("*/", start + 2)
        at = len(text) if end < 0 else end + 2
        parts.append(" ")
    parts.append(text[at:])
    text = " ".join("".join(parts).split())
    # A space before ":" stays: it may separate a selector from a pseudo-class.
    for spaced, tight in ((" {", "{"), ("{ ", "{"), (" }", "}"), ("} ", "}"), (" ;", ";")):
        text = text.replace(spaced, tight)
    return text.replace("; ", ";").replace(": ", ":")
