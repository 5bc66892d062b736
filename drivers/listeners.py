"""The callbacks one publisher calls in turn: a device's events, the device
owner's one stream of all of them (and a flow's views).

``subscribe`` returns the call that unsubscribes, so a consumer keeps one
value instead of the listener and the publisher.  ``publish`` calls every
listener subscribed at that moment, on the publisher's thread, outside the
lock (a listener may subscribe or unsubscribe from inside a call), and one
that fails is logged and does not stop the others, nor the transport thread
that published.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable, Generic, TypeVar

log = logging.getLogger(__name__)

E = TypeVar("E")


class Listeners(Generic[E]):
    def __init__(self, publisher: str):
        self.publisher = publisher  # who publishes, for the log line
        self._lock = threading.Lock()
        self._listeners: list[Callable[[E], None]] = []

    def subscribe(self, listener: Callable[[E], None]) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, event: E) -> None:
        self.publish_latest(lambda: event)

    def publish_latest(self, current: Callable[[], E]) -> None:
        """Give each listener the value ``current()`` has when its turn comes:
        a listener that changes the publisher again (a flow moving on in
        reaction to its own view) never leaves a later listener with the older value."""
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            event = current()
            try:
                listener(event)
            except Exception:  # a broken listener must not starve the others or kill a transport thread
                log.exception("a listener of %s failed on %s", self.publisher, type(event).__name__)

    def __len__(self) -> int:
        with self._lock:
            return len(self._listeners)
