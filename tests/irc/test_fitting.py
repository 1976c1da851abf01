"""Line fitting (tui_chat.irc.fitting): the one UTF-8 cut both the server and the client use."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tui_chat.irc import limits
from tui_chat.irc.fitting import char_boundary, fit_line, fit_text, split_text

PROPS = settings(max_examples=300, deadline=None)
# Characters of 1 to 4 UTF-8 bytes, so cuts land inside sequences of every length.
TEXT = st.text(st.sampled_from("a é€😀 \n\r"), max_size=400)


def test_the_client_and_the_server_share_one_implementation():
    from tui_chat.client import session
    from tui_chat.server import server

    assert session.split_text is split_text
    assert not hasattr(server, "fit_text")  # no second copy left behind


@PROPS
@given(TEXT, st.integers(-2, 600))
def test_char_boundary_never_cuts_a_character(text, limit):
    data = text.encode()
    cut = char_boundary(data, limit)
    assert 0 <= cut <= max(0, min(limit, len(data)))
    data[:cut].decode()  # raises if a sequence was split
    assert len(data) - cut < 4 or limit - cut < 4  # it backs off at most one character


@PROPS
@given(st.text(st.sampled_from("aé€😀 "), min_size=1, max_size=400), st.booleans())
def test_fit_line_keeps_512_bytes_without_tags_on_a_boundary(text, tagged):
    tags = b"@+x=" + b"y" * 600 + b" " if tagged else b""
    line = tags + b":n!u@h PRIVMSG #c :" + text.encode() + b"\r\n"
    out = fit_line(line)
    assert out.endswith(b"\r\n")
    assert out.startswith(tags)  # tags are never cut
    body = out[len(tags) :]
    assert len(body) <= limits.MAX_LINE_BYTES
    assert line.startswith(out[:-2])
    out.decode()
    if len(line) - len(tags) <= limits.MAX_LINE_BYTES:
        assert out == line


@PROPS
@given(TEXT, st.integers(0, 300))
def test_fit_text_is_a_prefix_within_budget(text, budget):
    out = fit_text(text, budget)
    assert text.startswith(out)
    assert len(out.encode()) <= budget
    assert len(text.encode()) - len(out.encode()) < 4 or budget - len(out.encode()) < 4


@PROPS
@given(TEXT, st.integers(4, 100))
def test_split_text_chunks_fit_and_lose_only_breaks_and_spaces(text, budget):
    chunks = split_text(text, budget)
    for chunk in chunks:
        assert 0 < len(chunk.encode()) <= budget
        assert "\n" not in chunk and "\r" not in chunk
        assert chunk.strip()
    assert "".join(chunks).replace(" ", "") == "".join(text.split()).replace(" ", "")


def test_split_text_examples():
    assert split_text("a\nb\r\n\nc\r", 100) == ["a", "b", "c"]
    assert split_text("hello world foo", 11) == ["hello world", "foo"]
    assert split_text("€" * 10, 7) == ["€€", "€€", "€€", "€€", "€€"]
    assert split_text("   ", 10) == []
