"""The 2D code scanner as the kiosk knows it: see drivers/manifest.py.

The USB ids are those of the scanners' USB-COM (CDC-ACM) mode, the mode a
hut configures them in; in HID keyboard mode the scanner is an input device
(``/dev/input/by-id/...-event-kbd``) named in ``[devices.code_scanner]``.
"""

from __future__ import annotations

from drivers.manifest import DISCONNECTS, NO_DEVICE, Advice, DeviceKind, Offer, Peripheral, UsbId

KINDS = (
    DeviceKind(
        "code_scanner", "扫码器", "code scanner",
        drivers={"code_scanner.serial": "drivers.scanner.device:SerialCodeScanner",
                 "code_scanner.hid": "drivers.scanner.device:HidCodeScanner"},
        problems={
            "unplugged": Advice("扫码器已断开：插好USB线", "the code scanner was unplugged: plug its USB cable back in",
                                "staff"),
            "no_device": NO_DEVICE,
        },
        counters={
            "codes": ("扫码次数", "codes scanned"),
            "refused_too_long": ("过长的码", "codes refused as too long"),
            "refused_cut_off": ("不完整的码", "codes cut off (no suffix)"),
            "refused_not_text": ("无法识别的码", "codes that were not text"),
            "refused_repeat": ("重复扫码", "repeated scans of one code"),
            "disconnects": DISCONNECTS,
        },
        peripherals=(Peripheral("code_scanner", "扫码器", "2D code scanner (USB-COM)", "tty",
                                (UsbId("1eab", "8306", "Newland (USB-COM)"), UsbId("1eab", "0c06", "Newland (USB-COM)")),
                                "sends each scanned code followed by its suffix (no question to ask)"),),
        offers=(Offer("code"),),
        simulators=("simulators.scanner:ScannerSimulator",),
    ),
)
