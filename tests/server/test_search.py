"""SEARCH (soju.im/search) through the real server: results, scope, filters, the cap."""

from __future__ import annotations

import pytest

from .ircclient import TestClient
from .test_history import batch, fail, say

CAPS = ("batch", "server-time", "message-tags", "echo-message", "soju.im/search")


@pytest.fixture
def server(make_server, tmp_path):
    return make_server(data_dir=tmp_path / "data", history_private=True)


def search(client: TestClient, attrs: str) -> list:
    client.send(f"SEARCH {attrs}")
    _, lines = batch(client, "soju.im/search")
    return lines


def test_cap_offered_only_with_history(make_server, server):
    bare = make_server()
    for srv, has in ((server, True), (bare, False)):
        c = TestClient(srv.port)
        try:
            c.send("CAP LS 302")
            assert ("soju.im/search" in c.expect("CAP").params[-1].split()) is has
        finally:
            c.close()


def test_finds_words_in_rooms_the_asker_is_in_oldest_first(connect):
    alice, bob = connect("alice", caps=CAPS), connect("bob", caps=CAPS)
    for c in (alice, bob):
        c.join("#a")
    alice.join("#secret")
    echoes = say(alice, "#a", ["the red fox", "a blue fox", "nothing here"])
    say(alice, "#secret", ["a secret fox"])
    found = search(bob, "text=fox")
    assert [list(m.params) for m in found] == [["#a", "the red fox"], ["#a", "a blue fox"]]
    assert [m.tags["msgid"] for m in found] == [e.tags["msgid"] for e in echoes[:2]]
    assert all(m.tags["time"] for m in found)
    # Every word must be there, in any order and case.
    assert [m.params[-1] for m in search(bob, "text=FOX\\sblue")] == ["a blue fox"]
    # The asker's own rooms, all of them, unless in= narrows it down.
    assert len(search(alice, "text=fox")) == 3
    assert [m.params[-1] for m in search(alice, "in=#secret;text=fox")] == ["a secret fox"]


def test_rooms_the_asker_left_or_never_joined_are_refused_or_out_of_scope(connect):
    alice, bob = connect("alice", caps=CAPS), connect("bob", caps=CAPS)
    alice.join("#a")
    bob.join("#a")
    say(alice, "#a", ["needle one"])
    bob.send("PART #a")
    bob.expect("PART")
    assert search(bob, "text=needle") == []
    bob.send("SEARCH in=#a;text=needle")
    assert list(fail(bob)[:2]) == ["SEARCH", "INVALID_PARAMS"]


def test_filters_from_limit_and_time(connect):
    alice, bob = connect("alice", caps=CAPS), connect("bob", caps=CAPS)
    for c in (alice, bob):
        c.join("#a")
    first = say(alice, "#a", ["word 1", "word 2"])
    say(bob, "#a", ["word 3"])
    last = say(alice, "#a", ["word 4"])
    assert [m.params[-1] for m in search(bob, "text=word;from=ALICE")] == [
        "word 1",
        "word 2",
        "word 4",
    ]
    assert [m.params[-1] for m in search(bob, "text=word;limit=2")] == ["word 3", "word 4"]
    after = first[1].tags["time"]
    before = last[0].tags["time"]
    got = [m.params[-1] for m in search(bob, f"text=word;after={after};before={before}")]
    assert "word 1" not in got and "word 4" not in got
    for bad in ("limit=x;text=word", "text=word;after=yesterday", "text=word;from=a\\sb", "in=#a"):
        bob.send(f"SEARCH {bad}")
        assert list(fail(bob)[:2]) == ["SEARCH", "INVALID_PARAMS"]


def test_private_conversations_of_this_connection_only(connect):
    alice, bob, carol = (connect(n, caps=CAPS) for n in ("alice", "bob", "carol"))
    say(alice, "bob", ["private needle"])
    bob.expect(lambda m: m.command == "PRIVMSG" and m.params[-1] == "private needle")
    assert [m.params[-1] for m in search(bob, "text=needle")] == ["private needle"]
    assert [m.params[-1] for m in search(alice, "in=bob;text=needle")] == ["private needle"]
    assert search(carol, "text=needle") == []
    assert search(carol, "in=bob;text=needle") == []


def test_without_history_search_is_an_unknown_command(make_server):
    srv = make_server()
    c = TestClient(srv.port)
    try:
        c.register("alice")
        c.send("SEARCH text=x")
        assert c.expect("421").params[1] == "SEARCH"
    finally:
        c.close()
