"""Proof on a network of linked servers: two InspIRCd servers from Debian, linked with
m_spanningtree on loopback, TLS on one. The app sits on server A (over TLS, pinned); people and a
tui-chat client sit on server B.

- users on different servers chat;
- a netsplit (an operator SQUITs B) and the netjoin (CONNECT) show as one line each in the app;
- B stopped and started again: the tui-chat client there reconnects and rejoins, the line typed
  while its server was down is sent once, and A sees the client come back in one netjoin line.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.client.conftest import (
    EventSink,
    fast_settings,
    free_port,
    require_binary,
    running_client,
    wait_for_port,
)
from tests.client.test_real_servers import INSPIRCD_CONF, _inspircd_moduledir
from tests.server.ircclient import TestClient
from tui_chat.client.events import ChatMessage, ConnectionState, Joined, MessageDelivered
from tui_chat.client.tls import TLSPolicy
from tui_chat.config import Settings
from tui_chat.server.tls import fingerprint, self_signed
from tui_chat.ui.app import ChatApp

from .conftest import FAST_RECONNECT, conv_text, joined, type_line, wait_for

pytestmark = pytest.mark.timeout(180)

ROOM = "#net"
B_USERS = ("bea", "bob", "bud")

LINK = """\
<module name="spanningtree">
<bind address="127.0.0.1" port="{link_port}" type="servers">
<link name="{peer}" ipaddr="127.0.0.1" port="{peer_link_port}" allowmask="127.0.0.0/8"
      sendpass="linkpass" recvpass="linkpass" timeout="10">
<class name="links" commands="CONNECT SQUIT" privs="*" usermodes="*" chanmodes="*">
<type name="NetAdmin" classes="links">
<oper name="admin" password="operpass" host="*@*" type="NetAdmin">
"""

TLS = """\
<module name="ssl_gnutls">
<sslprofile name="clients" provider="gnutls" certfile="{cert}" keyfile="{key}" hash="sha256"
            requestclientcert="no">
<bind address="127.0.0.1" port="{tls_port}" type="clients" sslprofile="clients">
"""


class Inspircd:
    """One server of the network; start() and stop() may be called again (a restart)."""

    def __init__(self, tmp: Path, name: str, sid: str, ports: dict[str, int], extra: str) -> None:
        self.tmp, self.name = tmp / name, name
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.port = ports["client"]
        base = INSPIRCD_CONF.format(port=self.port, tmp=self.tmp, moduledir=_inspircd_moduledir())
        base = base.replace('name="irc.inspircd.test"', f'name="{name}" id="{sid}"')
        base = base.replace('quietbursts="yes"', 'quietbursts="no"')
        self.conf = self.tmp / "inspircd.conf"
        self.conf.write_text(base + extra)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        cmd = [require_binary("/usr/sbin/inspircd"), "--nofork", "--config", str(self.conf)]
        if os.geteuid() == 0:
            cmd.append("--runasroot")
        self.proc = subprocess.Popen(
            cmd, cwd=self.tmp, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        assert wait_for_port(self.port, self.proc), f"{self.name} did not start"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@pytest.fixture
def network(tmp_path: Path) -> Iterator[tuple[Inspircd, Inspircd, int, str]]:
    """Servers A (irc.a.test, with TLS) and B (irc.b.test, which links to A), linked."""
    cert, key = self_signed(tmp_path / "tls", "irc.a.test")
    os.chmod(key, 0o644)  # the daemon may read it after dropping privileges
    ports = {n: free_port() for n in ("a", "a_link", "a_tls", "b", "b_link")}
    a = Inspircd(
        tmp_path, "irc.a.test", "1AA", {"client": ports["a"]},
        LINK.format(link_port=ports["a_link"], peer="irc.b.test", peer_link_port=ports["b_link"])
        + TLS.format(cert=cert, key=key, tls_port=ports["a_tls"]),
    )  # fmt: skip
    b = Inspircd(
        tmp_path, "irc.b.test", "1BB", {"client": ports["b"]},
        LINK.format(link_port=ports["b_link"], peer="irc.a.test", peer_link_port=ports["a_link"])
        + '<autoconnect period="1" server="irc.a.test">\n',
    )  # fmt: skip
    try:
        a.start()
        b.start()
        yield a, b, ports["a_tls"], fingerprint(cert)
    finally:
        b.stop()
        a.stop()


def _linked(a: Inspircd, b: Inspircd, timeout: float = 30.0) -> None:
    """Until a user on B is visible from A (the link is up and burst)."""
    probe_b = TestClient(b.port, timeout=20).register("probe")
    probe_a = TestClient(a.port, timeout=20).register("watch")
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            probe_a.send("ISON probe")
            reply = probe_a.expect(lambda m: m.command == "303")
            if "probe" in reply.params[-1].split():
                return
            time.sleep(0.1)  # the daemons give no signal for "linked"; bounded by the deadline
        logs = "\n".join(
            f"== {s.name}\n" + (s.tmp / "inspircd.log").read_text(errors="replace")[-3000:]
            for s in (a, b)
            if (s.tmp / "inspircd.log").exists()
        )
        raise AssertionError("the servers never linked\n" + logs)
    finally:
        probe_a.close()
        probe_b.close()


async def test_chat_netsplit_netjoin_and_rejoin_across_linked_servers(network, tmp_path):
    a, b, a_tls_port, pin = network
    await asyncio.to_thread(_linked, a, b)
    people = [TestClient(b.port, timeout=20).register(n) for n in B_USERS]
    oper = TestClient(a.port, timeout=20).register("oper")
    sink = EventSink()
    settings = fast_settings("127.0.0.1", b.port, nick="tuib", rooms=(ROOM,), **FAST_RECONNECT)
    app = ChatApp(
        mode="join",
        host="127.0.0.1",
        port=a_tls_port,
        nick="tuia",
        room=ROOM,
        password=None,
        settings=Settings(nick="tuia", path=tmp_path / "c.toml", smart_filter=False),
        data_path=tmp_path / "app",
        client_options=dict(FAST_RECONNECT),
        tls=TLSPolicy(pin=pin, pins_path=tmp_path / "known_servers"),
    )
    try:
        with running_client(settings, sink) as (tuib, _):
            async with app.run_test(size=(120, 36)) as pilot:
                await joined(pilot, app, ROOM)
                assert "pinned" in app.chat.model.status.security
                for person in people:
                    await asyncio.to_thread(person.join, ROOM)
                await asyncio.to_thread(sink.wait, Joined, 20, 0, None, is_self=True)

                # 1. Across the link, both ways.
                people[0].send(f"PRIVMSG {ROOM} :hello from server B")
                await wait_for(pilot, lambda: "hello from server B" in conv_text(app, ROOM))
                await type_line(pilot, "hello from server A")
                said = await asyncio.to_thread(
                    people[0].expect, lambda m: m.command == "PRIVMSG" and m.params[0] == ROOM
                )
                assert said.params[1] == "hello from server A"

                # 2. Netsplit and netjoin: one line each, not one per user.
                oper.send("OPER admin operpass")
                await asyncio.to_thread(oper.expect, "381")
                oper.send("SQUIT irc.b.test :test split")
                split_users = len(B_USERS) + 1  # and the tui-chat client on B
                await wait_for(pilot, lambda: "netsplit" in conv_text(app, ROOM), timeout=20)
                text = conv_text(app, ROOM)
                assert text.count("netsplit irc.a.test ⇄ irc.b.test") == 1, text
                assert f"{split_users} users" in text, text
                assert " quit" not in text, text
                oper.send("CONNECT irc.b.test")
                await wait_for(pilot, lambda: "netjoin" in conv_text(app, ROOM), timeout=30)
                text = conv_text(app, ROOM)
                assert text.count("netjoin") == 1 and f"netjoin: {split_users} users back" in text
                assert " joined" not in text.split("netsplit", 1)[1], text

                # 3. B goes down: the tui-chat client there keeps what is typed meanwhile,
                #    reconnects once B is back, rejoins, and sends the line once (its echo
                #    confirms it). IRC keeps no split history: the line goes to B's side, and
                #    A sees its sender come back with the netjoin once the link heals.
                mark = len(sink.events)
                await asyncio.to_thread(b.stop)
                await wait_for(pilot, lambda: conv_text(app, ROOM).count("netsplit") == 2)
                await asyncio.to_thread(
                    sink.wait, ConnectionState, 20, mark, None, phase="reconnecting"
                )
                [pending] = tuib.say(ROOM, "typed while server B was down")
                await asyncio.to_thread(b.start)
                await asyncio.to_thread(
                    sink.wait, Joined, 60, mark, lambda e: e.is_self and e.buffer == ROOM
                )
                await asyncio.to_thread(
                    sink.wait, MessageDelivered, 30, mark, None, pending_id=pending
                )
                echoes = [
                    e
                    for e in sink.events[mark:]
                    if isinstance(e, ChatMessage) and e.text == "typed while server B was down"
                ]
                assert len(echoes) == 1 and echoes[0].sender == "tuib"
                await wait_for(
                    pilot,
                    lambda: "netjoin: 1 user back (tuib)" in conv_text(app, ROOM),
                    timeout=30,
                )
                await pilot.press("ctrl+q")
    finally:
        for client in (*people, oper):
            with contextlib.suppress(Exception):
                client.close()
