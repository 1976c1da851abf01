"""Big replies and big relays to clients that do not read: the SendQ bounds what is queued.

At the default flood burst (20) the attack is 20 WHOs of a 20,000-member room in one pass,
~30 MB queued for one client before the end-of-pass SendQ check. Here the room is 200
members and the burst is raised instead, so the same shape fits a fast test.
"""

from __future__ import annotations

import socket

from tests.server.ircclient import TestClient

from .server_helpers import assert_live, make_server  # noqa: F401

MEMBERS = 200


def non_reader(port: int, nick: str, caps: str = "") -> socket.socket:
    """A connection that registers, joins #big and never reads (4 KB receive buffer)."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    cap = f"CAP REQ :{caps}\r\nCAP END\r\n" if caps else ""
    s.sendall(f"{cap}NICK {nick}\r\nUSER {nick} 0 * :{nick}\r\nJOIN #big\r\n".encode())
    return s


def test_pipelined_who_past_the_sendq_stops_at_the_sendq(make_server):  # noqa: F811
    srv = make_server(sendq_limit=64 * 1024, flood_burst=1000)
    watcher = TestClient(srv.port).register("watcher")
    socks: list[socket.socket] = []
    try:
        watcher.join("#big")
        for i in range(MEMBERS):
            socks.append(non_reader(srv.port, f"m{i}"))
        for _ in range(MEMBERS):
            watcher.expect("JOIN")
        hog = non_reader(srv.port, "hog")
        socks.append(hog)
        watcher.expect(lambda m: m.command == "JOIN" and m.source.startswith("hog!"))
        # ~9 MB of WHO replies asked for in one packet, then a line to the room.
        hog.sendall(b"WHO #big\r\n" * 600 + b"PRIVMSG #big :marker\r\n")
        seen = watcher.collect(
            lambda m: m.command == "QUIT" and (m.source or "").startswith("hog!"), timeout=10
        )
        assert seen[-1].params[-1] == "SendQ exceeded"
        # Once its queue was past the SendQ (and the kernel's buffer) nothing more of its
        # was run: the commands after that point, the marker among them, never were.
        assert not [m for m in seen if m.command == "PRIVMSG"], "ran past its SendQ"
        assert_live(watcher, "after a client asked for far more than its SendQ")
    finally:
        for s in socks:
            s.close()
        watcher.close()


def test_tagmsg_flood_with_big_tags_to_a_room_with_non_readers(make_server):  # noqa: F811
    # The TAGMSG budget (test_server_tagmsg.py) is raised with the flood burst: this is the
    # SendQ's test, for a server configured to let such a flood through.
    srv = make_server(sendq_limit=64 * 1024, flood_burst=1000, tagmsg_burst=1000)
    clients: list[TestClient] = []
    socks: list[socket.socket] = []
    try:
        sender = TestClient(srv.port).register("sender", caps=("message-tags",))
        probe = TestClient(srv.port).register("probe")
        readers = [TestClient(srv.port).register(f"r{i}", caps=("message-tags",)) for i in range(3)]
        clients += [sender, probe, *readers]
        sender.join("#big")
        for r in readers:
            r.join("#big")
        for i in range(20):
            socks.append(non_reader(srv.port, f"deaf{i}", caps="message-tags"))
        for _ in range(20):
            sender.expect("JOIN")
        tags = "+big=" + "v" * 3990  # a client's tag section may be 4094 bytes
        count = 800  # ~3.2 MB to each member: past the kernel's buffer and the SendQ
        sender.send_raw(b"".join(f"@{tags};+n={i} TAGMSG #big\r\n".encode() for i in range(count)))
        quits = 0
        for r in readers[:1]:
            for i in range(count):
                msg = r.expect(lambda m: m.command in ("TAGMSG", "QUIT"), timeout=10)
                while msg.command == "QUIT":
                    assert msg.params[-1] == "SendQ exceeded", msg
                    quits += 1
                    msg = r.expect(lambda m: m.command in ("TAGMSG", "QUIT"), timeout=10)
                assert msg.tags["+big"] == tags[5:] and msg.tags["+n"] == str(i)
        for r in readers[1:]:
            got = r.collect(lambda m: m.command == "TAGMSG" and m.tags.get("+n") == str(count - 1))
            assert sum(m.command == "TAGMSG" for m in got) == count
        assert_live(probe, "during a TAGMSG flood")
        # Every member that never read was dropped at its SendQ; the readers were not.
        quits += sum(m.command == "QUIT" for m in readers[0].sync())
        assert quits == 20
        for r in readers:
            assert_live(r)
    finally:
        for s in socks:
            s.close()
        for c in clients:
            c.close()
