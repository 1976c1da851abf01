"""draft/multiline on the server: a client's batch relayed as one, degraded to lines for clients
without the capability, limits answered with FAIL, stored and replayed as one, sent once."""

from __future__ import annotations

from tui_chat.irc.message import Message

from .ircclient import TestClient

ML = ("draft/multiline", "batch", "server-time", "message-tags", "echo-message")
PLAIN = ("server-time", "message-tags")
TXID = "Tx_0123456789-abcdefXYZ"


def send_batch(
    c: TestClient, target: str, lines: list[str], ref: str = "b1", tags: str = "", concat=()
) -> None:
    out = [f"{tags}BATCH +{ref} draft/multiline {target}"]
    for i, line in enumerate(lines):
        extra = ";draft/multiline-concat" if i in concat else ""
        out.append(f"@batch={ref}{extra} PRIVMSG {target} :{line}")
    out.append(f"BATCH -{ref}")
    c.send_raw("".join(x + "\r\n" for x in out).encode())


def read_batch(c: TestClient) -> tuple[Message, list[Message]]:
    """The next multiline batch: its opening line and the lines in it."""
    start = c.expect(lambda m: m.command == "BATCH" and m.params[0].startswith("+"))
    assert start.params[1] == "draft/multiline"
    ref = start.params[0][1:]
    inside = c.collect(lambda m: m.command == "BATCH" and m.params[0] == "-" + ref)[:-1]
    assert all(m.tags.get("batch") == ref for m in inside)
    return start, inside


def chathistory(c: TestClient, request: str) -> list[Message]:
    """Send a CHATHISTORY request; return every line of its answer batch, nested ones too."""
    c.send(request)
    start = c.expect(lambda m: m.command == "BATCH" and m.params[1:2] == ("chathistory",))
    ref = start.params[0][1:]
    return c.collect(lambda m: m.command == "BATCH" and m.params[0] == "-" + ref)[:-1]


def test_cap_value_advertised_with_302(connect):
    c = connect()
    c.send("CAP LS 302")
    ls = c.expect("CAP")
    assert "draft/multiline=max-bytes=8192,max-lines=100" in ls.params[-1].split()
    old = connect()
    old.send("CAP LS")
    assert "draft/multiline" in old.expect("CAP").params[-1].split()


def test_batch_to_channel_capable_and_plain(connect):
    capable = connect("capable", caps=ML)
    plain = connect("plain", caps=PLAIN)
    bare = connect("bare")
    sender = connect("sender", caps=ML)
    for c in (capable, plain, bare, sender):
        c.join("#room")
    lines = ["def f():", "    return 1", "", "how is ", "everyone?"]
    send_batch(sender, "#room", lines, concat={4})

    start, inside = read_batch(capable)
    assert start.source is not None and start.source.startswith("sender!")
    assert start.params[2] == "#room" and "msgid" in start.tags and "time" in start.tags
    assert [m.params[1] for m in inside] == lines
    assert ["draft/multiline-concat" in m.tags for m in inside] == [False] * 4 + [True]

    echo, echoed = read_batch(sender)
    assert echo.tags["msgid"] == start.tags["msgid"]
    assert [m.params[1] for m in echoed] == lines

    got = plain.collect(lambda m: m.command == "PRIVMSG" and m.params[1] == "everyone?")
    got = [m for m in got if m.command == "PRIVMSG"]
    # No batch, no blank line; the msgid on the first line only.
    assert [m.params[1] for m in got] == ["def f():", "    return 1", "how is ", "everyone?"]
    assert [("msgid" in m.tags) for m in got] == [True, False, False, False]
    assert got[0].tags["msgid"] == start.tags["msgid"]
    bare_got = [m for m in bare.sync() if m.command == "PRIVMSG"]
    assert [m.params[1] for m in bare_got] == [m.params[1] for m in got]
    assert all(not m.tags for m in bare_got)


def test_nothing_relayed_before_the_batch_closes(connect):
    peer = connect("peer", caps=ML)
    sender = connect("sender", caps=ML)
    peer.join("#room")
    sender.join("#room")
    sender.send("BATCH +x draft/multiline #room")
    sender.send("@batch=x PRIVMSG #room :one")
    sender.send("@batch=x PRIVMSG #room :two")
    sender.sync()
    assert not [m for m in peer.sync() if m.command in ("BATCH", "PRIVMSG")]
    sender.send("BATCH -x")
    _, inside = read_batch(peer)
    assert [m.params[1] for m in inside] == ["one", "two"]


def test_batch_to_a_user(connect):
    dm = connect("dm", caps=PLAIN)
    ml = connect("ml", caps=ML)
    sender = connect("sender", caps=ML)
    send_batch(sender, "dm", ["a", "b"])
    got = dm.collect(lambda m: m.command == "PRIVMSG" and m.params[1] == "b")
    assert [m.params for m in got if m.command == "PRIVMSG"] == [("dm", "a"), ("dm", "b")]
    send_batch(sender, "ml", ["c", "d"], ref="b2")
    start, inside = read_batch(ml)
    assert start.params[2] == "ml" and [m.params[1] for m in inside] == ["c", "d"]


def test_limits_and_invalid_batches_fail(make_server):
    srv = make_server(multiline_max_lines=3, multiline_max_bytes=20)
    sender = TestClient(srv.port).register("sender", caps=ML)
    peer = TestClient(srv.port).register("peer", caps=ML)
    try:
        for c in (sender, peer):
            c.join("#room")
        send_batch(sender, "#room", ["1", "2", "3", "4"])
        assert sender.expect("FAIL").params[:3] == ("BATCH", "MULTILINE_MAX_LINES", "3")
        send_batch(sender, "#room", ["0123456789", "0123456789"], ref="b2")
        assert sender.expect("FAIL").params[:3] == ("BATCH", "MULTILINE_MAX_BYTES", "20")
        sender.send_raw(
            b"BATCH +b3 draft/multiline #room\r\n@batch=b3 PRIVMSG #other :x\r\nBATCH -b3\r\n"
        )
        fail = sender.expect("FAIL").params
        assert fail[:4] == ("BATCH", "MULTILINE_INVALID_TARGET", "#room", "#other")
        send_batch(sender, "#room", ["", " "], ref="b4")
        assert sender.expect("FAIL").params[:2] == ("BATCH", "MULTILINE_INVALID")
        sender.send("BATCH +b5 draft/multiline #room")
        sender.send("BATCH +b6 draft/multiline #room")  # one open batch per client
        assert sender.expect("FAIL").params[:2] == ("BATCH", "MULTILINE_INVALID")
        # None of that reached anyone; a good batch still does.
        send_batch(sender, "#room", ["ok", "fine"], ref="b7")
        _, inside = read_batch(peer)
        assert [m.params[1] for m in inside] == ["ok", "fine"]
    finally:
        sender.close()
        peer.close()


def test_without_the_cap_a_batch_is_refused(connect):
    sender = connect("sender", caps=PLAIN)
    peer = connect("peer", caps=ML)
    sender.join("#room")
    peer.join("#room")
    send_batch(sender, "#room", ["a", "b"])
    assert sender.expect("FAIL").params[:2] == ("BATCH", "MULTILINE_INVALID")
    assert not [m for m in peer.sync() if m.command in ("BATCH", "PRIVMSG")]


def test_unfinished_batch_times_out(make_server):
    srv = make_server(multiline_timeout=0.2)
    sender = TestClient(srv.port).register("sender", caps=ML)
    try:
        sender.join("#room")
        sender.send("BATCH +t draft/multiline #room")
        sender.send("@batch=t PRIVMSG #room :held")
        fail = sender.expect("FAIL", timeout=5.0)
        assert fail.params[:2] == ("BATCH", "MULTILINE_INVALID")
        assert "timed out" in fail.params[-1]
    finally:
        sender.close()


def test_history_stores_one_message_and_replays_it(make_server, tmp_path):
    srv = make_server(data_dir=tmp_path / "data")
    caps_h = ("draft/chathistory", *ML)
    clients = []

    def client(nick: str, caps) -> TestClient:
        c = TestClient(srv.port).register(nick, caps=caps)
        clients.append(c)
        return c

    try:
        sender = client("sender", caps_h)
        sender.join("#room")
        send_batch(sender, "#room", ["first", "long ", "line", "third"], concat={2})
        echo, _ = read_batch(sender)
        sender.send("PRIVMSG #room :after")
        sender.expect("PRIVMSG")

        ml = client("ml", caps_h)
        ml.join("#room")
        got = chathistory(ml, "CHATHISTORY LATEST #room * 10")
        inner_open = [m for m in got if m.command == "BATCH" and m.params[0].startswith("+")]
        assert len(inner_open) == 1
        inner = inner_open[0]
        assert inner.params[1:] == ("draft/multiline", "#room")
        assert "batch" in inner.tags and inner.tags["msgid"] == echo.tags["msgid"]
        ref = inner.params[0][1:]
        lines = [m for m in got if m.tags.get("batch") == ref and m.command == "PRIVMSG"]
        assert [m.params[1] for m in lines] == ["first", "long ", "line", "third"]
        assert ["draft/multiline-concat" in m.tags for m in lines] == [0, 0, 1, 0]
        # ONE stored message: a limit of 2 reaches the batch and "after".
        got = chathistory(ml, "CHATHISTORY LATEST #room * 2")
        texts = [m.params[1] for m in got if m.command == "PRIVMSG"]
        assert texts == ["first", "long ", "line", "third", "after"]

        plain = client("plain", ("draft/chathistory", "batch", "server-time", "message-tags"))
        plain.join("#room")
        msgs = [
            m for m in chathistory(plain, "CHATHISTORY LATEST #room * 10") if m.command == "PRIVMSG"
        ]
        assert [m.params[1] for m in msgs] == ["first", "long ", "line", "third", "after"]
        assert [("msgid" in m.tags) for m in msgs] == [True, False, False, False, True]

        bare = client("bare", ())  # replay on join: one NOTICE per line
        bare.join("#room")
        notices = [m.params[1] for m in bare.sync() if m.command == "NOTICE"]
        assert [n.rsplit("> ", 1)[1] for n in notices] == [
            "first",
            "long ",
            "line",
            "third",
            "after",
        ]
    finally:
        for c in clients:
            c.close()


def test_resent_batch_with_txid_is_relayed_once(connect):
    peer = connect("peer", caps=ML)
    peer.join("#room")
    sender = connect("sender", caps=ML)
    sender.join("#room")
    send_batch(sender, "#room", ["once", "only"], tags=f"@+tui-chat/txid={TXID} ")
    first, _ = read_batch(sender)
    assert first.tags["+tui-chat/txid"] == TXID
    sender.close()  # as if the echo were lost with the connection

    again = connect("sender_", caps=ML)
    send_batch(again, "#room", ["once", "only"], tags=f"@+tui-chat/txid={TXID} ")
    second, lines = read_batch(again)
    assert (second.tags["msgid"], second.tags["time"]) == (first.tags["msgid"], first.tags["time"])
    assert [m.params[1] for m in lines] == ["once", "only"]
    peer.sync()
    assert len([m for m in peer.received if m.endswith(" :once")]) == 1
    # A single line re-sent with that txid is a line, never the batch echoed as one line.
    again.join("#room")
    again.send(f"@+tui-chat/txid={TXID} PRIVMSG #room :single")
    assert again.expect("PRIVMSG").params[1] == "single"
