"""kill -9 the real ``tui-chat serve`` during a burst; restart: every line anyone saw is kept.

Issue 4: "every message that was echoed to its sender or relayed to anyone is in history,
exactly once, in order, with the same msgid and time". The server commits before it flushes,
so whatever the sender has read back (echo-message) must be found after a restart.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import pytest

from tui_chat.irc.message import parse
from tui_chat.server.history import HistoryStore

from .ircclient import TestClient
from .serve_process import kill, start_serve

BURST = 20_000  # more than the server can take in before the kill: it lands mid-stream
CHUNK = 25
CAPS = ("batch", "server-time", "message-tags", "echo-message")


def start_server(data_dir) -> tuple[subprocess.Popen, int]:
    return start_serve(
        data_dir,
        "--tls-port",
        "0",
        "--flood-limit",
        "off",
        # Under load the server can store more of the burst than the default 10,000 per
        # channel before the kill, and retention would then rightly drop the oldest lines
        # while the test pages through them: this test is about kill -9, not retention.
        "--history-limit",
        "0",
    )


def keep_sending(client: TestClient) -> threading.Thread:
    """Stream the burst in small writes from another thread, so the server reads, commits
    and flushes it over many loop passes while the test reads echoes and pulls the trigger."""

    def run() -> None:
        try:
            for first in range(0, BURST, CHUNK):
                lines = b"".join(b"PRIVMSG #k :k%d\r\n" % i for i in range(first, first + CHUNK))
                client.sock.sendall(lines)
        except OSError:
            pass  # the server is dead: the burst ends here

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def echoes_until_eof(client: TestClient) -> list:
    """Complete lines left in the socket once the server is dead (a torn last line is not
    something the sender saw)."""
    data = client._buf
    client.sock.settimeout(10)
    while True:
        try:
            chunk = client.sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    *lines, _torn = data.split(b"\r\n")
    return [parse(raw.decode()) for raw in lines if raw]


@pytest.mark.parametrize("kill_after", [1, 700, 3000])
def test_kill_9_during_a_burst_loses_and_duplicates_nothing_seen(tmp_path, kill_after):
    data = tmp_path / "data"
    proc, port = start_server(data)
    sender = TestClient(port)
    try:
        sender.register("sender", caps=CAPS)
        sender.join("#k")
        writer = keep_sending(sender)
        seen = [
            sender.expect(lambda m: m.command == "PRIVMSG" and m.source.startswith("sender!"))
            for _ in range(kill_after)
        ]
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
        seen += [m for m in echoes_until_eof(sender) if m.command == "PRIVMSG"]
        writer.join(10)
    finally:
        sender.close()
        kill(proc)
    assert [m.params[-1] for m in seen] == [f"k{i}" for i in range(len(seen))]

    proc, port = start_server(data)
    reader = TestClient(port)
    try:
        reader.register("reader", caps=CAPS)
        reader.send("JOIN #k")
        reader.expect("366")
        reader.sync()  # past the replay
        stored = []
        ref = "timestamp=2000-01-01T00:00:00.000Z"
        while True:  # page forward with AFTER, as a client filling a gap does
            reader.send(f"CHATHISTORY AFTER #k {ref} 500")
            end = "-" + reader.expect("BATCH").params[0][1:]
            page = reader.collect(lambda m, end=end: m.command == "BATCH" and m.params[0] == end)
            page = page[:-1]
            if not page:
                break
            stored += page
            ref = f"msgid={page[-1].tags['msgid']}"
    finally:
        reader.close()
        kill(proc)
    texts = [m.params[-1] for m in stored]
    # Exactly once and in order: a prefix of what was sent (a committed line may not have
    # reached the sender before the kill, so there can be more than was seen, never less).
    assert texts == [f"k{i}" for i in range(len(texts))]
    assert len(texts) >= len(seen)
    for live, kept in zip(seen, stored, strict=False):
        assert (kept.tags["msgid"], kept.tags["time"], kept.source) == (
            live.tags["msgid"],
            live.tags["time"],
            live.source,
        )
    assert len(seen) < BURST, "the kill came after the burst: nothing was tested"
    print(f"seen {len(seen)} of {BURST}, stored {len(texts)}")


def test_serve_keeps_history_in_the_platform_data_dir_by_default(tmp_path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg")}
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "tui_chat", "serve", "--bind", "127.0.0.1", "--port", "0"),
            *("--tls-port", "0"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    c = None
    try:
        line = proc.stdout.readline()
        assert line.startswith("listening on "), line
        c = TestClient(int(line.rsplit(":", 1)[1]))
        c.register("c", caps=CAPS)
        c.join("#d")
        c.send("PRIVMSG #d :kept by default")
        c.expect("PRIVMSG")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if c is not None:
            c.close()
        kill(proc)
    store = HistoryStore(tmp_path / "xdg" / "tui-chat")
    try:
        assert [r.text for r in store.latest("#d", 10)] == ["kept by default"]
    finally:
        store.close()


def test_serve_no_history_writes_nothing(tmp_path):
    data = tmp_path / "data"
    proc, port = start_serve(data, "--no-history", "--no-tls")
    c = None
    try:
        c = TestClient(port)
        c.register("c", caps=CAPS)
        c.join("#d")
        c.send("PRIVMSG #d :gone")
        c.expect("PRIVMSG")
    finally:
        if c is not None:
            c.close()
        kill(proc)
    assert not data.exists()


def test_serve_history_options_reach_the_server_config():
    from tui_chat.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(
        [
            "serve",
            "--history-days",
            "7.5",
            "--history-limit",
            "0",
            "--history-private",
            "--history-replay",
            "0",
            "--no-history",
        ]
    )
    assert (args.history_days, args.history_limit, args.history_private) == (7.5, 0, True)
    assert (args.history_replay, args.no_history, args.data_dir) == (0, True, None)
    defaults = parser.parse_args(["serve"])
    assert (defaults.history_days, defaults.history_limit, defaults.history_replay) == (
        30.0,
        10_000,
        50,
    )
    assert not defaults.history_private and not defaults.no_history
    for bad in (["--history-days", "-1"], ["--history-limit", "x"], ["--history-replay", "-2"]):
        with pytest.raises(SystemExit):
            parser.parse_args(["serve", *bad])
