"""The receipt printer as the kiosk knows it: see drivers/manifest.py."""

from __future__ import annotations

from drivers.manifest import CH340, COMM_ERRORS, PL2303, Advice, DeviceKind, Offer, Peripheral, Probe, UsbId

KINDS = (
    DeviceKind(
        "printer", "凭条打印机", "receipt printer",
        drivers={"printer.escpos": "drivers.printer.device:ReceiptPrinter"},
        problems={
            "paper_end": Advice("换纸", "replace the paper roll", "staff"),
            "paper_near_end": Advice("纸将用完：准备新纸卷", "paper running low: have a new roll ready", "staff"),
            "cover_open": Advice("合上打印机盖", "close the printer cover", "staff"),
            "recoverable_error": Advice("清除卡纸后合上盖子", "clear the paper jam, then close the cover", "staff"),
            "autocutter_error": Advice("切刀故障：联系工程师", "cutter fault: call an engineer", "engineer"),
            "unrecoverable_error": Advice("打印机故障：联系工程师", "printer fault: call an engineer", "engineer"),
            "auto_recoverable_error": Advice("打印头过热：稍候自动恢复", "print head too hot: wait, it recovers",
                                             "wait"),
            "no_answer": Advice("打印机无应答：检查电源、连线或网络",
                                "printer does not answer: check power, cable, network", "staff"),
            "offline": Advice("打印机离线：稍候，仍离线请检查", "printer offline: wait, then check it", "wait"),
            "no_connection": Advice("连不上打印机：检查电源、连线或网络，仍不行请联系工程师",
                                    "cannot connect to the printer: check power, cable, network; then call an engineer",
                                    "staff"),
        },
        # A working printer whose paper runs low still needs staff before it stops.
        notices={("paper", "near_end"): "paper_near_end"},
        counters={
            "jobs": ("打印次数", "prints"),
            "failed_jobs": ("打印失败", "failed prints"),
            "lines_printed": ("打印行数", "lines printed"),
            "cuts": ("切纸次数", "cuts"),
            "failed_cuts": ("切纸失败", "failed cuts"),
            "paper_outs": ("缺纸次数", "paper-outs"),
            "comm_errors": COMM_ERRORS,
        },
        peripherals=(
            Peripheral("printer", "凭条打印机", "receipt printer (ESC/POS)", "tty", (CH340, PL2303),
                       "answers DLE EOT 1 (10 04 01) with one status byte (0xx1xx10)"),
            Peripheral("usbprinter", "凭条打印机(USB)", "receipt printer (USB printer class)", "usbmisc",
                       (UsbId("04b8", "0202", "Epson TM-T88 series"),
                        UsbId("0416", "5011", "Winbond-based POS-58/80 printer")),
                       "answers DLE EOT 1 on /dev/usb/lp*"),
        ),
        # DLE EOT 1 goes first on a serial port: 3 bytes a SAM module discards
        # as noise before its preamble.
        probes=(Probe("serial", "drivers.printer.probe:ask_serial", "DLE EOT 1 (printer)", order=10),
                Probe("network", "drivers.printer.probe:ask_network", "DLE EOT 1 (printer)")),
        offers=(Offer("slip"),),
        simulators=("simulators.printer:PrinterSimulator",),
    ),
)
