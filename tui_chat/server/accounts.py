"""Accounts: names (folded, as nicks are), password hashes, creation times.

Kept in ``data_dir / "accounts.sqlite3"`` beside the history when the server keeps history,
else in memory for the server's lifetime. Every account is loaded at start and looked up in a
dict: the file is read once and written once per registration, never on a login. The table is
small and bounded (``ServerConfig.max_accounts``).

A separate file from the history: the history store holds its file with an exclusive lock and
its own failure and back-off rules, and an account must be stored (or refused) at once, not at
the next group commit.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..irc.casemap import casefold

log = logging.getLogger("tui_chat.server")

FILENAME = "accounts.sqlite3"
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    key      TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    password TEXT NOT NULL,
    created  INTEGER NOT NULL
) WITHOUT ROWID
"""


@dataclass(frozen=True, slots=True)
class Account:
    name: str  # as registered
    password_hash: str  # see passwords.hash_password
    created: int  # seconds since the epoch

    @property
    def key(self) -> str:
        return casefold(self.name)


class AccountStore:
    """``path`` is the data directory, or None for accounts kept in memory only."""

    def __init__(self, path: Path | None) -> None:
        self.file = None if path is None else Path(path) / FILENAME
        self.accounts: dict[str, Account] = {}
        self.error: str | None = None
        self._conn: sqlite3.Connection | None = None
        if self.file is not None:
            self._open(self.file)

    def _open(self, file: Path) -> None:
        conn = None
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            # Built by whichever thread makes the server, then used by its loop thread only.
            conn = sqlite3.connect(file, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(f"accounts layout {version} is newer than this one")
            conn.execute(_SCHEMA)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            rows = conn.execute("SELECT name, password, created FROM accounts").fetchall()
        except (sqlite3.Error, OSError) as exc:
            if conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            # Logins and registrations are refused rather than kept in memory: an account
            # that vanished at the next restart would hand its nick to whoever came next.
            self.error = str(exc)
            log.error("accounts database %s unusable (%s): no accounts", file, exc)
            return
        self._conn = conn
        for name, password, created in rows:
            account = Account(str(name), str(password), int(created))
            self.accounts[account.key] = account

    @property
    def usable(self) -> bool:
        return self.error is None

    def __len__(self) -> int:
        return len(self.accounts)

    def get(self, name: str) -> Account | None:
        return self.accounts.get(casefold(name))

    def add(self, account: Account) -> bool:
        """Store a new account; False if the name is taken or it could not be written."""
        if not self.usable or account.key in self.accounts:
            return False
        if self._conn is not None:
            try:
                self._conn.execute(
                    "INSERT INTO accounts (key, name, password, created) VALUES (?, ?, ?, ?)",
                    (account.key, account.name, account.password_hash, account.created),
                )
            except sqlite3.Error as exc:
                log.error(
                    "accounts database %s: cannot store %s (%s)", self.file, account.name, exc
                )
                return False
        self.accounts[account.key] = account
        return True

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None
