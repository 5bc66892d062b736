"""The face check's front camera (前置摄像头): the document camera's capture
code at a face camera's size.

It is a device class of its own ("face_camera") so the availability rules
count it apart from the 高拍仪: a terminal whose document camera works but
whose front camera does not sends the face check to the counter, and the
other way round.  A face needs far fewer pixels than a page: 640x480 is what
the face engine works at, and a USB 2 front camera gives it at full rate.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from drivers.camera.device import CameraOptions, DocumentCamera


class FrontCameraOptions(CameraOptions):
    width: int = Field(640, ge=160, le=8192, description="requested frame width in pixels, 160..8192")
    height: int = Field(480, ge=120, le=8192, description="requested frame height in pixels, 120..8192")


class FrontCamera(DocumentCamera):
    """前置摄像头 / front camera facing the resident, for the face check."""

    device_class: ClassVar[str] = "face_camera"
    Options: ClassVar[type[CameraOptions]] = FrontCameraOptions
    called: ClassVar[tuple[str, str]] = ("前置摄像头", "front camera")
