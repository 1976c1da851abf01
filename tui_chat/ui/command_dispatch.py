"""Executing what the user types: chat lines and parsed slash commands (``_cmd_<name>``).

Parsing and the command table stay in :mod:`.commands`. :class:`CommandDispatch` is a mixin of
:class:`~tui_chat.ui.app.ChatApp`.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from textual import on

from ..client.names import SERVER_BUFFER
from ..irc.casemap import casefold, is_channel, is_valid_nick
from .message_log import IRC, LIT, NICK, PLAIN, event_entry
from .widgets import ChatInput


class CommandDispatch:
    """The input's lines and the slash-command handlers (mixin of ChatApp)."""

    @on(ChatInput.Submitted, "#input")
    async def _submitted(self, event: ChatInput.Submitted) -> None:
        line = event.value
        self.input.value = ""
        self.input.remember(line)
        await self.handle_line(line)

    @on(ChatInput.Lines)
    async def _pasted(self, event: ChatInput.Lines) -> None:
        for line in event.lines:
            self.input.remember(line)
            await self.handle_line(line if not line.startswith("/") else "/" + line)

    async def handle_line(self, line: str) -> None:
        from . import commands

        parsed = commands.parse(line)
        if parsed is None:
            return
        if isinstance(parsed, commands.Problem):
            self._hint(parsed.message)
        elif isinstance(parsed, commands.Say):
            self._say(self.current, parsed.text)
        else:
            handler = getattr(self, f"_cmd_{parsed.name}")
            result = handler(*parsed.args)
            if asyncio.iscoroutine(result):
                await result

    def _need_client(self) -> bool:
        if self.client is None:
            self._hint("Not connected to a server.")
            return False
        return True

    def _channel_here(self, command: str) -> str | None:
        conv = self.conversations.get(self.current)
        if conv is None or conv.kind != "channel":
            self._hint(f"/{command} works in a room; switch to one first.")
            return None
        return conv.name

    def _say(self, target: str, text: str, kind: str = "privmsg") -> None:
        if target == SERVER_BUFFER:
            self._hint("This is the server window: /join #room, or /msg NICK TEXT.")
            return
        if not self._need_client():
            return
        conv = self.conversations.get(self._key(target))
        if conv is not None and conv.kind == "channel" and not conv.joined:
            self._hint(f"You are not in {conv.name}; /join {conv.name} first.")
            return
        self.client.say(target, text, kind=kind)

    def _cmd_join(self, room: str, key: str | None = None) -> None:
        if not is_channel(room):
            room = "#" + room
        if not self._need_client():
            return
        k = self._key(room)
        conv = self.conversations.get(k)
        if conv is not None and conv.joined:
            self._show(k)
            return
        self._switch_on_join.add(k)
        self.client.join(room, key)

    def _cmd_part(self, room: str | None = None, reason: str = "") -> None:
        if room is not None and not is_channel(room):
            reason = f"{room} {reason}".strip()
            room = None
        target = room or self._channel_here("part")
        if target is None or not self._need_client():
            return
        self.client.part(target, reason)

    def _cmd_msg(self, target: str, text: str) -> None:
        if not is_channel(target):
            self._open(target, "query")
        self._say(target, text)

    def _cmd_query(self, nick: str, text: str | None = None) -> None:
        if is_channel(nick) or not is_valid_nick(nick):
            self._hint(f"Usage: /query NICK [TEXT] — {nick!r} is not a nick.")
            return
        conv = self._open(nick, "query")
        self._show(self._key(conv.name))
        if text:
            self._say(conv.name, text)

    def _cmd_close(self, name: str | None = None) -> None:
        key = self._key(name) if name else self.current
        conv = self.conversations.get(key)
        if conv is None:
            self._hint(f"No conversation named {name}.")
            return
        if conv.kind == "server":
            self._hint("The server window stays open; /quit leaves.")
            return
        if conv.kind == "channel" and conv.joined and self.client is not None:
            self._rooms_closing.add(key)
            self.client.part(conv.name, "")
            return
        self._close(key)

    def _cmd_me(self, text: str) -> None:
        self._say(self.current, text, kind="action")

    def _cmd_nick(self, nick: str) -> None:
        if not is_valid_nick(nick):
            self._hint(f"Not a valid nick: {nick!r} (letters, digits, -[]\\`_^{{|}}).")
            return
        if self._need_client():
            self.client.set_nick(nick)

    def _cmd_topic(self, text: str | None = None) -> None:
        room = self._channel_here("topic")
        if room is None:
            return
        if text is None:
            topic = self.current_conversation.topic
            if topic:
                self.log_view.append(
                    self.current_conversation.log,
                    [event_entry(datetime.now(UTC), "--", (LIT, "Topic: "), (IRC, topic))],
                )
            else:
                self._info(room, f"{room} has no topic.")
            return
        if self._need_client():
            self.client.send_command("TOPIC", room, text)

    def _cmd_names(self, room: str | None = None) -> None:
        key = self._key(room) if room else self.current
        conv = self.conversations.get(key)
        if conv is not None and conv.kind == "channel" and conv.joined:
            from .widgets import sort_members

            members = sort_members(conv.members, self.casemapping)
            parts: list = [(LIT, "People in "), (PLAIN, conv.name), (LIT, f" ({len(members)}):")]
            for member in members:
                parts += [(LIT, " " + member.prefixes[:1]), (NICK, member.nick)]
            self.log_view.append(
                self.current_conversation.log, [event_entry(datetime.now(UTC), "--", *parts)]
            )
            return
        if room is None:
            self._hint("Usage: /names #ROOM (or use it in a room).")
            return
        if self._need_client():
            self.client.send_command("NAMES", room)

    def _cmd_who(self, mask: str) -> None:
        if self._need_client():
            self.client.send_command("WHO", mask)

    def _cmd_whois(self, nick: str) -> None:
        if self._need_client():
            self.client.send_command("WHOIS", nick.split()[0])

    def _cmd_away(self, message: str | None = None) -> None:
        if self._need_client():
            if message:
                self.client.send_command("AWAY", message)
            else:
                self.client.send_command("AWAY")

    async def _cmd_quit(self, message: str | None = None) -> None:
        await self.action_quit(message or "Leaving")

    def _cmd_help(self, name: str | None = None) -> None:
        if name is None:
            self.action_help()
            return
        from .commands import lookup

        spec = lookup(name)
        if spec is None:
            self._hint(f"No command /{name.lstrip('/')}; /help lists them all.")
        else:
            self._info(self.current, f"{spec.synopsis}  {spec.help}")

    def _cmd_clear(self) -> None:
        self.log_view.clear_buffer(self.current_conversation.log)

    def _cmd_kick(self, nick: str, reason: str = "") -> None:
        room = self._channel_here("kick")
        if room is not None and self._need_client():
            if reason:
                self.client.send_command("KICK", room, nick, reason)
            else:
                self.client.send_command("KICK", room, nick)

    def _mode(self, command: str, mode: str, arg: str) -> None:
        room = self._channel_here(command)
        if room is not None and self._need_client():
            self.client.send_command("MODE", room, mode, arg.split()[0])

    def _cmd_ban(self, who: str) -> None:
        who = who.split()[0]
        mask = who if any(c in who for c in "!@*") else f"{who}!*@*"
        self._mode("ban", "+b", mask)

    def _cmd_unban(self, mask: str) -> None:
        self._mode("unban", "-b", mask)

    def _cmd_op(self, nick: str) -> None:
        self._mode("op", "+o", nick)

    def _cmd_deop(self, nick: str) -> None:
        self._mode("deop", "-o", nick)

    def _cmd_voice(self, nick: str) -> None:
        self._mode("voice", "+v", nick)

    def _cmd_devoice(self, nick: str) -> None:
        self._mode("devoice", "-v", nick)

    def _cmd_invite(self, nick: str, room: str | None = None) -> None:
        room = room or self._channel_here("invite")
        if room is not None and self._need_client():
            self.client.send_command("INVITE", nick, room)

    def _cmd_mode(self, spec: str | None = None) -> None:
        words = (spec or "").split()
        if not words or words[0][0] in "+-":
            room = self._channel_here("mode")
            if room is None:
                return
            words.insert(0, room)
        if self._need_client():
            self.client.send_command("MODE", *words)

    def _cmd_list(self, pattern: str | None = None) -> None:
        if self._need_client():
            if pattern:
                self.client.send_command("LIST", pattern.split()[0])
            else:
                self.client.send_command("LIST")

    def _cmd_ignore(self, nick: str | None = None) -> None:
        if nick is None:
            if self.ignored:
                self._info(self.current, "Ignoring: " + ", ".join(sorted(self.ignored)))
            else:
                self._info(self.current, "Ignoring nobody. /ignore NICK hides someone's messages.")
            return
        nick = nick.split()[0]
        folded = casefold(nick, self.casemapping)
        if folded not in self.ignored:
            self._ignore_names.append(nick)
        self.ignored.add(folded)
        self._info(self.current, f"Ignoring {nick}; /unignore {nick} to undo.")

    def _cmd_unignore(self, nick: str) -> None:
        nick = nick.split()[0]
        folded = casefold(nick, self.casemapping)
        if folded in self.ignored:
            self.ignored.discard(folded)
            self._ignore_names = [
                n for n in self._ignore_names if casefold(n, self.casemapping) != folded
            ]
            self._info(self.current, f"No longer ignoring {nick}.")
        else:
            self._hint(f"You were not ignoring {nick}.")

    def _cmd_notice(self, target: str, text: str) -> None:
        self._say(target, text, kind="notice")

    def _cmd_quote(self, line: str) -> None:
        if self._need_client():
            self.client.send_raw(line)
