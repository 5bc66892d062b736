"""The virtual hut's code scanner: USB-COM on a pty, and an evdev-like feed for HID mode."""

from simulators.scanner.hid import FakeInputDevice, keystrokes
from simulators.scanner.serial_scanner import ScannerSimulator

__all__ = ["FakeInputDevice", "ScannerSimulator", "keystrokes"]
