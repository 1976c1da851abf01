"""http(s) URLs in message text, found by one linear scan (no regex on remote text).

The link a terminal is given is built here from the text, percent-encoded to printable ASCII,
so no escape sequence, control or bidi character a peer sent can reach the OSC 8 sequence that
carries it. Only ``http`` and ``https`` are linked.
"""

from __future__ import annotations

from urllib.parse import quote

MAX_URL = 2048  # longer "URLs" are left as text rather than linked in part
# Printable ASCII that keeps its meaning in a URL; everything else is percent-encoded.
_SAFE = "!#$%&'()*+,-./:;=?@[]_~"
# Characters that end a URL: not valid in one, and what people put around links in prose.
_STOP = frozenset('<>"`{}|\\^')
# Punctuation that ends a sentence after a link rather than belonging to it.
_TRAILING = frozenset(".,;:!?'*")


def _in_url(c: str) -> bool:
    if c.isascii():
        return " " < c < "\x7f" and c not in _STOP
    # Letters of other scripts (IRIs) count; spaces, controls, format and bidi characters end it.
    return c.isprintable()


def find_urls(text: str) -> list[tuple[int, int]]:
    """(start, end) of each http(s) URL in ``text``, in order; O(len(text))."""
    found: list[tuple[int, int]] = []
    n = len(text)
    i = 0
    while True:
        # Anchored on "://" rather than on a lower-cased copy: lower() can change the length.
        colon = text.find("://", i)
        if colon < 0:
            return found
        host = colon + 3
        i = host
        if text[max(0, colon - 5) : colon].lower() == "https":
            p = colon - 5
        elif text[max(0, colon - 4) : colon].lower() == "http":
            p = colon - 4
        else:
            continue
        if p and (text[p - 1].isalnum() or text[p - 1] in "/_-"):
            continue  # inside a word: "xhttp://"
        j = host
        opens = closes = 0
        limit = min(n, p + MAX_URL + 1)
        while j < limit and _in_url(c := text[j]):
            if c == "(":
                opens += 1
            elif c == ")":
                closes += 1
            j += 1
        i = j
        if j - p > MAX_URL:
            while i < n and _in_url(text[i]):
                i += 1  # the rest of an overlong one is skipped, not linked from its middle
            continue
        end = j
        while end > host:
            c = text[end - 1]
            if c in _TRAILING:
                end -= 1
            elif c == ")" and closes > opens:
                closes -= 1
                end -= 1
            else:
                break
        if end > host:
            found.append((p, end))


def link_target(url: str) -> str:
    """The URL as a terminal link: printable ASCII only, the scheme lower-cased."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return quote(url, safe=_SAFE)
    return scheme.lower() + sep + quote(rest, safe=_SAFE)
