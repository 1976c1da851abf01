"""The ``bot`` tag is the server's word: a client cannot forge it, or shed it while +B."""

from __future__ import annotations

from .server_helpers import connect, make_server, server  # noqa: F401


def test_a_client_cannot_forge_or_strip_the_bot_tag(connect):  # noqa: F811
    human = connect("human")
    bot = connect("robo")
    reader = connect("reader", caps=("message-tags",))
    for c in (human, bot, reader):
        c.join("#chat")
    human.send("@bot;draft/bot PRIVMSG #chat :I am a bot, honest")
    assert "bot" not in reader.expect("PRIVMSG").tags
    bot.send("MODE robo +B")
    bot.expect("MODE")
    bot.send("@bot=;-bot;+x=1 PRIVMSG #chat :still a bot")
    got = reader.expect("PRIVMSG")
    assert "bot" in got.tags and got.tags["+x"] == "1"
    assert reader.received[-1].count("bot") == 2  # the tag once, and the text
