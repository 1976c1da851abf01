"""Hostile text through the real server into the real app: shown literally, triggers nothing."""

from __future__ import annotations

from tui_chat.client.events import SERVER_BUFFER
from tui_chat.ui.textual_compat import notifications

from .conftest import (
    Peer,
    conv_text,
    joined,
    screen_has_no_actions,
    screen_text,
    start_test_server,
    type_line,
    wait_for,
)

CLICK = "[@click=app.quit]"
CONTROLS = ("\x07", "\x1b", "\x7f", "\u202e", "\u0085", "\x9b", "\x00")


def assert_clean(app) -> None:
    text = screen_text(app)
    for control in CONTROLS:
        assert control not in text, repr(control)
    assert screen_has_no_actions(app)
    assert app.is_running


async def test_hostile_text_is_literal_and_inert(make_app, peers, tmp_path):
    motd = tmp_path / "motd.txt"
    motd.write_text(f"{CLICK}motd line [link=https://x]here[/link] \x1b[2J[/]\n", "utf-8")
    server = start_test_server(motd_path=motd)
    try:
        evil = Peer(server.port, "[bold]evil")
        peers.append(evil)
        buddy = Peer(server.port, "buddy")
        peers.append(buddy)
        # evil creates the room before the app starts, so it is the operator and sets the topic.
        evil.wait_sync(" 001 ")
        evil.send("JOIN #lobby")
        evil.wait_sync(" 366 ")
        evil.send(f"TOPIC #lobby :{CLICK}topic [link=https://x]x[/link] \x1b[31mred\u202e")
        evil.wait_sync(" TOPIC ")
        buddy.wait_sync(" 001 ")
        app = make_app(server.port, smart_filter=False)  # buddy's quit shows though quiet
        async with app.run_test(size=(120, 36)) as pilot:
            await joined(pilot, app)
            await buddy.join(pilot, "#lobby")
            await wait_for(pilot, lambda: "Users (3)" in screen_text(app))

            header = screen_text(app).splitlines()[0]
            assert f"{CLICK}topic [link=https://x]x[/link] [31mred" in header
            assert "[bold]evil" in screen_text(app)  # the nick, in the user list

            messages = [
                f"{CLICK}click me[/]",
                f" {CLICK}leading space",
                "[link=https://x]link[/link] [bold]bold[/bold] [/]",
                "ctl\x07bell\x1b[2Jesc\x7fdel\u202eevil\u0085c1\x9bcsi done",
            ]
            for message in messages:
                evil.send(f"PRIVMSG #lobby :{message}")
            await wait_for(pilot, lambda: "csi done" in screen_text(app))
            shown = screen_text(app)
            assert f"<@[bold]evil> {CLICK}click me[/]" in shown
            assert f"<@[bold]evil>  {CLICK}leading space" in shown
            assert "[link=https://x]link[/link] [bold]bold[/bold] [/]" in shown
            assert "ctlbell[2Jescdelevilc1csi done" in shown
            assert_clean(app)

            evil.send(f"NOTICE alice :{CLICK}notice")
            buddy.send(f"QUIT :{CLICK}quit reason")
            await wait_for(pilot, lambda: f"{CLICK}quit reason" in screen_text(app))
            await wait_for(
                pilot,
                lambda: f"{CLICK}notice" in conv_text(app, app.chat.model.conversations.current),
            )
            assert_clean(app)

            app.app_focus = False  # private messages notify when the app is not focused
            evil.send(f"PRIVMSG alice :{CLICK}private [b]hi[/b]")
            await wait_for(pilot, lambda: "[bold]evil" in app.chat.model.conversations)
            await wait_for(pilot, lambda: notifications(app))
            note = next(iter(notifications(app)))
            assert note.markup is False
            assert f"{CLICK}private [b]hi[/b]" in note.message
            await pilot.pause()
            assert_clean(app)

            await pilot.press("alt+1")
            assert app.chat.model.conversations.current == SERVER_BUFFER
            await wait_for(
                pilot,
                lambda: f"{CLICK}motd line [link=https://x]here[/link] [2J[/]" in screen_text(app),
            )
            assert_clean(app)

            await pilot.press("alt+2")
            evil.send(f"KICK #lobby alice :{CLICK}kick reason")
            kicked = f"You were kicked by [bold]evil ({CLICK}kick reason)"
            await wait_for(pilot, lambda: kicked in screen_text(app))
            assert_clean(app)

            await type_line(pilot, "/join #lobby")
            await joined(pilot, app)
            evil.send(f"PART #lobby :{CLICK}part reason")
            parted = f"[bold]evil left ({CLICK}part reason)"
            await wait_for(pilot, lambda: parted in screen_text(app))
            assert_clean(app)
            await pilot.press("ctrl+q")
    finally:
        server.stop()
