"""Frames in, checked: what the pipeline accepts, and the one error it raises.

Every pipeline entry point takes a BGR ``uint8`` array.  Files and bytes
are decoded here (``cv2.imdecode``: from memory, so a scanned page never
needs a plain file) and anything that is not an image becomes a
:class:`ScanError` with words a technician can act on, never a crash.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

from drivers.base import Action, DeviceFailure

# A frame larger than this is refused before decoding: 100 megapixels is
# far above any document camera and a decompression bomb below the RAM.
MAX_PIXELS = 100_000_000


class ScanError(DeviceFailure):
    """An image the pipeline cannot use (not an image, truncated, too large)."""

    def __init__(self, message: str, code: str = "bad_image"):
        super().__init__(message, Action.CLEAR, code)


def check_frame(frame: np.ndarray) -> None:
    """Raise ScanError unless ``frame`` is an 8-bit grey, BGR or BGRA array."""
    if not isinstance(frame, np.ndarray):
        raise ScanError(f"expected an image array, got {type(frame).__name__}")
    if frame.dtype != np.uint8:
        raise ScanError(f"expected an 8-bit image, got {frame.dtype}")
    if not (frame.ndim == 2 or (frame.ndim == 3 and frame.shape[2] in (1, 3, 4))):
        raise ScanError(f"expected a grey, BGR or BGRA image, got an array of shape {frame.shape}")


def as_bgr(frame: np.ndarray) -> np.ndarray:
    """The frame as 3-channel BGR uint8 (grey and BGRA accepted)."""
    check_frame(frame)
    if frame.ndim == 2:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    if frame.ndim == 3 and frame.shape[2] == 3:
        return frame
    if frame.ndim == 3 and frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)


def decode_image(data: bytes, name: str = "image") -> np.ndarray:
    """JPEG/PNG/... bytes to a BGR frame; ScanError for anything else."""
    if not data:
        raise ScanError(f"{name}: empty file")
    buf = np.frombuffer(data, np.uint8)
    # Pillow reads the header only: refuse a huge image before decoding it.
    try:
        with Image.open(io.BytesIO(data)) as probe:
            w, h = probe.size
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        w = h = 0   # not an image Pillow knows; cv2.imdecode below decides
    if w * h > MAX_PIXELS:
        raise ScanError(f"{name}: {w}x{h} is larger than {MAX_PIXELS // 1_000_000} megapixels", "too_large")
    if _truncated_jpeg(data):
        raise ScanError(f"{name}: the JPEG is truncated (no end-of-image marker); capture it again", "truncated")
    image = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if image is None:
        raise ScanError(f"{name}: not an image OpenCV can read (JPEG, PNG, BMP, TIFF, WebP)")
    return image


def _truncated_jpeg(data: bytes) -> bool:
    """libjpeg fills a truncated JPEG with grey and only warns: check the EOI marker."""
    return data[:2] == b"\xff\xd8" and b"\xff\xd9" not in data[-64:]


def read_image(path: str) -> np.ndarray:
    """Read an image file the CLI was given (bytes first, then decode)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise ScanError(f"{path}: cannot read: {exc.strerror or exc}", "unreadable") from None
    return decode_image(data, path)
