"""A hut's application receipt as it comes out of the printer and lies under
the document camera: for the slip watch's tests and bench/bench_slip_qr.py.

The receipt is built by the kiosk's own slip code (``kiosk.slips``), encoded
for the printer (``drivers.printer.encode``) and drawn as the printer
simulator draws it; the one a queued filing prints is the longest (office,
notes, masked name: about 20 cm of paper, its code of 8-dot modules near the
end).
"""

from __future__ import annotations

import cv2
import numpy as np

from simulators.camera.sim import held_up

OFFICE = {"name": "友协街道社区服务中心", "name_en": "Youxie Subdistrict Community Service Centre",
          "address": "哈尔滨市平房区友协大街1号", "address_en": "1 Youxie Street, Pingfang District, Harbin",
          "phone": "0451-86509300", "hours": "周一至周五 8:30-17:00，周六 9:00-12:00",
          "hours_en": "Mon-Fri 8:30-17:00, Sat 9:00-12:00"}
NOTES = ["网络恢复后本申请将自动提交，凭本回执二维码或身份证可查询办理进度 / It will be sent by itself when the "
         "network is back; this slip's QR code or your ID card finds it",
         "请在2个工作日内将以下材料交到窗口：居民身份证、户口簿 / Bring these to the office within 2 working "
         "days: Resident ID card, Household register"]


def queued_receipt(number: str, code: str, profile: str = "generic80-cn") -> np.ndarray:
    """The receipt of a filing queued under the hut's serial ``number`` with
    slip code ``code`` (its QR says ``HUTAPP:<number>:<code>``), BGR."""
    from drivers.printer.encode import encode
    from drivers.printer.paper import slips_from_bytes
    from drivers.printer.profiles import BUILTIN
    from kiosk.filing.submission import slip_qr
    from kiosk.slips import application_receipt

    slip = application_receipt({
        "number": number, "matter": "居民证明开具", "matter_en": "Residence certificate from the community",
        "tracking_url": slip_qr(number, code), "name": "李四", "id_number": "120101199001011281",
        "time": "2026-11-30T10:00:00", "hut": "虚拟服务小屋 Simulated hut", "notes": NOTES, "office": OFFICE})
    printer = BUILTIN[profile]
    (paper,) = slips_from_bytes(encode(slip, printer).data, printer.encoding, True, printer.dots)
    return cv2.cvtColor(np.array(paper.render().convert("L")), cv2.COLOR_GRAY2BGR)


def under_camera(picture: np.ndarray, size: tuple[int, int] = (1920, 1080), quality: int = 85) -> np.ndarray:
    """``picture`` lying on a dark tray (85 % of the frame's height at most,
    as the camera simulator holds a picture), through the camera's JPEG."""
    tray = np.full((size[1], size[0], 3), 40, np.uint8)
    frame = held_up(tray, picture)
    decoded = cv2.imdecode(cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])[1], cv2.IMREAD_COLOR)
    assert decoded is not None   # a JPEG OpenCV just wrote
    return decoded
