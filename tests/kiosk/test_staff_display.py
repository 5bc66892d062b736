"""The backlight outside the opening hours (kiosk/ops/display_power.py): on a
real X display under Xvfb (which has no DPMS extension: the core screen saver
blanks it instead), and without a display (the screen stays lit, said once)."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

import pytest

from kiosk.ops.display_power import DisplayPower


def screen_saver_on(display: str) -> bool:
    """The X server's own answer: is the screen saver (blanking) active? (MIT-SCREEN-SAVER)"""
    xss = ctypes.util.find_library("Xss")
    if xss is None:
        pytest.skip("libXss is not installed: the blanking cannot be read back")

    class Info(ctypes.Structure):
        _fields_ = [("window", ctypes.c_ulong), ("state", ctypes.c_int), ("kind", ctypes.c_int),
                    ("til_or_since", ctypes.c_ulong), ("idle", ctypes.c_ulong), ("event_mask", ctypes.c_ulong)]

    x11, lib = ctypes.CDLL(ctypes.util.find_library("X11")), ctypes.CDLL(xss)
    x11.XOpenDisplay.restype, x11.XOpenDisplay.argtypes = ctypes.c_void_p, [ctypes.c_char_p]
    x11.XDefaultRootWindow.restype, x11.XDefaultRootWindow.argtypes = ctypes.c_ulong, [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    lib.XScreenSaverQueryInfo.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(Info)]
    dpy = x11.XOpenDisplay(display.encode())
    info = Info()
    try:
        lib.XScreenSaverQueryInfo(dpy, x11.XDefaultRootWindow(dpy), ctypes.byref(info))
    finally:
        x11.XCloseDisplay(dpy)
    return info.state == 1   # ScreenSaverOn


@pytest.mark.ui
def test_dark_and_light_again_on_an_x_display():
    from screens.headless import virtual_display

    with virtual_display(set_env=False) as display:
        power = DisplayPower({"DISPLAY": display})
        assert power.set_dark(True) and power.dark and power.method in ("dpms", "screensaver")
        if power.method == "screensaver":
            assert screen_saver_on(display)
        assert power.set_dark(False) and not power.dark
        if power.method == "screensaver":
            assert not screen_saver_on(display)


def test_without_a_display_the_screen_stays_lit_and_it_says_so_once(caplog):
    power = DisplayPower({})
    with caplog.at_level(logging.INFO, logger="kiosk.ops.display_power"):
        assert not power.set_dark(True)
        assert not power.set_dark(True)
    assert not power.dark
    assert sum("stays lit" in r.getMessage() for r in caplog.records) == 1
