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


@pytest.mark.parametrize("value, context, category", [
    (3.85, "fasting", "normal"),     # shown 3.9
    (3.84, "fasting", "low"), (6.05, "fasting", "impaired"), (6.04, "fasting", "normal"),
    (6.95, "fasting", "high"),
    (3.8, "after_meal", "low"), (3.9, "after_meal", "normal"), (7.7, "after_meal", "normal"),
    (7.75, "after_meal", "impaired"), (7.8, "after_meal", "impaired"), (11.0, "after_meal", "impaired"),
    (11.05, "after_meal", "high"), (11.1, "after_meal", "high"),
    (3.8, "random", "low"), (11.04, "random", "normal"),
])
def test_glucose_by_when_the_sample_was_taken(value, context, category):
    assert classify.glucose(value, classify.GlucoseContext(context), TABLE).category == category


def test_glucose_needs_a_known_context():
    with pytest.raises(KioskError, match="fasting, after_meal, random"):
        classify.glucose(5.0, "after_dinner", TABLE)  # type: ignore[arg-type]


@pytest.mark.parametrize("cm, sex, category", [
    (84.9, "male", "normal"), (84.94, "male", "normal"), (84.95, "male", "pre_central_obesity"),
    (85.0, "male", "pre_central_obesity"), (89.9, "male", "pre_central_obesity"), (89.95, "male", "central_obesity"),
    (90.0, "male", "central_obesity"), (120.0, "male", "central_obesity"),
    (79.9, "female", "normal"), (80.0, "female", "pre_central_obesity"), (84.9, "female", "pre_central_obesity"),
    (84.95, "female", "central_obesity"), (85.0, "female", "central_obesity"),
])
def test_waist_central_obesity_ws_t_428_by_sex(cm, sex, category):
    result = classify.waist(cm, sex, TABLE)
    assert result.category == category and not result.urgent
    assert "WS/T 428-2013" in result.source


def test_waist_needs_the_sex():
    with pytest.raises(KioskError, match="male"):
        classify.waist(88, "unknown", TABLE)


URGENT = [
    # blood pressure: systolic >= 180 or diastolic >= 110 (on the shown, whole-number value)
    (lambda: classify.blood_pressure(179, 109, TABLE), False), (lambda: classify.blood_pressure(180, 70, TABLE), True),
    (lambda: classify.blood_pressure(120, 110, TABLE), True), (lambda: classify.blood_pressure(179.4, 80, TABLE), False),
    (lambda: classify.blood_pressure(179.5, 80, TABLE), True),
    # SpO2 below 90 %
    (lambda: classify.spo2(90, TABLE), False), (lambda: classify.spo2(89.5, TABLE), False),
    (lambda: classify.spo2(89, TABLE), True), (lambda: classify.spo2(89.4, TABLE), True),
    # temperature >= 39.0 or <= 35.0 °C
    (lambda: classify.temperature(38.9, TABLE), False), (lambda: classify.temperature(38.95, TABLE), True),
    (lambda: classify.temperature(39.0, TABLE), True), (lambda: classify.temperature(35.1, TABLE), False),
    (lambda: classify.temperature(35.05, TABLE), False), (lambda: classify.temperature(35.0, TABLE), True),
    (lambda: classify.temperature(35.04, TABLE), True),
]
for _context in classify.GlucoseContext:
    # glucose >= 16.7 or < 3.9 mmol/L, whenever the sample was taken
    URGENT += [(lambda c=_context, v=v: classify.glucose(v, c, TABLE), expected)
               for v, expected in ((16.6, False), (16.65, True), (16.7, True), (3.9, False), (3.85, False),
                                   (3.84, True), (3.8, True), (5.5, False))]


@pytest.mark.parametrize("make, urgent", URGENT)
def test_urgent_on_each_side_of_each_threshold(make, urgent):
    result = make()
    assert result.urgent is urgent
    assert bool(result.urgent_source) is urgent


def test_a_table_without_urgent_thresholds_marks_nothing_urgent(tmp_path):
    text = classify.DEFAULT_TABLE.read_text(encoding="utf-8")
    start = text.index("[spo2.urgent]")
    path = tmp_path / "refs.toml"
    path.write_text(text[:start] + text[text.index("[temperature]"):], encoding="utf-8")
    assert classify.spo2(80, classify.load_table(path)).urgent is False


@pytest.mark.parametrize("replace, key", [
    (("below = 90\n", ""), "spo2.urgent.from: expected an urgent threshold"),
    (("below = 90\n", "below = 90\nat_most = 89\n"), "spo2.urgent.at_most: expected either below or at_most"),
    (("below = 90\n", "below = 90\nabove = 99\n"), "spo2.urgent.above: expected no such key"),
    (("below = 90\n", 'below = "90"\n'), "spo2.urgent.below"),
    (("from = 39.0\nat_most = 35.0\n", "from = 35.0\nat_most = 39.0\n"), "temperature.urgent.from"),
    (("systolic_from = 180\ndiastolic_from = 110\n\n[bmi]", "systolic_from = 180\n\n[bmi]"),
     "blood_pressure.urgent.diastolic_from: expected this key to be set"),
])
def test_a_bad_urgent_threshold_names_its_key(tmp_path, replace, key):
    text = classify.DEFAULT_TABLE.read_text(encoding="utf-8")
    old, new = replace
    assert old in text
    path = tmp_path / "refs.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")   # the first: spo2's "below = 90"
    with pytest.raises(KioskError) as err:
        classify.load_table(path)
    assert key in str(err.value)


@pytest.mark.parametrize("make, categories", [
    (lambda: classify.blood_pressure(150, 95, TABLE), ["normal", "high_normal", "grade_1", "grade_2", "grade_3"]),
    (lambda: classify.bmi(22.0, TABLE), ["underweight", "normal", "overweight", "obese"]),
    (lambda: classify.waist(86.0, "male", TABLE), ["normal", "pre_central_obesity", "central_obesity"]),
    (lambda: classify.spo2(93, TABLE), ["very_low", "low", "normal"]),
    (lambda: classify.temperature(37.8, TABLE), ["hypothermia", "low", "normal", "fever"]),
    (lambda: classify.glucose(8.0, classify.GlucoseContext.AFTER_MEAL, TABLE), ["low", "normal", "impaired", "high"]),
    (lambda: classify.glucose(2.0, classify.GlucoseContext.RANDOM, TABLE), ["low", "normal", "high"]),
])
def test_every_band_of_the_scale_in_rising_order_and_where_the_result_sits(make, categories):
    result = make()
    assert [b.category for b in result.bands] == categories
    band = result.bands[result.band_index]
    assert (band.category, band.flag, band.label_zh, band.label_en) == (result.category, result.flag,
                                                                        result.label_zh, result.label_en)
    assert all(b.label_zh and b.label_en and b.flag in ("normal", "high", "low") for b in result.bands)


def test_the_band_index_moves_with_the_value():
    assert [classify.bmi(v, TABLE).band_index for v in (17.0, 18.5, 24.0, 30.0)] == [0, 1, 2, 3]
    assert classify.blood_pressure(150, 105, TABLE).band_index == 3


def test_classification_repr_hides_words_and_flags():
    result = classify.blood_pressure(185, 112, TABLE)
    assert result.urgent and repr(result) == "Classification(<hidden>)" and str(result) == repr(result)
    assert result.as_json() == {"category": "grade_3", "label_zh": "3级高血压（重度）",
                                "label_en": "Grade 3 hypertension (severe)", "urgent": True}
