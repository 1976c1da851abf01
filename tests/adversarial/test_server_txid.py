"""Exactly once: a line re-sent with the same txid after a lost echo is echoed, not repeated."""

from __future__ import annotations

from tests.server.ircclient import TestClient
from tests.server.test_history import batch

from .server_helpers import assert_live, make_server  # noqa: F401

CAPS = ("batch", "server-time", "message-tags", "echo-message", "draft/chathistory")
TXID = "Tx_0123456789-abcdefXYZ"


def test_resent_line_is_relayed_and_stored_once(make_server, tmp_path):  # noqa: F811
    srv = make_server(data_dir=tmp_path / "data")
    clients: list[TestClient] = []

    def client(nick: str) -> TestClient:
        c = TestClient(srv.port)
        clients.append(c)
        return c.register(nick, caps=CAPS)

    try:
        peer, dm = client("peer"), client("dmpeer")
        peer.join("#room")
        sender = client("sender")
        sender.join("#room")
        line = f"@+tui-chat/txid={TXID} PRIVMSG #room,dmpeer :typed once"
        sender.send(line)
        first = [sender.expect("PRIVMSG"), sender.expect("PRIVMSG")]
        sender.close()  # as if the echo were lost with the connection

        again = client("sender_")  # reconnects under another nick
        again.send(line)
        second = [again.expect("PRIVMSG"), again.expect("PRIVMSG")]
        for a, b in zip(first, second, strict=True):
            assert (a.tags["msgid"], a.tags["time"], a.params) == (
                b.tags["msgid"],
                b.tags["time"],
                b.params,
            )
        assert_live(peer, "after a duplicate")
        for who in (peer, dm):
            who.sync()
            got = [m for m in who.received if "typed once" in m]
            assert len(got) == 1, got
        peer.send("CHATHISTORY LATEST #room * 100")
        assert [m.params[-1] for m in batch(peer)[1]] == ["typed once"]

        # A new txid, or an invalid one, is a new line.
        again.join("#room")
        for tag in ("@+tui-chat/txid=short ", "", "@+tui-chat/txid=Tx_0123456789-abcdefXY2 "):
            again.send(f"{tag}PRIVMSG #room :typed twice")
            again.expect("PRIVMSG")
        peer.sync()
        assert len([m for m in peer.received if "typed twice" in m]) == 3
    finally:
        for c in clients:
            c.close()


def test_remembered_txids_are_bounded() -> None:
    from tui_chat.server.txids import RecentTxids

    seen = RecentTxids(per_source=4, sources=2, ttl=10.0)
    line = (("x", "t", "m"),)
    for i in range(10):
        seen.put("10.0.0.1", f"tx{i}", line, now=0.0)
    assert (
        len(seen) == 4 and seen.get("10.0.0.1", "tx9", 0.0) and not seen.get("10.0.0.1", "tx0", 0.0)
    )
    assert seen.get("10.0.0.1", "tx9", 11.0) is None  # expired
    seen.put("2001:db8::1", "a", line, 0.0)
    assert seen.get("2001:db8::ffff", "a", 0.0) == line  # one /64, one source
    seen.put("10.0.0.2", "b", line, 0.0)  # a third source pushes out the least recent
    assert seen.get("10.0.0.1", "tx9", 0.0) is None
