"""Exactly once through both real halves: a line whose echo is lost with the connection.

The real ChatClient talks to the real server through a loopback proxy that forwards the typed
PRIVMSG and then drops both connections before the server's echo can come back. The client
re-sends after reconnecting (with the same +tui-chat/txid), and the server recognises it.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

from client.conftest import fast_settings, running_client

from tests.server.ircclient import TestClient
from tui_chat.client.events import (
    ChatMessage,
    ConnectionState,
    HistoryReplayed,
    Joined,
    MessageDelivered,
)
from tui_chat.server import ServerConfig, ServerThread

TEXT = "said exactly once"


class EchoDroppingProxy:
    """Forwards 127.0.0.1:port to the server; on its first connection, once the client's line
    holding ``trigger`` has been forwarded, drops both sides without forwarding anything more."""

    def __init__(self, server_port: int, trigger: bytes) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._server_port = server_port
        self._trigger = trigger
        self.dropped = threading.Event()
        self._stop = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread = threading.Thread(target=self._run, name="echo-dropping-proxy")
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")
        self._thread.join(5)
        for sock in (self.listener, self._wake_r, self._wake_w):
            sock.close()

    def _run(self) -> None:
        sel = selectors.DefaultSelector()
        sel.register(self.listener, selectors.EVENT_READ)
        sel.register(self._wake_r, selectors.EVENT_READ)
        peers: dict[socket.socket, socket.socket] = {}
        pending: dict[socket.socket, bytes] = {}  # client side -> bytes not yet a full line
        first: socket.socket | None = None
        try:
            while not self._stop.is_set():
                for key, _ in sel.select(0.5):
                    sock = key.fileobj
                    assert isinstance(sock, socket.socket)
                    if sock is self._wake_r:
                        continue
                    if sock is self.listener:
                        client, _ = self.listener.accept()
                        upstream = socket.create_connection(("127.0.0.1", self._server_port))
                        peers[client], peers[upstream] = upstream, client
                        pending[client] = b""
                        first = first or client
                        sel.register(client, selectors.EVENT_READ)
                        sel.register(upstream, selectors.EVENT_READ)
                        continue
                    if sock not in peers:
                        continue
                    other = peers[sock]
                    try:
                        data = sock.recv(65536)
                    except OSError:
                        data = b""
                    if data and sock is first and not self.dropped.is_set():
                        buf = pending[sock] + data
                        at = buf.find(self._trigger)
                        end = buf.find(b"\n", at) if at >= 0 else -1
                        if end >= 0:
                            other.sendall(buf[: end + 1])  # the line reaches the server...
                            data = b""  # ...and nothing else goes either way
                            self.dropped.set()
                        else:
                            cut = buf.rfind(b"\n") + 1
                            other.sendall(buf[:cut])
                            pending[sock] = buf[cut:]
                            continue
                    elif data:
                        other.sendall(data)
                        continue
                    for end_sock in (sock, other):
                        peers.pop(end_sock, None)
                        with contextlib.suppress(KeyError, ValueError):
                            sel.unregister(end_sock)
                        end_sock.close()
        finally:
            for sock in peers:
                sock.close()
            sel.close()


@contextlib.contextmanager
def history_server(data_dir: Path) -> Iterator[ServerThread]:
    server = ServerThread(
        ServerConfig(bind="127.0.0.1", port=0, server_name="test.server", data_dir=data_dir)
    ).start()
    try:
        yield server
    finally:
        server.stop(timeout=5.0)


def test_line_whose_echo_was_lost_is_delivered_stored_and_shown_once(tmp_path):
    with history_server(tmp_path / "data") as server:
        proxy = EchoDroppingProxy(server.port, TEXT.encode())
        peer = TestClient(server.port)
        try:
            peer.register("peer", caps=("batch", "draft/chathistory", "message-tags"))
            peer.join("#lobby")
            with running_client(fast_settings("127.0.0.1", proxy.port)) as (client, sink):
                sink.wait(Joined, is_self=True)
                [pid] = client.say("#lobby", TEXT)
                assert proxy.dropped.wait(10)
                sink.wait(ConnectionState, phase="reconnecting")
                sink.wait(Joined, is_self=True, where=lambda _: len(sink.of(Joined)) > 1)
                delivered = sink.wait(MessageDelivered, pending_id=pid, timeout=15)
                # The peer saw the line once: the re-send was echoed, never relayed again.
                peer.expect(lambda m: m.command == "PRIVMSG" and m.param(1) == TEXT)
                again = [m for m in peer.sync() if m.command == "PRIVMSG"]
                assert again == []
                # History holds one copy.
                peer.send("CHATHISTORY LATEST #lobby * 50")
                history = peer.collect(lambda m: m.command == "BATCH" and m.param(0)[0] == "-")
                copies = [m for m in history if m.command == "PRIVMSG" and m.param(1) == TEXT]
                assert len(copies) == 1
                assert copies[0].tags.get("msgid") == delivered.msgid
                # The client shows it once, delivered (the rejoin's replay is deduplicated).
                rejoined = sink.events.index(sink.of(Joined, is_self=True)[1])
                sink.wait(HistoryReplayed, buffer="#lobby", after=rejoined)
                shown = [e for e in sink.events if isinstance(e, ChatMessage) and e.text == TEXT]
                assert len(shown) == 1 and shown[0].pending_id == pid
                assert len(sink.of(MessageDelivered, pending_id=pid)) == 1
        finally:
            peer.close()
            proxy.close()
