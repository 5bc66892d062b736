"""The A4 printer as the kiosk knows it: see drivers/manifest.py.

A CUPS queue, not a device node: no peripheral (USB id, udev rule) and no
probe.  The printer itself is CUPS's business (IPP Everywhere or a vendor
PPD, set up with lpadmin); the kiosk names the queue in
``[devices.a4_printer]`` and reads the queue's state."""

from __future__ import annotations

from drivers.manifest import COMM_ERRORS, Advice, DeviceKind, Offer

KINDS = (
    DeviceKind(
        "a4printer", "文件打印机", "A4 printer",
        drivers={"a4printer.cups": "drivers.a4printer.device:A4Printer"},
        problems={
            "media_empty": Advice("加A4纸", "load A4 paper", "staff"),
            "media_low": Advice("A4纸将用完：准备新纸", "A4 paper running low: have paper ready", "staff"),
            "media_jam": Advice("清除卡纸后关好打印机门", "clear the paper jam, then close the printer door", "staff"),
            "door_open": Advice("关好打印机门", "close the printer door", "staff"),
            "toner_empty": Advice("更换墨粉盒", "replace the toner cartridge", "staff"),
            "toner_low": Advice("墨粉将用完：准备新墨粉盒", "toner running low: have a new cartridge ready", "staff"),
            "offline": Advice("打印机离线：检查电源和连线，仍离线请联系工程师",
                              "printer offline: check power and cable; then call an engineer", "wait"),
            "paused": Advice("打印队列已暂停：处理后执行 cupsenable 恢复",
                             "the print queue is paused: fix the printer, then run cupsenable", "staff"),
            "stopped": Advice("打印队列已停止：查看 lpstat -p，处理后执行 cupsenable",
                              "the print queue stopped: see lpstat -p, then run cupsenable", "staff"),
            "not_accepting": Advice("打印队列拒收文件：执行 cupsaccept", "the print queue rejects jobs: run cupsaccept",
                                    "staff"),
            "no_cups": Advice("打印服务未运行：执行 systemctl restart cups，仍不行请联系工程师",
                              "the print service (CUPS) is not running: systemctl restart cups; then call an engineer",
                              "staff"),
            "no_queue": Advice("找不到打印队列：检查 kiosk.toml 的队列名，联系工程师",
                               "no such print queue: check the queue name in kiosk.toml, call an engineer", "engineer"),
            "refused": Advice("打印服务拒绝打印：联系工程师", "the print service refused the job: call an engineer",
                              "engineer"),
            "job_failed": Advice("打印任务失败：查看 lpstat -W completed", "a print job failed: see lpstat -W completed",
                                 "staff"),
        },
        notices={("paper", "near_end"): "media_low", ("toner", "low"): "toner_low"},
        counters={
            "documents": ("打印文件数", "documents printed"),
            "pages_printed": ("打印页数", "pages printed"),
            "failed_jobs": ("打印失败", "failed prints"),
            "paper_outs": ("缺纸次数", "paper-outs"),
            "jams": ("卡纸次数", "paper jams"),
            "comm_errors": COMM_ERRORS,
        },
        offers=(Offer("a4"),),
        simulators=("simulators.cups.sim:CupsSimulator",),
    ),
)
