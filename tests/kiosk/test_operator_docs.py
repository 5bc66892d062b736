"""The operator documents are current with the tables the code uses, and
those tables cover every status and problem code the drivers can report."""

from __future__ import annotations

import re
from pathlib import Path

from drivers.base import Action, Status
from kiosk.devices import advice
from kiosk.ops.docs_gen import documents, main, render

ROOT = Path(__file__).resolve().parents[2]


def test_generated_blocks_are_current():
    for path in documents():
        text = path.read_text(encoding="utf-8")
        assert "<!-- BEGIN GENERATED:" in text
        assert render(text) == text, f"{path.name} is stale: run python -m kiosk.ops.docs_gen"
    assert main(["--check"]) == 0


def test_a_stale_document_is_detected():
    text = documents()[1].read_text(encoding="utf-8")
    stale = text.replace("| `paper_end` | 凭条打印机 | 换纸 |", "| `paper_end` | 凭条打印机 | 加纸 |")
    assert stale != text and render(stale) == text


def test_every_status_and_action_has_advice():
    assert {s.value for s in Status} | {"disabled"} == set(advice.STATUS)
    assert {a.value for a in Action} == set(advice.ACTION)


def codes_reported_in(package: Path) -> set[str]:
    """The problem codes a driver package's code reports: an error's code
    after its action, and the health devices' fault names."""
    codes = set()
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'Action\.[A-Z]+,\s*"([a-z_]+)"', text))
        if path.name == "device.py" and "FAULTS" in text:
            codes |= set(re.findall(r'^    "([a-z_]+)": \(Status\.', text, re.M))
    return codes


def test_every_problem_code_a_driver_reports_has_advice_in_its_kinds_manifest():
    """Each kind's manifest has words for every code its package reports
    (the front camera for every code the camera package reports, in its own words)."""
    from drivers.health.device import FAULTS
    from drivers.manifest import BASE_PROBLEMS
    from kiosk.devices import kinds

    assert set(FAULTS) <= codes_reported_in(ROOT / "drivers" / "health")
    for kind in kinds.all_kinds():
        package = ROOT / "drivers" / kind.drivers[kind.default_driver].split(".")[1]
        codes = codes_reported_in(package)
        assert codes, package
        missing = codes - set(kind.problems) - set(BASE_PROBLEMS)
        assert not missing, f"{kind.kind}: no advice for {sorted(missing)} in {package}/manifest.py"
    assert set(codes_reported_in(ROOT / "drivers")) <= set(advice.problems())


def test_advice_says_replace_paper_and_call_an_engineer():
    assert advice.for_device("user_error", {"problem": "paper_end"}, None).text == "换纸 / replace the paper roll"
    hw = advice.for_device("hardware_error", {}, {"what": "x", "action": "maintenance"})
    assert hw.who == "engineer" and "联系工程师" in hw.zh
    assert advice.for_device("online", {"paper": "near_end"}, None).who == "staff"
    assert advice.for_device("online", {}, None).who == "none"
    leak = advice.for_device("user_error", {"fault": "cuff_leak", "prompt_zh": "袖带漏气"}, None)
    assert leak.who == "staff" and "袖带" in leak.zh


def test_front_camera_advice_names_the_front_camera_not_the_document_camera():
    for code in ("frames_stopped", "no_frame", "no_device"):
        tip = advice.for_device("hardware_error", {}, {"what": "x", "action": "maintenance", "code": code},
                                kind="face_camera")
        assert "前置摄像头" in tip.zh and "front camera" in tip.en and "高拍仪" not in tip.zh, code
    assert "前置摄像头" in advice.for_device("no_device", {}, None, kind="face_camera").zh
    # the document camera keeps its words, and a kind without its own words gets the generic ones
    assert "高拍仪" in advice.for_device("hardware_error", {}, {"code": "frames_stopped"}, kind="camera").zh
    assert advice.for_device("no_device", {}, None, kind="camera") == advice.STATUS["no_device"]
