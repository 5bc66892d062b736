"""The terminal's thread when there is no Kivy: a queue of calls and a way to drain it.

The terminal is single-threaded: driver events, job outcomes and camera work
arrive on other threads and are ``post``-ed onto the terminal's thread.  In
the app that thread is Kivy's (the app passes ``Clock.schedule_once``); in
tests and tools it is this loop, drained by the caller: ``run_until(condition)``
runs posted calls (and ``tick`` between them) until the condition holds.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Callable


class EventLoop:
    def __init__(self) -> None:
        self._calls: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self.thread = threading.current_thread()

    def post(self, call: Callable[[], None]) -> None:
        """Run ``call`` on the loop's thread (any thread may post)."""
        self._calls.put(call)

    def run_pending(self, wait: float = 0.0) -> int:
        """Run every call posted so far (waiting up to ``wait`` seconds for the
        first); the number run."""
        ran = 0
        try:
            call = self._calls.get(timeout=wait) if wait > 0 else self._calls.get_nowait()
        except queue.Empty:
            return 0
        while True:
            call()
            ran += 1
            try:
                call = self._calls.get_nowait()
            except queue.Empty:
                return ran

    def run_until(self, condition: Callable[[], bool], timeout: float = 10.0, what: str = "",
                  tick: Callable[[], None] | None = None) -> None:
        """Run posted calls until ``condition()`` holds; ``TimeoutError`` naming
        ``what`` after ``timeout`` seconds.  ``tick`` runs between batches (the
        terminal's ``tick``: idle timer, reminders)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout:g} s waiting for {what or condition}")
            self.run_pending(wait=0.02)
            if tick is not None:
                tick()
