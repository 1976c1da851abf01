"""A typed line whose echo was lost with the connection is re-sent with the same transaction id.

The server (the other half of this contract) drops a repeat of a txid it already relayed and
echoes it back, so peers see the line once; the client marks it delivered once.
"""

from __future__ import annotations

import re

from client.conftest import fast_settings, running_client

from tui_chat.client.events import ChatMessage, Joined, MessageDelivered
from tui_chat.irc import parse

from .hostile_server import HostileServer, hostile_server

TXID = "+tui-chat/txid"
TEXT = "said exactly once"


def _lose_first_echo(server: HostileServer, line: str) -> bool:
    """On the first connection, take the line and drop the connection before echoing it."""
    if server.connections == 1 and f"PRIVMSG #lobby :{TEXT}" in line:
        server.drop()
        return True
    return False


def test_resent_line_carries_the_same_txid_and_is_delivered_once():
    caps = "message-tags echo-message server-time batch"
    with (
        hostile_server(caps=caps) as hs,
        running_client(fast_settings("127.0.0.1", hs.port)) as (client, sink),
    ):
        sink.wait(Joined, is_self=True)
        hs.on_line = _lose_first_echo
        (pending_id,) = client.say("#lobby", TEXT)
        first = parse(hs.wait_line(f"PRIVMSG #lobby :{TEXT}"))
        resent = parse(hs.wait_line(f"PRIVMSG #lobby :{TEXT}", after=2))
        txid = first.tags.get(TXID, "")
        assert re.fullmatch(r"[A-Za-z0-9_-]{16,32}", txid), first
        assert resent.tags.get(TXID) == txid, "\n".join(map(str, hs.lines))

        # The echo on the new connection (the server keeps the tag) settles it, once.
        sink.wait(MessageDelivered, pending_id=pending_id)
        hs.send(":bob!u@h PRIVMSG #lobby :marker")
        sink.wait(ChatMessage, text="marker")
        assert len(sink.of(MessageDelivered, pending_id=pending_id)) == 1
        assert len(sink.of(ChatMessage, text=TEXT)) == 1


def test_each_typed_line_gets_its_own_txid():
    with (
        hostile_server() as hs,
        running_client(fast_settings("127.0.0.1", hs.port)) as (client, sink),
    ):
        sink.wait(Joined, is_self=True)
        client.say("#lobby", "line one\nline two")
        one = parse(hs.wait_line("PRIVMSG #lobby :line one"))
        two = parse(hs.wait_line("PRIVMSG #lobby :line two"))
        assert one.tags[TXID] != two.tags[TXID]
