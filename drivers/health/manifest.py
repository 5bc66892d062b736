"""The health-check devices as the kiosk knows them: see drivers/manifest.py.
One kind, several drivers (a line protocol, the CMS50D+ oximeter, BLE) and
several peripherals, each configured under its own name."""

from __future__ import annotations

from drivers.manifest import (
    CH340,
    CP210X,
    DISCONNECTS,
    FTDI,
    NO_DEVICE,
    PL2303,
    Advice,
    DeviceKind,
    Offer,
    Peripheral,
    Probe,
)

STARTED_ONLY = "configured from the inventory: it speaks only when a measurement is started"

KINDS = (
    DeviceKind(
        "health", "健康检测设备", "health device",
        drivers={"health.line": "drivers.health.line:LineHealthDevice",
                 "health.cms50d": "drivers.health.oximeter:PulseOximeter",
                 "health.ble": "drivers.health.ble:BleHealthDevice"},
        problems={
            # the fault names of drivers.health.device.FAULTS, then codec and transport errors
            "cuff_leak": Advice("袖带漏气：检查袖带和气管是否破损、接好",
                                "cuff leak: check the cuff and its tube are intact and connected", "staff"),
            "cuff_loose": Advice("袖带过松：帮居民绑紧", "cuff too loose: help the resident tighten it", "staff"),
            "movement": Advice("测量时移动：请居民保持不动后重测", "the resident moved: measure again, keeping still",
                               "wait"),
            "overrange": Advice("超出测量范围：重新测量，反复出现请联系工程师",
                                "out of range: measure again; call an engineer if it repeats", "staff"),
            "strip_error": Advice("试纸错误：更换试纸", "strip error: use a new test strip", "staff"),
            "low_battery": Advice("设备电量不足：更换电池或充电", "battery low: replace or charge the battery", "staff"),
            "probe_error": Advice("血氧探头故障：联系工程师", "oximeter probe fault: call an engineer", "engineer"),
            "device_error": Advice("设备故障：联系工程师", "device fault: call an engineer", "engineer"),
            "no_data": Advice("设备无响应：检查电源和连线", "the device does not answer: check power and cable", "staff"),
            "timeout": Advice("测量超时：重新测量", "the measurement timed out: measure again", "wait"),
            "cancelled": Advice("测量已取消", "measurement cancelled", "wait"),
            "decode": Advice("读数无法解析：重新测量，反复出现请联系工程师",
                             "a reading could not be decoded: measure again; call an engineer if it repeats", "wait"),
            "no_ble_stack": Advice("蓝牙组件未安装：联系工程师", "Bluetooth support not installed: call an engineer",
                                   "engineer"),
            "no_device": NO_DEVICE,
        },
        counters={
            "measurements": ("测量次数", "measurements"),
            "failures": ("测量失败", "failed measurements"),
            "rejected_lines": ("无效数据行", "rejected data lines"),
            "rejected_values": ("无效读数", "rejected readings"),
            "disconnects": DISCONNECTS,
        },
        peripherals=(
            Peripheral("bp", "血压计", "blood pressure monitor", "tty", (CP210X, FTDI, PL2303), STARTED_ONLY),
            Peripheral("glucometer", "血糖仪", "blood glucose meter", "tty", (CP210X, FTDI, PL2303), STARTED_ONLY),
            Peripheral("thermometer", "体温计", "infrared thermometer", "tty", (CH340, CP210X), STARTED_ONLY),
            Peripheral("oximeter", "血氧仪", "pulse oximeter (CMS50D+)", "tty", (CP210X,),
                       "heard: its live stream at 19200 8O1"),
            Peripheral("scale", "身高体重秤", "height and weight scale", "tty", (CH340, PL2303),
                       "heard: a preset line format (tanita, and-standard) while someone stands on it"),
        ),
        # Devices that speak only when started are never started by a probe
        # (a blood-pressure cuff would inflate): only those that talk unasked are heard.
        probes=(Probe("serial_listen", "drivers.health.probe:listen", "a health device"),),
        offers=(Offer("measure"),),
        simulators=("simulators.health:BloodPressureSimulator", "simulators.health:ScaleSimulator",
                    "simulators.health:ThermometerSimulator", "simulators.health:OximeterSimulator",
                    "simulators.health:GlucometerSimulator"),
    ),
)
