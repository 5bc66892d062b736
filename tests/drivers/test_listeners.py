"""One list of listeners for every publisher: a device, the device owner."""

from __future__ import annotations

import logging

from drivers.listeners import Listeners


def test_subscribe_returns_the_unsubscribe_and_a_broken_listener_does_not_stop_the_others(caplog):
    listeners: Listeners[int] = Listeners("a test")
    seen: list[tuple[str, int]] = []

    def broken(n: int) -> None:
        raise RuntimeError("boom")

    leave = listeners.subscribe(lambda n: seen.append(("first", n)))
    listeners.subscribe(broken)
    listeners.subscribe(lambda n: seen.append(("last", n)))
    with caplog.at_level(logging.ERROR, logger="drivers.listeners"):
        listeners.publish(1)
    assert seen == [("first", 1), ("last", 1)]
    assert "a listener of a test failed on int" in caplog.text
    leave()
    leave()  # twice is harmless
    listeners.publish(2)
    assert seen[-1] == ("last", 2) and ("first", 2) not in seen and len(listeners) == 2


def test_a_listener_may_leave_while_it_is_called():
    listeners: Listeners[str] = Listeners("a test")
    calls: list[str] = []
    leave = listeners.subscribe(lambda e: (calls.append(e), leave()))
    listeners.publish("a")
    listeners.publish("b")
    assert calls == ["a"] and len(listeners) == 0
