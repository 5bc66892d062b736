"""The face check step as a table and as a resident meets it: consent first,
no camera -> the counter, no card photo -> skipped and said so (never a
pass), three failures -> the counter; only the result goes to the session."""

from __future__ import annotations

import json

import pytest

from drivers.base import Status
from kiosk.devices.availability import FaceCheck
from kiosk.devices.availability import decide as decide_records
from kiosk.devices.owner import DeviceRecord
from kiosk.face.check import FaceCheckResult
from kiosk.face.liveness import Challenge
from kiosk.filing.catalog import Catalog
from kiosk.flows.face_check import MAX_ATTEMPTS, OUTCOME, FaceCheckFlow, FaceCheckState
from kiosk.flows.session import Session

S = FaceCheckState
AT = "2026-11-30T10:00:00+08:00"
PASS = FaceCheckResult(True, True, True, 0.41, 0.66, "passed")
NOT_LIVE = FaceCheckResult(False, False, True, 0.45, 0.66, "not_live")
STRANGER = FaceCheckResult(False, True, False, 0.81, 0.66, "not_same_person")


def say(flow, lang="en"):
    """What the screen shows and the voice says for the flow's view, in ``lang``."""
    from kiosk.terminal.voice import instruction
    from screens.i18n import tr

    return tr(instruction("face_check", flow.view.detail), lang)


def decide(devices_by_kind, reach=None):
    """One record per device, as the device owner feeds the rules."""
    records = [DeviceRecord(f"{kind}{i}", f"{kind}.x", kind, "-", status.value, info={"capabilities": []})
               for kind, statuses in devices_by_kind.items() for i, status in enumerate(statuses)]
    return decide_records(records, reach)


@pytest.fixture
def session():
    s = Session()
    s.begin("approval")
    return s


@pytest.fixture
def flow(session):
    return FaceCheckFlow(session)


def test_every_transition_leads_somewhere_and_no_state_is_a_dead_end():
    table = FaceCheckFlow.table()
    targets = {target for _, _, target in table}
    assert targets == set(S)
    for state in S:
        assert any(source is state for source, _, _ in table), state
    assert (S.RETRY, "retry", S.CHALLENGE) in table
    assert not any(source is S.COUNTER and target is S.CHALLENGE for source, _, target in table)


def test_consent_comes_before_the_camera(flow, session):
    views = []
    flow.subscribe(views.append)
    flow.start(camera_available=True, card_photo_available=True)
    assert flow.state is S.CONSENT and not flow.camera_wanted
    assert "No picture is kept" in say(flow) and "不保存图像" in say(flow, "zh_CN")
    flow.consent()
    assert flow.state is S.CHALLENGE and flow.camera_wanted
    assert "blink" in say(flow) and "眨眼" in say(flow, "zh_CN")
    flow.prompt(Challenge.TURN_LEFT)
    assert flow.view.challenge == "turn_left" and "向左转头" in say(flow, "zh_CN")
    assert flow.attempt_finished(PASS, AT)
    assert flow.state is S.PASSED
    assert session.get(OUTCOME) == {"performed": True, "attempts": 1, "passed": True, "score": 0.41,
                                         "threshold": 0.66, "reason": "passed", "at": AT}
    flow.confirm()
    assert flow.state is S.CLOSED and [v.state for v in views][:2] == [S.CONSENT, S.CHALLENGE]


def test_declining_sends_the_resident_to_the_counter(flow, session):
    flow.start(True, True)
    flow.decline()
    assert flow.state is S.COUNTER and "服务台" in say(flow, "zh_CN")
    assert session.get(OUTCOME) == {"performed": False, "reason": "declined"}
    assert not flow.consent()  # no way back into the camera from the counter


def test_three_failures_lead_to_the_counter_not_a_loop(flow, session):
    flow.start(True, True)
    flow.consent()
    for attempt, result in enumerate([NOT_LIVE, STRANGER], start=1):
        flow.attempt_finished(result, AT)
        assert flow.state is S.RETRY and flow.view.attempts_left == MAX_ATTEMPTS - attempt
        assert flow.retry()
    flow.attempt_finished(NOT_LIVE, AT)
    assert flow.state is S.COUNTER and flow.view.attempts_left == 0
    assert not flow.retry()
    assert session.get(OUTCOME)["passed"] is False and session.get(OUTCOME)["attempts"] == 3


def test_no_front_camera_says_so_and_sends_to_the_counter(flow, session):
    flow.start(camera_available=False, card_photo_available=True)
    assert flow.state is S.NO_CAMERA and "本机" in say(flow, "zh_CN") and "counter" in say(flow)
    assert not flow.consent() and not flow.confirm()


def test_a_card_without_a_decodable_photo_skips_the_check_and_never_passes(flow, session):
    flow.start(camera_available=True, card_photo_available=False)
    assert flow.state is S.NO_PHOTO and "跳过" in say(flow, "zh_CN") and "skipped" in say(flow)
    assert session.get(OUTCOME) == {"performed": False, "reason": "no_card_photo"}
    assert not flow.attempt_finished(PASS, AT)  # nothing can turn the skip into a pass
    flow.confirm()
    assert flow.state is S.CLOSED and session.get(OUTCOME)["performed"] is False


def test_a_late_result_after_cancel_is_ignored(flow, session):
    flow.start(True, True)
    flow.consent()
    flow.cancel()
    assert not flow.attempt_finished(PASS, AT) and flow.state is S.CLOSED


def test_what_goes_to_the_session_is_small_plain_json(flow, session):
    flow.start(True, True)
    flow.consent()
    flow.attempt_finished(STRANGER, AT)
    record = session.get(OUTCOME)
    assert len(json.dumps(record)) < 200
    assert all(isinstance(v, (bool, int, float, str, type(None))) for v in record.values())


def test_availability_no_front_camera_means_counter():
    well = {"idcard": [Status.ONLINE], "camera": [Status.ONLINE]}
    with_camera = decide({**well, "face_camera": [Status.ONLINE]}, True)
    without = decide({**well, "face_camera": [Status.NO_DEVICE]}, True)
    assert with_camera.face_check is FaceCheck.CHECK and without.face_check is FaceCheck.COUNTER
    assert without.identify().value == "id_card"           # the card still identifies
    assert decide(well, True).scan  # the document camera alone is not a front camera


def test_the_catalog_flag_is_read_and_one_platform_matter_sets_it():
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[2]
    catalog = Catalog.from_dict(yaml.safe_load((root / "simulators/platform/catalog.yaml").read_text("utf-8")))
    flagged = [m.code for m in catalog.matters if m.face_check]
    assert flagged == ["MZ-001"]
    assert not catalog.matters[1].face_check


def test_the_threshold_and_time_limit_are_configured_per_terminal(tmp_path):
    from kiosk.config import ConfigError, load
    from kiosk.face import DEFAULT_THRESHOLD
    from tests.site_config import write_site

    cfg = write_site(tmp_path, terminal_id="DL-XY-0007")
    base = cfg.read_text(encoding="utf-8")
    assert load(cfg).face_check.threshold == DEFAULT_THRESHOLD
    cfg.write_text(base + "[face_check]\nthreshold = 0.58\ntime_limit_seconds = 20\n", encoding="utf-8")
    settings = load(cfg)
    assert (settings.face_check.threshold, settings.face_check.time_limit_seconds) == (0.58, 20)
    cfg.write_text(base + "[face_check]\nthreshold = 1.5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"face_check\.threshold: expected a number from 0.3 to 1"):
        load(cfg)


def test_the_contract_takes_the_result_and_refuses_a_picture(flow, session):
    """The session's face_check record is what Application.face_check accepts;
    a picture or a descriptor smuggled into it is refused by the contract."""
    from simulators.platform.app import Refused, contract_schemas

    schemas = contract_schemas()
    application = {"serial": "DL-XY-0007-20261130-0001", "matter_code": "MZ-001",
                   "applicant": {"name": "李秀英", "id_number": "120101195001011281"}, "form": {}}
    flow.start(True, True)
    flow.consent()
    flow.attempt_finished(PASS, "2026-11-30T10:00:00+08:00")
    schemas.check("Application", {**application, "face_check": session.get(OUTCOME)})
    flow.start(True, False)
    schemas.check("Application", {**application, "face_check": session.get(OUTCOME)})
    for smuggled in ({"embedding": [0.1] * 128}, {"photo": "Qk02..."}):
        with pytest.raises(Refused):
            schemas.check("Application", {**application, "face_check": {**session.get(OUTCOME), **smuggled}})
