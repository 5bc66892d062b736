"""Plug-in point for a vendor WLT photo decoder.

The photo on a second-generation ID card is WLT-compressed and no open
decoder exists; vendors ship a shared library (e.g. ``libwlt.so``) whose
``int unpack(char *wlt, char *bmp, int save_to_file)`` turns the 1024 bytes
into a 102x126 24-bit BMP.  We call it through ctypes with ``save_to_file =
0`` so the picture stays in memory: the photo is personal data and must never
reach the disk.
"""

from __future__ import annotations

import ctypes
import struct
import threading

from drivers.base import Action, DeviceFailure

WLT_BYTES = 1024
BMP_WIDTH, BMP_HEIGHT = 102, 126
# 54-byte header + 126 rows of 102*3 bytes padded to 308
BMP_BYTES = 54 + BMP_HEIGHT * ((BMP_WIDTH * 3 + 3) // 4 * 4)


class WltDecoder:
    """A vendor decoder loaded from ``library`` (path), calling ``symbol``."""

    def __init__(self, library: str, symbol: str = "unpack"):
        try:
            self._lib = ctypes.CDLL(library)
            self._fn = getattr(self._lib, symbol)
        except (OSError, AttributeError) as exc:
            raise DeviceFailure(f"照片解码库无法加载 / WLT photo decoder {library!r} ({symbol}) "
                                f"cannot be loaded: {exc}", Action.MAINTENANCE, "wlt_library") from None
        self._fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
        self._fn.restype = ctypes.c_int
        self._lock = threading.Lock()   # vendor libraries are rarely reentrant
        self.library = library

    def decode(self, wlt: bytes) -> bytes:
        """WLT (1024 bytes) -> BMP bytes, in memory only."""
        if len(wlt) != WLT_BYTES:
            raise DeviceFailure(f"照片数据长度错误 / WLT photo is {len(wlt)} bytes, expected {WLT_BYTES}",
                                Action.AUTO, "wlt_length")
        out = ctypes.create_string_buffer(BMP_BYTES + 1024)
        with self._lock:
            rc = self._fn(bytes(wlt), out, 0)
        bmp = out.raw
        if rc != 1 or bmp[:2] != b"BM":
            raise DeviceFailure(f"照片解码失败 / WLT photo decoder returned {rc}", Action.AUTO, "wlt_decode")
        size, = struct.unpack_from("<I", bmp, 2)
        width, height = struct.unpack_from("<ii", bmp, 18)
        if (width, abs(height)) != (BMP_WIDTH, BMP_HEIGHT) or not 54 <= size <= len(bmp):
            raise DeviceFailure(f"照片尺寸错误 / decoded photo is {width}x{height}, expected 102x126",
                                Action.AUTO, "wlt_size")
        return bmp[:size]
