"""Finding a matter: categories, and search by Chinese, full pinyin, pinyin
initials and English, best match first; one index per catalog version."""

from __future__ import annotations

import pytest

from kiosk.filing.catalog import Catalog
from kiosk.filing.matters import MatterIndex
from tests.terminal_kit import CATALOG


@pytest.fixture(scope="module")
def index():
    return MatterIndex.of(CATALOG)


@pytest.mark.parametrize("query,first", [
    ("dbsq", "MZ-001"),        # 低保申请, what residents call 最低生活保障申请
    ("DB SQ", "MZ-001"),
    ("dibao", "MZ-001"),
    ("低保", "MZ-001"),
    ("zdshbzsq", "MZ-001"),    # the official name's initials
    ("gljt", "MZ-003"),
    ("jzz", "GA-001"),
    ("居住证", "GA-001"),
    ("laonianzheng", "LL-001"),
    ("mbrd", "YB-002"),
    ("heating", "MZ-005"),
    ("mz-004", "MZ-004"),
])
def test_search_finds_the_matter_first(index, query, first):
    assert index.search(query)[0].code == first


def test_an_exact_match_outranks_initials_found_with_gaps(index):
    codes = [m.code for m in index.search("dbsq")]
    assert codes[0] == "MZ-001" and "MZ-005" in codes[1:]  # 冬季取暖补贴申请: d…b…s…q, ranked after


def test_nothing_matches_nonsense_and_an_empty_query_lists_nothing(index):
    assert index.search("xyzxyz") == () and index.search("   ") == () and index.search("火星") == ()


def test_categories_come_in_catalog_order_and_hold_every_matter_once(index):
    assert index.categories()[:3] == ("社会救助", "养老服务", "助残服务")
    listed = [m.code for c in index.categories() for m in index.in_category(c)]
    assert sorted(listed) == sorted(m.code for m in CATALOG.matters)
    assert [m.code for m in index.in_category("社会救助")] == ["MZ-001", "MZ-002", "MZ-004", "MZ-005"]


def test_a_matter_without_a_category_is_listed_under_its_department():
    doc = {"version": "t-1", "matters": [{"code": "X-1", "name": "测试事项", "department": "区民政局",
                                          "conditions": [], "materials": [], "fields": [],
                                          "social_security_card": False, "promised_days": 1}]}
    index = MatterIndex.of(Catalog.from_dict(doc))
    assert index.categories() == ("区民政局",) and index.search("cssx")[0].code == "X-1"


def test_the_index_is_built_once_per_catalog_version():
    assert MatterIndex.of(CATALOG) is MatterIndex.of(Catalog.from_dict({"version": CATALOG.version,
                                                                        "matters": []}))
