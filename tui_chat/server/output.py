"""Everything the server writes to clients goes through one :class:`Output`.

Producers append encoded lines to ``client.outbuf`` and put the client on ``dirty`` once; the
reactor gives every dirty client one ``send()`` at the end of the loop pass.

A message to a whole channel is not appended to each member at once: consecutive lines to the
same channel are gathered in a *pending channel batch* (one buffer per tag variant) and
appended to each member once per batch (:meth:`Output.materialize`). For every client's stream
to stay in order, the batch must be written out before anything else is written and before
the channel's members or their capabilities change. Here, every write materializes first; the
server's membership functions and ``dispatch`` (for any command not marked ``batches``) do it
too. Nothing else touches ``outbuf`` but the reactor, which drains it. At the end of a pass the
reactor's flush has the batch sent straight to the members with nothing else queued
(``materialize(send=True)``): the same one ``send()`` each, without the copy into their buffer.
"""

from __future__ import annotations

import selectors
import time
from collections.abc import Callable, Iterable

from ..irc import limits
from ..irc.fitting import fit_line
from .state import Channel, Client

_MILLIS = [f".{i:03d}Z" for i in range(1000)]
_READ = selectors.EVENT_READ


def trailing(params: Iterable[str]) -> str:
    """Join parameters, always making the last one a trailing parameter."""
    *middle, last = params
    return " ".join([*middle, ":" + last])


def _tag_prefix(mode: int, stamp: str, msgid: str, client_tags: str, account: str) -> str:
    """The tags of one tag mode (Client.tagmode bits: 1 server-time, 2 message-tags, 4
    account-tag; 4 only for a sender with an account). f-strings: this runs per relayed line."""
    if mode == 3:
        return f"@time={stamp};msgid={msgid}{client_tags} "
    if mode == 7:
        return f"@time={stamp};msgid={msgid};account={account}{client_tags} "
    if mode == 1:
        return f"@time={stamp} "
    if mode == 2:
        return f"@msgid={msgid}{client_tags} "
    if mode == 5:
        return f"@time={stamp};account={account} "
    if mode == 6:
        return f"@msgid={msgid};account={account}{client_tags} "
    return f"@account={account} "  # 4


def account_tag_value(account: str | None) -> str:
    # A nick's characters need no tag escaping but the backslash.
    return account.replace("\\", "\\\\") if account else ""


class _Batch:
    """Lines to every member of ``channel`` but ``skip``, one buffer per tag mode (see Client).

    ``mask`` keeps the account-tag bit of the members' modes only for a sender logged in to an
    account: for anyone else the variants with and without it are the same bytes.
    """

    __slots__ = (
        "account",
        "account_tag",
        "bufs",
        "channel",
        "client_tags",
        "mask",
        "skip",
        "tagged",
    )

    def __init__(
        self,
        channel: Channel,
        skip: Client | None,
        client_tags: str,
        account: str | None,
        modes: set[int],
    ) -> None:
        self.channel = channel
        self.skip = skip
        self.client_tags = client_tags
        self.account = account
        self.account_tag = account_tag_value(account)
        self.mask = 7 if account else 3
        self.bufs: list[bytearray | None] = [bytearray() if i in modes else None for i in range(8)]
        # (mode, buffer) of each tagged mode present: the per-line loop touches only these.
        self.tagged = [(i, buf) for i, buf in enumerate(self.bufs) if i and buf is not None]


class Output:
    def __init__(self, server_name: str, msgid_prefix: str) -> None:
        self.name = server_name
        # Clients with something to send this pass (swapped out by the reactor's flush).
        self.dirty: list[Client] = []
        self._batch: _Batch | None = None
        self._msgid_prefix = msgid_prefix
        self._msgid_counter = 0
        self._stamp_second = -1
        self._stamp_text = ""

    # -- time and message ids --------------------------------------------------------------------

    def clock(self) -> tuple[int, str]:
        """Now as milliseconds since the epoch and as the ``server-time`` text of that instant."""
        ms = time.time_ns() // 1_000_000
        second, milli = divmod(ms, 1000)
        if second != self._stamp_second:
            self._stamp_second = second
            self._stamp_text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return ms, self._stamp_text + _MILLIS[milli]

    def timestamp(self) -> str:
        return self.clock()[1]

    def new_msgid(self) -> str:
        """A msgid for a line that is not stored (stored lines get theirs from the history)."""
        self._msgid_counter += 1
        return f"{self._msgid_prefix}{self._msgid_counter:x}"

    # -- writing ---------------------------------------------------------------------------------

    @property
    def batch_pending(self) -> bool:
        return self._batch is not None

    def mark_dirty(self, c: Client) -> None:
        if not c.dirty:
            c.dirty = True
            self.dirty.append(c)

    def send_bytes(self, c: Client, data: bytes) -> None:
        """Queue complete, already encoded and already cut lines."""
        if self._batch is not None:
            self.materialize()
        c.outbuf += data
        if not c.dirty:
            c.dirty = True
            self.dirty.append(c)

    def send(self, c: Client, line: str) -> None:
        if self._batch is not None:
            self.materialize()
        data = (line + "\r\n").encode()
        if len(data) > limits.MAX_LINE_BYTES:
            data = fit_line(data)
        c.outbuf += data
        if not c.dirty:
            c.dirty = True
            self.dirty.append(c)

    def mark(self, c: Client) -> int:
        """Where what is written to ``c`` from now on will start in its buffer (see
        :meth:`rewrite_since`); lines already bound for it, batched ones included, come before."""
        self.materialize()
        return len(c.outbuf)

    def rewrite_since(self, c: Client, start: int, rewrite: Callable[[bytes], bytes]) -> None:
        """Replace the lines written to ``c`` since :meth:`mark` returned ``start`` by
        ``rewrite(those lines)`` (labeled-response). Nothing happens if the buffer was dropped.
        """
        self.materialize()
        if len(c.outbuf) < start:
            return
        added = bytes(c.outbuf[start:])
        del c.outbuf[start:]
        c.outbuf += rewrite(added)
        self.mark_dirty(c)

    def reply(self, c: Client, code: str, *params: str) -> None:
        self.send(c, f":{self.name} {code} {c.nick or '*'} {trailing(params)}")

    def fanout(
        self,
        recipients: Iterable[Client],
        line: str,
        client_tags: str = "",
        skip: Client | None = None,
        tags_only: bool = False,
        stamp: str | None = None,
        msgid: str | None = None,
        account: str | None = None,
    ) -> None:
        """Deliver one line to many clients: encoded once per tag variant, never per recipient.

        ``client_tags`` is the already-escaped ``;+tag=value...`` suffix relayed to clients with
        message-tags. ``tags_only`` is for TAGMSG, which only message-tags clients understand.
        ``stamp`` and ``msgid`` are given for a stored line (see ``Server.store``). ``account``
        is the sender's account, for clients with account-tag.
        """
        if self._batch is not None:
            self.materialize()
        base = (line + "\r\n").encode()
        if len(base) > limits.MAX_LINE_BYTES:
            base = fit_line(base)
        variants: list[bytes | None] = [base, None, None, None, None, None, None, None]
        mask = 7 if account else 3
        account_tag = account_tag_value(account)
        dirty = self.dirty
        for m in recipients:
            if m is skip:
                continue
            mode = m.tagmode & mask
            if tags_only and not mode & 2:
                continue
            data = variants[mode]
            if data is None:
                if stamp is None or msgid is None:
                    stamp, msgid = self.timestamp(), self.new_msgid()
                tags = _tag_prefix(mode, stamp, msgid, client_tags, account_tag)
                data = variants[mode] = tags.encode() + base
            m.outbuf += data
            if not m.dirty:
                m.dirty = True
                dirty.append(m)

    def fanout_channel(
        self,
        ch: Channel,
        line: str,
        client_tags: str,
        skip: Client | None,
        stamp: str | None,
        msgid: str | None,
        account: str | None = None,
    ) -> None:
        """:meth:`fanout` to every member of ``ch`` (but ``skip``), batched.

        Consecutive lines to the same channel from the same sender are appended to one buffer
        per tag variant; :meth:`materialize` appends those buffers to each member's output
        buffer once, so the per-member work is per batch rather than per line.
        """
        base = (line + "\r\n").encode()
        if len(base) > limits.MAX_LINE_BYTES:
            base = fit_line(base)
        batch = self._batch
        if (
            batch is None
            or batch.channel is not ch
            or batch.skip is not skip
            or batch.client_tags != client_tags
            or batch.account != account
        ):
            if batch is not None:
                self.materialize()
            mask = 7 if account else 3
            modes = {m.tagmode & mask for m in ch.members}
            batch = self._batch = _Batch(ch, skip, client_tags, account, modes)
        plain = batch.bufs[0]
        if plain is not None:
            plain += base
        tagged = batch.tagged
        if tagged:
            if stamp is None or msgid is None:
                stamp, msgid = self.timestamp(), self.new_msgid()
            account_tag = batch.account_tag
            for mode, buf in tagged:
                buf += _tag_prefix(mode, stamp, msgid, client_tags, account_tag).encode() + base

    def materialize(self, send: bool = False) -> None:
        """Append the pending channel batch (see :meth:`fanout_channel`) to its members.

        With ``send`` (the reactor's flush, once the pass's lines are durable) a member with
        nothing else queued gets its bytes from one ``send()`` at once instead: what the flush
        would do next, without copying them into its buffer and visiting it again (this loop
        runs once per member of a room for every line at light load). Only the rest, or a
        member with anything else pending, is queued for the flush.
        """
        batch = self._batch
        if batch is None:
            return
        self._batch = None
        skip = batch.skip
        mask = batch.mask
        # The batch's own buffers are appended as they are: nothing writes to them any more.
        variants = [b"" if b is None else b for b in batch.bufs]
        append = self.dirty.append
        read = _READ
        for m in batch.channel.members:
            if m is skip:
                continue
            data = variants[m.tagmode & mask]
            if send:
                sock = m.sock
                # READ only, nothing queued, plaintext, not closing: the flush's plain case.
                if not (
                    m.dirty
                    or m.outbuf
                    or m.events != read
                    or m.closing
                    or m.tls is not None
                    or m.handshaking
                    or sock is None
                    or not data
                ):
                    try:
                        n = sock.send(data)
                    except OSError:  # would block, or broken: the flush retries, and sees
                        n = 0
                    if n == len(data):
                        continue
                    data = data[n:]
            m.outbuf += data
            if not m.dirty:
                m.dirty = True
                append(m)
