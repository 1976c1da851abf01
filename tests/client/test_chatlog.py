"""Chat logs: file names that cannot escape, lines that cannot be forged, one file per buffer."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime

from tui_chat.client.chatlog import ChatLog, chat_log_path, clean, safe_name
from tui_chat.client.events import (
    ChatMessage,
    HistoryReplayed,
    Joined,
    Kicked,
    NickChanged,
    Parted,
    Quit,
    Registered,
    Topic,
)
from tui_chat.irc.formatting import BIDI_CONTROLS

from .conftest import fast_settings, running_client

LINE_RE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S.*")
HOSTILE = (
    "\x02bold\x02 \x0304,12red\x03 \x1b[31mansi\x1b[0m \u202eevil\u202c"
    " fake\rline \x0bvt\x0cff \x85nel \u2028ls\u2029ps [b]markup[/b] tab\there \x00nul\x7fdel"
)


def assert_clean(text: str) -> None:
    for ch in text:
        assert ch == "\n" or (ord(ch) >= 0x20 and not 0x7F <= ord(ch) <= 0x9F), repr(text)
        assert ch not in BIDI_CONTROLS + "\u2028\u2029", repr(text)
    for line in text.splitlines():
        assert LINE_RE.fullmatch(line), repr(line)


def all_files(root) -> list[str]:
    return sorted(
        os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs
    )


def test_safe_names_stay_inside_and_are_one_to_one():
    names = [
        "#lobby",
        "#Lobby",
        "#LOBBY",
        "..",
        ".",
        "...",
        "../../etc/passwd",
        "#a/b",
        "#a\\b",
        "#a|b",
        "CON",
        "nul.txt",
        "Com1",
        "%2E%2E",
        "#caf\u00e9",
        "#CAF\u00c9",
        "#\u202eevil",
        "#" + "x" * 300,
        "#" + "x" * 299 + "y",
        "",
        'a:b*c?d"e<f>g',
    ]
    stems = {name: safe_name(name) for name in names}
    # IRC folds case (and rfc1459 folds [ ] \\ ~ too): such names are one conversation.
    assert stems["#lobby"] == stems["#Lobby"] == stems["#LOBBY"] == "#lobby"
    assert stems["#a\\b"] == stems["#a|b"]
    others = [stems[n] for n in names if n not in ("#Lobby", "#LOBBY", "#a\\b")]
    assert len(set(others)) == len(others), stems
    for stem in stems.values():
        assert "/" not in stem and "\\" not in stem and stem not in ("", ".", "..")
        assert not stem.startswith(".") and not stem.endswith(".")
        assert len(stem.encode()) <= 120
        assert stem == stem.lower() or "%" in stem
        assert all(ch.isprintable() and ch not in BIDI_CONTROLS for ch in stem)
        assert stem.split(".")[0] not in ("con", "nul", "com1")
    # Uppercase non-ASCII is escaped, so a case-insensitive filesystem cannot merge two rooms.
    assert stems["#caf\u00e9"] != stems["#CAF\u00c9"]
    path = chat_log_path(__import__("pathlib").Path("/logs"), "[::1]", "../x", port=6697)
    assert path.parent.parent == __import__("pathlib").Path("/logs")
    assert path.parent.name == "%3A%3A1,6697"
    assert chat_log_path(path.parent, "irc.example.org", "#a").parent.name == "irc.example.org"


def test_clean_leaves_one_plain_line():
    text = clean(HOSTILE)
    assert "\n" not in text and "\r" not in text
    assert "bold red ansi" not in text  # ESC is gone but "[31m" is just text now
    assert "[31mansi[0m" in text and "evil" in text and "[b]markup[/b]" in text
    assert_clean(f"2024-01-01 00:00:00 {text}")


def test_chatlog_formats_every_kind_and_skips_old_earlier_replays(tmp_path):
    t = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
    local = t.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    log = ChatLog(tmp_path, "irc.example.org")
    log.write(
        [
            Joined(time=t, buffer="#Room", nick="bob", userhost="b@h"),
            ChatMessage(time=t, buffer="#room", sender="bob", text="hello"),
            ChatMessage(time=t, buffer="#room", sender="bob", text="waves", kind="action"),
            ChatMessage(time=t, buffer="#room", sender="srv", text="note", kind="notice"),
            Topic(time=t, buffer="#room", topic="new", setter="bob", is_change=True),
            NickChanged(time=t, old="bob", new="rob", buffers=("#room", "carol")),
            Kicked(time=t, buffer="#room", nick="eve", by="rob", reason="spam"),
            Parted(time=t, buffer="#room", nick="rob", reason="bye"),
            Quit(time=t, nick="carol", reason="zzz", buffers=("carol",)),
            Registered(time=t, nick="alice", server_name="s", network="n"),
        ]
    )
    # A later run gets a replay on join: only what is newer than the file's last line is new.
    log.close()
    log = ChatLog(tmp_path, "irc.example.org")
    later = datetime(2024, 5, 1, 10, 0, 5, tzinfo=UTC)
    log.write(
        [
            ChatMessage(time=t, buffer="#room", sender="bob", text="hello", is_history=True),
            ChatMessage(time=later, buffer="#room", sender="bob", text="new", is_history=True),
            HistoryReplayed(buffer="#room", count=2, kind="earlier"),
            # Missed messages are always written (the session already dropped duplicates).
            ChatMessage(time=t, buffer="#ROOM", sender="dan", text="missed", is_history=True),
            HistoryReplayed(buffer="#ROOM", count=1, kind="missed"),
        ]
    )
    log.close()
    assert all_files(tmp_path) == ["irc.example.org/#room.log", "irc.example.org/carol.log"]
    room = (tmp_path / "irc.example.org" / "#room.log").read_text()
    assert_clean(room)
    assert [line[20:] for line in room.splitlines()] == [
        "-- bob (b@h) joined #Room",
        "<bob> hello",
        "* bob waves",
        "-srv- note",
        "-- bob changed the topic to: new",
        "-- bob is now known as rob",
        "-- eve was kicked by rob (spam)",
        "-- rob left #room (bye)",
        "<bob> new",
        "<dan> missed",
    ]
    assert room.startswith(local)
    carol = (tmp_path / "irc.example.org" / "carol.log").read_text().splitlines()
    assert [line[20:] for line in carol] == ["-- bob is now known as rob", "-- carol quit (zzz)"]
    assert oct(os.stat(tmp_path / "irc.example.org" / "carol.log").st_mode & 0o777) == "0o600"


def test_client_writes_sanitised_logs_per_buffer(fake_server, tmp_path):
    logs = tmp_path / "logs"
    settings = fast_settings("127.0.0.1", fake_server.port, log_dir=logs)
    with running_client(settings) as (_client, sink):
        conn = fake_server.accept()
        conn.register("alice")
        conn.accept_join("alice", "#lobby")
        conn.send(
            f":bob!b@h PRIVMSG #lobby :{HOSTILE}",
            ":bob!b@h PRIVMSG #LOBBY :same room, other case",
            ":..!x@h PRIVMSG alice :from a dotted nick",
            ":CON!x@h PRIVMSG alice :\x01ACTION is a device\x01",
            f":{'../' * 3}etc!x@h PRIVMSG alice :climbing",
            ":ma\u202elory!x@h NOTICE alice :bidi nick",
            ":bob!b@h PRIVMSG #lobby :last",
        )
        sink.wait(ChatMessage, text="last")
    # The client stopped: everything it wrote is on disk, under the log directory only.
    server = f"127.0.0.1,{fake_server.port}"
    files = all_files(logs)
    assert files == sorted(
        f"{server}/{name}.log"
        for name in ("#lobby", "%2E%2E", "%63on", "%2E.%2F..%2F..%2Fetc", "ma%E2%80%AElory")
    ), files
    for f in files:
        assert_clean((logs / f).read_text())
    lobby = (logs / server / "#lobby.log").read_text().splitlines()
    assert [line[20:] for line in lobby][1:] == [
        "<bob> bold red [31mansi[0m evil fake line  vt ff  nel  ls ps [b]markup[/b] tab here"
        " nuldel",
        "<bob> same room, other case",
        "<bob> last",
    ]
    assert lobby[0].endswith("-- alice (u@h) joined #lobby")
    assert (logs / server / "%63on.log").read_text()[20:] == "* CON is a device\n"
    assert (logs / server / "ma%E2%80%AElory.log").read_text()[20:] == "-malory- bidi nick\n"
