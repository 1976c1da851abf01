"""Child process for the kill -9 test: append and commit batches until killed.

Usage: ``python history_child.py DATA_DIR FIRST_INDEX BATCH_SIZE MAX_BATCHES``

Record ``i`` has msgid ``id-%08x`` (the store's shape: it ends in the seq, in hex) and time
``BASE_MS + i`` ms, alternating between two channels.
After each commit returns True it prints the last committed index, flushed, so the parent knows
exactly what was acknowledged (what the server would have relayed) before it pulled the trigger.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tui_chat.server.history import HistoryRecord, HistoryStore, format_time

BASE_MS = 1_700_000_000_000
CHANNELS = ("#Alpha", "#beta")


def record(i: int) -> HistoryRecord:
    return HistoryRecord(
        msgid=f"id-{i:08x}",
        time=format_time(BASE_MS + i),
        source=f"user{i % 3}!u@127.0.0.1",
        command="PRIVMSG",
        target=CHANNELS[i % 2],
        text=f"message {i}",
    )


def main() -> int:
    data_dir, first, batch, max_batches = Path(sys.argv[1]), *map(int, sys.argv[2:5])
    store = HistoryStore(data_dir)
    if not store.healthy:
        print("BROKEN", flush=True)
        return 2
    print("READY", flush=True)
    i = first
    for _ in range(max_batches):
        for _ in range(batch):
            store.append(record(i))
            i += 1
        if not store.commit():
            print("FAIL", flush=True)
            return 2
        print(i - 1, flush=True)
    store.close()
    print("DONE", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
