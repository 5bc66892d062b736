"""Boot the app under a notify socket, then freeze its main loop for a while.

The test holds the socket and timestamps what arrives; this probe records
when the freeze began and ended (wall clock, same machine), and waits for the
app's own pings (counted as it sends them) instead of for seconds."""

import time

from probe_common import Until, run

FREEZE_SECONDS = 4.0   # the hang being simulated: four times WATCHDOG_USEC


def script(app, facts):
    sent = []
    send = app.notify_socket.send

    def counting(lines):
        sent.extend((time.time(), line) for line in lines)
        return send(lines)

    app.notify_socket.send = counting   # the app's pings, as they leave for the socket

    def pings(after=0.0):
        return sum(1 for at, line in sent if line == "WATCHDOG=1" and at > after)

    yield Until(lambda: app.sm is not None and app.sm.current == "home", "the home screen")
    yield Until(lambda: pings() >= 6, "six watchdog pings at half of WATCHDOG_USEC", 10)
    facts["freeze_start"] = time.time()
    time.sleep(FREEZE_SECONDS)  # not a wait: the Kivy main loop is stuck, as in a hung UI
    facts["freeze_end"] = time.time()
    yield Until(lambda: pings(facts["freeze_end"]) >= 2, "the pings to resume", 10)
    facts["after"] = time.time()


if __name__ == "__main__":
    run(script)
