"""What maintenance staff should do, in plain words: one table per question.

The generic tables (a status, an error's action, the terminal's own
findings) are here; what to do about a device's problem code is in its
kind's manifest (drivers/<class>/manifest.py), read through
:func:`problem`.  ``kiosk doctor``, the maintenance guide (docs/MAINTENANCE.md,
generated from these tables by ``kiosk.ops.docs_gen``) and the metrics'
alert texts read the same entries, so what a worker reads at the terminal is
what the guide explains.  Chinese first, English second, as everything staff
see.

``who`` says who acts: ``none`` (all well), ``staff`` (hut staff fix it on
site: paper, cover, cable), ``engineer`` (call one), ``wait`` (it recovers by
itself; call an engineer if it lasts).
"""

from __future__ import annotations

from typing import Any, Mapping

from drivers.manifest import BASE_PROBLEMS, Advice
from kiosk.devices.kinds import all_kinds
from kiosk.devices.kinds import kind as kind_named

__all__ = ["ACTION", "STATUS", "TERMINAL", "Advice", "for_device", "problem", "problems"]


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
    "staff_called": Advice("有居民在终端上呼叫工作人员：请到终端前协助，协助后可在屏幕上取消呼叫",
                           "a resident pressed Call staff on the terminal: please go and help; "
                           "cancel the call on the screen afterwards", "staff"),
}


def problems() -> dict[str, Advice]:
    """Every problem code any kind (or the device model itself) has words
    for; a code two kinds share keeps the first kind's words."""
    out: dict[str, Advice] = {}
    for k in all_kinds():
        for code, tip in k.problems.items():
            out.setdefault(code, tip)
    for code, tip in BASE_PROBLEMS.items():
        out.setdefault(code, tip)
    return out


def problem(code: str, kind: str = "") -> Advice | None:
    """What to do about a problem code: in the words of the device's kind
    when it has its own (the front camera is not the document camera), else
    in any kind's."""
    own = kind_named(kind)
    if own is not None and code in own.problems:
        return own.problems[code]
    return problems().get(code)


def for_device(status: str, detail: Mapping[str, Any], last_error: Mapping[str, Any] | None,
               kind: str = "") -> Advice:
    """The one thing to do about a device: its problem's fix when the driver
    named one (in its kind's own words when its manifest has them), else its
    error's action, else its status.  ``kind`` is the device class
    (``face_camera`` for ``face_camera.uvc``)."""
    code = str(detail.get("problem") or detail.get("fault") or (last_error or {}).get("code") or "")
    own = kind_named(kind)
    if status == "online":
        for k in [own] if own is not None else all_kinds():
            for (key, value), notice in k.notices.items():
                if str(detail.get(key)) == value:
                    return k.problems[notice]
    if status in ("online", "busy", "disabled"):
        return STATUS[status]
    tip = problem(code, kind) if code else None
    if tip is not None:
        return tip
    if own is not None and status in own.statuses:
        return own.statuses[status]
    if last_error and str(last_error.get("action")) in ACTION and status == "user_error":
        return ACTION[str(last_error["action"])]
    return STATUS.get(status, STATUS["unknown"])
