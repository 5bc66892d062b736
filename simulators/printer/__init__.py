"""The simulated receipt printer (ESC/POS over TCP and a pty)."""

from .sim import PrinterSimulator

__all__ = ["PrinterSimulator"]
