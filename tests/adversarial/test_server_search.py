"""SEARCH against hostile askers: FTS5 syntax is searched as text, scope and cost are bounded."""

from __future__ import annotations

import pytest

from tests.server.ircclient import TestClient
from tests.server.test_history import batch, fail, say
from tui_chat.server.history_search import MAX_WORDS

from .server_helpers import assert_live, connect, make_server  # noqa: F401

CAPS = ("batch", "server-time", "message-tags", "echo-message", "soju.im/search")


@pytest.fixture
def server(make_server, tmp_path):  # noqa: F811
    return make_server(data_dir=tmp_path / "data", history_private=True)


def texts(client: TestClient, attrs: str) -> list[str]:
    client.send(f"SEARCH {attrs}")
    return [m.params[-1] for m in batch(client, "soju.im/search")[1]]


def esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\:").replace(" ", "\\s")


def test_fts_operators_in_user_text_are_searched_as_text(connect):  # noqa: F811
    alice = connect("alice", caps=CAPS)
    alice.join("#a")
    lines = ["apple", "banana", "apple OR banana", "foxes", 'say "quoted" NEAR here', "x AND y"]
    say(alice, "#a", lines)
    # OR is a word here, not an operator: only the line that has all three words.
    assert texts(alice, "text=" + esc("apple OR banana")) == ["apple OR banana"]
    assert texts(alice, "text=fox*") == []  # no prefix query: "foxes" is not "fox"
    assert texts(alice, "text=" + esc('"quoted" NEAR')) == ['say "quoted" NEAR here']
    # Not NEAR(): the words "near" and "apple" next to each other, which no line has.
    assert texts(alice, "text=" + esc("NEAR(apple banana)")) == []
    assert texts(alice, "text=" + esc("x AND")) == ["x AND y"]
    for hostile in ('"', '"apple', "apple)", "(", "^apple", "body:apple", "-apple", "a:b:c"):
        alice.send("SEARCH text=" + esc(hostile))
        got = alice.expect(lambda m: m.command in ("BATCH", "FAIL"))
        if got.command == "FAIL":
            assert got.params[:2] == ("SEARCH", "INVALID_PARAMS")  # no word to search
        else:
            alice.collect(lambda m: m.command == "BATCH" and m.params[0].startswith("-"))
    assert_live(alice, "after hostile queries")


def test_a_column_filter_in_user_text_cannot_reach_other_rooms(connect):  # noqa: F811
    alice, bob = connect("alice", caps=CAPS), connect("bob", caps=CAPS)
    alice.join("#secret")
    bob.join("#open")
    say(alice, "#secret", ["hidden treasure"])
    token = "k" + b"#secret".hex().upper()
    for attack in (f"room:{token} treasure", f"treasure OR room:{token}", f'treasure" OR "{token}'):
        assert texts(bob, "text=" + esc(attack)) == []
    bob.send("SEARCH in=#secret;text=treasure")
    assert fail(bob)[:2] == ("SEARCH", "INVALID_PARAMS")


def test_limit_and_word_count_are_bounded(connect):  # noqa: F811
    senders = [connect(nick, caps=CAPS) for nick in ("alice", "bob", "carol")]
    for c in senders:
        c.join("#a")
    for n, c in enumerate(senders):  # each sender is paced: three share the 105 lines
        say(c, "#a", [f"common line {n} {i}" for i in range(35)])
    alice = senders[0]
    assert len(texts(alice, "text=common;limit=99999999999")) == 100
    assert len(texts(alice, "text=common;limit=0")) == 100
    # Words past the bound are ignored (not searched), however many are sent.
    many = " ".join(["common", "line"] * MAX_WORDS + ["z"] * 100)
    assert len(texts(alice, "text=" + esc(many))) == 100
    assert_live(alice, "after a query of 116 words")
