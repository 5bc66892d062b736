"""The screen's backlight outside the opening hours: DPMS on the X display.

The terminal asks for the backlight off (``TerminalView.screen_dark``) when
the closed screen has stood untouched for ``[hut.hours] screen_off_minutes``;
the app calls :meth:`DisplayPower.set_dark`.  On X (the kiosk's xinit
fallback, and Xvfb in the tests) this is what ``xset dpms force off`` does,
called through libXext with ctypes (no xset binary on the appliance):
``DPMSEnable`` + ``DPMSForceLevel(Off)``; the X server wakes the monitor by
itself on the next touch, which the app also sees (``touched`` ->
``set_dark(False)``: ``DPMSForceLevel(On)`` and ``DPMSDisable``, so the server
does not blank the kiosk by its own timer during opening hours).  A display
without the DPMS extension (Xvfb) gets the core screen saver instead
(``XForceScreenSaver``: blanked, backlight on).  Without an X display (cage
on Wayland) it says so once in the log and leaves the screen lit: a lit
closed screen is the safe failure.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
from typing import Any, Mapping

log = logging.getLogger(__name__)

DPMS_ON, DPMS_OFF = 0, 3
SCREEN_SAVER_RESET, SCREEN_SAVER_ACTIVE = 0, 1


class DisplayPower:
    """``method`` after a successful call: "dpms", "screensaver" or "" (none)."""

    def __init__(self, env: Mapping[str, str] | None = None):
        self.display_name = (os.environ if env is None else env).get("DISPLAY", "")
        self.dark = False
        self.method = ""
        self._told = False

    def _libs(self) -> tuple[Any, Any] | None:
        x11_name, xext_name = ctypes.util.find_library("X11"), ctypes.util.find_library("Xext")
        if not self.display_name or not x11_name:
            return None
        x11 = ctypes.CDLL(x11_name)
        x11.XOpenDisplay.restype, x11.XOpenDisplay.argtypes = ctypes.c_void_p, [ctypes.c_char_p]
        x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        x11.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        x11.XForceScreenSaver.argtypes = [ctypes.c_void_p, ctypes.c_int]
        int_p = ctypes.POINTER(ctypes.c_int)
        x11.XQueryExtension.argtypes = [ctypes.c_void_p, ctypes.c_char_p, int_p, int_p, int_p]
        xext = ctypes.CDLL(xext_name) if xext_name else None
        if xext is not None:
            for fn in ("DPMSEnable", "DPMSDisable", "DPMSCapable"):
                getattr(xext, fn).argtypes = [ctypes.c_void_p]
            xext.DPMSForceLevel.argtypes = [ctypes.c_void_p, ctypes.c_ushort]
        return x11, xext

    def set_dark(self, dark: bool) -> bool:
        """Backlight off (``dark``) or on again; False when it could not be done."""
        if dark == self.dark:
            return True
        libs = self._libs()
        display = libs[0].XOpenDisplay(self.display_name.encode()) if libs is not None else None
        if libs is None or not display:
            if not self._told:
                self._told = True
                log.info("no X display (%s): the screen stays lit outside the opening hours", self.display_name or "-")
            return False
        x11, xext = libs
        try:
            if xext is not None and _has_dpms(x11, display) and xext.DPMSCapable(display):
                if dark:
                    xext.DPMSEnable(display)
                    xext.DPMSForceLevel(display, DPMS_OFF)
                else:
                    xext.DPMSForceLevel(display, DPMS_ON)
                    xext.DPMSDisable(display)
                self.method = "dpms"
            else:
                x11.XForceScreenSaver(display, SCREEN_SAVER_ACTIVE if dark else SCREEN_SAVER_RESET)
                self.method = "screensaver"
            x11.XSync(display, 0)
        finally:
            x11.XCloseDisplay(display)
        self.dark = dark
        log.info("display %s (%s)", "off" if dark else "on", self.method)
        return True


def _has_dpms(x11: Any, display: int) -> bool:
    opcode, event, error = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
    return bool(x11.XQueryExtension(display, b"DPMS", ctypes.byref(opcode), ctypes.byref(event), ctypes.byref(error)))
