"""A virtual card in a vpcd slot: the card side of vsmartcard's socket protocol.

pcscd's vpcd driver listens on a TCP port for slot 0 and the next one for
slot 1 (the hut's pcscd: a free pair; the machine's: 35963 and 35964, set in
/etc/reader.conf.d/vpcd); a card "is inserted" while its TCP connection is up.  Every message is a
2-byte big-endian length and then either one control byte (0 power off,
1 power on, 2 reset, 4 get ATR: only this one is answered) or an APDU,
answered by the response APDU.  vpcd polls presence by asking for the ATR,
so the card must keep answering while nothing else happens.

When pcscd restarts, the connection drops; an inserted card connects again
by itself, as a card left in a reader is seen again by a restarted daemon.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time

from simulators.smartcard.cards import VirtualCard

log = logging.getLogger(__name__)

VPCD_HOST = "127.0.0.1"
VPCD_PORT = 35963          # the machine pcscd's slot 0; slot n is VPCD_PORT + n (/etc/reader.conf.d/vpcd)
CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0, 1, 2, 4
QUICKACK = getattr(socket, "TCP_QUICKACK", None)  # Linux only


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        # vpcd writes the length and the message in two send() calls; with
        # Nagle on its side and delayed ACKs on ours, every message would
        # wait ~40 ms for the ACK of its length.  Linux clears QUICKACK after
        # use, so it is set again before every read.
        if QUICKACK is not None:
            sock.setsockopt(socket.IPPROTO_TCP, QUICKACK, 1)
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


class VpcdSlot:
    """One vpcd slot and the card in it (or none).

    ``insert(card)`` connects the card; ``remove()`` pulls it out.
    ``remove_after`` pulls it out on its own after that many APDUs (the
    reply to the last one is never sent): a card yanked out mid-read,
    deterministic.  ``delay`` is the card's time per APDU.
    """

    def __init__(self, slot: int = 0, host: str = VPCD_HOST, port: int | None = None):
        self.slot = slot
        self.host = host
        self.port = port if port is not None else VPCD_PORT + slot
        self.card: VirtualCard | None = None
        self.delay = 0.0
        self.remove_after: int | None = None
        self.apdus = 0            # APDUs the current card answered
        self.connections = 0      # times the current card connected (>1 after a pcscd restart)
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def inserted(self) -> bool:
        return self.card is not None

    @property
    def connected(self) -> bool:
        return self._sock is not None

    def insert(self, card: VirtualCard, delay: float = 0.0, remove_after: int | None = None) -> None:
        self.remove()
        with self._lock:
            self.card, self.delay, self.remove_after = card, delay, remove_after
            self.apdus = self.connections = 0
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, args=(card, self._stop),
                                            name=f"vpcd-slot{self.slot}", daemon=True)
            self._thread.start()

    def remove(self) -> bool:
        with self._lock:
            had = self.card is not None
            self.card = None
            self._stop.set()
            sock, thread = self._sock, self._thread
            self._thread = None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if thread is not None and thread is not threading.current_thread():
            thread.join(5)
        return had

    def _run(self, card: VirtualCard, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                sock = socket.create_connection((self.host, self.port), timeout=1)
            except OSError:
                stop.wait(0.05)   # pcscd (re)starting: try again, like a card left in the slot
                continue
            sock.settimeout(None)
            with self._lock:
                if stop.is_set():
                    sock.close()
                    return
                self._sock = sock
                self.connections += 1
            try:
                self._serve(card, sock, stop)
            except OSError as exc:
                log.debug("vpcd slot %d: connection ended (%s)", self.slot, exc)
            finally:
                with self._lock:
                    self._sock = None
                sock.close()

    def _serve(self, card: VirtualCard, sock: socket.socket, stop: threading.Event) -> None:
        while not stop.is_set():
            head = _recv_exact(sock, 2)
            if head is None:
                return
            message = _recv_exact(sock, int.from_bytes(head, "big"))
            if message is None:
                return
            if len(message) == 1:
                if message[0] == CTRL_ATR:
                    sock.sendall(len(card.atr).to_bytes(2, "big") + card.atr)
                elif message[0] in (CTRL_ON, CTRL_RESET):
                    card.reset()
                continue
            if self.remove_after is not None and self.apdus >= self.remove_after:
                self._pull_out(stop)
                return
            if self.delay:
                time.sleep(self.delay)
            reply = card.respond(message)
            self.apdus += 1
            if not reply:
                # vpcd would wait forever for a 0-byte message; a card that
                # says nothing at all is mute, which a reader sees as a card
                # lost mid-exchange.  It is still in the slot: reconnect.
                return
            sock.sendall(len(reply).to_bytes(2, "big") + reply)

    def _pull_out(self, stop: threading.Event) -> None:
        with self._lock:
            if self._stop is stop:
                self.card = None
            stop.set()
