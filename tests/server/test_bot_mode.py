"""Bot mode (user mode +B, ISUPPORT BOT=B): shown in WHOIS and WHO, tagged on what a bot sends."""

from __future__ import annotations


def _isupport(c) -> set[str]:
    c.send("VERSION")
    got = c.collect(lambda m: m.command == "005" and "NETWORK" in " ".join(m.params))
    return {t for m in got if m.command == "005" for t in m.params[1:-1]}


def test_bot_mode_is_advertised_set_and_shown(connect):
    bot = connect("robo")
    alice = connect("alice")
    assert "BOT=B" in _isupport(alice)
    bot.send("MODE robo +B")
    assert bot.expect("MODE").params == ("robo", "+B")
    bot.send("MODE robo")
    assert "B" in bot.expect("221").params[1]
    bot.join("#chat")
    alice.join("#chat")
    alice.send("WHOIS robo")
    got = alice.collect("318")
    assert [m.params[1] for m in got if m.command == "335"] == ["robo"]
    alice.send("WHO #chat")
    flags = {m.params[5]: m.params[6] for m in alice.collect("315") if m.command == "352"}
    assert "B" in flags["robo"] and "B" not in flags["alice"]


def test_bot_tag_reaches_message_tags_clients_only(connect):
    bot = connect("robo")
    tagged = connect("alice", caps=("message-tags",))
    plain = connect("bob")
    for c in (bot, tagged, plain):
        c.join("#chat")
    bot.send("MODE robo +B")
    bot.expect("MODE")
    bot.send("PRIVMSG #chat :beep")  # the server's fast path
    got = tagged.expect("PRIVMSG")
    assert "bot" in got.tags and got.tags["bot"] == ""
    assert not plain.expect("PRIVMSG").tags
    bot.send("@+draft/react=x PRIVMSG alice :boop")  # the generic path, with client tags
    private = tagged.expect("PRIVMSG")
    assert "bot" in private.tags and private.tags["+draft/react"] == "x"
    bot.send("MODE robo -B")
    bot.expect("MODE")
    bot.send("PRIVMSG #chat :human now")
    assert "bot" not in tagged.expect("PRIVMSG").tags
