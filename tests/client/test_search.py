"""The client side of soju.im/search: against the own server, and peers without it."""

from __future__ import annotations

import contextlib

from tui_chat.client.events import ChatMessage, MessageDelivered, Registered
from tui_chat.client.search import CAP, SearchResults, search_line

from .conftest import registered as registered_on_own
from .test_real_servers import real_server  # noqa: F401
from .test_real_servers import registered as registered_on_peer


@contextlib.contextmanager
def registered(port: int, nick: str):
    with registered_on_own(port, nick, rooms=("#room",)) as (client, sink):
        assert CAP in sink.of(Registered)[0].caps
        yield client, sink


def test_search_results_arrive_as_one_event_not_as_chat(own_server):
    with (
        registered(own_server.port, "alice") as (alice, asink),
        registered(own_server.port, "bob") as (
            bob,
            bsink,
        ),
    ):
        for text in ("the needle here", "hay only", 'needle "quoted" too'):
            [pid] = alice.say("#room", text)
            asink.wait(MessageDelivered, pending_id=pid)
        bsink.wait(ChatMessage, text='needle "quoted" too')
        mark = bsink.mark()
        bob.send_raw(search_line('needle "quoted"', "#room"))
        found = bsink.wait(SearchResults, after=mark)
        assert [(h.sender, h.target, h.text) for h in found.hits] == [
            ("alice", "#room", 'needle "quoted" too')
        ]
        assert found.hits[0].msgid and found.hits[0].time is not None
        bob.send_raw(search_line("needle"))
        found = bsink.wait(SearchResults, after=mark, where=lambda e: len(e.hits) == 2)
        assert [h.text for h in found.hits] == ["the needle here", 'needle "quoted" too']
        # The hits were not shown again as chat.
        assert [e for e in bsink.events[mark:] if isinstance(e, ChatMessage)] == []
        bob.send_raw(search_line("needle", "#elsewhere"))
        assert bsink.wait(SearchResults, after=mark, where=lambda e: bool(e.error)).hits == ()


def test_peers_do_not_offer_search(real_server):  # noqa: F811
    _, port = real_server
    with registered_on_peer(port, "alice") as (_, sink):
        assert CAP not in sink.wait(Registered).caps
