"""The printer test slip: one piece of paper that shows whether encoding,
the grid, QR, barcode and cut all work.

The driver prints it for an ``external`` health check and ``kiosk printer
test`` prints it with the terminal's own rows on top, so the slip a
maintenance worker holds is the same whoever asked for it.  Pure: the caller
passes what to show.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from .profiles import Profile
from .slip import QR, Barcode, Cut, Feed, Rows, Separator, Slip, Text, Title

# The driver's counters (drivers.printer.device.COUNTERS), named for staff.
COUNTER_LABELS = {
    "jobs": "打印任务 Jobs",
    "failed_jobs": "失败任务 Failed jobs",
    "lines_printed": "已打印行 Lines printed",
    "cuts": "切纸 Cuts",
    "failed_cuts": "切纸失败 Failed cuts",
    "paper_outs": "缺纸次数 Paper-outs",
    "comm_errors": "通信错误 Link errors",
}


def printer_test_slip(printer: str, profile: Profile, status: str, counters: Mapping[str, int],
                       extra_rows: Iterable[tuple[str, str]] = ()) -> Slip:
    """``extra_rows`` come first (the terminal ID and the time, from the kiosk)."""
    rows = [*extra_rows,
            ("设备 Device", printer), ("型号 Profile", profile.name), ("纸宽 Paper", f"{profile.paper_mm} mm"),
            ("编码 Encoding", profile.encoding + (" (image)" if profile.image_fallback else "")),
            ("状态 Status", status)]
    return Slip([
        Title("打印机测试单"), Text("Printer test slip", "center", bold=True), Separator(), Rows(rows),
        Separator(), Text("计数 Counters:", bold=True),
        Rows((COUNTER_LABELS.get(name, name), str(value)) for name, value in counters.items()),
        Separator("="), Text("中文测试：居民自助服务小屋 天大小事", "center"),
        Text("ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789", "center"), Text(("1234567890" * 10)[:profile.columns]),
        QR(f"HUT-PRINTER-TEST {printer}"), Barcode("TEST0001"),
        Text("如能清楚看到本单全部内容，打印机工作正常"), Text("If all of this slip is clear, the printer works"),
        Feed(2), Cut()])
