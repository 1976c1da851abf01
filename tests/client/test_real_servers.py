"""The client against real IRC servers: miniircd always, ngircd and inspircd when installed."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tui_chat.client.events import (
    ChatMessage,
    ConnectionState,
    Joined,
    MessageDelivered,
    NickChanged,
    Registered,
    Roster,
    ServerInfo,
)

from .conftest import fast_settings, miniircd_argv, require_binary, running_client, server_process

NGIRCD_CONF = """\
[Global]
    Name = irc.ngircd.test
    Info = tui-chat test server
    Listen = 127.0.0.1
    Ports = {port}
    PidFile = {tmp}/ngircd.pid
    MotdPhrase = hello from ngircd
    ServerUID = {uid}
    ServerGID = {gid}
[Limits]
    MaxNickLength = 30
    ConnectRetry = 60
    PingTimeout = 120
    PongTimeout = 20
[Options]
    Ident = no
    PAM = no
    DNS = no
    SyslogFacility = local7
"""

INSPIRCD_CONF = """\
<server name="irc.inspircd.test" description="tui-chat test server" network="TestNet">
<admin name="test" nick="test" email="test@example.invalid">
<bind address="127.0.0.1" port="{port}" type="clients">
<connect allow="*" timeout="30" pingfreq="120" localmax="100" globalmax="100" maxchans="50"
         threshold="1000" commandrate="100000" fakelag="off" hardsendq="1048576"
         softsendq="1048576" recvq="65536" resolvehostnames="no" usednsbl="no">
<dns server="127.0.0.1" timeout="1">
<pid file="{tmp}/inspircd.pid">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="{tmp}/inspircd.log">
<options allowzerolimit="no" defaultmodes="not">
<security hidesplits="no" hideulines="no" announceinvites="dynamic">
<limits maxnick="30" maxchan="64" maxmodes="20" maxident="10" maxhost="64" maxquit="255"
        maxtopic="307" maxkick="255" maxreal="128" maxgecos="128" maxaway="200">
<performance netbuffersize="10240" somaxconn="128" softlimit="1024" quietbursts="yes">
<path configdir="{tmp}" datadir="{tmp}" logdir="{tmp}" moduledir="{moduledir}">
<module name="cap">
<module name="ircv3">
<module name="ircv3_servertime">
<module name="ircv3_echomessage">
<module name="ircv3_msgid">
<module name="ircv3_ctctags">
<module name="namesx">
<module name="uhnames">
<module name="ircv3_batch">
<module name="ircv3_capnotify">
"""


def _inspircd_moduledir() -> str:
    for candidate in ("/usr/lib/inspircd/modules", "/usr/lib/x86_64-linux-gnu/inspircd/modules"):
        if os.path.isdir(candidate):
            return candidate
    return "/usr/lib/inspircd/modules"


def _miniircd(tmp: Path) -> Callable[[int], list[str]]:
    return miniircd_argv(tmp)


def _ngircd(tmp: Path) -> Callable[[int], list[str]]:
    exe = require_binary("/usr/sbin/ngircd")

    def argv(port: int) -> list[str]:
        conf = tmp / f"ngircd-{port}.conf"
        conf.write_text(NGIRCD_CONF.format(port=port, tmp=tmp, uid=os.getuid(), gid=os.getgid()))
        return [exe, "-n", "-f", str(conf)]

    return argv


def _inspircd(tmp: Path) -> Callable[[int], list[str]]:
    exe = require_binary("/usr/sbin/inspircd")

    def argv(port: int) -> list[str]:
        conf = tmp / f"inspircd-{port}.conf"
        conf.write_text(INSPIRCD_CONF.format(port=port, tmp=tmp, moduledir=_inspircd_moduledir()))
        cmd = [exe, "--nofork", "--config", str(conf)]
        if os.geteuid() == 0:
            cmd.append("--runasroot")
        return cmd

    return argv


SERVERS = {"miniircd": _miniircd, "ngircd": _ngircd, "inspircd": _inspircd}


@pytest.fixture(params=sorted(SERVERS))
def real_server(request, tmp_path) -> Iterator[tuple[str, int]]:
    argv = SERVERS[request.param](tmp_path)
    with server_process(argv, tmp_path) as port:
        yield request.param, port


@contextlib.contextmanager
def registered(port: int, nick: str, **kw):
    with running_client(fast_settings("127.0.0.1", port, nick=nick, **kw)) as (client, sink):
        sink.wait(Registered)
        sink.wait(ConnectionState, phase="connected")
        yield client, sink


def test_two_clients_chat_and_see_each_other(real_server):
    name, port = real_server
    with registered(port, "alice") as (alice, asink):
        asink.wait(Joined, buffer="#lobby", is_self=True)
        asink.wait(Roster, buffer="#lobby")
        with registered(port, "bob") as (bob, bsink):
            bsink.wait(Joined, buffer="#lobby", is_self=True)
            # Both rosters converge on the two of us; the first to join is the channel operator
            # everywhere except miniircd, which has no channel operators.
            roster = asink.wait(Roster, buffer="#lobby", where=lambda r: len(r.members) == 2)
            nicks = {m.nick: m.prefixes for m in roster.members}
            assert set(nicks) == {"alice", "bob"}
            if name != "miniircd":
                assert nicks["alice"] == "@"
            broster = bsink.wait(Roster, buffer="#lobby", where=lambda r: len(r.members) == 2)
            assert {m.nick for m in broster.members} == {"alice", "bob"}

            [pid] = alice.say("#lobby", "hello bob, ünïcode ok")
            got = bsink.wait(ChatMessage, sender="alice")
            assert got.text == "hello bob, ünïcode ok" and got.buffer == "#lobby"
            assert got.is_mention
            asink.wait(MessageDelivered, pending_id=pid)

            bob.say("#lobby", "waves", kind="action")
            act = asink.wait(ChatMessage, sender="bob")
            assert act.kind == "action" and act.text == "waves"

            bob.say("alice", "private hello")
            private = asink.wait(ChatMessage, text="private hello")
            assert private.buffer == "bob" and private.sender == "bob"

            caps = asink.of(Registered)[0].caps
            if name == "inspircd":  # the one of the three offering IRCv3 capabilities
                assert {"echo-message", "server-time", "multi-prefix", "away-notify"} <= caps
            if "away-notify" in caps:
                bob.send_command("AWAY", "out for lunch")
                asink.wait(
                    Roster,
                    buffer="#lobby",
                    where=lambda r: any(m.nick == "bob" and m.away for m in r.members),
                )


def test_nick_collision_gets_a_suffix(real_server):
    _name, port = real_server
    # The first client is fully registered before the second one starts.
    with registered(port, "carol"), registered(port, "carol") as (second, sink):
        change = sink.wait(NickChanged, is_self=True)
        assert change.old == "carol" and change.new == "carol_"
        assert "taken" in change.reason
        assert second.nick == "carol_"
        reg = sink.of(Registered)[0]
        assert reg.nick == "carol_"


def test_delete_and_reply_degrade_without_the_capabilities(real_server):
    """No peer server offers draft/message-redaction: a delete is refused in the client, with
    a note in the conversation and nothing sent; a reply still goes out as a message."""
    name, port = real_server
    with registered(port, "alice") as (alice, asink):
        asink.wait(Joined, buffer="#lobby", is_self=True)
        with registered(port, "bob") as (bob, bsink):
            bsink.wait(Joined, buffer="#lobby", is_self=True)
            asink.wait(Roster, buffer="#lobby", where=lambda r: len(r.members) == 2)
            caps = asink.of(Registered)[0].caps
            assert "draft/message-redaction" not in caps
            [pid] = alice.say("#lobby", "about to be deleted")
            msgid = asink.wait(MessageDelivered, pending_id=pid).msgid
            bsink.wait(ChatMessage, text="about to be deleted")
            alice.redact("#lobby", msgid or "no-id")
            note = asink.wait(ServerInfo, command="REDACT", level="error")
            assert note.buffer == "#lobby" and "cannot delete" in note.text
            bob.say("#lobby", "a reply", reply_to=msgid or "no-id")
            got = asink.wait(ChatMessage, text="a reply")
            if name == "inspircd":  # relays client-only tags (ircv3_ctctags) with msgids
                assert msgid and got.reply_to == msgid
            else:  # ngircd, miniircd: no tags at all, a plain message
                assert got.reply_to is None
            # Still connected and talking: the server never saw a REDACT it could choke on.
            bob.say("#lobby", "still here")
            asink.wait(ChatMessage, text="still here")
            assert not [e for e in asink.of(ServerInfo) if "REDACT" in e.text and e is not note]
