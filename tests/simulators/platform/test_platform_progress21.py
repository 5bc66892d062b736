"""The reference platform's side of issue 21's progress items, on 127.0.0.1:
papers brought later and the promised dates in working days (item 7), the
slip printed while an application was queued found by the terminal's serial
and the slip's code (item 6), and withdrawals (撤回)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets

import pytest

from kiosk.central.client import NeedsStaff
from kiosk.privacy import id_lookup_hash
from simulators.platform.store import add_working_days
from simulators.platform.testing import Terminal, admin, client_for

ID = "110101195001011237"


def application(serial, matter="SQ-001", **extra):
    form = {"certificate": "居住证明", "purpose": "办理子女入学", "phone": "13800000000"}
    if matter == "MZ-003":
        form = {"birth_date": "1944-01-01", "phone": "13800000000"}
    return {"serial": serial, "matter_code": matter, "applicant": {"name": "李四", "id_number": ID}, "form": form,
            **extra}


def send(client, body, kind="application"):
    return client.submit(kind, json.dumps(body, ensure_ascii=False).encode(), "k-" + secrets.token_hex(8))


@pytest.fixture
def client(platform, terminal):
    c = client_for(platform.url, terminal)
    yield c
    c.close()


@pytest.mark.parametrize("start,days,due", [
    ("2026-11-27", 2, "2026-12-01"),   # Friday + 2 working days: Tuesday
    ("2026-11-28", 1, "2026-11-30"),   # Saturday + 1: Monday
    ("2026-11-30", 0, "2026-11-30"),   # 0: the day itself
    ("2026-11-30", 5, "2026-12-07"),   # a whole week
    ("2026-11-30", 30, "2027-01-11"),   # six weeks
])
def test_working_days_skip_saturdays_and_sundays(start, days, due):
    assert add_working_days(dt.date.fromisoformat(start), days).isoformat() == due


def test_papers_brought_later_are_due_by_the_promised_working_day_and_named(platform, client):
    ack = send(client, application("P-1", papers_later=["hukou"]))
    due = add_working_days(dt.date.today(), 2).isoformat()          # 居民证明开具: 2 working days
    assert ack["promised_by"] == ack["papers_due_by"] == due
    found = client.application_status(ack["number"], ack["access_code"])
    assert found["papers_due"] == [{"code": "hukou", "name": "户口簿", "name_en": "Household register"}]
    assert found["papers_due_by"] == due and found["promised_by"] == due and found["withdrawable"] is True
    # the staff note the papers were brought: due no more
    after = admin(platform, "POST", f"/v1/admin/applications/{ack['number']}/papers-received").json()
    assert "papers_due" not in after and after["history"][-1]["note"].startswith("补交材料已收到")
    # an application without papers later has none due
    plain = client.application_status((a := send(client, application("P-2")))["number"], a["access_code"])
    assert "papers_due" not in plain and "papers_due_by" not in a


@pytest.mark.parametrize("later", [["marriage_cert"], ["nope"], "hukou", [1]])
def test_papers_later_must_be_the_matters_required_papers(client, later):
    with pytest.raises(NeedsStaff) as refused:
        send(client, application("P-3", papers_later=later))
    assert refused.value.code == "VALIDATION"


def test_papers_later_only_for_a_matter_that_accepts_them(client):
    with pytest.raises(NeedsStaff) as refused:   # 高龄津贴: every paper is needed today
        send(client, application("P-4", matter="MZ-003", papers_later=["hukou"]))
    assert refused.value.code == "VALIDATION"


def test_a_decided_application_has_no_papers_due(platform, client):
    ack = send(client, application("P-5", papers_later=["hukou"]))
    for status in ("审核中", "办结"):
        moved = admin(platform, "POST", f"/v1/admin/applications/{ack['number']}/status", json={"status": status})
    assert moved.json()["status"] == "办结" and "papers_due" not in moved.json()


def slip_hash(code):
    return hashlib.sha256(code.encode()).hexdigest()


def test_a_queued_slip_finds_its_application_by_serial_and_code_at_any_hut(platform, terminal, client):
    code = secrets.token_hex(8)
    ack = send(client, application("HUT-TEST-01-261130-00001A3", slip_code_sha256=slip_hash(code)))
    found = client.application_by_slip("HUT-TEST-01-261130-00001A3", code)
    assert found["application_number"] == ack["number"] and found["serial"] == "HUT-TEST-01-261130-00001A3"
    other = Terminal(id="HUT-TEST-02")
    platform.store.add_terminal(other.id, other.key.hex(), "test")
    there = client_for(platform.url, other)
    assert there.application_by_slip("HUT-TEST-01-261130-00001A3", code)["application_number"] == ack["number"]
    there.close()


def test_a_wrong_slip_code_answers_exactly_like_an_unknown_serial(platform, terminal, client):
    import requests

    from kiosk.central import signing

    code = secrets.token_hex(8)
    send(client, application("S-1", slip_code_sha256=slip_hash(code)))
    send(client, application("S-2"))      # from an older terminal: no slip code, never found this way

    def ask(serial, proof):
        url = f"{platform.url}/v1/applications/by-serial/{serial}?proof={proof}"
        r = requests.get(url, headers=signing.sign(terminal.key, "GET", url, b"", terminal.id), timeout=5)
        return r.status_code, r.json()

    wrong, unknown, old = ask("S-1", "0" * 16), ask("S-9", code), ask("S-2", code)
    assert wrong == unknown == old and wrong[0] == 404
    assert ask("S-1", code.upper())[0] == 422 and ask("S-1", slip_hash(code))[0] == 422   # only a slip code
    assert client.application_by_slip("S-1", "0" * 16) is None


def withdrawal(serial, id_hash, **target):
    return {"serial": serial, "applicant": {"id_hash": id_hash, "id_hash_version": 1}, **target}


def test_the_applicant_withdraws_an_application_the_department_has_not_taken_up(platform, terminal, client):
    ack = send(client, application("W-1"))
    id_hash = id_lookup_hash(ID, terminal.id_hash_key)
    assert client.application_status(ack["number"], id_hash)["withdrawable"] is True
    body = json.dumps(withdrawal("W-1-X", id_hash, application_number=ack["number"])).encode()
    answer = client.submit("withdrawal", body, "k-withdraw-1")
    assert (answer["kind"], answer["number"], answer["status"], answer["withdrawn"]) == (
        "withdrawal", ack["number"], "撤回", True)
    assert client.submit("withdrawal", body, "k-withdraw-1") == answer        # a repeat: the same answer
    assert client.submission("W-1-X")["withdrawn"] is True                     # asked by serial after a loss
    now = client.application_status(ack["number"], id_hash)
    assert now["status"] == "撤回" and now["withdrawable"] is False and now["history"][-1]["status"] == "撤回"
    moved = admin(platform, "POST", f"/v1/admin/applications/{ack['number']}/status", json={"status": "审核中"})
    assert moved.status_code == 409                                           # withdrawn is final


def test_a_withdrawal_too_late_is_an_answer_and_a_wrong_card_finds_nothing(platform, terminal, client):
    ack = send(client, application("W-2"))
    admin(platform, "POST", f"/v1/admin/applications/{ack['number']}/status", json={"status": "审核中"})
    id_hash = id_lookup_hash(ID, terminal.id_hash_key)
    answer = send(client, withdrawal("W-2-X", id_hash, application_number=ack["number"]), "withdrawal")
    assert (answer["status"], answer["withdrawn"]) == ("审核中", False)
    assert client.application_status(ack["number"], id_hash)["withdrawable"] is False
    stranger = id_lookup_hash("110101195001011253", terminal.id_hash_key)
    for target in ({"application_number": ack["number"]}, {"application_number": "PF0"}):
        with pytest.raises(NeedsStaff) as refused:
            send(client, withdrawal("W-2-Y", stranger if "PF0" not in str(target) else id_hash, **target),
                 "withdrawal")
        assert refused.value.code == "NOT_FOUND"


def test_a_terminal_withdraws_by_its_own_serial_before_it_knows_the_number(platform, terminal, client):
    send(client, application("W-3"))
    id_hash = id_lookup_hash(ID, terminal.id_hash_key)
    other = Terminal(id="HUT-TEST-02")
    platform.store.add_terminal(other.id, other.key.hex(), "test")
    there = client_for(platform.url, other)
    with pytest.raises(NeedsStaff):      # another terminal's serial is not its to name
        send(there, withdrawal("W-3-X", id_hash, application_serial="W-3"), "withdrawal")
    there.close()
    answer = send(client, withdrawal("W-3-X", id_hash, application_serial="W-3"), "withdrawal")
    assert answer["withdrawn"] is True and answer["status"] == "撤回"


def test_a_database_from_before_slip_codes_and_papers_due_gains_the_columns(tmp_path):
    import sqlite3

    from simulators.platform.store import PlatformStore

    db = sqlite3.connect(tmp_path / "platform.sqlite3")
    db.execute("CREATE TABLE submissions (number TEXT PRIMARY KEY, kind TEXT NOT NULL, terminal_id TEXT NOT NULL, "
               "serial TEXT NOT NULL, matter_code TEXT, id_hash TEXT, status TEXT NOT NULL, body TEXT NOT NULL, "
               "received_at TEXT NOT NULL, promised_by TEXT, history TEXT NOT NULL, access_code TEXT, "
               "code_recovered INTEGER NOT NULL DEFAULT 1, UNIQUE (terminal_id, serial))")
    db.execute("INSERT INTO submissions VALUES ('PF1', 'application', 'T', 'OLD-1', 'SQ-001', NULL, '受理', '{}', "
               "'2026-11-30T01:00:00+00:00', '2026-12-02', '[]', NULL, 1)")
    db.commit()
    db.close()
    store = PlatformStore(tmp_path / "platform.sqlite3")
    old = store.application("PF1")
    assert old["withdrawable"] is True and "papers_due" not in old        # an old application: nothing due
    body = application("NEW-1", papers_later=["hukou"], slip_code_sha256=slip_hash("0123456789abcdef"))
    store.create_submission("T", "application", "k", "sha", body, "SQ-001", None, 2)
    assert store.application(store.by_serial("T", "NEW-1")["number"])["papers_due"] == ["hukou"]
    store.close()
