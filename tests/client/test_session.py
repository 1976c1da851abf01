"""The Session state machine on its own: parsed lines in, events and outgoing lines out."""

from __future__ import annotations

import pytest

from tui_chat.client.events import (
    SERVER_BUFFER,
    AwayChanged,
    ChatMessage,
    Joined,
    Kicked,
    ModeChange,
    NickChanged,
    Parted,
    Quit,
    Registered,
    Roster,
    ServerInfo,
    Topic,
)
from tui_chat.client.session import Session, split_text
from tui_chat.irc import parse


def feed(session: Session, *lines: str) -> list:
    session.events.clear()
    session.out.clear()
    for line in lines:
        session.feed(parse(line))
    session.flush_rosters()  # what the connection does after each batch of lines it read
    return list(session.events)


def last_roster(events, buffer="#lobby") -> dict[str, tuple[str, bool]]:
    rosters = [e for e in events if isinstance(e, Roster) and e.buffer == buffer]
    assert rosters, events
    return {m.nick: (m.prefixes, m.away) for m in rosters[-1].members}


@pytest.fixture
def session() -> Session:
    s = Session("alice", rooms=("#lobby",))
    s.registration_lines()
    feed(
        s,
        ":irc.x CAP * LS * :server-time multi-prefix sasl=PLAIN",
        ":irc.x CAP * LS :away-notify userhost-in-names echo-message",
    )
    assert s.out == ["CAP REQ :server-time echo-message multi-prefix away-notify userhost-in-names"]
    feed(
        s,
        ":irc.x CAP * ACK :server-time multi-prefix away-notify userhost-in-names echo-message",
    )
    assert s.out == ["CAP END"]
    events = feed(
        s,
        ":irc.x 001 alice :Welcome",
        ":irc.x 005 alice PREFIX=(qaohv)~&@%+ CHANTYPES=#& CASEMAPPING=rfc1459 NICKLEN=16"
        " CHANMODES=beI,k,l,imnpst NETWORK=TestNet :are supported",
        ":irc.x 376 alice :End of MOTD",
    )
    reg = next(e for e in events if isinstance(e, Registered))
    assert reg.network == "TestNet" and "echo-message" in reg.caps
    assert s.out == ["JOIN #lobby"]
    feed(
        s,
        ":alice!a@host JOIN #Lobby",
        ":irc.x 353 alice = #Lobby :~@alice!a@host +bob!b@h2 @%carol!c@h3 dave!d@h4",
        ":irc.x 366 alice #Lobby :End",
    )
    assert s.out == ["WHO #Lobby"]
    return s


def test_registration_lines_include_password_and_cap():
    s = Session("alice", username="al", realname="Alice A", password="pw")
    assert s.registration_lines() == [
        "CAP LS 302",
        "PASS pw",
        "NICK alice",
        "USER al 0 * :Alice A",
    ]


def test_names_with_multi_prefix_and_userhost(session):
    roster = [e for e in session.events if isinstance(e, Roster)][-1]
    assert roster.buffer == "#Lobby"  # the server's spelling of the channel
    assert [(m.nick, m.prefixes, m.userhost) for m in roster.members] == [
        ("alice", "~@", "a@host"),
        ("carol", "@%", "c@h3"),
        ("bob", "+", "b@h2"),
        ("dave", "", "d@h4"),
    ]


def test_who_sets_initial_away_and_away_notify_updates(session):
    events = feed(
        session,
        ":irc.x 352 alice #lobby b h2 irc.x bob G :0 Bob",
        ":irc.x 352 alice #lobby d h4 irc.x dave H :0 Dave",
        ":irc.x 315 alice #lobby :End of WHO",
    )
    assert not [e for e in events if isinstance(e, ServerInfo)]  # automatic WHO stays quiet
    assert last_roster(events, "#Lobby")["bob"] == ("+", True)
    events = feed(session, ":bob!b@h2 AWAY")
    assert AwayChanged(nick="bob", away=False, time=events[0].time) == events[0]
    assert last_roster(events, "#Lobby")["bob"] == ("+", False)
    events = feed(session, ":dave!d@h4 AWAY :lunch")
    assert events[0].message == "lunch"
    assert last_roster(events, "#Lobby")["dave"] == ("", True)
    # A WHO the user asked for is shown.
    events = feed(session, ":irc.x 352 alice #other x y irc.x zed H :0 Zed")
    assert isinstance(events[-1], ServerInfo)


def test_mode_changes_update_prefixes_and_key(session):
    events = feed(session, ":carol!c@h3 MODE #lobby +vo-h+kbl dave dave carol sekrit *!*@bad 10")
    mode = next(e for e in events if isinstance(e, ModeChange))
    assert mode.buffer == "#Lobby" and mode.setter == "carol"
    roster = last_roster(events, "#Lobby")
    assert roster["dave"] == ("@+", False)
    assert roster["carol"] == ("@", False)
    assert session.rooms["#lobby"] == ("#Lobby", "sekrit")
    events = feed(session, ":carol!c@h3 MODE #lobby -k *")
    assert session.rooms["#lobby"] == ("#Lobby", None)


def test_join_part_kick_quit_nick(session):
    events = feed(session, ":erin!e@h5 JOIN #lobby")
    assert isinstance(events[0], Joined) and events[0].userhost == "e@h5"
    assert "erin" in last_roster(events, "#Lobby")
    events = feed(session, ":erin!e@h5 PART #lobby :bye")
    assert events[0] == Parted(buffer="#Lobby", nick="erin", reason="bye", time=events[0].time)
    events = feed(session, ":carol!c@h3 KICK #lobby dave :behave")
    kick = events[0]
    assert isinstance(kick, Kicked) and (kick.nick, kick.by, kick.reason) == (
        "dave",
        "carol",
        "behave",
    )
    feed(session, ":bob!b@h2 PRIVMSG alice :hello")  # opens a query with bob
    events = feed(session, ":BOB!b@h2 NICK robert")
    change = events[0]
    assert isinstance(change, NickChanged) and change.buffers == ("#Lobby", "bob")
    assert "robert" in last_roster(events, "#Lobby")
    events = feed(session, ":robert!b@h2 QUIT :gone")
    quit_ = events[0]
    assert isinstance(quit_, Quit) and quit_.buffers == ("#Lobby", "robert")
    assert set(last_roster(events, "#Lobby")) == {"alice", "carol"}
    events = feed(session, ":carol!c@h3 KICK #Lobby alice :out")
    assert events[0].is_self and "#lobby" not in session.channels
    assert "#lobby" not in session.rooms  # not rejoined after a reconnect


def test_own_nick_change_and_self_part(session):
    events = feed(session, ":alice!a@host NICK :alicia")
    assert events[0].is_self and session.nick == "alicia"
    events = feed(session, ":bob!b@h2 PRIVMSG #lobby :hey ALICIA!")
    assert events[0].is_mention
    session.request_part("#LOBBY", "")
    assert session.out == ["PART #LOBBY"] and "#lobby" not in session.rooms


def test_casemapping_rfc1459_buffer_identity():
    s = Session("al[i]ce", rooms=("#Chan[1]",))
    s.registration_lines()
    feed(s, ":irc.x 001 al[i]ce :hi", ":irc.x 005 al[i]ce CASEMAPPING=rfc1459 :ok")
    feed(s, ":irc.x 422 al[i]ce :no motd")
    feed(s, ":al{i}ce!a@h JOIN #chan{1}")
    events = feed(s, ":bob!b@h PRIVMSG #CHAN{1} :hi AL{I}CE")
    msg = events[0]
    assert msg.buffer == "#chan{1}" and msg.is_mention
    events = feed(s, ":Bob!b@h PRIVMSG al[i]ce :private")
    assert events[0].buffer == "Bob"
    events = feed(s, ":BOB!b@h PRIVMSG al[i]ce :again")
    assert events[0].buffer == "Bob"  # same conversation, first spelling kept


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        ("alice: hi", True),
        ("hi alice", True),
        ("hi ALICE!", True),
        ("(alice)", True),
        ("malice", False),
        ("alice_ is not me", False),
        ("alicexyz", False),
        ("", False),
    ],
)
def test_mentions_are_whole_words(session, text, mention):
    events = feed(session, f":bob!b@h2 PRIVMSG #lobby :{text}")
    assert events[0].is_mention is mention


def test_server_time_msgid_and_history_batch(session):
    events = feed(
        session,
        "@batch=h1;time=2020-01-02T03:04:05.678Z ::irc.x BATCH +h1 chathistory #lobby",
        "@batch=h1;time=2020-01-02T03:04:05.678Z;msgid=x1 :bob!b@h2 PRIVMSG #lobby :old",
        ":irc.x BATCH -h1",
    )
    msg = next(e for e in events if isinstance(e, ChatMessage))
    assert msg.time.year == 2020 and msg.msgid == "x1"


def test_numerics_are_routed(session):
    events = feed(
        session,
        ":irc.x 482 alice #lobby :You're not channel operator",
        ":irc.x 403 alice #nowhere :No such channel",
        ":irc.x 372 alice :- motd line",
        ":irc.x 999 alice :something new",
    )
    assert [(e.buffer, e.level, e.command) for e in events] == [
        ("#Lobby", "error", "482"),
        ("#nowhere", "error", "403"),
        (SERVER_BUFFER, "info", "372"),
        (SERVER_BUFFER, "info", "999"),
    ]
    assert events[0].text == "You're not channel operator"


def test_topic_on_join_and_change(session):
    events = feed(
        session,
        ":irc.x 332 alice #lobby :the topic",
        ":irc.x 333 alice #lobby bob!b@h 1700000000",
        ":bob!b@h2 TOPIC #lobby :new [b]topic[/b]",
    )
    assert isinstance(events[0], Topic) and not events[0].is_change
    assert "Topic set by bob" in events[1].text
    assert events[2].is_change and events[2].setter == "bob" and events[2].buffer == "#Lobby"


def test_ping_pong_and_notices(session):
    feed(session, "PING :abc def")
    assert session.out == ["PONG :abc def"]
    events = feed(session, ":irc.x NOTICE alice :server notice", ":bob!b@h2 NOTICE alice :hi")
    assert isinstance(events[0], ServerInfo) and events[0].buffer == SERVER_BUFFER
    assert isinstance(events[1], ChatMessage) and events[1].kind == "notice"
    events = feed(session, ":bob!b@h2 NOTICE @#lobby :ops only")
    assert events[0].buffer == "#Lobby"


def test_cap_new_and_del(session):
    feed(session, ":irc.x CAP alice NEW :batch account-tag")
    assert session.out == ["CAP REQ batch"]
    feed(session, ":irc.x CAP alice DEL :away-notify")
    assert "away-notify" not in session.caps


def test_no_cap_support_still_registers():
    s = Session("alice", rooms=())
    s.registration_lines()
    feed(s, ":irc.x 421 * CAP :Unknown command", ":irc.x 001 alice :hi", ":irc.x 422 alice :x")
    assert any(isinstance(e, Registered) for e in s.events)
    assert "CAP END" not in s.out


def test_split_text():
    assert split_text("a\nb\r\n\nc\r", 100) == ["a", "b", "c"]
    assert split_text("hello world foo", 11) == ["hello world", "foo"]
    pieces = split_text("€" * 10, 7)
    assert pieces == ["€€", "€€", "€€", "€€", "€€"]
    assert split_text("   ", 10) == []
