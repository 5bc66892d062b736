"""The PC/SC card readers as the kiosk knows them: see drivers/manifest.py."""

from __future__ import annotations

from drivers.manifest import (
    CARD_READ_FAILURES,
    CARD_READS,
    COMM_ERRORS,
    NO_DEVICE,
    Advice,
    DeviceKind,
    Offer,
    Peripheral,
    Probe,
    UsbId,
)

KINDS = (
    DeviceKind(
        "smartcard", "社保卡读卡器", "social security card reader",
        drivers={"smartcard.pcsc": "drivers.smartcard.device:SmartCardReader"},
        problems={
            "no_card": Advice("读卡器中无卡：插入一张卡再测试", "no card in the reader: insert one to test it", "staff"),
            "removed_mid_read": Advice("读卡中卡片被拔出：请重新插卡",
                                       "the card was pulled out during the read: insert it again", "wait"),
            "pcscd_down": Advice("读卡服务(pcscd)未运行：重启终端，仍不行请联系工程师",
                                 "the card reader service (pcscd) is not running: restart the terminal; "
                                 "call an engineer if it persists", "engineer"),
            "no_device": NO_DEVICE,
        },
        counters={
            "reads": CARD_READS,
            "read_failures": CARD_READ_FAILURES,
            "removed_mid_read": ("读卡中拔卡", "cards pulled out mid-read"),
            "pcscd_outages": ("读卡服务中断", "card service (pcscd) outages"),
            "comm_errors": COMM_ERRORS,
        },
        # Named by the card it reads (options.reads, drivers/smartcard/device.py).
        named={("reads", "staff_uid"): ("工作卡读卡器", "staff card reader")},
        peripherals=(Peripheral("smartcard", "社保卡/银行卡读卡器", "smart card reader (PC/SC)", "usb",
                                (UsbId("076b", "3031", "OMNIKEY 3x21"), UsbId("072f", "90cc", "ACS ACR38U")),
                                "listed by pcscd (pcsc_scan)"),),
        probes=(Probe("pcsc", "drivers.smartcard.probe:readers", "pcscd's reader list"),),
        # The staff card's reader is no way for a resident to identify: only a
        # reader that reads social security cards offers it.
        offers=(Offer("social_security", needs="social_security_card"),),
        simulators=("simulators.smartcard:SmartcardSimulator",),
    ),
)
