"""A refused password stops the reconnect loop until a new one is given."""

from __future__ import annotations

from tui_chat.client.events import ConnectionState, PasswordNeeded, Registered

from .conftest import fast_settings, running_client


def test_an_error_about_the_password_stops_reconnecting_until_one_is_given(fake_server):
    # InspIRCd's way: no 464, only the ERROR that closes the link.
    settings = fast_settings("127.0.0.1", fake_server.port, rooms=())
    with running_client(settings) as (client, sink):
        conn = fake_server.accept()
        conn.expect("USER")
        conn.send("ERROR :Closing link: (alice@127.0.0.1) [Invalid password.]")
        needed = sink.wait(PasswordNeeded)
        assert needed.sent is False and "Invalid password" in needed.reason
        assert sink.of(ConnectionState)[-1].phase == "disconnected"
        client.set_password("sesame")
        conn2 = fake_server.accept()
        assert conn2.expect("PASS").param(0) == "sesame"
        conn2.expect("USER")
        conn2.send(":irc.test 001 alice :Welcome", ":irc.test 422 alice :No MOTD")
        sink.wait(Registered)
        # The one connection after the refusal is the one the new password made.
        assert len(sink.of(ConnectionState, phase="connecting")) == 2
        assert "sesame" not in repr(sink.events)


def test_a_wrong_password_464_is_reported_as_sent_and_retried_only_when_asked(fake_server):
    settings = fast_settings("127.0.0.1", fake_server.port, rooms=(), password="wrong")
    with running_client(settings) as (client, sink):
        conn = fake_server.accept()
        assert conn.expect("PASS").param(0) == "wrong"
        conn.send(":irc.test 464 * :Password incorrect")
        conn.send("ERROR :Closing Link: 127.0.0.1 (Bad password)")
        assert sink.wait(PasswordNeeded).sent is True
        client.retry_now()  # /reconnect: the same password, asked for again when refused
        conn2 = fake_server.accept()
        assert conn2.expect("PASS").param(0) == "wrong"
        mark = sink.mark()
        conn2.send(":irc.test 464 * :Password incorrect")
        conn2.close()
        sink.wait(PasswordNeeded, after=mark)
        assert len(sink.of(ConnectionState, phase="connecting")) == 2
