"""Classification against the shipped Chinese references, at the borders."""

from __future__ import annotations

import pytest

from kiosk.checkup import classify
from kiosk.errors import KioskError

TABLE = classify.load_table()


@pytest.mark.parametrize("sys_, dia, category", [
    (119, 79, "normal"), (120, 70, "high_normal"), (110, 80, "high_normal"), (139, 89, "high_normal"),
    (140, 80, "grade_1"), (130, 90, "grade_1"), (159, 99, "grade_1"), (160, 85, "grade_2"),
    (125, 100, "grade_2"), (179, 109, "grade_2"), (180, 70, "grade_3"), (120, 110, "grade_3"),
    (150, 105, "grade_2"),    # systolic grade 1, diastolic grade 2: the higher wins
    (185, 95, "grade_3"),
])
def test_blood_pressure_grades_2018_guideline(sys_, dia, category):
    assert classify.blood_pressure(sys_, dia, TABLE).category == category


@pytest.mark.parametrize("value, category", [
    (18.4, "underweight"), (18.5, "normal"), (23.9, "normal"), (24.0, "overweight"), (27.9, "overweight"),
    (28.0, "obese"),
    (23.95, "overweight"),   # shown as 24.0: classified as shown
    (23.94, "normal"), (18.45, "normal"), (18.44, "underweight"),
])
def test_bmi_ws_t_428_on_the_displayed_value(value, category):
    assert classify.bmi(value, TABLE).category == category


@pytest.mark.parametrize("value, category", [(99, "normal"), (95, "normal"), (94, "low"), (90, "low"),
                                             (89, "very_low")])
def test_spo2(value, category):
    assert classify.spo2(value, TABLE).category == category


@pytest.mark.parametrize("value, category", [(36.5, "normal"), (37.2, "normal"), (37.3, "fever"), (37.25, "fever"),
                                             (39.0, "fever")])
def test_temperature(value, category):
    assert classify.temperature(value, TABLE).category == category


@pytest.mark.parametrize("value, context, category", [
    (5.0, "fasting", "normal"), (3.9, "fasting", "normal"), (3.8, "fasting", "low"), (6.0, "fasting", "normal"),
    (6.1, "fasting", "impaired"), (6.9, "fasting", "impaired"), (7.0, "fasting", "high"),
    (9.5, "random", "normal"), (11.0, "random", "normal"), (11.1, "random", "high"),
])
def test_glucose(value, context, category):
    assert classify.glucose(value, classify.GlucoseContext(context), TABLE).category == category


def test_every_result_says_it_is_not_a_diagnosis_and_names_its_source():
    result = classify.blood_pressure(128, 82, TABLE)
    assert result.note_zh == "仅供参考，不作诊断依据"
    assert "中国高血压防治指南(2018年修订版)" in result.source
    assert result.label_zh == "正常高值" and result.label_en
    assert "WS/T 428-2013" in classify.bmi(22, TABLE).source


def test_a_technicians_table_changes_the_ranges(tmp_path):
    text = classify.DEFAULT_TABLE.read_text(encoding="utf-8").replace("from = 37.3", "from = 37.5")
    path = tmp_path / "refs.toml"
    path.write_text(text, encoding="utf-8")
    assert classify.temperature(37.4, classify.load_table(path)).category == "normal"


def test_a_table_out_of_order_is_refused(tmp_path):
    text = classify.DEFAULT_TABLE.read_text(encoding="utf-8").replace("from = 24.0", "from = 17.0")
    path = tmp_path / "refs.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KioskError, match="rising order"):
        classify.load_table(path)


def test_nan_is_not_classified():
    with pytest.raises(KioskError):
        classify.spo2(float("nan"), TABLE)
