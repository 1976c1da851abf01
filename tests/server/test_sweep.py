"""The sweep with a pass longer than a tick (issue 12: a tick visits only its share of the
connections): a closed connection whose peer never hangs up still goes after close_linger,
since lingering closes are looked at every tick, not in the rotation."""

from __future__ import annotations

import time

from .ircclient import TestClient

BYSTANDERS = 30  # so that a tick's share of the rotation is a few of them, not all


def _unknown(c: TestClient) -> int:
    """Connections that are not users (LUSERS 253): here, the lingering one."""
    c.send("LUSERS")
    return int(c.expect("253").params[1])


def test_a_lingering_close_goes_after_close_linger_while_the_rotation_is_long(make_server):
    # close_linger 0.4 s makes the tick 0.2 s; the default timeouts make a pass 3.75 s.
    srv = make_server(close_linger=0.4)
    bystanders = [TestClient(srv.port) for _ in range(BYSTANDERS)]
    leaver = TestClient(srv.port)
    try:
        for i, c in enumerate(bystanders):
            c.register(f"b{i}")
        leaver.register("leaver")
        leaver.send("QUIT :bye")
        leaver.expect("ERROR")  # and it never closes its end: the server has to
        probe = bystanders[0]
        assert _unknown(probe) == 1
        deadline = time.monotonic() + 3.0  # well under a pass, well over close_linger
        while _unknown(probe) and time.monotonic() < deadline:
            probe.read_line(0.05)  # a measured wait on the socket: nothing is expected
        assert _unknown(probe) == 0, "the lingering connection was not dropped"
        for c in bystanders[:: BYSTANDERS // 3]:
            c.send("PING :still")
            c.expect("PONG")
    finally:
        for c in (*bystanders, leaver):
            c.close()
