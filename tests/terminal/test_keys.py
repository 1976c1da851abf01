"""Every key on the help screen, as xterm, tmux and GNOME-like terminals send it.

The app runs on a pty (one start for the module); each test writes the bytes a terminal sends
and checks the screen, or what the peer in the room received. "Nothing happened" is checked
after a later key that does show something, so the app has read the earlier one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .conftest import ME, PEER, ROOM, ChatTerminal
from .harness import KEYS, KITTY_KEYS, covers

pytestmark = pytest.mark.timeout(120)

OTHER_ROOMS = ("#two", "#three")
# The sidebar's order: the server, then the rooms in the order they were joined.
SIDEBAR = ("127.0.0.1:", ROOM, *OTHER_ROOMS)


@pytest.fixture(scope="module")
def rooms(chat: ChatTerminal) -> ChatTerminal:
    """Two more rooms, so Alt+digit and Ctrl+arrows have somewhere to go."""
    chat.reset()
    for room in OTHER_ROOMS:
        chat.term.type(f"/join {room}\r")
        chat.wait_header(room)
    return chat


@pytest.fixture
def four(rooms: ChatTerminal) -> Iterator[ChatTerminal]:
    rooms.reset()
    yield rooms
    rooms.reset()


@covers("help:Enter")
def test_enter_sends_the_line_once(fresh: ChatTerminal) -> None:
    fresh.term.type("hello from a real terminal")
    fresh.wait_input("hello from a real terminal")
    fresh.term.press("enter")
    fresh.peer_hears("hello from a real terminal")
    fresh.wait_input("Type a message, or /help")
    assert fresh.peer_heard() == []


@covers("help:Alt+1 … Alt+9", *(f"app.room{n}" for n in range(1, 10)))
@pytest.mark.parametrize("table", [KEYS, KITTY_KEYS], ids=["xterm", "kitty"])
def test_alt_digit_switches_conversation(four: ChatTerminal, table: dict[str, str]) -> None:
    term = four.term
    for n in (4, 1, 3, 2):
        term.press(f"alt+{n}", table=table)
        four.wait_header(SIDEBAR[n - 1])
    # Alt+5 … Alt+9 have no conversation here: nothing happens, and nothing is typed.
    for n in range(5, 10):
        term.press(f"alt+{n}", table=table)
    term.press("alt+1", table=table)
    four.wait_header(SIDEBAR[0])
    assert four.input_text() == "Type a message, or /help"
    assert not any(mark in term.text() for mark in "¡™£¢∞§¶•ª")


@covers("help:Ctrl+Up / Ctrl+Down", "app.previous", "app.next")
def test_ctrl_arrows_cycle_conversations(four: ChatTerminal) -> None:
    term = four.term
    term.press("ctrl+down")
    four.wait_header("#two")
    term.press("ctrl+down")
    four.wait_header("#three")
    term.press("ctrl+down")  # wraps round to the server
    four.wait_header(SIDEBAR[0])
    term.press("ctrl+up")
    four.wait_header("#three")


@covers("help:Ctrl+P / Ctrl+N", "app.previous", "app.next")
def test_ctrl_p_and_n_cycle_conversations(four: ChatTerminal) -> None:
    term = four.term
    term.press("ctrl+n")
    four.wait_header("#two")
    term.press("ctrl+p")
    four.wait_header(ROOM)
    term.press("ctrl+p")
    four.wait_header(SIDEBAR[0])


@covers("help:Up / Down", "input.history_previous", "input.history_next")
def test_up_and_down_walk_the_history(fresh: ChatTerminal) -> None:
    term = fresh.term
    for line in ("first line", "second line"):
        term.type(line + "\r")
        fresh.peer_hears(line)
    term.type("draft")
    fresh.wait_input("draft")
    term.press("up")
    fresh.wait_input("second line")
    term.press("up")
    fresh.wait_input("first line")
    term.press("down")
    fresh.wait_input("second line")
    term.press("down")
    fresh.wait_input("draft")


@covers("help:Tab", "input.complete")
def test_tab_completes_a_nick_and_a_command(fresh: ChatTerminal) -> None:
    term = fresh.term
    term.type("pe")
    term.press("tab")
    fresh.wait_input(f"{PEER}:")
    term.press("ctrl+u")
    term.type("/hel")
    term.press("tab")
    fresh.wait_input("/help")


@covers("help:Page Up / Page Down", "app.page_up", "app.page_down")
@covers("help:End (at end of line), Ctrl+End", "app.log_end")
def test_page_keys_scroll_and_end_keys_come_back(fresh: ChatTerminal) -> None:
    term = fresh.term
    for i in range(80):
        fresh.say_from_peer(f"scrollback line {i:02}")
    term.wait_for("scrollback line 79")
    term.press("pageup")
    term.wait_gone("scrollback line 79")
    term.press("pagedown")
    term.wait_for("scrollback line 79")
    term.press("pageup", "pageup")
    term.wait_gone("scrollback line 79")
    term.press("ctrl+end")
    term.wait_for("scrollback line 79")
    term.press("pageup")
    term.wait_gone("scrollback line 79")
    term.press("end")  # the input is empty, so the cursor is at its end
    term.wait_for("scrollback line 79")


@covers("help:Ctrl+F", "app.search", "help:Enter / F3, Shift+F3", "app.search_next")
@covers("app.search_prev", "help:Esc", "search.close")
@pytest.mark.parametrize("table", [KEYS, KITTY_KEYS], ids=["xterm", "kitty"])
def test_search_keys(fresh: ChatTerminal, table: dict[str, str]) -> None:
    term = fresh.term
    needle = "kittyneedle" if table is KITTY_KEYS else "xtermneedle"  # one search per run
    for i in range(3):
        fresh.say_from_peer(f"{needle} number {i}")
    term.wait_for(f"{needle} number 2")
    term.press("ctrl+f")
    term.wait_for("Search:")
    term.type(needle + "\r")
    term.wait_for("1/3")
    term.press("f3", table=table)
    term.wait_for("2/3")
    term.press("f3", table=table)
    term.wait_for("3/3")
    term.press("shift+f3", table=table)
    term.wait_for("2/3")
    term.press("shift+f3", table=table)
    term.wait_for("1/3")
    term.press("escape", table=table)
    term.wait_gone("Search:")
    assert fresh.input_text() == "Type a message, or /help"


@covers("help:Ctrl+F", "app.search")
def test_letters_typed_right_after_ctrl_f_go_into_the_search(fresh: ChatTerminal) -> None:
    """Ctrl+F and the first letters in one read (a fast typist, tmux, SSH): they belong in the
    search field, not in the chat input behind it."""
    term = fresh.term
    fresh.say_from_peer("fastneedle here")
    term.wait_for("fastneedle here")
    term.send(KEYS["ctrl+f"] + "fastneedle\r")
    term.wait_for("1/1")
    term.press("escape")
    term.wait_gone("Search:")
    assert fresh.input_text() == "Type a message, or /help"


@covers("help:F1", "app.help", "help.close")
@pytest.mark.parametrize("f1", ["f1", "f1.rxvt"])
@pytest.mark.parametrize("close", ["escape", "f1", "q"])
def test_f1_opens_help_and_esc_f1_or_q_close_it(fresh: ChatTerminal, f1: str, close: str) -> None:
    term = fresh.term
    term.press(f1)
    term.wait_for("tui-chat help")
    term.send(KEYS.get(close, close))
    term.wait_gone("tui-chat help")
    term.type("x")  # the input has the focus again
    fresh.wait_input("x")


def test_zero_width_joiner_is_kept(fresh: ChatTerminal) -> None:
    # An emoji sequence as a terminal delivers typed text (IME, compose, emoji picker).
    coder = "👩\u200d💻"
    flag = "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    fresh.term.type(f"{coder} and {flag}\r")
    fresh.peer_hears(f"{coder} and {flag}")


def test_kitty_protocol_text_and_enter(fresh: ChatTerminal) -> None:
    # Textual asks for the kitty protocol with "report all keys" (CSI > 25 u): a terminal that
    # honours it sends even letters as CSI codepoint u, and Enter as CSI 13 u.
    fresh.term.send("".join(f"\x1b[{ord(c)}u" for c in "kitty") + KITTY_KEYS["enter"])
    fresh.peer_hears("kitty")


@covers("help:Enter")
def test_keys_that_arrive_together_keep_their_order(fresh: ChatTerminal) -> None:
    # One read holds several keys when typing fast, over SSH, or from tmux send-keys: Backspace,
    # Enter and Ctrl+U must act where they were typed, not after the letters that followed.
    fresh.term.send("helo\x7flo\rnext\x15fresh\r")
    fresh.peer_hears("hello")
    fresh.peer_hears("fresh")
    fresh.wait_input("Type a message, or /help")
    assert fresh.peer_heard() == []


@covers("help:Alt+A", "app.next_active")
def test_alt_a_goes_to_mentions_first_then_messages_then_back(four: ChatTerminal) -> None:
    """Activity in two other rooms: Alt+A (ESC a, as xterm and tmux send it) visits the one
    that mentions us first, then the one with messages, then comes back where it started."""
    term, peer = four.term, four.peer
    for room in OTHER_ROOMS:
        peer.join(room)
    try:
        peer.send("PRIVMSG #two :just chatting in two")
        peer.send(f"PRIVMSG #three :{ME}: a word for you in three")
        peer.sync()
        term.wait_for(lambda t: "#three" in t.text())  # the sidebar has drawn the activity
        term.press("alt+a")
        four.wait_header("#three")
        term.wait_for("a word for you in three")
        term.press("alt+a")
        four.wait_header("#two")
        term.wait_for("just chatting in two")
        term.press("alt+a")
        four.wait_header(ROOM)
        assert "å" not in term.text()  # macOS's Option+A, which Textual might type instead
    finally:
        for room in OTHER_ROOMS:
            peer.send(f"PART {room}")
        peer.sync()


@covers("help:F7 / F8", "app.toggle_sidebar", "app.toggle_userlist")
def test_f7_and_f8_hide_and_show_the_side_panels(fresh: ChatTerminal) -> None:
    term = fresh.term
    users = "Users ("

    def sidebar_shown(t) -> bool:
        # The sidebar's right edge, on the row below the header; what the log holds varies.
        return "▕" in t.row(1)[:30]

    assert users in term.text()
    assert sidebar_shown(term), term.text()
    term.press("f8")
    term.wait_gone(users)
    term.press("f8")
    term.wait_for(users)
    term.press("f7")
    term.wait_for(lambda t: not sidebar_shown(t))
    assert "127.0.0.1" not in "\n".join(term.row(y)[:20] for y in range(1, 20))
    assert users in term.text()  # F7 leaves the user list alone
    term.press("f7")
    term.wait_for(sidebar_shown)


def _listed_rooms(term) -> list[str]:
    """The room names in /list's table, top to bottom."""
    lines = term.text().splitlines()
    top = next(i for i, line in enumerate(lines) if "Room" in line and "Users" in line)
    names = []
    for line in lines[top + 1 :]:
        words = line.strip("█ ").split()
        if not words or not words[0].startswith("#"):
            break
        names.append(words[0])
    return names


@covers("rooms.up", "rooms.down", "rooms.join", "rooms.close")
def test_room_list_keys_move_join_and_close(fresh: ChatTerminal) -> None:
    """/list's table: Down then Enter joins the second row; Down, Up, Enter the first; Esc
    closes and changes nothing."""
    term, peer = fresh.term, fresh.peer
    peer.join("#listed")
    try:
        # Other tests of this module may have left rooms: whatever the rows, it is their order.
        term.type("/list\r")
        term.wait_for(lambda t: "#listed" in _listed_rooms(t) and "Listing" not in t.text())
        first, second = _listed_rooms(term)[:2]
        term.press("down")
        term.press("enter")
        term.wait_gone("Rooms on this server")
        fresh.wait_header(second)
        term.type("/list\r")
        term.wait_for(lambda t: "#listed" in _listed_rooms(t) and "Listing" not in t.text())
        first, second = _listed_rooms(term)[:2]
        term.press("down")
        term.press("up")
        term.press("enter")
        term.wait_gone("Rooms on this server")
        fresh.wait_header(first)
        term.type("/list\r")
        term.wait_for("Rooms on this server")
        term.press("escape")
        term.wait_gone("Rooms on this server")
        assert fresh.header() == first
        term.type("/part #listed\r")  # shows something: the keys before it were read by now
        term.wait_for("You left")
    finally:
        if "Rooms on this server" in term.text():
            term.press("escape")
            term.wait_gone("Rooms on this server")
        peer.send("PART #listed")
        peer.sync()
