"""tui-chat in a pseudo-terminal, typed into with the bytes real terminals send, read through pyte.

Textual's Pilot hands key names straight to the app and so skips the terminal's byte parser,
where Alt+1, Shift+F3 and bracketed paste actually break. Here the real ``tui-chat`` runs as a
child process on a pty; what it draws goes through ``pyte`` (a VT100/xterm emulator) and tests
read the screen back as text, cursor and cell attributes.

The API, for tests of new keys:

    term = Terminal.start(argv, env, cols=120, rows=36)
    term.send(KEYS["alt+1"])              # or term.press("alt+1", "enter"), term.type("hi")
    term.paste("two\\nlines")             # bracketed paste
    term.wait_for("#lobby")               # text anywhere; or a predicate on the Terminal
    term.row(0), term.text(), term.cursor(), term.char(x, y).bold
    term.close()                           # Ctrl+Q, then SIGTERM/SIGKILL if it will not go

Waiting polls the pty with ``select`` until the screen matches, within a deadline; nothing
sleeps. No thread is started: output is read only while a test waits or sends.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pyte
import pytest

DEFAULT_TIMEOUT = 10.0

# What xterm (and tmux, whose default is xterm-keys) send, with the modifier parameter
# 2 = Shift, 3 = Alt, 5 = Ctrl. Alt+key is ESC then the key (xterm's metaSendsEscape, tmux,
# GNOME Terminal, Konsole).
KEYS: dict[str, str] = {
    "enter": "\r",
    "tab": "\t",
    "backspace": "\x7f",
    "escape": "\x1b",
    "ctrl+q": "\x11",
    "ctrl+f": "\x06",
    "ctrl+n": "\x0e",
    "ctrl+p": "\x10",
    "ctrl+u": "\x15",
    "ctrl+k": "\x0b",
    "ctrl+y": "\x19",
    "ctrl+e": "\x05",
    "ctrl+o": "\x0f",
    "up": "\x1b[A",
    "down": "\x1b[B",
    "right": "\x1b[C",
    "left": "\x1b[D",
    "home": "\x1b[H",
    "end": "\x1b[F",
    "ctrl+up": "\x1b[1;5A",
    "ctrl+down": "\x1b[1;5B",
    "ctrl+end": "\x1b[1;5F",
    "pageup": "\x1b[5~",
    "pagedown": "\x1b[6~",
    "f1": "\x1bOP",
    "f1.rxvt": "\x1b[11~",
    "f3": "\x1bOR",
    "f4": "\x1bOS",
    "shift+f1": "\x1b[1;2P",
    "shift+f3": "\x1b[1;2R",
    "f7": "\x1b[18~",
    "f8": "\x1b[19~",
    **{f"alt+{n}": f"\x1b{n}" for n in range(10)},
    **{f"alt+{c}": f"\x1b{c}" for c in "abcdefghijklmnopqrstuvwxyz"},
}

# The kitty keyboard protocol (Textual asks for it with CSI > 25 u; kitty, foot, WezTerm and
# Ghostty then send these): CSI code ; modifiers u, functional keys as CSI number ; mods ~.
KITTY_KEYS: dict[str, str] = {
    **{f"alt+{n}": f"\x1b[{ord(str(n))};3u" for n in range(10)},
    "shift+f3": "\x1b[13;2~",
    "f3": "\x1b[13~",
    "f1": "\x1b[P",
    "ctrl+up": "\x1b[1;5A",
    "ctrl+end": "\x1b[1;5F",
    "escape": "\x1b[27u",
    "enter": "\x1b[13u",
    "ctrl+q": "\x1b[113;5u",
}

PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"


class TerminalGone(AssertionError):
    """The app exited while a test was waiting for something on its screen."""


class Terminal:
    """One app process on a pty, and the screen it drew."""

    def __init__(self, proc: subprocess.Popen[bytes], master: int, cols: int, rows: int) -> None:
        self.proc = proc
        self.master = master
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()  # everything the app wrote, for failure messages
        self.exit_code: int | None = None

    @classmethod
    def start(
        cls,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        cwd: Path,
        cols: int = 120,
        rows: int = 36,
    ) -> Terminal:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        try:
            proc = subprocess.Popen(
                list(argv),
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=dict(env),
                cwd=cwd,
                start_new_session=True,  # the pty becomes its controlling terminal
                close_fds=True,
            )
        except BaseException:
            os.close(master)
            os.close(slave)
            raise
        os.close(slave)
        return cls(proc, master, cols, rows)

    # -- input -------------------------------------------------------------------------------

    def send(self, data: str | bytes) -> None:
        """Write bytes as the terminal would (reading output meanwhile, so neither side blocks)."""
        payload = data.encode() if isinstance(data, str) else data
        while payload:
            self._read(0)
            _, writable, _ = select.select([], [self.master], [], DEFAULT_TIMEOUT)
            if not writable:
                raise TimeoutError("the app stopped reading its terminal")
            written = os.write(self.master, payload[:1024])
            payload = payload[written:]

    def press(self, *keys: str, table: Mapping[str, str] = KEYS) -> None:
        """Send keys by name (``KEYS``, or ``KITTY_KEYS`` as ``table``), one write each."""
        for key in keys:
            self.send(table[key])

    def type(self, text: str) -> None:
        self.send(text)

    def paste(self, text: str) -> None:
        """A bracketed paste, as terminals send it (newlines as CR, like a pasted Enter)."""
        self.send(PASTE_START + text.replace("\r\n", "\r").replace("\n", "\r") + PASTE_END)

    # -- output ------------------------------------------------------------------------------

    def _read(self, timeout: float) -> bool:
        """Feed whatever the app wrote within ``timeout`` to the emulator; False at EOF."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO: the child closed its side
            data = b""
        if not data:
            return False
        self.raw += data
        del self.raw[:-200_000]
        self.stream.feed(data)
        return True

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def row(self, y: int) -> str:
        return self.screen.display[y].rstrip()

    def cursor(self) -> tuple[int, int]:
        return self.screen.cursor.x, self.screen.cursor.y

    def char(self, x: int, y: int) -> pyte.screens.Char:
        return self.screen.buffer[y][x]

    def find(self, text: str) -> tuple[int, int] | None:
        """(x, y) of the first place ``text`` is drawn, or None."""
        for y, line in enumerate(self.screen.display):
            x = line.find(text)
            if x >= 0:
                return x, y
        return None

    def wait_for(
        self,
        what: str | re.Pattern[str] | Callable[[Terminal], bool],
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Read output until the screen shows ``what`` (text, regex or predicate)."""
        if isinstance(what, str):
            needle = what

            def check(term: Terminal) -> bool:
                return needle in term.text()
        elif isinstance(what, re.Pattern):
            pattern = what

            def check(term: Terminal) -> bool:
                return pattern.search(term.text()) is not None
        else:
            check = what
        deadline = time.monotonic() + timeout
        while not check(self):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"screen never showed {what!r}; it shows:\n{self.text()}")
            if not self._read(min(remaining, 0.5)):
                self.proc.wait(timeout=DEFAULT_TIMEOUT)
                raise TerminalGone(
                    f"the app exited ({self.proc.returncode}) while waiting for {what!r}; "
                    f"last output: {bytes(self.raw[-2000:])!r}"
                )

    def wait_gone(self, what: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.wait_for(lambda term: what not in term.text(), timeout)

    def wait_exit(self, timeout: float = DEFAULT_TIMEOUT) -> int:
        """Drain output until the app exits; its exit code."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            if not self._read(min(0.2, max(0.0, deadline - time.monotonic()))):
                break
        return self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))

    def close(self) -> None:
        """Quit with Ctrl+Q (twice: a first one may be held back by unsent lines), else kill."""
        try:
            if self.proc.poll() is None:
                with contextlib.suppress(OSError, TimeoutError):
                    self.send(KEYS["ctrl+q"])
                    self.send(KEYS["ctrl+q"])
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.wait_exit(timeout=10)
            if self.proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        finally:
            os.close(self.master)


def input_box_rows(lines: Sequence[str]) -> list[str]:
    """The rows of text in the input box (the lowest box bordered with "▊" on screen), top to
    bottom, without the padding: a row is "▊", two cells of padding, the text, two of padding
    and "▎" (Textual's tall border)."""
    rows: list[str] = []
    for row in reversed(lines):
        if row.startswith("▊") and not row.startswith(("▊▔", "▊▁")) and "▎" in row:
            rows.append(row[1 : row.rindex("▎")][2:-2])
        elif rows:
            break
    return rows[::-1]


def input_box_text(lines: Sequence[str]) -> str:
    """The input's text, joined across the rows it wraps onto (each full but the last)."""
    return "".join(input_box_rows(lines)).strip()


def input_box_height(lines: Sequence[str]) -> int:
    return len(input_box_rows(lines))


def covers(*names: str) -> pytest.MarkDecorator:
    """Mark a test as the proof that these keys work: Binding ids (``app.quit``) and help rows
    (``help:Ctrl+Q``). tests/terminal/test_coverage.py fails for any binding or help row that
    no test covers."""
    return pytest.mark.covers(*names)
