"""Full-text search over stored history (SQLite FTS5), and the per-key row counts retention uses.

Neither is written in a chat commit. A chat commit inserts into ``messages`` and nothing else
(no trigger fires on insert): the index and the counts are brought up to date afterwards by
:func:`index_step`, a bounded step the server runs on a timer (see :data:`INDEX_INTERVAL`), so
a SEARCH can miss the newest lines for up to one interval, and a retention limit is applied
that much later.

- ``key_stats(key, n, indexed)``: per key, ``indexed`` is the position the indexer reached
  (every row of the key with a lower seq is indexed and counted) and ``n`` how many of those
  rows are stored. Both change in the same transaction as the index rows, so a restart resumes
  exactly where the last step stopped. Seqs grow per key (one counter for the file, rows
  committed in order), so "rows from ``indexed`` on" is exactly what is left to do. A file
  written before this layout has no ``key_stats`` rows: its keys are indexed from the start,
  in the same bounded steps.
- ``search_index``: a contentless FTS5 table (the text is not stored twice) whose rowid is the
  message's seq. Besides the text it holds two single-token columns, the key and the sender's
  folded nick, hex-encoded so that any name is exactly one token. A contentless table can only
  lose a row through FTS5's ``'delete'`` command with the values it was indexed with: the one
  trigger, on DELETE (retention and redaction, never a chat commit), does that for rows below
  the key's ``indexed`` position, from the same SQL expressions the indexer used.

FTS5 merges: automatic merging is off (it runs inside whichever commit writes a segment, and at
size one took 43 ms); each indexer and retention step instead asks for an incremental merge of
at most :data:`MERGE_PAGES` pages, which keeps the segment count low without a long step.

User text never reaches FTS5's query syntax: :func:`words` splits a query into at most
:data:`MAX_WORDS` words of at most :data:`WORD_MAX` characters and every word is a quoted
string, so ``"``, ``*``, ``NEAR``, ``AND``, ``col:`` are searched as text and there is no prefix
query; and :func:`search` runs under a progress handler with a deadline, returning what it
found by then.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Collection, Sequence
from typing import NamedTuple

from ..irc.casemap import casefold

# Seconds between indexer steps, and between them while a backlog remains.
INDEX_INTERVAL = 1.0
INDEX_BACKLOG_INTERVAL = 0.02
# At start, before any client is served, the indexer runs for at most this long (s).
START_INDEX_SECONDS = 1.0
# One step stops taking keys after this long (s) or this many rows; a key is read in chunks.
# Then it merges MERGE_PAGES pages at a time, at least once, and again only while the next call
# (guessed to cost what the last one did) would end by MERGE_UNTIL (s) from the step's start,
# at most MERGE_CALLS times or until there is nothing left to merge. At a million rows a chunk
# cost up to ~1 ms, a merge call 0.5-1.6 ms and the commit up to ~1.4 ms: a step stays under
# ~5 ms of CPU (checking only after a call let a 1.5 ms call start at 2.4 ms: 5.3 ms steps).
# While behind, 50 steps a second index about 1,500-2,500 lines a second; a longer flood
# leaves a backlog (search lags) that drains after.
INDEX_BUDGET = 0.001
INDEX_MAX_ROWS = 400
INDEX_CHUNK = 32
MERGE_PAGES = 4
MERGE_UNTIL = 0.0025
MERGE_CALLS = 4
# Segments of one level are merged once there are USERMERGE of them. CRISISMERGE is FTS5's
# own unbounded merge of a level: only a backstop, which the steps' merging keeps unreached.
USERMERGE = 4
CRISISMERGE = 64
# Words of a query beyond this are ignored; each word is cut to WORD_MAX characters.
MAX_WORDS = 8
WORD_MAX = 64
# Candidate matches read per search (matches the time bounds then rule out), per key and in all.
MAX_CANDIDATES = 2000
# Longest a search may run (s) on the loop thread; checked every PROGRESS_EVERY SQLite steps.
SEARCH_DEADLINE = 0.04
PROGRESS_EVERY = 1000

# Only what a chathistory batch would carry for any client is searchable.
SEARCHED_COMMANDS = ("PRIVMSG", "NOTICE")

_COMMANDS_SQL = ", ".join(f"'{c}'" for c in SEARCHED_COMMANDS)
# The indexed values of a messages row, as SQL on its columns. The indexer and the delete
# trigger must produce exactly the same values (a contentless index deletes by them), so both
# use these expressions. The nick is folded as the server folds it (ascii casemapping).
_ROOM_SQL = "'k' || hex({t}.key)"
_WHO_SQL = "'n' || hex(lower(substr({t}.source, 1, instr({t}.source || '!', '!') - 1)))"

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS key_stats (
    key     TEXT PRIMARY KEY,
    n       INTEGER NOT NULL,
    indexed INTEGER NOT NULL
) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS search_index USING fts5(
    body, room, who, content = '', columnsize = 0,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE INDEX IF NOT EXISTS peers_key ON peers (key);
CREATE TRIGGER IF NOT EXISTS messages_unindexed AFTER DELETE ON messages
WHEN old.seq < (SELECT indexed FROM key_stats WHERE key = old.key) BEGIN
    UPDATE key_stats SET n = n - 1 WHERE key = old.key;
    INSERT INTO search_index (search_index, rowid, body, room, who)
        SELECT 'delete', old.seq, old.text, {_ROOM_SQL.format(t="old")},
            {_WHO_SQL.format(t="old")}
        WHERE old.command IN ({_COMMANDS_SQL});
END;
"""
_INDEX_ROWS = (
    "INSERT INTO search_index (rowid, body, room, who)"
    f" SELECT m.seq, m.text, {_ROOM_SQL.format(t='m')}, {_WHO_SQL.format(t='m')}"
    f" FROM messages AS m WHERE m.key = ? AND m.seq BETWEEN ? AND ?"
    f" AND m.command IN ({_COMMANDS_SQL})"
)
# What an earlier build of search wrote (counts and index kept by insert triggers).
_OLD_OBJECTS = (
    ("TRIGGER", "messages_counted"),
    ("TRIGGER", "messages_uncounted"),
    ("TRIGGER", "messages_indexed"),
    ("TRIGGER", "messages_reindexed"),
    ("TABLE", "search_backfill"),
    ("TABLE", "counts"),
    ("TABLE", "search"),
)


def install(conn: sqlite3.Connection) -> None:
    """Create the counts, the index and the delete trigger if missing (part of the store's open).

    Runs in one transaction; nothing is indexed here (a file's rows are indexed afterwards by
    :func:`index_step`, as keys from :func:`unindexed_keys`).
    """
    have = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    if "messages" not in have:
        return
    old = [(kind, name) for kind, name in _OLD_OBJECTS if name in have]
    if {"key_stats", "search_index", "peers_key", "messages_unindexed"} <= have and not old:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        for kind, name in old:
            conn.execute(f"DROP {kind} IF EXISTS {name}")
        new_index = "search_index" not in have
        for statement in _statements(_SCHEMA):
            conn.execute(statement)
        if new_index:
            for name, value in (
                ("automerge", 0),
                ("usermerge", USERMERGE),
                ("crisismerge", CRISISMERGE),
            ):
                conn.execute(
                    "INSERT INTO search_index (search_index, rank) VALUES (?, ?)", (name, value)
                )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _statements(script: str) -> list[str]:
    # executescript() would commit the open transaction first; a trigger holds ';' inside.
    done, part = [], ""
    for line in script.splitlines(keepends=True):
        part += line
        if sqlite3.complete_statement(part):
            done.append(part.strip())
            part = ""
    return done


def unindexed_keys(conn: sqlite3.Connection, newest: dict[str, int]) -> dict[str, None]:
    """The keys with rows the index has not reached, given each key's newest seq (at open)."""
    reached = dict(conn.execute("SELECT key, indexed FROM key_stats").fetchall())
    return {key: None for key, top in newest.items() if top >= reached.get(key, 0)}


class Step(NamedTuple):
    """What one indexer step did: rows indexed, and FTS5 merge calls that wrote pages."""

    rows: int
    merges: int


def index_step(
    conn: sqlite3.Connection,
    pending: dict[str, None],
    *,
    first: Collection[str] = (),
    budget: float = INDEX_BUDGET,
    max_rows: int = INDEX_MAX_ROWS,
    clock: Callable[[], float] = time.perf_counter,
) -> Step:
    """Index and count rows of the keys in ``pending`` (oldest first), in one bounded transaction.

    Takes keys off the front of ``pending`` and puts a key back at the end when it has rows
    left, so one busy room does not hold the others back; the keys in ``first`` go before the
    others. The caller
    handles sqlite3.Error: the transaction is rolled back and ``pending`` must be rebuilt (the
    store does it when it reopens the file).
    """
    if not pending:
        return Step(0, 0)
    wanted = dict.fromkeys(key for key in first if key in pending)
    if wanted:
        rest = [key for key in pending if key not in wanted]
        pending.clear()
        pending.update(wanted)
        pending.update(dict.fromkeys(rest))
    started = clock()
    done = merges = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        # The first key whatever the budget: every step makes progress.
        while pending and done < max_rows and (not done or clock() - started < budget):
            key = next(iter(pending))
            del pending[key]
            stat = conn.execute("SELECT indexed FROM key_stats WHERE key = ?", (key,)).fetchone()
            start = 0 if stat is None else int(stat[0])
            top, count = conn.execute(
                "SELECT max(seq), count(*) FROM (SELECT seq FROM messages"
                " WHERE key = ? AND seq >= ? ORDER BY seq LIMIT ?)",
                (key, start, min(INDEX_CHUNK, max_rows - done)),
            ).fetchone()
            if not count:
                continue
            conn.execute(_INDEX_ROWS, (key, start, top))
            conn.execute(
                "INSERT INTO key_stats (key, n, indexed) VALUES (?, ?, ?) ON CONFLICT (key)"
                " DO UPDATE SET n = n + excluded.n, indexed = excluded.indexed",
                (key, count, top + 1),
            )
            done += count
            if count == INDEX_CHUNK or done >= max_rows:
                pending[key] = None  # maybe more: after the others
        for _ in range(MERGE_CALLS if done else 0):
            before = clock()
            if not merge(conn):
                break
            merges += 1
            now = clock()
            if now + (now - before) - started > MERGE_UNTIL:
                break
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return Step(done, merges)


def merge(conn: sqlite3.Connection, pages: int = MERGE_PAGES) -> bool:
    """Some incremental merging of the index's segments, inside the caller's transaction.

    Returns whether it wrote anything (False: no level was due for a merge).
    """
    before = conn.total_changes
    conn.execute("INSERT INTO search_index (search_index, rank) VALUES ('merge', ?)", (pages,))
    return conn.total_changes - before > 1


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


def match_query(terms: Sequence[str], key: str, nick: str | None) -> str:
    """An FTS5 MATCH expression: every term (as a quoted string), in ``key``, by ``nick``.

    Only quoted strings and this function's own operators reach FTS5, so nothing in user
    text is read as syntax.
    """
    parts = [f"body:({' '.join(_quoted(t) for t in terms)})", f"room:{_quoted(room_token(key))}"]
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
    deadline: float = SEARCH_DEADLINE,
    clock: Callable[[], float] = time.perf_counter,
) -> list[tuple[str, tuple[object, ...]]]:
    """The newest ``limit`` indexed lines matching every term, in the keys of ``floors``.

    ``floors`` maps each key the asker may read to the lowest seq they may see of it (a room's
    history floor). One index query per key (the index cannot hand back a row's key), newest
    first, merged. Returns (key, row) pairs, row in the store's ``_COLUMNS`` order (seq, msgid,
    ts, source, command, target, text), newest first. A search that runs past ``deadline``
    seconds stops there and returns what it found.
    """
    if not terms or not floors or limit <= 0:
        return []
    timed = after_ms is not None or before_ms is not None
    per_key = MAX_CANDIDATES if timed else limit
    ends = clock() + deadline

    def progress() -> int:
        return 1 if clock() > ends else 0

    candidates: list[tuple[int, str]] = []
    conn.set_progress_handler(progress, PROGRESS_EVERY)
    try:
        for key, floor in floors.items():
            cursor = conn.execute(
                "SELECT rowid FROM search_index WHERE search_index MATCH ? AND rowid >= ?"
                " ORDER BY rowid DESC LIMIT ?",
                (match_query(terms, key, nick), floor, per_key),
            )
            candidates.extend((seq, key) for (seq,) in cursor)
    except sqlite3.OperationalError as exc:
        if "interrupt" not in str(exc):
            raise
    finally:
        conn.set_progress_handler(None, 0)
    # Primary-key lookups, at most MAX_CANDIDATES of them: bounded without the deadline.
    candidates.sort(reverse=True)
    found: list[tuple[str, tuple[object, ...]]] = []
    for seq, key in candidates[:MAX_CANDIDATES]:
        row = conn.execute(
            "SELECT seq, msgid, ts, source, command, target, text FROM messages"
            " WHERE key = ? AND seq = ?",
            (key, seq),
        ).fetchone()
        if row is None:
            continue
        ts = row[2]
        if (after_ms is not None and ts <= after_ms) or (before_ms is not None and ts >= before_ms):
            continue
        found.append((key, tuple(row)))
        if len(found) >= limit:
            break
    return found
