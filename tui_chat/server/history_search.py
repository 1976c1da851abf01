"""Full-text search over stored history (SQLite FTS5) and the per-key row counts retention uses.

Both are kept by triggers on ``messages``, so they change in the same transaction as the rows
they describe, whatever writes them (append, retention, a redaction that deletes or rewrites
a row): :func:`install` is the one hook, run at every open.

- ``counts(key, n)``: rows per key. Retention reads it instead of counting the table (a
  ``GROUP BY`` over a million rows stalled the loop for ~300 ms).
- ``search``: an FTS5 table whose rowid is the message's seq (one counter for the whole file,
  so it is unique). Besides the text it holds two single-token columns, the key and the
  sender's folded nick, hex-encoded so that any name is exactly one token: the room filter is
  part of the MATCH, so a search reads only the index entries of rooms the asker may see.
  It stores its own copy of the text (a content-storing table): the messages table is keyed
  by (key, seq), so an external-content table could not fetch a row by seq alone.

An existing file gains the counts in one statement at the first open with this version (once
per file); its search index is filled by :func:`backfill_step` in bounded chunks from the
retention timer (in (key, seq) order; lines stored since are indexed on insert), so the loop
never stalls for the whole table; until it is done, a search can miss older lines.

User text never reaches FTS5's query syntax: :func:`match_query` quotes every word, so ``"``,
``*``, ``NEAR``, ``AND``, ``col:`` are searched as text; a query has a bounded number of words,
and :func:`search` runs under a progress handler that cuts off any query after a fixed number
of SQLite steps, returning what it found by then.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence

from ..irc.casemap import casefold

# Words of a query beyond this are ignored; each word is cut to WORD_MAX characters.
MAX_WORDS = 8
WORD_MAX = 64
# Candidate matches read per search before giving up (matches in the index that the time
# bounds or a room's history floor then rule out).
MAX_CANDIDATES = 2000
# SQLite virtual-machine steps one search may take (checked every PROGRESS_EVERY steps): the
# bound on the loop stall any query can cause, whatever its words.
MAX_STEPS = 4_000_000
PROGRESS_EVERY = 1000
# Rows indexed per backfill step (an existing file's old rows): ~40 us each.
BACKFILL_CHUNK = 100

# Only what a chathistory batch would carry for any client is searchable.
SEARCHED_COMMANDS = ("PRIVMSG", "NOTICE")

_COMMANDS_SQL = ", ".join(f"'{c}'" for c in SEARCHED_COMMANDS)
# The sender's nick as the server folds it (ascii casemapping): the text before '!'.
_NICK_SQL = "lower(substr(new.source, 1, instr(new.source || '!', '!') - 1))"

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS counts (
    key TEXT PRIMARY KEY,
    n   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS search_backfill (
    one  INTEGER PRIMARY KEY CHECK (one = 1),
    key  TEXT NOT NULL,
    seq  INTEGER NOT NULL,
    top  INTEGER NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(
    body, room, who, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE INDEX IF NOT EXISTS peers_key ON peers (key);
CREATE TRIGGER IF NOT EXISTS messages_counted AFTER INSERT ON messages BEGIN
    INSERT INTO counts (key, n) VALUES (new.key, 1)
        ON CONFLICT (key) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS messages_uncounted AFTER DELETE ON messages BEGIN
    UPDATE counts SET n = n - 1 WHERE key = old.key;
    DELETE FROM search WHERE rowid = old.seq;
END;
CREATE TRIGGER IF NOT EXISTS messages_indexed AFTER INSERT ON messages
WHEN new.command IN ({_COMMANDS_SQL}) BEGIN
    INSERT INTO search (rowid, body, room, who)
        VALUES (new.seq, new.text, 'k' || hex(new.key), 'n' || hex({_NICK_SQL}));
END;
CREATE TRIGGER IF NOT EXISTS messages_reindexed AFTER UPDATE OF text ON messages BEGIN
    DELETE FROM search WHERE rowid = old.seq;
    INSERT INTO search (rowid, body, room, who)
        SELECT new.seq, new.text, 'k' || hex(new.key), 'n' || hex({_NICK_SQL})
        WHERE new.command IN ({_COMMANDS_SQL});
END;
"""


_OBJECTS = frozenset(
    {
        "counts",
        "search",
        "search_backfill",
        "peers_key",
        "messages_counted",
        "messages_uncounted",
        "messages_indexed",
        "messages_reindexed",
    }
)


def install(conn: sqlite3.Connection) -> None:
    """Create the counts, the index and their triggers if missing (part of the store's open).

    A file written before them gets its counts now, in one pass (once per file), and a
    backfill cursor for the rows that predate the index trigger (see :func:`backfill_step`).
    """
    have = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    if "messages" not in have or have >= _OBJECTS:
        return
    if {"counts", "search"} <= have:
        # Only triggers are missing (a bulk load drops them and fills the tables itself, see
        # bench/history_size.py): every statement is IF NOT EXISTS.
        for statement in _statements(_SCHEMA):
            conn.execute(statement)
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in _statements(_SCHEMA):
            conn.execute(statement)
        conn.execute("DELETE FROM counts")
        conn.execute("INSERT INTO counts (key, n) SELECT key, COUNT(*) FROM messages GROUP BY key")
        top = _newest_seq(conn)
        if top is not None:
            conn.execute(
                "INSERT OR REPLACE INTO search_backfill (one, key, seq, top) VALUES (1, '', 0, ?)",
                (top + 1,),
            )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _statements(script: str) -> list[str]:
    # executescript() would commit the open transaction first; triggers hold ';' inside.
    done, part = [], ""
    for line in script.splitlines(keepends=True):
        part += line
        if sqlite3.complete_statement(part):
            done.append(part.strip())
            part = ""
    return done


def _newest_seq(conn: sqlite3.Connection) -> int | None:
    """The highest seq stored: one primary-key hop per key (there is no index on seq)."""
    top = None
    for (key,) in conn.execute("SELECT key FROM counts").fetchall():
        row = conn.execute(
            "SELECT seq FROM messages WHERE key = ? ORDER BY seq DESC LIMIT 1", (key,)
        ).fetchone()
        if row is not None and (top is None or row[0] > top):
            top = int(row[0])
    return top


def backfill_pending(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM search_backfill").fetchone() is not None


def backfill_step(conn: sqlite3.Connection, chunk: int = BACKFILL_CHUNK) -> bool:
    """Index up to ``chunk`` rows that predate the index, inside the caller's transaction.

    Returns True when nothing is left to index.
    """
    state = conn.execute("SELECT key, seq, top FROM search_backfill").fetchone()
    if state is None:
        return True
    key, seq, top = state
    rows = conn.execute(
        "SELECT key, seq, command, source, text FROM messages WHERE (key, seq) > (?, ?)"
        " ORDER BY key, seq LIMIT ?",
        (key, seq, chunk),
    ).fetchall()
    old = [r for r in rows if r[1] < top and r[2] in SEARCHED_COMMANDS]
    conn.executemany(
        "INSERT OR REPLACE INTO search (rowid, body, room, who)"
        " VALUES (?, ?, 'k' || hex(?), 'n' || hex(?))",
        [(s, text, k, nick_of(source)) for k, s, _, source, text in old],
    )
    if len(rows) < chunk:
        conn.execute("DELETE FROM search_backfill")
        return True
    conn.execute("UPDATE search_backfill SET key = ?, seq = ?", (rows[-1][0], rows[-1][1]))
    return False


def nick_of(source: str) -> str:
    """The folded nick of a ``nick!user@host`` source, as the index trigger computes it."""
    return casefold(source.partition("!")[0])


# -- queries -----------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """The words of a user's query that can match anything (bounded in count and length)."""
    found = []
    for word in text.split():
        if any(ch.isalnum() for ch in word):
            found.append(word[:WORD_MAX])
            if len(found) == MAX_WORDS:
                break
    return found


def _quoted(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def room_token(key: str) -> str:
    return "k" + key.encode().hex().upper()


def nick_token(nick: str) -> str:
    return "n" + casefold(nick).encode().hex().upper()


def match_query(terms: Sequence[str], keys: Collection[str], nick: str | None) -> str:
    """An FTS5 MATCH expression: every term (as a quoted string), in one of ``keys``, by ``nick``.

    Only quoted strings and this function's own operators reach FTS5, so nothing in user
    text is read as syntax.
    """
    parts = [f"body:({' '.join(_quoted(t) for t in terms)})"]
    parts.append(f"room:({' OR '.join(_quoted(room_token(k)) for k in sorted(keys))})")
    if nick is not None:
        parts.append(f"who:{_quoted(nick_token(nick))}")
    return " AND ".join(parts)


def search(
    conn: sqlite3.Connection,
    terms: Sequence[str],
    floors: dict[str, int],
    limit: int,
    *,
    nick: str | None = None,
    after_ms: int | None = None,
    before_ms: int | None = None,
) -> list[tuple[str, tuple[object, ...]]]:
    """The newest ``limit`` stored lines matching every term, in the keys of ``floors``.

    ``floors`` maps each key the asker may read to the lowest seq they may see of it (a room's
    history floor). Returns (key, row) pairs, row in the store's ``_COLUMNS`` order
    (seq, msgid, ts, source, command, target, text), newest first. A query that runs past the
    step budget stops there and returns what it found.
    """
    if not terms or not floors or limit <= 0:
        return []
    by_token = {room_token(k): k for k in floors}
    expr = match_query(terms, floors, nick)
    steps = 0

    def progress() -> int:
        nonlocal steps
        steps += PROGRESS_EVERY
        return 1 if steps > MAX_STEPS else 0

    found: list[tuple[str, tuple[object, ...]]] = []
    conn.set_progress_handler(progress, PROGRESS_EVERY)
    try:
        cursor = conn.execute(
            "SELECT rowid, room FROM search WHERE search MATCH ? ORDER BY rowid DESC LIMIT ?",
            (expr, MAX_CANDIDATES),
        )
        for seq, room in cursor:
            key = by_token.get(room)
            if key is None or seq < floors[key]:
                continue
            row = conn.execute(
                "SELECT seq, msgid, ts, source, command, target, text FROM messages"
                " WHERE key = ? AND seq = ?",
                (key, seq),
            ).fetchone()
            if row is None:
                continue
            ts = row[2]
            if (after_ms is not None and ts <= after_ms) or (
                before_ms is not None and ts >= before_ms
            ):
                continue
            found.append((key, tuple(row)))
            if len(found) >= limit:
                break
    except sqlite3.OperationalError as exc:
        if "interrupt" not in str(exc):
            raise
    finally:
        conn.set_progress_handler(None, 0)
    return found
