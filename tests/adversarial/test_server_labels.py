"""labeled-response under hostile labels: the spec's 64-byte limit holds, and a label costs a
reply once, however large the reply."""

from __future__ import annotations

from .server_helpers import assert_live, connect, make_server, server  # noqa: F401

LABELED = ("batch", "labeled-response")


def test_label_over_64_bytes_is_ignored(connect):  # noqa: F811
    alice = connect("alice", caps=LABELED)
    alice.send(f"@label={'x' * 65} PING tok")
    pong = alice.expect("PONG")
    assert "label" not in pong.tags
    # Well within the client tag budget, yet never copied onto a reply.
    alice.send(f"@label={'y' * 4000} WHOIS alice")
    lines = alice.collect("318")
    assert all("label" not in m.tags and "batch" not in m.tags for m in lines)
    alice.send(f"@label={'z' * 64} PING tok")
    assert alice.expect("PONG").tags["label"] == "z" * 64


def test_many_labeled_commands_with_large_replies_keep_the_server_live(connect):  # noqa: F811
    alice = connect("alice", caps=LABELED)
    probe = connect("probe")
    for i in range(10):
        alice.join(f"#r{i}")
    # Pipelined labeled LISTs: each reply is batched once, and the rest of the server runs.
    burst = "".join(f"@label=L{i} LIST\r\n" for i in range(10)).encode()
    alice.send_raw(burst)
    assert_live(probe, "during labeled LIST replies")
    seen = 0
    for _ in range(10):
        start = alice.expect(lambda m: m.command == "BATCH" and "label" in m.tags)
        body = alice.collect(lambda m: m.command == "BATCH" and m.params[0][0] == "-")
        assert start.params[1] == "labeled-response"
        assert sum(m.command == "322" for m in body) == 10
        seen += 1
    assert seen == 10
