"""The catalog in both languages, and the office of the counter steps (issue 21 item 10; the office info).

Everything a resident reads comes from the catalog in Chinese and English; a
missing English text is reported by matter and field (the reference catalog
has none) and shown as Chinese alone.  A choice's value stays its Chinese
word, which the platform validates, in whatever language it is shown.
"""

from __future__ import annotations

import copy
import re

import pytest

from drivers.printer.slip import layout, plain_text
from kiosk import slips
from kiosk.filing.catalog import Catalog
from kiosk.filing.form import FilingForm
from kiosk.filing.matters import MatterIndex, detail, guide_slip_data
from kiosk.flows.matter_choice import MatterChoice
from simulators.platform.app import load_catalog_document
from tests.terminal_kit import CATALOG

PHONE = re.compile(r"^0\d{2,3}-\d{7,8}$")


def test_the_reference_catalog_has_english_for_everything_a_resident_reads():
    gaps = CATALOG.english_gaps()
    assert gaps == {}, "missing English, by matter and field: " + "; ".join(
        f"{code}: {', '.join(fields)}" for code, fields in gaps.items())


def test_a_missing_translation_is_named_by_matter_and_field():
    doc = copy.deepcopy(load_catalog_document())
    m = next(x for x in doc["matters"] if x["code"] == "MZ-001")
    m["conditions_en"] = m["conditions_en"][:1] + [""]        # the second missing, the third absent
    del m["summary_en"]
    reason = next(f for f in m["fields"] if f["name"] == "reason")
    reason["choices_en"] = reason["choices_en"][:-1]
    m["materials"][2] = {**m["materials"][2], "name_en": ""}
    m["office"] = {**m["office"], "hours_en": ""}
    gaps = Catalog.from_dict(doc).english_gaps()
    assert gaps == {"MZ-001": ["summary_en", "conditions_en[1]", "conditions_en[2]", "materials.income_proof.name_en",
                               "fields.reason.choices_en[4]", "office.hours_en"]}


def test_an_old_catalog_without_english_or_office_still_loads():
    """A platform from before catalog 1.2: the new fields are optional; everything is Chinese alone."""
    doc = copy.deepcopy(load_catalog_document())
    for m in doc["matters"]:
        for key in ("department_en", "summary_en", "category_en", "conditions_en", "office"):
            m.pop(key, None)
        for f in m["fields"]:
            f.pop("choices_en", None), f.pop("phrases_en", None)
    old = Catalog.from_dict(doc)
    matter = old.matter("MZ-001")
    assert matter.office is None and matter.condition_pairs()[0] == ("具有本区常住户口", "")
    assert "office" not in " ".join(old.english_gaps()["MZ-001"])


def test_every_reference_matter_names_its_office_with_address_phone_and_hours_in_both_languages():
    for m in CATALOG.matters:
        o = m.office
        assert o is not None, m.code
        assert o.name and o.name_en and o.address and o.address_en and o.hours and o.hours_en, m.code
        assert PHONE.match(o.phone), (m.code, o.phone)


def test_a_choice_keeps_its_chinese_value_while_its_words_are_english():
    m = CATALOG.matter("MZ-001")
    form = FilingForm(m)
    assert form.set("reason", "失业") is None
    (reason,) = [f for f in form.views() if f.name == "reason"]
    assert reason.choices == ("因病", "因残", "失业", "年老无依", "其他")
    assert reason.choices_en == ("Illness", "Disability", "Unemployment", "Old and without support", "Other")
    assert (reason.display, reason.display_en) == ("失业", "Unemployment")
    assert form.submission()["reason"] == "失业" and m.validate(form.submission()) .get("reason") is None
    assert form.set("reason", "Unemployment") == "请从选项中选择 / choose one of the options"   # English is no value
    sq = FilingForm(CATALOG.matter("SQ-001"))
    (purpose,) = [f for f in sq.views() if f.name == "purpose"]
    assert purpose.phrases[0] == "办理子女入学" and purpose.phrases_en[0] == "For a child's school enrolment"


def test_the_matter_detail_and_the_category_list_carry_the_english():
    d = detail(CATALOG.matter("SQ-001"))
    assert d.summary_en and d.department_en == "Subdistrict Community Service Centre"
    assert d.conditions_en == ("Actually lives in this community",) and d.category_en == "Residence and certificates"
    assert d.office.phone == "0451-86509300" and d.counter_steps        # papers_later
    index = MatterIndex.of(CATALOG)
    assert dict(zip(index.categories(), index.categories_en()))["社会救助"] == "Social assistance"
    choice = MatterChoice(lambda: CATALOG, lambda _m: None)
    choice.open()
    assert len(choice.view.categories_en) == len(choice.view.categories) and all(choice.view.categories_en)


def slip_text(slip):
    """The slip's words with every space and line break out (a wrapped line is one text again)."""
    return re.sub(r"\s+", "", "".join(plain_text(layout(slip, 48), 48)))


def words(text):
    return re.sub(r"\s+", "", text)


def test_the_guide_slip_gives_the_office_and_prints_each_text_in_the_chosen_language():
    data = guide_slip_data(CATALOG.matter("MZ-001"), "友协小屋")
    both = slip_text(slips.service_guide(data, "both"))
    for expected in ("平房区政务服务中心民政窗口", "0451-86502110", "8:30-11:30", "具有本区常住户口",
                  "Permanent household registration in the district"):
        assert words(expected) in both, expected
    english = slip_text(slips.service_guide(data, "en"))
    assert words("Household income statement") in english and "家庭成员收入证明" not in english
    # a condition without English is printed in Chinese alone, even on an English slip
    data["conditions_en"][1] = ""
    english = slip_text(slips.service_guide(data, "en"))
    assert "2.家庭月人均收入低于本市城市低保标准" in english and "1.Permanent" in english


@pytest.mark.parametrize("code", [m.code for m in CATALOG.matters])
def test_every_reference_guide_slip_fits_the_paper(code):
    from drivers.printer.slip import text_width

    for language in slips.LANGUAGES:
        slip = slips.service_guide(guide_slip_data(CATALOG.matter(code)), language)
        assert all(text_width(line) <= 32 for line in plain_text(layout(slip, 32), 32))


@pytest.mark.parametrize("language", slips.LANGUAGES)
def test_a_receipt_with_papers_for_the_counter_names_the_office_and_fits_the_paper(language):
    from drivers.printer.slip import text_width
    from kiosk.filing.papers import PaperSet
    from kiosk.filing.submission import Filed, receipt_data
    from kiosk.identity import Identity
    from tests.terminal_kit import card

    matter = CATALOG.matter("MZ-001")
    papers = PaperSet(matter)
    papers.dont_have("hukou")
    data = receipt_data(matter, Identity.from_card(card()), Filed(serial="HUT-1-261130-00001A3",
                                                                  number="HUT-1-261130-00001A3", slip_code="ab" * 8),
                        bring_today=papers.bring_today(), bring_later=papers.bring_later())
    slip = slips.application_receipt(data, language)
    text = slip_text(slip)
    assert words("0451-86502110") in text and "HUTAPP:HUT-1-261130-00001A3:abababababababab" in repr(slip)
    assert (words("哈尔滨市平房区友协大街100号") in text) == (language != "en")
    assert (words("1st floor, Government Service Centre") in text) == (language != "zh")
    assert all(text_width(line) <= 32 for line in plain_text(layout(slip, 32), 32))
