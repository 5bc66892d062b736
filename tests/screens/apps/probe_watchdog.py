"""Boot the app under a notify socket, then freeze its main loop for a while.

The test holds the socket and timestamps what arrives; this probe records
when the freeze began and ended (wall clock, same machine)."""

import time

from probe_common import Until, run


def script(app, facts):
    yield Until(lambda: app.sm is not None and app.sm.current == "home", "the home screen")
    yield 3.0  # several watchdog pings at half of WATCHDOG_USEC
    facts["freeze_start"] = time.time()
    time.sleep(4.0)  # the Kivy main loop is stuck, as in a hung UI
    facts["freeze_end"] = time.time()
    yield 1.5
    facts["after"] = time.time()


if __name__ == "__main__":
    run(script)
