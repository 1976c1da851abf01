"""Numbers from a server go through tui_chat.irc.numbers.parse_decimal, in the client too.

``'²'.isdigit()`` is True and ``int('²')`` raises: when ISUPPORT NICKLEN and CHATHISTORY used
``str.isdigit()`` then ``int()``, one such token from a hostile or broken server threw away the
rest of its line, or the history request of a rejoined room.
"""

from __future__ import annotations

from client.conftest import fast_settings, running_client

from tui_chat.client.events import ChatMessage, Joined

from .hostile_server import hostile_server

CAPS = "message-tags echo-message server-time batch draft/chathistory"


def sync(hs, token: str) -> None:
    """Everything sent before this PING has been handled once its PONG comes back."""
    hs.send(f"PING :{token}")
    hs.wait_line(lambda line: line.startswith("PONG") and token in line)


def test_a_superscript_digit_in_isupport_does_not_drop_the_rest_of_the_line():
    with (
        hostile_server(caps=CAPS) as hs,
        running_client(fast_settings("127.0.0.1", hs.port)) as (_client, sink),
    ):
        sink.wait(Joined, is_self=True)
        hs.send(f":irc.test 005 {hs.nick} NICKLEN=\u00b2 CHANTYPES=#! :are supported")
        sync(hs, "after-isupport")
        hs.send(
            f":{hs.nick}!u@h JOIN !ops",
            f":irc.test 353 {hs.nick} = !ops :{hs.nick} bob",
            f":irc.test 366 {hs.nick} !ops :End of /NAMES list.",
            ":bob!u@h PRIVMSG !ops :in the bang room",
        )
        said = sink.wait(ChatMessage, text="in the bang room")
        # Without CHANTYPES the line is taken for a private message from bob.
        assert said.buffer == "!ops"


def test_a_superscript_digit_in_chathistory_does_not_stop_a_rejoined_rooms_catch_up():
    with (
        hostile_server(caps=CAPS) as hs,
        running_client(fast_settings("127.0.0.1", hs.port)) as (_client, sink),
    ):
        sink.wait(Joined, is_self=True)
        hs.send(f":irc.test 005 {hs.nick} CHATHISTORY=\u00b2 :are supported")
        hs.send(f":op!u@h KICK #lobby {hs.nick} :out", f":{hs.nick}!u@h JOIN #lobby")
        # Back in the room: it asks for what it missed, with its own limit (the server's is
        # not a number).
        line = hs.wait_line(lambda text: text.startswith("CHATHISTORY AFTER #lobby"), timeout=5)
        assert line.split()[-1] == "200"
