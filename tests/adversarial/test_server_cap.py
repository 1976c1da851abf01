"""CAP negotiation under hostile requests: full-length lists, repeats, odd modifiers, loops.

The rules are those of https://ircv3.net/specs/extensions/capability-negotiation: a REQ is
ACKed or NAKed as a whole, the last mention of a capability wins, a NAK changes nothing and
carries at least the first 100 characters of the request, cap-notify cannot be disabled after
``CAP LS 302``, and registration waits for CAP END.
"""

from __future__ import annotations

from tests.server.ircclient import TestClient
from tui_chat.irc.message import Message

from .server_helpers import assert_live, connect, make_server, server  # noqa: F401

KNOWN = ("multi-prefix", "server-time", "away-notify", "userhost-in-names", "echo-message")


def body_bytes(line: str) -> int:
    return len(line.encode()) + 2  # with the CR LF it came with


def full_line(words: list[str], last: str) -> str:
    """``CAP REQ :`` with ``words`` repeated to fill a 510-byte line, ending with ``last``."""
    items: list[str] = []
    for i in range(510):  # bounded: far more words than fit
        word = words[i % len(words)]
        if len("CAP REQ :" + " ".join([*items, word, last])) > 510:
            break
        items.append(word)
    line = "CAP REQ :" + " ".join([*items, last])
    assert len(line) > 490
    return line


def reply(c: TestClient, line: str) -> tuple[Message, str]:
    """Send a CAP command; its ACK or NAK and the raw line it came in."""
    c.send(line)
    msg = c.expect(lambda m: m.command == "CAP" and m.params[1] in ("ACK", "NAK"))
    return msg, c.received[-1]


def listed(c: TestClient) -> set[str]:
    c.send("CAP LIST")
    return set(c.expect(lambda m: m.command == "CAP" and m.params[1] == "LIST").params[-1].split())


def as_client_reads(ack: Message, before: set[str]) -> set[str]:
    """The capabilities a client believes enabled after this ACK (left to right)."""
    caps = set(before)
    for item in ack.params[-1].split(" "):
        if item.startswith("-"):
            caps.discard(item[1:])
        elif item:
            caps.add(item)
    return caps


def test_a_full_line_request_is_acked_whole_and_as_it_ends(connect):  # noqa: F811
    c, probe = connect(), connect("probe")
    c.send("CAP LS 302")
    c.expect("CAP")
    before = listed(c)
    # Known names repeated, then the last word of the line turns server-time off again.
    line = full_line(list(KNOWN), "-server-time")
    ack, raw = reply(c, line)
    assert ack.params[1] == "ACK"
    assert body_bytes(raw) <= 512, f"{body_bytes(raw)}-byte ACK"
    now = listed(c)
    assert "server-time" not in now and "multi-prefix" in now
    # What the ACK tells the client is exactly what the server did.
    assert as_client_reads(ack, before) == now, raw
    assert_live(probe, "after a full-line CAP REQ")
    c.send("NICK capper")
    c.send("USER capper 0 * :c")
    assert not [m for m in c.sync() if m.command == "001"], "registered before CAP END"
    c.send("CAP END")
    c.expect("001")


def test_one_unknown_name_naks_the_whole_full_line_request(connect):  # noqa: F811
    c = connect("naked", caps=("multi-prefix",))
    before = listed(c)
    line = full_line([*KNOWN, "-multi-prefix"], "x-unknown/cap")
    nak, raw = reply(c, line)
    assert nak.params[1] == "NAK"
    assert body_bytes(raw) <= 512
    requested = line[len("CAP REQ :") :]
    assert nak.params[-1] == requested[: len(nak.params[-1])]
    assert len(nak.params[-1]) >= 100, "a NAK carries at least 100 characters of the request"
    assert listed(c) == before, "a NAKed request changed capabilities"


def test_modifiers_and_separators(connect):  # noqa: F811
    c = connect()
    c.send("CAP LS 302")
    c.expect("CAP")
    start = listed(c)
    assert "cap-notify" in start  # implied by CAP LS 302
    # One dash is the only modifier: "--multi-prefix" names nothing the server offers.
    assert reply(c, "CAP REQ :--multi-prefix")[0].params[1] == "NAK"
    # cap-notify cannot be turned off by a client that sent CAP LS 302 (cap-notify spec).
    assert reply(c, "CAP REQ :multi-prefix -cap-notify")[0].params[1] == "NAK"
    # Capabilities are separated by spaces only: \x1f (a mIRC code) is part of the name.
    assert reply(c, "CAP REQ :multi-prefix\x1fserver-time")[0].params[1] == "NAK"
    assert listed(c) == start, "a NAKed request changed capabilities"
    # Turning off what is off is a success; within one request the last mention wins.
    ack = reply(c, "CAP REQ :-away-notify")[0]
    assert ack.params[1] == "ACK" and ack.params[-1] == "-away-notify"
    ack = reply(c, "CAP REQ :multi-prefix server-time -multi-prefix")[0]
    assert ack.params[1] == "ACK"
    assert listed(c) == start | {"server-time"}
    assert as_client_reads(ack, start) == start | {"server-time"}
    assert reply(c, "CAP REQ :cap-notify")[0].params[1] == "ACK"  # harmless when implied


def test_ls_req_end_loops(make_server):  # noqa: F811
    srv = make_server(flood_burst=400)
    c, probe = TestClient(srv.port), TestClient(srv.port).register("probe")
    try:
        # Ended, then reopened by another LS before NICK and USER: registration waits again.
        c.send("CAP LS 302")
        c.send("CAP END")
        c.send("CAP LS 302")
        c.send("NICK looper")
        c.send("USER looper 0 * :l")
        line = full_line(list(KNOWN), "-echo-message")
        c.send_raw(f"{line}\r\nCAP LIST\r\nCAP LS 302\r\n".encode() * 40)
        assert_live(probe, "during CAP loops before registration")
        got = c.sync()
        assert not [m for m in got if m.command == "001"], "registered before CAP END"
        assert sum(m.command == "CAP" and m.params[1] == "ACK" for m in got) == 40
        c.send("CAP END")
        c.expect("001")
        c.expect(lambda m: m.command in ("376", "422"))  # the end of the welcome burst
        # Registered: the same loops, with CAP END, never register twice or error.
        c.send_raw(f"CAP LS 302\r\n{line}\r\nCAP END\r\n".encode() * 40)
        assert_live(probe, "during CAP loops after registration")
        got = c.sync()
        assert [m.command for m in got if m.command != "CAP"] == []
        assert sum(m.params[1] == "ACK" for m in got) == 40
    finally:
        c.close()
        probe.close()
