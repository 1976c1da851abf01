"""The chat model on its own: no app, no Textual."""

from __future__ import annotations

import subprocess
import sys

from tui_chat.client.events import SERVER_BUFFER
from tui_chat.ui.model import ChatModel, ConnectionStatus, IgnoreList


def make() -> ChatModel:
    model = ChatModel.create(nick="alice", scrollback=100)
    model.conversations.open(SERVER_BUFFER, "server")
    model.conversations.current = SERVER_BUFFER
    return model


def test_the_model_imports_no_textual():
    code = "import sys, tui_chat.ui.model; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_open_is_case_insensitive_and_keeps_the_opening_order():
    model = make()
    convs = model.conversations
    lobby, new = convs.open("#Lobby")
    assert new and lobby.kind == "channel" and not lobby.joined
    again, new = convs.open("#LOBBY")
    assert again is lobby and not new
    bob, _ = convs.open("Bob")
    assert bob.kind == "query" and bob.joined
    assert [c.name for c in convs] == [SERVER_BUFFER, "#Lobby", "Bob"]
    assert convs.at(2) is bob and convs.at(3) is None and convs.at(-1) is None


def test_rename_keeps_the_place_and_follows_the_shown_one():
    model = make()
    convs = model.conversations
    convs.open("bob")
    convs.open("#dev")
    convs.current = "bob"
    assert convs.rename("bob", "Robert") is not None
    assert [c.name for c in convs] == [SERVER_BUFFER, "Robert", "#dev"]
    assert convs.current == "robert" and convs.get("ROBERT") is not None
    assert convs.get("bob") is None
    assert convs.rename("#dev", "#ops") is None  # only private conversations follow a nick


def test_close_shows_the_neighbour_and_never_closes_the_server_window():
    model = make()
    convs = model.conversations
    for name in ("#a", "#b", "#c"):
        convs.open(name)
    convs.current = "#b"
    assert convs.close("#b")
    assert convs.current == "#a"
    assert [c.name for c in convs] == [SERVER_BUFFER, "#a", "#c"]
    assert not convs.close(SERVER_BUFFER)


def test_unread_and_mentions_count_only_what_is_not_shown_and_not_ours():
    model = make()
    convs = model.conversations
    lobby, _ = convs.open("#lobby")
    bob, _ = convs.open("bob")
    convs.note(lobby, "message", is_self=False, mention=False)
    convs.note(lobby, "message", is_self=False, mention=True)
    convs.note(lobby, "message", is_self=True, mention=False)
    convs.note(lobby, "event", is_self=False, mention=False)
    convs.note(bob, "message", is_self=False, mention=False)
    assert (lobby.unread, lobby.mentions) == (2, 1)
    assert (bob.unread, bob.mentions) == (1, 1)  # every private line is a mention
    convs.current = "#lobby"
    convs.note(lobby, "message", is_self=False, mention=True)
    assert (lobby.unread, lobby.mentions) == (2, 1)


def test_casemapping_change_rekeys_conversations_and_the_ignore_list():
    model = ChatModel.create(nick="alice", scrollback=10, ignore=("Troll[1]",))
    convs = model.conversations
    convs.open("#Room{x}")
    convs.current = convs.key("#Room{x}")
    assert not model.is_ignored("troll{1}")
    assert model.set_casemapping("rfc1459")
    assert not model.set_casemapping("rfc1459")
    assert convs.get("#ROOM[X]") is not None and convs.current == "#room{x}"
    assert model.is_ignored("TROLL{1}")


def test_ignore_list_adds_and_removes_casefolded():
    ignored = IgnoreList(["Bob"])
    assert "BOB" in ignored and "carol" not in ignored
    ignored.add("bob")
    assert ignored.entries == ["Bob"]
    assert ignored.remove("BOB") and not ignored and ignored.entries == []
    assert not ignored.remove("bob")


def test_status_words():
    status = ConnectionStatus()
    assert status.state_text(0.0) == ("not connected", False)
    status.started = True
    assert status.state_text(0.0) == ("disconnected", False)
    status.phase, status.retry_at = "reconnecting", 10.0
    assert status.state_text(7.4) == ("reconnecting in 3 s", False)
    status.phase, status.lag = "connected", 0.5
    assert status.state_text(0.0) == ("connected", True) and status.shown_lag == 0.5


def test_completion_nicks_leave_out_our_own():
    from tui_chat.client.events import Member

    model = make()
    lobby, _ = model.conversations.open("#lobby")
    lobby.members = (Member(nick="Alice"), Member(nick="bob"))
    model.conversations.current = "#lobby"
    assert model.completion_nicks() == ["bob"]


def test_thousands_of_conversations_keep_their_order_through_a_rename():
    """An attack opens many private conversations; lookups, renames and positions (a bisect on
    the opening sequence, not a scan) stay right at the far end."""
    model = make()
    convs = model.conversations
    for i in range(5000):
        convs.open(f"peer{i}")
    # Every per-event path on the 5000th conversation answers from a dict or a bisect.
    last = convs.get("PEER4999")
    assert last is not None and convs.index_of(last) == 5000
    assert convs.rename("peer4999", "peerX") is last
    assert convs.index_of(last) == 5000 and convs.at(5000) is last
