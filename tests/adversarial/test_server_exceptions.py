"""Ban and invite exception lists from a hostile operator: bounded like the ban list."""

from __future__ import annotations

from .server_helpers import assert_live, make_server  # noqa: F401


def test_exception_lists_are_bounded_and_the_server_stays_live(make_server):  # noqa: F811
    from tests.server.ircclient import TestClient

    srv = make_server(flood_limit=False)
    op = TestClient(srv.port).register("op")
    probe = TestClient(srv.port).register("probe")
    try:
        op.join("#r")
        for letter in "eI":
            # Four masks per MODE (MODES=4): 26 commands try 104 entries.
            for i in range(26):
                masks = " ".join(f"n{i}x{j}{'*' * 40}!*@*" for j in range(4))
                op.send(f"MODE #r +{letter * 4} {masks}")
            op.send(f"MODE #r {letter}")
            end = "349" if letter == "e" else "347"
            got = op.collect(end)
            listed = [m for m in got if m.command == ("348" if letter == "e" else "346")]
            assert len(listed) == 100
            assert sum(m.command == "478" for m in got) == 4
        assert_live(probe, "after filling the exception lists")
        # Every join still checks bans and exceptions: bounded by the lists' size.
        op.send("MODE #r +b *!*@*")
        op.expect("MODE")
        guest = TestClient(srv.port).register("guest")
        try:
            guest.send("JOIN #r")
            assert guest.expect(lambda m: m.command in ("366", "474")).command == "474"
        finally:
            guest.close()
    finally:
        op.close()
        probe.close()
