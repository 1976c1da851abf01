"""History at size (issue 12, target 4): a million stored lines, then query and prune timings.

Builds ``total`` messages across ``rooms`` rooms in a temporary data dir (the store creates the
layout; the rows go in with one bulk INSERT and the counts and search index are filled in one
statement each, which is what the store's indexer would have done step by step), then:

- retention: the store opened with a per-room limit below what is stored, so every step must
  delete; the longest single ``prune()`` step, timed in this process (it runs on the server's
  loop thread in the same way). For scale, the old way's ``GROUP BY`` count is timed once.
- indexer and chat commits: lines committed one per transaction, as the server does at light
  load, with an indexer step after every ``INDEX_EVERY`` of them; the longest indexer step,
  and the WAL pages one chat commit writes (SQLite's own count, from a checkpoint), which is
  what the index being off the commit path is for.
- CHATHISTORY LATEST / BEFORE / AROUND and SEARCH: a tui-chat server subprocess on that data
  dir and one client on a loopback socket; each request's time from sending it to the end of
  its batch.

No peer server has CHATHISTORY or SEARCH: only tui-chat's figures are printed, with the target.
"""

from __future__ import annotations

import random
import socket
import sqlite3
import tempfile
import time
from pathlib import Path

import servers

from tui_chat.server.handlers.search import HOLD_FACTOR
from tui_chat.server.history import HistoryStore

WORDS = [
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
    "juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo",
]  # fmt: skip
VOCABULARY = WORDS + [f"w{i}" for i in range(20_000)]
PREFIX = "bench"


def build(data: Path, total: int, rooms: int) -> dict[str, float]:
    """Fill ``data`` with ``total`` lines; returns build timings (s)."""
    store = HistoryStore(data, days=0, per_channel_limit=0, msgid_prefix=PREFIX)
    for r in range(rooms):
        store.save_room(f"#room{r}", {"modes": "nt", "floor": 0, "created": 0})
    store.commit()
    store.close()
    conn = sqlite3.connect(data / "history.sqlite3", isolation_level=None)
    started = time.monotonic()
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-262144")
    rnd = random.Random(12)
    now = int(time.time() * 1000)
    conn.execute("BEGIN")
    # Room by room in seq order, as the primary key wants them; seqs interleave across rooms
    # the way a live server numbers them.
    for r in range(rooms):
        conn.executemany(
            "INSERT INTO messages (key, seq, ts, source, command, target, text, msgid)"
            " VALUES (?, ?, ?, ?, 'PRIVMSG', ?, ?, ?)",
            (
                (
                    f"#room{r}",
                    seq,
                    now - (total - seq),
                    f"user{seq % 97}!u@bench",
                    f"#room{r}",
                    " ".join(rnd.choice(VOCABULARY) for _ in range(8)),
                    f"{PREFIX}-{seq:x}",
                )
                for seq in range(r + 1, total + 1, rooms)
            ),
        )
    conn.execute("COMMIT")
    rows_done = time.monotonic()
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO key_stats (key, n, indexed)"
        " SELECT key, COUNT(*), MAX(seq) + 1 FROM messages GROUP BY key"
    )
    # FTS5's own merging while it is filled in bulk (the store turns it off for its steps),
    # so the index has the levels of segments a long-running server would have built.
    conn.execute("INSERT INTO search_index (search_index, rank) VALUES ('automerge', 4)")
    conn.execute(
        "INSERT INTO search_index (rowid, body, room, who) SELECT seq, text, 'k' || hex(key),"
        " 'n' || hex(lower(substr(source, 1, instr(source || '!', '!') - 1))) FROM messages"
    )
    conn.execute("INSERT INTO search_index (search_index, rank) VALUES ('automerge', 0)")
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return {"rows_s": rows_done - started, "index_s": time.monotonic() - rows_done}


def time_prune(data: Path, rooms: int, per_room: int, delete_per_room: int) -> dict[str, float]:
    conn = sqlite3.connect(data / "history.sqlite3")
    started = time.perf_counter()
    conn.execute("SELECT key, COUNT(*) FROM messages GROUP BY key").fetchall()
    group_by_ms = (time.perf_counter() - started) * 1000
    conn.close()
    store = HistoryStore(data, days=30, per_channel_limit=per_room - delete_per_room)
    steps: list[float] = []
    cpu: list[float] = []
    checkpoints: list[float] = []  # each one's time on the checkpointer's thread
    during: list[float] = []  # one-line chat commits on this thread while one ran
    before = sum(store.stored_counts().values())
    now = int(time.time() * 1000)
    done = False

    def step() -> bool:
        started, started_cpu = time.perf_counter(), time.thread_time()
        finished = store.prune()
        steps.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        return finished

    def while_checkpointing(force: bool = False) -> None:
        # When a checkpoint is due, the loop only wakes the checkpointer thread
        # (history_checkpoint), which copies the WAL and fsyncs beside it: what the loop feels
        # is its own passes slowing meanwhile, so one-line chat passes are timed until the
        # checkpointer is done (the next retention step then commits what lagged).
        checkpointer = store._checkpointer
        if checkpointer is None or not store.checkpoint(force=force):
            return
        count, started = checkpointer.checkpoints, time.perf_counter()
        for i in range(100_000):
            if checkpointer.checkpoints != count or time.perf_counter() - started > 30:
                break
            store.append_channel("#ckpt", now, "c!u@bench", "PRIVMSG", "#ckpt", f"c {i}")
            at = time.perf_counter()
            store.write_ahead()  # a pass as the server makes it: the journal before the sends,
            store.settle()  # SQLite after them when due (not while the copy runs, within bounds)
            during.append((time.perf_counter() - at) * 1000)
            # No retention step here: the server's waits while the checkpointer copies
            # (Server._prune; a write then would keep the WAL from restarting after the copy).
        checkpoints.append((time.perf_counter() - started) * 1000)

    for _ in range(100_000):
        done = step()
        while_checkpointing()  # the server's checkpoint timer runs between steps
        if done:
            break
    if not checkpoints:
        while_checkpointing(force=True)  # a small run: at least one, after the last step
    deleted = before - sum(store.stored_counts().values())
    store.close()
    steps.sort()
    return {
        "prune_max_ms": steps[-1],
        "prune_cpu_max_ms": max(cpu),
        "prune_p99_ms": steps[int(len(steps) * 0.99) - 1 if len(steps) > 1 else 0],
        "prune_steps": len(steps),
        "prune_deleted": deleted,
        "group_by_ms": group_by_ms,
        "checkpoints": len(checkpoints),
        "checkpoint_max_ms": max(checkpoints, default=0.0),
        "checkpoint_commits": len(during),
        "checkpoint_commit_max_ms": max(during, default=0.0),
    }


INDEX_EVERY = 50  # one-line commits between indexer steps (a busy room, or 50 s of a quiet one)
# A step or commit whose thread wrote more than this ran SQLite's own WAL checkpoint (the
# wal_autocheckpoint backstop, copying pages into the database) inside its COMMIT: an indexer
# step writes some 20-40 pages, a chat commit one or two.
AUTOCHECKPOINT_BYTES = 1 << 20


def written() -> int:
    """Bytes this thread has passed to write calls (Linux /proc), or 0 where unknown."""
    try:
        with open("/proc/thread-self/io", "rb") as f:
            for line in f:
                if line.startswith(b"wchar:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def wal_epoch(data: Path) -> bytes:
    """The WAL header's checkpoint sequence and salt: they change when a writer restarts the
    WAL from its start (and truncates it to journal_size_limit if it grew past it)."""
    try:
        with open(data / "history.sqlite3-wal", "rb") as f:
            return f.read(20)[12:20]
    except OSError:
        return b""


def backstop(data: Path, wrote: int, epoch: bytes) -> bool:
    """Did the commit or step since ``written()`` was ``wrote`` and ``wal_epoch()`` was
    ``epoch`` run SQLite's own checkpoint or restart the WAL, on this (the loop's) thread?"""
    return written() - wrote > AUTOCHECKPOINT_BYTES or wal_epoch(data) != epoch


def time_index(data: Path, rooms: int, lines: int, lag: bool = True) -> dict[str, float]:
    """Chat lines streamed back to back on the big file, and indexer steps between them.

    Each line is one loop pass, driven as the server drives the store: with ``lag`` (the
    server's way), the journal write before the sends and ``settle()`` after them (SQLite
    gets the lines when enough lag, never while the checkpointer copies), and an indexer step
    every INDEX_EVERY lines unless a checkpoint is copying (the server's timer then comes back
    a moment later). Without ``lag``, the way before SQLite lagged the journal: a one-line
    SQLite commit per pass and the indexer steps regardless. Timed: each pass's store work
    and each indexer step, on this (the loop's) thread.
    """
    store = HistoryStore(data, days=0, per_channel_limit=0, msgid_prefix=PREFIX + "i")
    conn = store._conn
    assert conn is not None
    rnd = random.Random(5)
    now = int(time.time() * 1000)
    steps: list[float] = []
    cpu: list[float] = []
    commits: list[float] = []
    requested = 0  # checkpoints woken; the checkpointer counts those it finished
    overlapped: list[float] = []  # indexer steps begun while a checkpoint ran
    on_loop: list[float] = []  # passes and steps that ran SQLite's own checkpoint
    restarts: list[float] = []  # passes or steps that began the WAL again from its start
    commits_cpu: list[float] = []
    plain: list[tuple[float, float]] = []  # the other steps: wall, CPU
    checkpointer = store._checkpointer
    assert checkpointer is not None
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # SQLite's count of WAL frames INDEX_EVERY one-line commits write (the checkpoint returns
    # it): what the index being off the commit path is for.
    for i in range(INDEX_EVERY):
        store.append_channel("#pages", now, "p!u@bench", "PRIVMSG", "#pages", f"page {i}")
        store.commit()
    frames = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def timed(work, into: list[float]) -> bool:
        """Run ``work`` on this thread, noting its time and whether SQLite's own checkpoint
        (or the WAL's restart) ran inside it; returns what ``work`` returned."""
        wrote, epoch = written(), wal_epoch(data)
        started, started_cpu = time.perf_counter(), time.thread_time()
        result = work()
        into.append((time.perf_counter() - started) * 1000)
        (cpu if into is steps else commits_cpu).append((time.thread_time() - started_cpu) * 1000)
        if written() - wrote > AUTOCHECKPOINT_BYTES:
            on_loop.append(into[-1])
        elif into is steps:
            plain.append((steps[-1], cpu[-1]))
        if wal_epoch(data) != epoch:
            restarts.append(into[-1])
        return bool(result)

    def one_pass() -> bool:
        if not lag:
            return store.commit()
        store.write_ahead()  # before the sends
        return store.settle()  # after them

    for i in range(lines):
        key = f"#room{rnd.randrange(rooms)}"
        text = " ".join(rnd.choice(VOCABULARY) for _ in range(8))
        store.append_channel(key, now + i, f"user{i % 97}!u@bench", "PRIVMSG", key, text)
        timed(one_pass, commits)
        if i % INDEX_EVERY == INDEX_EVERY - 1:
            for _ in range(100_000):  # the server's timer comes back at once while behind
                if lag and store.checkpointing:
                    break  # the server's step waits for the copy to end (Server._index_history)
                busy = checkpointer.checkpoints < requested
                more = timed(store.index, steps)
                if busy:
                    overlapped.append(steps[-1])
                if not more:
                    break
            requested += store.checkpoint()
    store.close()
    return {
        "index_max_ms": max(steps),
        "index_cpu_max_ms": max(cpu),
        "index_p99_ms": p99(steps),
        "index_steps": len(steps),
        "index_lines": lines,
        "commit_pages": frames / INDEX_EVERY,
        "commit_p99_ms": p99(commits),
        "commit_max_ms": max(commits),
        "commit_cpu_max_ms": max(commits_cpu),
        "loop_over_5ms": sum(t > 5.0 for t in commits + steps),
        "loop_cpu_over_5ms": sum(t > 5.0 for t in commits_cpu + cpu),
        "loop_max_ms": max(max(commits), max(steps)),
        "index_plain_max_ms": max((w for w, _ in plain), default=0.0),
        "index_plain_cpu_max_ms": max((c for _, c in plain), default=0.0),
        "loop_checkpoints": len(on_loop),
        "loop_checkpoint_max_ms": max(on_loop, default=0.0),
        "wal_restarts": len(restarts),
        "wal_restart_max_ms": max(restarts, default=0.0),
        "index_overlapped": len(overlapped),
        "index_overlapped_max_ms": max(overlapped, default=0.0),
    }


class Client:
    """A blocking line client: enough for one request at a time."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buf = b""

    def send(self, line: str) -> None:
        self.sock.sendall(line.encode() + b"\r\n")

    def until(self, predicate) -> list[str]:
        """The lines up to the first one ``predicate`` accepts; what follows stays buffered.

        Each chunk received is split once (not a line at a time, which copied the rest of the
        buffer for every line: ~0.1 ms of this client's own time in a 50-line answer).
        """
        lines: list[str] = []
        for _ in range(100_000):
            while b"\r\n" not in self.buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("server closed the connection")
                self.buf += chunk
            *complete, self.buf = self.buf.split(b"\r\n")
            for i, raw in enumerate(complete):
                text = raw.decode(errors="replace")
                if text.startswith("PING"):
                    self.send("PONG" + text[4:])
                lines.append(text)
                if predicate(text):
                    if i + 1 < len(complete):
                        self.buf = b"\r\n".join([*complete[i + 1 :], self.buf])
                    return lines
        raise RuntimeError("no end in sight")

    def close(self) -> None:
        self.sock.close()


def _batch_end(text: str) -> bool:
    return " BATCH -" in text or " FAIL " in text


def p99(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * 0.99))]


def time_queries(data: Path, total: int, rooms: int, n: int) -> dict[str, float]:
    server = servers.start_tui_chat(data_dir=data)
    client = Client(server.port)
    try:
        caps = "batch server-time message-tags draft/chathistory soju.im/search"
        client.send(f"CAP REQ :{caps}")
        client.send("NICK bencher")
        client.send("USER b 0 * :b")
        client.send("CAP END")
        client.until(lambda t: " 001 " in t)
        joined = list(range(0, rooms, max(1, rooms // 10)))  # ten rooms
        for r in joined:
            client.send(f"JOIN #room{r}")
            client.until(lambda t: " 366 " in t)
        rnd = random.Random(7)
        results: dict[str, list[float]] = {"latest": [], "before": [], "around": [], "search": []}

        def timed(kind: str, line: str) -> None:
            started = time.perf_counter()
            client.send(line)
            lines = client.until(_batch_end)
            results[kind].append((time.perf_counter() - started) * 1000)
            if any(" FAIL " in t for t in lines):
                raise RuntimeError(f"{line!r} failed: {lines[-1]}")

        for i in range(n):
            r = rnd.choice(joined)
            # A msgid somewhere in the room's (retained) history: seqs r+1, r+1+rooms, ...
            seq = r + 1 + rooms * rnd.randrange(total // rooms // 10, total // rooms)
            msgid = f"{PREFIX}-{seq:x}"
            timed("latest", f"CHATHISTORY LATEST #room{r} * 50")
            timed("before", f"CHATHISTORY BEFORE #room{r} msgid={msgid} 50")
            timed("around", f"CHATHISTORY AROUND #room{r} msgid={msgid} 50")
            word = rnd.choice(WORDS) if i % 2 else f"{rnd.choice(WORDS)} w{rnd.randrange(20_000)}"
            timed("search", f"SEARCH text={word.replace(' ', chr(92) + 's')};limit=50")
            # The server holds a searcher's next line HOLD_FACTOR times as long as the search
            # took (its fair share of the loop); wait that out, so that the next request is
            # timed from when it could run, not from the end of the last search.
            time.sleep(results["search"][-1] / 1000 * HOLD_FACTOR + 0.002)
        return {f"{k}_p99_ms": p99(v) for k, v in results.items()} | {
            f"{k}_p50_ms": sorted(v)[len(v) // 2] for k, v in results.items()
        }
    finally:
        client.close()
        server.stop()


def run(total: int = 1_000_000, rooms: int = 100, queries: int = 300) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-history-size-") as tmp:
        data = Path(tmp) / "data"
        values: dict[str, float] = {"total": total, "rooms": rooms, "queries": queries}
        values |= build(data, total, rooms)
        values |= time_prune(data, rooms, total // rooms, delete_per_room=total // rooms // 100)
        values |= time_index(data, rooms, lines=min(20_000, total // 10))
        values |= time_queries(data, total, rooms, queries)
        return values


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("size", nargs="?", type=int, default=1_000_000)
    parser.add_argument(
        "--index-only", action="store_true", help="build, then only the indexer/commit phase"
    )
    parser.add_argument(
        "--no-lag", action="store_true", help="commit each pass to SQLite (the old way)"
    )
    args = parser.parse_args()
    if args.index_only:
        with tempfile.TemporaryDirectory(prefix="bench-history-size-") as tmp:
            data = Path(tmp) / "data"
            build(data, args.size, 100)
            values = time_index(data, 100, min(20_000, args.size // 10), lag=not args.no_lag)
    else:
        values = run(args.size)
    for key, value in values.items():
        print(f"{key}: {value:.2f}")
