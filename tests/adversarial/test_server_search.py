"""SEARCH against hostile askers: FTS5 syntax is searched as text, scope and cost are bounded."""

from __future__ import annotations

import time

import pytest

from tests.server.ircclient import TestClient
from tests.server.test_history import batch, fail, say
from tui_chat.server.history import HistoryRecord, HistoryStore, format_time
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


def searches_answered(c: TestClient) -> int:
    """Search batches the server has sent so far: what has arrived, without waiting for more."""
    c.sock.settimeout(0.0)
    try:
        for _ in range(1000):
            chunk = c.sock.recv(65536)
            if not chunk:
                break
            c._buf += chunk
    except BlockingIOError:
        pass
    finally:
        c.sock.settimeout(c.timeout)
    return c._buf.count(b" soju.im/search")


def test_a_burst_of_searches_lets_other_clients_in_between(make_server, tmp_path):  # noqa: F811
    data = tmp_path / "data"
    store = HistoryStore(data, days=0, per_channel_limit=0)
    now = int(time.time() * 1000) - 3_600_000
    for i in range(3000):
        when = format_time(now + i)
        store.append(HistoryRecord(f"r-{i:x}", when, "x!x@h", "PRIVMSG", "#a", f"needle {i}"))
    store.save_room("#a", {"modes": "+nt", "key": None, "founder": ["x", "h"]})
    assert store.commit()
    store.close()
    srv = make_server(data_dir=data)
    alice, bob = TestClient(srv.port), TestClient(srv.port)
    try:
        alice.register("alice", caps=CAPS)
        bob.register("bob")
        alice.join("#a")
        alice.send("PING :settled")
        alice.expect(lambda m: m.command == "PONG" and m.params[-1] == "settled")
        # Eight searches in one packet, within the flood budget: each reads its 2,000
        # candidates (the time bound rules none out).
        search = b"SEARCH text=needle;after=2000-01-01T00:00:00.000Z\r\n"
        alice.send_raw(search * 8)
        bob.send("PING :between")
        bob.expect(lambda m: m.command == "PONG" and m.params[-1] == "between")
        # Bob was answered while alice's searches were still waiting their turn, not after
        # the loop had run all eight back to back.
        assert searches_answered(alice) < 8
        for _ in range(8):
            batch(alice, "soju.im/search")
    finally:
        alice.close()
        bob.close()
