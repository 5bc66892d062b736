"""What maintenance staff should do, in plain words: one table per question.

``kiosk doctor``, the maintenance guide (docs/MAINTENANCE.md, generated from
these tables by ``kiosk.ops.docs_gen``) and the metrics' alert texts read the
same entries, so what a worker reads at the terminal is what the guide
explains.  Chinese first, English second, as everything staff see.

``who`` says who acts: ``none`` (all well), ``staff`` (hut staff fix it on
site: paper, cover, cable), ``engineer`` (call one), ``wait`` (it recovers by
itself; call an engineer if it lasts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping


@dataclass(frozen=True)
class Advice:
    zh: str
    en: str
    who: str  # none, staff, engineer, wait

    @property
    def text(self) -> str:
        return f"{self.zh} / {self.en}"


# Device status (drivers.base.Status, plus "disabled") -> what it means for staff.
STATUS: dict[str, Advice] = {
    "online": Advice("正常", "working", "none"),
    "busy": Advice("正在使用", "in use (a job is running)", "none"),
    "starting": Advice("正在启动", "starting up", "wait"),
    "offline": Advice("离线：检查电源和连线，仍离线请联系工程师",
                      "offline: check power and cable; call an engineer if it stays offline", "staff"),
    "power_off": Advice("设备未通电：打开电源", "switched off: switch it on", "staff"),
    "no_device": Advice("找不到设备：检查USB线是否插好", "not found: check the USB cable is plugged in", "staff"),
    "user_error": Advice("需要现场处理（见下方提示）", "needs hut staff (see the error below)", "staff"),
    "hardware_error": Advice("硬件故障：联系工程师", "hardware fault: call an engineer", "engineer"),
    "unknown": Advice("设备无应答：检查电源和连线", "no answer: check power and cable", "staff"),
    "disabled": Advice("已在配置中停用", "disabled in the configuration", "none"),
}

# A device error's action (drivers.base.Action) -> who acts.
ACTION: dict[str, Advice] = {
    "clear": Advice("请现场处理", "hut staff can fix it", "staff"),
    "maintenance": Advice("联系工程师", "call an engineer", "engineer"),
    "auto": Advice("稍候，会自动恢复", "wait: it recovers by itself", "wait"),
}

# A driver's problem code (DeviceError.code, a device's detail["problem"]) -> the exact fix.
PROBLEM: dict[str, Advice] = {
    "paper_end": Advice("换纸", "replace the paper roll", "staff"),
    "paper_near_end": Advice("纸将用完：准备新纸卷", "paper running low: have a new roll ready", "staff"),
    "cover_open": Advice("合上打印机盖", "close the printer cover", "staff"),
    "recoverable_error": Advice("清除卡纸后合上盖子", "clear the paper jam, then close the cover", "staff"),
    "autocutter_error": Advice("切刀故障：联系工程师", "cutter fault: call an engineer", "engineer"),
    "unrecoverable_error": Advice("打印机故障：联系工程师", "printer fault: call an engineer", "engineer"),
    "auto_recoverable_error": Advice("打印头过热：稍候自动恢复", "print head too hot: wait, it recovers", "wait"),
    "no_answer": Advice("打印机无应答：检查电源、连线或网络", "printer does not answer: check power, cable, network",
                        "staff"),
    "offline": Advice("打印机离线：稍候，仍离线请检查", "printer offline: wait, then check it", "wait"),
    "unplugged": Advice("读卡器已拔出：插好USB线", "reader unplugged: plug the USB cable back in", "staff"),
    "no_device": Advice("找不到设备：检查USB线和电源", "device not found: check its USB cable and power", "staff"),
    "no_connection": Advice("连不上打印机：检查电源、连线或网络，仍不行请联系工程师",
                            "cannot connect to the printer: check power, cable, network; then call an engineer",
                            "staff"),
    "busy": Advice("设备正忙：稍候", "device busy with another job: wait", "wait"),
    # smart card readers (drivers/smartcard)
    "no_card": Advice("读卡器中无卡：插入一张卡再测试", "no card in the reader: insert one to test it", "staff"),
    "removed_mid_read": Advice("读卡中卡片被拔出：请重新插卡", "the card was pulled out during the read: insert it again",
                               "wait"),
    "pcscd_down": Advice("读卡服务(pcscd)未运行：重启终端，仍不行请联系工程师",
                         "the card reader service (pcscd) is not running: restart the terminal; "
                         "call an engineer if it persists", "engineer"),
    # the ID card photo decoder (drivers/idcard/wlt.py, a vendor library)
    "wlt_library": Advice("证件照解码库无法加载：检查 wlt_library 路径，联系工程师",
                          "the ID photo decoder library does not load: check wlt_library, call an engineer",
                          "engineer"),
    "wlt_length": Advice("证件照数据不完整：请居民重新放卡", "the card's photo data was short: place the card again",
                         "wait"),
    "wlt_decode": Advice("证件照解码失败：请居民重新放卡，反复出现请联系工程师",
                         "the ID photo did not decode: place the card again; call an engineer if it repeats", "wait"),
    "wlt_size": Advice("证件照尺寸不对：检查解码库版本，联系工程师",
                       "the decoded ID photo has the wrong size: check the decoder library's version", "engineer"),
    # the document camera (drivers/camera; the front camera has its own words in DEVICE_PROBLEM)
    "frames_stopped": Advice("高拍仪画面中断：检查USB线或网线，仍不恢复请联系工程师",
                             "the document camera stopped sending frames: check its cable; "
                             "call an engineer if it stays", "staff"),
    "no_frame": Advice("高拍仪无画面：检查连接和电源", "the document camera gives no picture: check its cable and power",
                       "staff"),
    # health devices (drivers/health: the fault names of FAULTS, and codec errors)
    "cuff_leak": Advice("袖带漏气：检查袖带和气管是否破损、接好", "cuff leak: check the cuff and its tube are intact "
                        "and connected", "staff"),
    "cuff_loose": Advice("袖带过松：帮居民绑紧", "cuff too loose: help the resident tighten it", "staff"),
    "movement": Advice("测量时移动：请居民保持不动后重测", "the resident moved: measure again, keeping still", "wait"),
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
    "no_ble_stack": Advice("蓝牙组件未安装：联系工程师", "Bluetooth support not installed: call an engineer", "engineer"),
}

# A device kind's own words for a problem code (or a status) the generic entry
# would put in another device's name: the front camera shares the document
# camera's driver code, and so its codes, but staff look for a different device.
# Keys: the kind (the driver's device class, the part of its driver name before
# the dot), then the problem code.
DEVICE_PROBLEM: dict[str, dict[str, Advice]] = {
    "face_camera": {
        "frames_stopped": Advice("前置摄像头画面中断：检查摄像头USB线，仍不恢复请联系工程师",
                                 "the front camera stopped sending frames: check its USB cable; "
                                 "call an engineer if it stays", "staff"),
        "no_frame": Advice("前置摄像头无画面：检查USB线，看镜头是否被遮挡",
                           "the front camera gives no picture: check its USB cable and that nothing covers the lens",
                           "staff"),
        "no_device": Advice("找不到前置摄像头：检查摄像头USB线是否插好；修好前人脸核验转人工窗口",
                            "front camera not found: check its USB cable is plugged in; until then the face check "
                            "goes to the counter", "staff"),
    },
}

# Terminal-wide findings of `kiosk doctor` -> what to do.
TERMINAL: dict[str, Advice] = {
    "not_enrolled": Advice("终端未注册：运行 kiosk provision", "terminal not enrolled: run kiosk provision",
                           "engineer"),
    "disk_low": Advice("磁盘空间不足：联系工程师", "disk almost full: call an engineer", "engineer"),
    "state_unwritable": Advice("数据目录不可写：联系工程师", "state folder not writable: call an engineer", "engineer"),
    "platform_unreachable": Advice("连不上平台：检查网络；办件会自动补发",
                                   "platform unreachable: check the network; submissions are sent later by themselves",
                                   "staff"),
    "clock_off": Advice("终端时间不准：检查网络校时(NTP)", "terminal clock is off: check time sync (NTP)", "engineer"),
    "outbox_old": Advice("有办件超过1小时未发出：检查网络", "a submission is waiting over an hour: check the network",
                         "staff"),
    "outbox_dead": Advice("有办件无法发送：联系工程师处理", "submissions that cannot be sent: call an engineer",
                          "engineer"),
    "app_not_running": Advice("自助程序未运行：重启终端，仍不行请联系工程师",
                              "the kiosk app is not running: restart the terminal; call an engineer if it persists",
                              "engineer"),
}


def for_device(status: str, detail: Mapping[str, Any], last_error: Mapping[str, Any] | None,
               kind: str = "") -> Advice:
    """The one thing to do about a device: its problem's fix when the driver
    named one (in its kind's own words when :data:`DEVICE_PROBLEM` has them),
    else its error's action, else its status.  ``kind`` is the device class
    (``face_camera`` for ``face_camera.uvc``)."""
    problem = str(detail.get("problem") or detail.get("fault") or (last_error or {}).get("code") or "")
    if status == "online" and detail.get("paper") == "near_end":
        return PROBLEM["paper_near_end"]
    if status in ("online", "busy", "disabled"):
        return STATUS[status]
    own = DEVICE_PROBLEM.get(kind, {})
    if problem in own:
        return own[problem]
    if problem in PROBLEM:
        return PROBLEM[problem]
    if status in own:
        return own[status]
    if last_error and str(last_error.get("action")) in ACTION and status == "user_error":
        return ACTION[str(last_error["action"])]
    return STATUS.get(status, STATUS["unknown"])
