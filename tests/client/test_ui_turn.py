"""The network worker steps aside while the UI has a keystroke to draw, and never for long.

A peer floods the client through a real socket while the UI's turn is taken: the worker parses
nothing of it until the turn is given back (or runs out by itself), then every line arrives,
in order.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tui_chat.client.events import ChatMessage

from .conftest import TIMEOUT, fast_settings, running_client

FLOOD = 2_000


def wait_until(condition, what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def flood(conn) -> None:
    conn.send_bytes(
        "".join(f":bob!b@h PRIVMSG #lobby :flood {i}\r\n" for i in range(FLOOD)).encode()
    )


def flood_texts(sink) -> list[str]:
    return [e.text for e in sink.of(ChatMessage, sender="bob")]


@contextmanager
def joined_client(fake_server) -> Iterator[tuple[Any, Any, Any]]:
    """A running client registered and in #lobby on the scripted server: (client, sink, conn)."""
    with running_client(fast_settings("127.0.0.1", fake_server.port)) as (client, sink):
        conn = fake_server.accept()
        conn.register("alice")
        conn.accept_join("alice", "#lobby", members="bob alice")
        wait_until(lambda: client.connected, "the connection")
        yield client, sink, conn


def test_the_worker_waits_while_the_turn_is_taken_and_resumes_when_given_back(fake_server):
    with joined_client(fake_server) as (client, sink, conn):
        turn = client.ui_turn
        turn.longest = TIMEOUT * 3  # given back by the test, never run out
        turn.take()
        flood(conn)
        wait_until(lambda: turn.waits > 0, "the worker to wait for its turn")
        # It waits before the first line it read: none of the flood is parsed.
        assert flood_texts(sink) == []
        turn.give_back()
        wait_until(lambda: len(flood_texts(sink)) == FLOOD, "the whole flood")
        assert flood_texts(sink) == [f"flood {i}" for i in range(FLOOD)]


def test_a_turn_never_given_back_runs_out_and_the_flood_arrives_whole(fake_server):
    with joined_client(fake_server) as (client, sink, conn):
        turn = client.ui_turn
        turn.longest = 0.2
        turn.take()
        flood(conn)
        wait_until(lambda: len(flood_texts(sink)) == FLOOD, "the whole flood")
        assert flood_texts(sink) == [f"flood {i}" for i in range(FLOOD)]
        assert turn.waits > 0 and turn.taken  # waited, though nobody gave the turn back
