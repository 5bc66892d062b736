"""The PC/SC transport: pyscard's ``smartcard.scard`` calls, with their
result codes turned into three exceptions the device acts on.

pyscard's ``CardMonitor``/``ReaderMonitor`` are not used: their thread is a
process-wide singleton that stops for good on ``SCARD_E_NO_SERVICE`` (and
prints a traceback to stderr), so a kiosk would never see its card reader
again after a pcscd restart.  The same ``SCardGetStatusChange`` they call is
driven here from the device's own thread, on a context re-established after
pcscd comes back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from smartcard import scard

from drivers.base import Action, DeviceFailure
from drivers.options import OptionError, shorten

# Result codes meaning "pcscd is gone" (stopped, restarted, never started).
_SERVICE_GONE = frozenset({scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED, scard.SCARD_E_INVALID_HANDLE,
                           scard.SCARD_F_COMM_ERROR, scard.SCARD_F_INTERNAL_ERROR})
# ... "the card went away (or was reset) under us".
_CARD_GONE = frozenset({scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD, scard.SCARD_W_RESET_CARD,
                        scard.SCARD_E_NOT_TRANSACTED, scard.SCARD_W_UNPOWERED_CARD,
                        scard.SCARD_W_UNRESPONSIVE_CARD})
_READER_GONE = frozenset({scard.SCARD_E_UNKNOWN_READER, scard.SCARD_E_READER_UNAVAILABLE,
                          scard.SCARD_E_NO_READERS_AVAILABLE})


SOCKET_ENV = "PCSCLITE_CSOCK_NAME"
_used = False   # this process has made a PC/SC call: libpcsclite has read SOCKET_ENV


def use_socket(path: str | None) -> None:
    """Talk to the pcscd listening on ``path`` (None: the system's, or what
    ``PCSCLITE_CSOCK_NAME`` already says).  libpcsclite reads that variable
    once, at the process's first PC/SC call, so a process talks to one pcscd:
    pointing it elsewhere after that call is an error."""
    if path is None or os.environ.get(SOCKET_ENV) == path:
        return
    if _used:
        current = os.environ.get(SOCKET_ENV) or "the system's"
        raise OptionError("pcsc_socket", f"the pcscd socket this process already uses ({current}): one process "
                          "talks to one pcscd", shorten(path))
    os.environ[SOCKET_ENV] = path


def describe(hresult: int) -> str:
    """``0x8010001D (Service not available.)``"""
    return f"0x{hresult & 0xFFFFFFFF:08X} ({scard.SCardGetErrorMessage(hresult).strip()})"


class PcscError(DeviceFailure):
    """A PC/SC call failed; ``hresult`` is the raw code."""

    def __init__(self, message: str, hresult: int, action: Action = Action.MAINTENANCE, code: str = "pcsc"):
        super().__init__(f"{message}: {describe(hresult)}", action, code)
        self.hresult = hresult


class ServiceGone(PcscError):
    """pcscd is not running (or went away)."""

    def __init__(self, hresult: int):
        super().__init__("PC/SC 服务 pcscd 未运行 / pcscd is not running (start it: systemctl start pcscd.socket)",
                         hresult, Action.MAINTENANCE, "pcscd_down")


class CardGone(PcscError):
    """The card was pulled out (or reset) during an exchange."""

    def __init__(self, hresult: int = scard.SCARD_W_REMOVED_CARD):
        super().__init__("读卡中卡片被拔出 / the card was pulled out during the read; insert it again",
                         hresult, Action.CLEAR, "removed_mid_read")


class ReaderGone(PcscError):
    def __init__(self, reader: str, hresult: int):
        super().__init__(f"读卡器 {reader!r} 不在 / reader {reader!r} is not connected", hresult,
                         Action.MAINTENANCE, "no_device")


def _check(hresult: int, reader: str = "") -> None:
    if hresult == scard.SCARD_S_SUCCESS:
        return
    if hresult in _SERVICE_GONE:
        raise ServiceGone(hresult)
    if hresult in _CARD_GONE:
        raise CardGone(hresult)
    if hresult in _READER_GONE:
        raise ReaderGone(reader, hresult)
    raise PcscError("PC/SC 调用失败 / PC/SC call failed", hresult)


@dataclass(frozen=True)
class SlotState:
    """What SCardGetStatusChange says about one reader."""

    event_state: int
    atr: bytes

    @property
    def present(self) -> bool:
        return bool(self.event_state & scard.SCARD_STATE_PRESENT) and not self.event_state & scard.SCARD_STATE_MUTE

    @property
    def unknown(self) -> bool:
        return bool(self.event_state & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE))


class Context:
    """One PC/SC context; raises ServiceGone when pcscd is not there."""

    def __init__(self) -> None:
        global _used
        _used = True
        hresult, self.handle = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        _check(hresult)

    def readers(self) -> list[str]:
        hresult, names = scard.SCardListReaders(self.handle, [])
        if hresult == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        _check(hresult)
        return list(names)

    def wait(self, reader: str, known: int, timeout: float) -> SlotState:
        """Block until the reader's state differs from ``known`` or the
        timeout passes; returns the current state either way."""
        hresult, states = scard.SCardGetStatusChange(self.handle, int(timeout * 1000), [(reader, known)])
        if hresult not in (scard.SCARD_S_SUCCESS, scard.SCARD_E_TIMEOUT, scard.SCARD_E_CANCELLED):
            _check(hresult, reader)
        _name, event_state, atr = states[0]
        return SlotState(event_state & ~scard.SCARD_STATE_CHANGED, bytes(atr))

    def cancel(self) -> None:
        """Wake a ``wait`` from another thread (close)."""
        scard.SCardCancel(self.handle)

    def connect(self, reader: str, exclusive: bool = True) -> "Card":
        mode = scard.SCARD_SHARE_EXCLUSIVE if exclusive else scard.SCARD_SHARE_SHARED
        hresult, handle, protocol = scard.SCardConnect(self.handle, reader, mode,
                                                       scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
        if hresult == scard.SCARD_E_SHARING_VIOLATION:
            raise PcscError(f"读卡器 {reader!r} 被其他程序占用 / another program holds reader {reader!r}", hresult,
                            Action.AUTO, "busy")
        _check(hresult, reader)
        return Card(handle, protocol, reader)

    def release(self) -> None:
        scard.SCardReleaseContext(self.handle)


class Card:
    """A connected card: ``transmit`` raw APDUs, ``atr``, ``disconnect``."""

    def __init__(self, handle: int, protocol: int, reader: str):
        self.handle, self.protocol, self.reader = handle, protocol, reader

    def transmit(self, command: bytes) -> bytes:
        hresult, response = scard.SCardTransmit(self.handle, self.protocol, list(command))
        _check(hresult, self.reader)
        return bytes(response)

    def atr(self) -> bytes:
        hresult, _reader, _state, _protocol, atr = scard.SCardStatus(self.handle)
        _check(hresult, self.reader)
        return bytes(atr)

    def disconnect(self) -> None:
        scard.SCardDisconnect(self.handle, scard.SCARD_LEAVE_CARD)
