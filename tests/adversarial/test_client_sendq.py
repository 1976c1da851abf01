"""A server that makes us answer but never reads: our unsent output is bounded (issue 7).

Each PING queues a PONG. A server that floods PINGs and never reads its socket once made the
client's output buffer grow for as long as the flood lasted. Past ``max_unsent_bytes`` (a SendQ,
1 MiB by default) the client now drops the connection, says why, and reconnects with backoff;
typed lines the server never took are sent again on the new connection.
"""

from __future__ import annotations

from client.conftest import fast_settings, running_client

from tui_chat.client.client import NOT_READING
from tui_chat.client.connection import Outbox, Outgoing
from tui_chat.client.events import ConnectionState, Joined, MessageDelivered

from .hostile_server import hostile_server

LIMIT = 256 * 1024
PING_FLOOD = 20_000  # 400-byte PINGs: 8 MB of answers, far beyond the limit and kernel buffers
TYPED = 5


def test_a_server_that_never_reads_is_dropped_at_the_bound_and_nothing_typed_is_lost():
    with hostile_server(rcvbuf=4096) as hs:
        settings = fast_settings("127.0.0.1", hs.port, max_unsent_bytes=LIMIT)
        with running_client(settings) as (client, sink):
            sink.wait(Joined, is_self=True)
            mark = sink.mark()
            hs.stop_reading()
            lines = [f"typed {i}" for i in range(TYPED)]
            ids = client.say("#lobby", "\n".join(lines))
            pad = "x" * 400
            hs.send(*(f"PING :{i}-{pad}" for i in range(PING_FLOOD)))

            dropped = sink.wait(ConnectionState, timeout=30, after=mark, phase="reconnecting")
            assert isinstance(dropped, ConnectionState)
            assert dropped.detail == NOT_READING
            assert dropped.retry_in is not None and dropped.retry_in > 0
            # The new connection is read again: registration, the rejoin, then the typed lines
            # the old connection swallowed, each once and in order.
            hs.stop_reading(False)
            hs.wait_welcomes(2, timeout=15)
            for line in lines:
                hs.wait_line(line, after=2)
            for pending_id in ids:
                sink.wait(MessageDelivered, after=mark, pending_id=pending_id)
            again = [line for conn, line in hs.lines if conn >= 2 and "typed" in line]
            assert [line.split(" :", 1)[1] for line in again] == lines


def test_unsent_bytes_count_what_the_server_made_us_hold_not_typed_lines_waiting():
    clock = [0.0]
    box = Outbox(burst=1, rate=1.0, clock=lambda: clock[0])
    box.put("PONG :a")  # 9 bytes with CR LF
    assert box.unsent_bytes == 9
    box.pace("WHO #x")  # the bucket's one token lets it out at once
    assert box.unsent_bytes == 9 + 8 and box.paced == 0
    box.pace("WHO #y")  # no token left: waits in the lane, still counted
    typed = Outgoing("PRIVMSG #x :hello", pending_id="p1")
    box.pace(typed.line, typed)  # a typed line waiting for the bucket is not counted
    assert box.paced == 2 and box.unsent_bytes == 9 + 8 + 8
    clock[0] = 1.0
    box.release()
    clock[0] = 2.0
    box.release()  # both have left the lane for the socket buffer: now everything counts
    assert box.paced == 0 and box.unsent_bytes == 9 + 8 + 8 + len(typed.line) + 2
    assert box.take_unsent() == [typed] and box.unsent_bytes == 0
