"""Whatever a server sends, the client's own structures stay at their bounds.

900,000 messages inside a history batch that never closed once took 560 MB. Here each hostile
stream is tens of thousands of lines, and the structure it would grow is checked at its bound.
"""

from __future__ import annotations

from client.conftest import fast_settings, running_client

from tui_chat.client.events import Joined, ServerInfo
from tui_chat.client.history_sync import BATCH_TRUNCATED, MAX_BATCH_LINES, MAX_OPEN_BATCHES
from tui_chat.client.session import MAX_CAPS, MAX_CHANNELS, MAX_ISUPPORT, MAX_MEMBERS

from .hostile_server import hostile_server

CAPS = "message-tags echo-message server-time batch draft/chathistory"


def _sync(hs, token: str) -> None:
    """Everything sent before this PING has been handled once its PONG comes back."""
    hs.send(f"PING :{token}")
    hs.wait_line(lambda line: line.startswith("PONG") and token in line, timeout=30)


def test_unclosed_history_batch_and_open_batches_are_bounded():
    with (
        hostile_server(caps=CAPS) as hs,
        running_client(fast_settings("127.0.0.1", hs.port)) as (client, sink),
    ):
        sink.wait(Joined, is_self=True)
        hs.send("BATCH +big chathistory #lobby")
        hs.send(
            *(
                f"@batch=big;msgid=m{i} :bob!u@h PRIVMSG #lobby :replayed {i}"
                for i in range(MAX_BATCH_LINES + 20_000)
            )
        )
        hs.send(*(f"BATCH +open{i} chathistory #lobby" for i in range(2000)))
        _sync(hs, "after-batches")
        history = client._session.history
        assert len(history._batch_messages["big"]) == MAX_BATCH_LINES
        assert len(history._batches) == MAX_OPEN_BATCHES
        assert len(sink.of(ServerInfo, text=BATCH_TRUNCATED)) == 1


def test_names_isupport_caps_and_channels_are_bounded():
    # A CAP LS offer in many continuation lines, each full of made-up capabilities.
    offer = [
        f":irc.test CAP * LS * :{' '.join(f'x{j}-{i}' for i in range(40))}" for j in range(100)
    ]
    offer.append(f":irc.test CAP * LS :{CAPS}")
    with hostile_server(caps=None) as hs:  # CAP LS is answered by the hook below

        def cap_ls(server, line: str) -> bool:
            if line.startswith("CAP LS"):
                server.send(*offer)
                return True
            return False

        hs.on_line = cap_ls
        with running_client(fast_settings("127.0.0.1", hs.port)) as (client, sink):
            sink.wait(Joined, is_self=True)
            session = client._session
            assert len(session._cap_ls) <= MAX_CAPS
            nick = hs.nick
            names = " ".join(f"n{i}" for i in range(40))
            hs.send(*(f":irc.test 353 {nick} = #lobby :{names}" for _ in range(5)))
            hs.send(
                *(
                    f":irc.test 353 {nick} = #lobby :{' '.join(f'u{b}x{i}' for i in range(40))}"
                    for b in range(MAX_MEMBERS // 40 + 200)
                )
            )
            tokens = " ".join(f"TOKEN{i}=1" for i in range(12))
            hs.send(*(f":irc.test 005 {nick} {tokens} :are supported" for _ in range(1)))
            hs.send(
                *(
                    f":irc.test 005 {nick} {' '.join(f'T{b}x{i}' for i in range(12))} :ok"
                    for b in range(400)
                )
            )
            hs.send(*(f":{nick}!u@h JOIN #forced{i}" for i in range(MAX_CHANNELS + 500)))
            _sync(hs, "after-names")
            lobby = session.channels[session.fold("#lobby")]
            assert len(lobby.new_members) == MAX_MEMBERS
            assert len(session.isupport) == MAX_ISUPPORT
            assert len(session.channels) == MAX_CHANNELS
