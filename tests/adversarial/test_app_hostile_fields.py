"""Terminal escapes through every field a server controls (issue 7).

tests/ui/test_hostile.py sends hostile text through our own server, which refuses most of it in
names (nicks, channels, hosts) and never sends server NOTICEs, WHOIS or ERROR text of a peer's
making. Here a scripted hostile server puts the same payload in each of those fields: escape
sequences (CSI, OSC 8 hyperlinks, OSC 52 clipboard writes), a C1 CSI (U+009B), a bidi override,
Rich markup and invalid UTF-8. On the rendered screen no control character arrives, nothing is a
link or an action, and the markup shows as the text it is.

Two leaks were found this way: ERROR text reached the terminal raw inside "Disconnected (server
said: ...)", and so did a server-chosen room name inside a hint of ours ("You are not in ...").
"""

from __future__ import annotations

import unicodedata

import pytest
from ui.conftest import (
    joined,
    make_app,
    screen_has_no_actions,
    screen_text,
    type_line,
    wait_for,
)

from tui_chat.irc.formatting import BIDI_CONTROLS
from tui_chat.ui.textual_compat import notifications

from .hostile_server import hostile_server

__all__ = ["make_app"]  # the fixture, shared with tests/ui

MARKUP = "[bold]B[/bold][link=https://evil.example/]L[/link][@click=app.quit]C[/]"
ESCAPES = (
    "\x1b[2J\x1b[31m"  # CSI: clear the screen, red
    "\x1b]8;;https://evil.example/\x1b\\O8\x1b]8;;\x1b\\"  # OSC 8 hyperlink, ST-terminated
    "\x1b]52;c;cHduZWQ=\x07"  # OSC 52: write the clipboard, BEL-terminated
    "\x9b2J"  # C1 CSI
    "\u202eRTL"  # bidi override
    "\udcff\udcfe"  # invalid UTF-8 (0xff 0xfe on the wire)
)
# Names cannot hold spaces; these keep every kind of hostile character anyway.
NICK = "ev[b]il\x1b[7m\x9b\u202e\udcff"
USER = "u[link=x]\x1b]8;;x\x07"
HOST = "h[@click=app.quit]\x1b]52;c;eA==\x07\u202e"
CHANNEL = "#ch[bold]x\x1b]8;;https://evil.example/\x07\x9b\u202e\udcff"
SERVER_NAME = "irc.[bold]evil\x1b[2J.example"
# As the client decodes them (invalid bytes replaced): the names of their conversations.
CHANNEL_NAME = CHANNEL.replace("\udcff", "\ufffd")
NICK_NAME = NICK.replace("\udcff", "\ufffd")
# How they look once made safe: controls gone, invalid bytes as U+FFFD, the markup as text.
NICK_SHOWN = "ev[b]il[7m\ufffd"
USER_SHOWN = "u[link=x]]8;;x"
HOST_SHOWN = "h[@click=app.quit]]52;c;eA=="
CHANNEL_SHOWN = "#ch[bold]x]8;;https://evil.example/\ufffd"
SERVER_SHOWN = "irc.[bold]evil[2J.example"


def payload(field: str) -> str:
    """A field's hostile text, led by a marker the test finds on screen."""
    return f"{field}:{MARKUP}{ESCAPES}end"


def shown(field: str) -> str:
    """What must be visible of ``payload(field)``: the marker and the markup, as text."""
    return f"{field}:{MARKUP}"


def assert_clean(app) -> None:
    text = screen_text(app)
    bad = [c for c in text if unicodedata.category(c) in ("Cc", "Cs") and c != "\n"]
    bad += [c for c in text if c in BIDI_CONTROLS]
    lines = [repr(line) for line in text.splitlines() if any(c in line for c in bad)]
    assert not bad, f"control characters reached the screen: {bad!r} in\n" + "\n".join(lines)
    assert screen_has_no_actions(app), "a link or click action reached the screen"
    assert app.is_running


def assert_shown(app, *fields: str) -> None:
    text = screen_text(app)
    missing = [field for field in fields if shown(field) not in text]
    assert not missing, f"not shown literally: {missing}\n{text}"
    assert_clean(app)


async def show(pilot, app, name: str) -> None:
    app.chat.show(app.chat.model.key(name))
    await pilot.pause()


@pytest.mark.timeout(90)
async def test_hostile_text_in_every_field_is_literal_and_inert(make_app):
    with hostile_server() as hs:
        app = make_app(hs.port, smart_filter=False)  # parts and quits of the quiet show too
        async with app.run_test(size=(220, 60), notifications=True) as pilot:
            await joined(pilot, app)
            me = hs.nick
            who = f"{NICK}!{USER}@{HOST}"
            hs.send(
                # NETWORK is not shown anywhere today; sent so that showing it later is covered.
                f":irc.test 005 {me} NETWORK={payload('network')} :are supported",
                f":{who} JOIN #lobby",
                f":{who} TOPIC #lobby :{payload('topic')}",
                f":irc.test 332 {me} #lobby :{payload('rpltopic')}",
                f":irc.test 333 {me} #lobby {who} 1700000000",
                f":{who} PRIVMSG #lobby :\x01ACTION {payload('action')}\x01",
                f":{who} MODE #lobby +k {payload('mode')}",
                f":{who} AWAY :{payload('away')}",
                f":irc.test 301 {me} {NICK} :{payload('rplaway')}",
                f":{SERVER_NAME} NOTICE {me} :{payload('snotice')}",
                f":irc.test 311 {me} {NICK} {USER} {HOST} * :{payload('whoisuser')}",
                f":irc.test 312 {me} {NICK} {SERVER_NAME} :{payload('whoisserver')}",
                f":irc.test 319 {me} {NICK} :@{CHANNEL} +#x",
                f":irc.test 318 {me} {NICK} :End of /WHOIS list.",
                f":{who} NOTICE {me} :\x01VERSION {payload('ctcpreply')}\x01",
                ":j1!u@h JOIN #lobby",
                ":j2!u@h JOIN #lobby",
                ":j3!u@h JOIN #lobby",
                f":{who} KICK #lobby j1 :{payload('kick')}",
                f":j2!u@h PART #lobby :{payload('part')}",
                f":j3!u@h QUIT :{payload('quit')}",
                f":{who} INVITE {me} {CHANNEL}",
                f":{me}!u@h JOIN {CHANNEL}",
                f":irc.test 353 {me} = {CHANNEL} :{me} @{NICK}",
                f":irc.test 366 {me} {CHANNEL} :End of /NAMES list.",
                f":{who} NICK {NICK}2",
                ":irc.test PING :all-sent",
            )
            hs.wait_line(lambda line: line.startswith("PONG") and "all-sent" in line)
            await wait_for(pilot, lambda: app.chat.model.conversations.get(CHANNEL_NAME))

            await show(pilot, app, "#lobby")
            header = screen_text(app).splitlines()[0]
            assert shown("rpltopic") in header
            assert_shown(app, "topic", "rpltopic", "action", "kick", "part", "quit")
            text = screen_text(app)
            assert f"{NICK_SHOWN} ({USER_SHOWN}@{HOST_SHOWN}) joined" in text
            assert f"* {NICK_SHOWN} {shown('action')}" in text
            assert f"Topic set by {NICK_SHOWN} on" in text
            assert f"{NICK_SHOWN} is now known as {NICK_SHOWN}2" in text
            assert f"{NICK_SHOWN} sets mode +k {shown('mode')}" in text
            assert f"{NICK_SHOWN} invites you to {CHANNEL_SHOWN}" in text

            await show(pilot, app, CHANNEL_NAME)
            assert screen_text(app).splitlines()[0].strip().startswith(CHANNEL_SHOWN)
            assert f"You joined {CHANNEL_SHOWN}" in screen_text(app)
            assert f"@{NICK_SHOWN}2" in screen_text(app)  # the user list
            assert_clean(app)
            # Kicked out of it, then typing there: the hint names the room in our own words.
            hs.send(f":{NICK}2!{USER}@{HOST} KICK {CHANNEL} {me} :{payload('kickme')}")
            await wait_for(pilot, lambda: shown("kickme") in screen_text(app), what="the kick")
            await type_line(pilot, "hello?")
            hint = f"You are not in {CHANNEL_SHOWN}; /join {CHANNEL_SHOWN} first."
            await wait_for(pilot, lambda: hint in screen_text(app), what="the hint")
            assert_clean(app)

            await show(pilot, app, "*server*")
            assert_shown(app, "rplaway", "snotice", "whoisuser", "whoisserver", "ctcpreply")
            text = screen_text(app)
            assert f"{NICK_SHOWN} is {USER_SHOWN}@{HOST_SHOWN}" in text
            assert f"{NICK_SHOWN} is on {SERVER_SHOWN}" in text
            assert f"{NICK_SHOWN} is in @{CHANNEL_SHOWN} +#x" in text
            assert f"CTCP VERSION reply from {NICK_SHOWN}: {shown('ctcpreply')}" in text

            # A private message while unfocused: a notification, never markup.
            app.app_focus = False
            hs.send(f":{NICK}2!{USER}@{HOST} PRIVMSG {me} :{payload('private')}")
            await wait_for(pilot, lambda: notifications(app), what="the notification")
            note = notifications(app)[0]
            assert note.markup is False and shown("private") in note.message
            await wait_for(
                pilot, lambda: "private:[bold]B[/bold]" in screen_text(app), what="the toast"
            )
            assert_clean(app)
            await show(pilot, app, f"{NICK_NAME}2")
            assert_shown(app, "private")

            # ERROR ends the connection; its text is shown, and so is the reason given for it.
            hs.send(f"ERROR :{payload('error')}")
            await wait_for(pilot, lambda: hs.connections >= 2, what="the reconnect")
            await show(pilot, app, "*server*")
            await wait_for(pilot, lambda: shown("error") in screen_text(app), what="ERROR")
            assert f"Disconnected (server said: {shown('error')}" in screen_text(app)
            assert_clean(app)
            await pilot.press("ctrl+q")
