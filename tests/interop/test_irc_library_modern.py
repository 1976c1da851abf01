"""The ``irc`` library (PyPI) uses issue 11's modern commands on our server: MONITOR, and the
numerics it does not name arrive as events of their number."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ServerAddress
from .test_irc_library import Library


@pytest.fixture
def ours(tmp_path: Path) -> Iterator[Library]:
    """Always our server, whatever TUI_CHAT_INTEROP_SERVER says: these are its features."""
    from tui_chat.server import ServerConfig, ServerThread

    server = ServerThread(ServerConfig(bind="127.0.0.1", port=0, server_name="test.local"))
    server.start()
    library = Library(ServerAddress("127.0.0.1", server.port))
    try:
        yield library
    finally:
        library.close()
        server.stop()


def test_library_client_monitors_a_nick_coming_and_going(ours: Library) -> None:
    alice = ours.register("alice")
    alice.send_raw("MONITOR + bob")
    offline = ours.expect(alice, "731")
    assert offline.arguments == ["bob"]
    bob = ours.register("bob")
    online = ours.expect(alice, "730")
    assert online.arguments[0].startswith("bob!")
    bob.quit("bye")
    assert ours.expect(alice, "731").arguments == ["bob"]


def test_library_client_marks_itself_a_bot_and_others_see_it(ours: Library) -> None:
    robo = ours.register("robo")
    alice = ours.register("alice")
    robo.mode("robo", "+B")
    ours.expect(robo, "umode", lambda e: e.arguments == ["+B"])
    alice.whois("robo")
    bot = ours.expect(alice, "335")
    assert bot.arguments[0] == "robo"
    ours.expect(alice, "endofwhois")


def test_library_client_changes_its_real_name_with_setname(ours: Library) -> None:
    alice = ours.register("alice")
    bob = ours.register("bob")
    alice.send_raw("SETNAME :Alice Liddell")
    alice.ping("done")  # answered in order: the SETNAME has been handled by the PONG
    ours.expect(alice, "pong")
    bob.whois("alice")
    user = ours.expect(bob, "whoisuser")
    assert user.arguments[-1] == "Alice Liddell"
