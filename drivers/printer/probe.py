"""How ``kiosk provision`` recognises an ESC/POS printer: it answers
``DLE EOT 1`` with one status byte of the form 0xx1xx10, on a serial port
(at one of the usual baud rates) or at a tcp:// address."""

from __future__ import annotations

import socket

import serial

from drivers.manifest import Answer
from drivers.printer.status import query, valid_reply
from drivers.probing import ask

BAUDS = (9600, 19200, 38400, 115200)


def ask_serial(port: serial.Serial, pty: bool) -> Answer | None:
    # A pty (the virtual hut, a serial-over-network bridge) has no baud rate: one try is enough.
    for baud in BAUDS[:1] if pty else BAUDS:
        port.baudrate = baud
        answer = ask(port, query(1))
        if answer and valid_reply(answer[0]):
            return Answer(f"ESC/POS printer: DLE EOT 1 -> {answer[0]:02X} at {baud} baud", {"baudrate": baud})
    return None


def ask_network(url: str, timeout: float = 2.0) -> Answer | None:
    from drivers.printer.link import tcp_address

    host, port_number = tcp_address(url)
    try:
        with socket.create_connection((host, port_number), timeout=timeout) as conn:
            conn.sendall(query(1))
            conn.settimeout(timeout)
            answer = conn.recv(1)
    except OSError as exc:
        return Answer(f"no connection: {exc}", recognised=False)
    if answer and valid_reply(answer[0]):
        return Answer(f"ESC/POS printer: DLE EOT 1 -> {answer[0]:02X}")
    return Answer("connected, but no ESC/POS status answer to DLE EOT 1", recognised=False)
