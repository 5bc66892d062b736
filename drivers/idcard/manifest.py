"""The ID card reader as the kiosk knows it (with the vendor's WLT photo
decoder, drivers/idcard/wlt.py): see drivers/manifest.py."""

from __future__ import annotations

from drivers.manifest import (
    CARD_READ_FAILURES,
    CARD_READS,
    CH340,
    COMM_ERRORS,
    CP210X,
    DISCONNECTS,
    FTDI,
    NO_DEVICE,
    Advice,
    DeviceKind,
    Offer,
    Peripheral,
    Probe,
)

KINDS = (
    DeviceKind(
        "idcard", "身份证阅读器", "ID card reader",
        drivers={"idcard.sam": "drivers.idcard.device:IdCardReader"},
        problems={
            "unplugged": Advice("读卡器已拔出：插好USB线", "reader unplugged: plug the USB cable back in", "staff"),
            "no_device": NO_DEVICE,
            # the ID card photo decoder (drivers/idcard/wlt.py, a vendor library)
            "wlt_library": Advice("证件照解码库无法加载：检查 wlt_library 路径，联系工程师",
                                  "the ID photo decoder library does not load: check wlt_library, call an engineer",
                                  "engineer"),
            "wlt_length": Advice("证件照数据不完整：请居民重新放卡", "the card's photo data was short: place the card again",
                                 "wait"),
            "wlt_decode": Advice("证件照解码失败：请居民重新放卡，反复出现请联系工程师",
                                 "the ID photo did not decode: place the card again; call an engineer if it repeats",
                                 "wait"),
            "wlt_size": Advice("证件照尺寸不对：检查解码库版本，联系工程师",
                               "the decoded ID photo has the wrong size: check the decoder library's version",
                               "engineer"),
        },
        counters={
            "reads": CARD_READS,
            "read_failures": CARD_READ_FAILURES,
            "photo_decode_failures": ("身份证照片解码失败", "ID photo decode failures"),
            "comm_errors": COMM_ERRORS,
            "disconnects": DISCONNECTS,
        },
        peripherals=(Peripheral("idcard", "身份证阅读器", "ID card reader (SAM)", "tty", (FTDI, CP210X, CH340),
                                "answers the SAM status command with 11 FF (SW 90 00)"),),
        probes=(Probe("serial", "drivers.idcard.probe:ask_serial", "11 FF (SAM)", order=20),),
        offers=(Offer("id_card"),),
        simulators=("simulators.idcard:IdCardSimulator",),
    ),
)
