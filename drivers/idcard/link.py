"""The transport half of the reader: pyserial's ``ReaderThread`` feeds the
bytes it reads to :class:`SamLink`, which runs the sans-I/O decoder and queues
replies for whichever thread is waiting on a command (serial.threaded's
Protocol/ReaderThread split).
"""

from __future__ import annotations

import queue
import threading

import serial
import serial.threaded

from drivers.idcard import codec

LOST = object()  # queued when the port vanishes


class LinkLost(Exception):
    """The port vanished (USB adapter pulled): the reader reconnects."""


class SamLink(serial.threaded.Protocol):
    """Bytes from the ReaderThread -> replies (or codec errors) in a queue."""

    def __init__(self) -> None:
        self.decoder = codec.FrameDecoder("reply")
        self.replies: queue.Queue = queue.Queue()
        self.lost = threading.Event()
        self.lock = threading.Lock()
        self.transport: serial.threaded.ReaderThread | None = None

    def connection_made(self, transport: serial.threaded.ReaderThread) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        with self.lock:
            self.decoder.feed(data)
            while True:
                try:
                    for reply in self.decoder.events():
                        self.replies.put(reply)
                    break
                except codec.ProtocolError as exc:
                    self.replies.put(exc)

    def connection_lost(self, exc: BaseException | None) -> None:
        self.lost.set()
        self.replies.put(LOST)

    def flush(self) -> None:
        """Drop whatever came for a failed command (the decoder's half frame,
        the replies not taken), so it is not taken as the answer to the next one.

        Not the port's own input buffer: the reader thread is reading it, and
        a line emptied between its ``select`` and its ``read`` reads as nothing,
        which pyserial reports as the device gone ("readiness to read but
        returned no data"): under load, every retried command could look like
        the adapter pulled out.  The reader thread empties the port anyway."""
        with self.lock:
            self.decoder.reset()
            while True:
                try:
                    item = self.replies.get_nowait()
                except queue.Empty:
                    break
                if item is LOST:
                    self.replies.put(LOST)
                    break
