"""The document camera (高拍仪) and the face check's front camera (前置摄像头)
as the kiosk knows them: see drivers/manifest.py.  Both run the same capture
code and report the same problem codes, but staff look for a different
device, so the front camera has words of its own."""

from __future__ import annotations

from drivers.manifest import NO_DEVICE, Advice, DeviceKind, Offer, Peripheral, Probe, SharedProbe, UsbId

CAMERA_COUNTERS = {
    "frames": ("摄像头画面帧数", "camera frames"),
    "stalls": ("画面中断次数", "camera stalls"),
    "reconnects": ("摄像头重连次数", "camera reconnects"),
}
FRONT_CAMERA_NOT_FOUND = Advice("找不到前置摄像头：检查摄像头USB线是否插好；修好前人脸核验转人工窗口",
                                "front camera not found: check its USB cable is plugged in; until then the face "
                                "check goes to the counter", "staff")

KINDS = (
    DeviceKind(
        "camera", "高拍仪", "document camera",
        drivers={"camera.uvc": "drivers.camera.device:DocumentCamera"},
        problems={
            "frames_stopped": Advice("高拍仪画面中断：检查USB线或网线，仍不恢复请联系工程师",
                                     "the document camera stopped sending frames: check its cable; "
                                     "call an engineer if it stays", "staff"),
            "no_frame": Advice("高拍仪无画面：检查连接和电源",
                               "the document camera gives no picture: check its cable and power", "staff"),
            "no_device": NO_DEVICE,
        },
        counters={**CAMERA_COUNTERS, "scans": ("拍摄次数", "scans")},
        peripherals=(Peripheral("camera", "高拍仪", "document camera", "video4linux",
                                (UsbId("0ac8", "3610", "Vimicro UVC document camera"),
                                 UsbId("1871", "0d01", "Aveo UVC document camera")),
                                "opens in OpenCV and returns a frame"),),
        probes=(Probe("camera", "drivers.camera.probe:look", "a frame from OpenCV"),),
        offers=(Offer("scan"),),
        simulators=("simulators.camera:CameraSimulator",),
    ),
    DeviceKind(
        "face_camera", "前置摄像头", "front camera",
        drivers={"face_camera.uvc": "drivers.camera.front:FrontCamera"},
        problems={
            "frames_stopped": Advice("前置摄像头画面中断：检查摄像头USB线，仍不恢复请联系工程师",
                                     "the front camera stopped sending frames: check its USB cable; "
                                     "call an engineer if it stays", "staff"),
            "no_frame": Advice("前置摄像头无画面：检查USB线，看镜头是否被遮挡",
                               "the front camera gives no picture: check its USB cable and that nothing covers "
                               "the lens", "staff"),
            "no_device": FRONT_CAMERA_NOT_FOUND,
        },
        statuses={"no_device": FRONT_CAMERA_NOT_FOUND},
        counters=CAMERA_COUNTERS,
        peripherals=(Peripheral("front_camera", "前置摄像头", "front camera (face check)", "video4linux", (),
                                "opens in OpenCV and returns a frame; told from the document camera by the config, "
                                "--front-camera SOURCE, or order (the second camera)"),),
        shares_probe=SharedProbe("camera", "--front-camera", "probe this camera source as the front camera "
                                 "(face check), not the document camera"),
        offers=(Offer("face_check"),),
        simulators=("simulators.face.camera:FrontCameraSimulator",),
    ),
)
