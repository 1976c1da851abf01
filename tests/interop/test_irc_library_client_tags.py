"""Client-only tags up to the message-tags limit, relayed by our server to the ``irc`` library.

The library refuses to send lines over 512 bytes, so a raw socket sends the big one and the
library (a standard client) is the one that must receive and parse it.
"""

from __future__ import annotations

from collections.abc import Callable

from tui_chat.irc.limits import MAX_CLIENT_TAGS_BYTES

from .peers import RawClient
from .test_irc_library import ROOM, Library, _register_with_caps, lib  # noqa: F401


def test_a_tagmsg_with_4094_bytes_of_tag_data_reaches_the_library(
    lib: Library,  # noqa: F811
    raw_client: Callable[[str], RawClient],
) -> None:
    receiver = _register_with_caps(lib, "receiver", {"message-tags"})
    lib.join(receiver)
    sender = raw_client("sender")
    sender.join(ROOM)
    head = "+typing=active;+example.org/blob="
    value = "v" * (MAX_CLIENT_TAGS_BYTES - len(head))
    sender.send(f"@{head}{value} TAGMSG {ROOM}")
    got = lib.expect(receiver, "tagmsg")
    tags = {tag["key"]: tag["value"] for tag in got.tags}
    assert tags["+typing"] == "active" and tags["+example.org/blob"] == value
    sender.send("PING :sync")
    sender.expect(lambda m: m.command == "PONG", "PONG")
    assert not [line for line in sender.lines if line.command == "417"]
