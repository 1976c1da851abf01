"""Slow password hashing off the loop thread.

scrypt costs tens of milliseconds of CPU by design; run on the loop it would stall every other
client for that long per login. One worker thread does it instead (``hashlib.scrypt`` releases
the GIL while it works, so the loop keeps running), and hands each result back to the loop
through the reactor's wake-up pipe (``call_soon_threadsafe``). The number of jobs queued or
running is bounded: past it, :meth:`KdfWorker.submit` refuses and the caller answers "try
later", so a crowd of logins costs a bounded queue, never an unbounded backlog of CPU.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeAlias, TypeVar

log = logging.getLogger("tui_chat.server")

T = TypeVar("T")
# Runs a callable with its arguments on the loop thread (Reactor.call_soon_threadsafe).
Deliver: TypeAlias = Callable[..., None]
_Job: TypeAlias = tuple[Callable[[], Any], Callable[[Any], None]]


class KdfWorker:
    """Submit from the loop thread only; ``done`` runs there too, with the job's result, or with
    None if the job raised."""

    def __init__(self, deliver: Deliver, max_pending: int) -> None:
        self._deliver = deliver
        self.max_pending = max_pending
        self.pending = 0  # submitted and not yet delivered; touched on the loop thread only
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._closed = False

    def submit(self, job: Callable[[], T], done: Callable[[T | None], None]) -> bool:
        """Queue ``job``; False (nothing queued) when the queue is full or the worker closed."""
        if self._closed or self.pending >= self.max_pending:
            return False
        if self._thread is None:
            # Started on first use: a server nobody logs in to has no extra thread.
            self._thread = threading.Thread(target=self._run, name="tui-chat-kdf", daemon=True)
            self._thread.start()
        self.pending += 1
        self._queue.put((job, done))
        return True

    def _finished(self, done: Callable[[Any], None], result: object) -> None:
        self.pending -= 1
        done(result)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            job, done = item
            try:
                result = job()
            except Exception:
                log.exception("password hashing failed")
                result = None
            self._deliver(self._finished, done, result)

    def close(self, timeout: float = 5.0) -> None:
        """Stop the thread after the job at hand (queued ones are dropped). Idempotent."""
        self._closed = True
        thread, self._thread = self._thread, None
        if thread is None:
            return
        while True:  # drop what waits, so the stop is not behind a queue of hashes
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._queue.put(None)
        thread.join(timeout)
