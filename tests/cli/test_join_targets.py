"""What `tui-chat join` accepts: HOST[:PORT] and the irc:// / ircs:// URLs `host` prints."""

from __future__ import annotations

import pytest

from tui_chat.client.address import BadAddress, JoinTarget, parse_target

FP = "0116347564d9ea10f59a0cf01f2b1be4f5e7f0523e7d2c6f6d279c3fb2c5be71"


@pytest.mark.parametrize(
    ("text", "tls", "expected"),
    [
        ("example.org", False, JoinTarget("example.org", 6667)),
        ("example.org", True, JoinTarget("example.org", 6697, tls=True)),
        ("example.org:7000", True, JoinTarget("example.org", 7000, tls=True)),
        ("[::1]:6697", False, JoinTarget("::1", 6697)),
        ("irc://example.org/lobby", False, JoinTarget("example.org", 6667, room="#lobby")),
        ("irc://example.org/#python", False, JoinTarget("example.org", 6667, room="#python")),
        ("ircs://example.org", False, JoinTarget("example.org", 6697, tls=True)),
        (
            f"ircs://192.168.1.20:6697/dev#sha256={FP}",
            False,
            JoinTarget("192.168.1.20", 6697, tls=True, room="#dev", pin=FP),
        ),
        (
            f"ircs://[fe80::1]:7000/%23team#sha256={FP.upper()}",
            False,
            JoinTarget("fe80::1", 7000, tls=True, room="#team", pin=FP),
        ),
        (
            "ircs://h/#sha256=" + ":".join(FP[i : i + 2] for i in range(0, 64, 2)),
            False,
            JoinTarget("h", 6697, tls=True, pin=FP),
        ),
    ],
)
def test_join_targets(text, tls, expected):
    assert parse_target(text, tls=tls) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ircs://h/lobby#sha256=abc", "64 hex digits"),
        ("irc://h/lobby#sha256=" + FP, "needs ircs://"),
        ("http://h/", "expected irc:// or ircs://"),
        ("ircs://h:0/", "not a port number"),
        ("ircs://h:123456/", "not a port number"),
        ("[::1", r"expected HOST\[:PORT\]"),
        ("h:port", "not a port number"),
    ],
)
def test_bad_join_targets_say_what_was_expected(text, message):
    with pytest.raises(BadAddress, match=message):
        parse_target(text)
