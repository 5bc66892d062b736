"""The SAM link's flush (before a command is tried again) against the reader thread."""

import os
import threading
import time

import serial
import serial.threaded

from drivers.idcard.link import SamLink
from simulators.pty import close_pty, open_pty


def test_dropping_a_failed_commands_reply_is_not_taken_for_the_reader_unplugged():
    """A retry drops what came for the failed command while the reader thread
    is reading the port: that must never look like the adapter pulled out
    (pyserial calls a port that is readable but gives nothing "disconnected",
    and a line emptied under its feet is exactly that).  The flush does not
    touch the port at all, so a port just pulled out cannot fail it either
    (the earlier tcflush raised termios.error there and killed the poll thread)."""
    master, slave = open_pty()
    port = serial.Serial(os.ttyname(slave), 115200, timeout=None)
    link = SamLink()
    reader = serial.threaded.ReaderThread(port, lambda: link)
    reader.daemon = True
    reader.start()
    stop = threading.Event()

    def chatter() -> None:   # a SAM answering late, byte after byte
        while not stop.is_set():
            try:
                os.write(master, b"\xaa")
            except BlockingIOError:
                pass
            time.sleep(0.0002)

    talker = threading.Thread(target=chatter, daemon=True)
    talker.start()
    try:
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not link.lost.is_set():
            link.flush()
        assert not link.lost.is_set()
    finally:
        stop.set()
        talker.join()
        reader.close()
        close_pty(None, master, slave)
