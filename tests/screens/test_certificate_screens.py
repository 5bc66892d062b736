"""证明打印 with real touches in the virtual hut (the reference platform, the
ID card reader, a real cupsd with a cups-pdf queue as the A4 printer): the
certificates listed, the checked first page shown, printed; paper out
mid-job says which page to take and prints the rest once paper is loaded."""

import pytest

pytestmark = pytest.mark.ui


@pytest.fixture(scope="module")
def facts(probe, tmp_path_factory):
    folder = tmp_path_factory.mktemp("certificate")
    # probe_certificate.py starts its own virtual hut in <folder>/hut and uses its config.
    return probe("probe_certificate.py", folder, folder / "hut", timeout=300)


def test_probe_ran_to_the_end(facts):
    assert facts["finished"], facts.get("error")


def test_the_resident_sees_their_certificates_chinese_first(facts):
    assert facts["tile"][0] == "证明打印"
    assert facts["list_headline"] == "请选择要打印的证明"
    assert [t.split("\n")[0] for t in facts["list"]] == ["[b]居住证明", "[b]社保参保证明", "[b]高龄津贴领取证明"] or \
        sorted(t.split("\n")[0] for t in facts["list"]) == ["[b]居住证明", "[b]社保参保证明", "[b]高龄津贴领取证明"]
    assert all("共 2 页" in t for t in facts["list"])
    assert facts["list_problems"] == []


def test_the_checked_first_page_is_shown_then_printed(facts):
    assert facts["preview_headline"] == "请核对证明内容，然后按“打印”"
    assert facts["preview_shown"] is True and facts["preview_which"].startswith("居住证明")
    assert facts["preview_problems"] == []
    assert facts["done_headline"] == "请从打印机取走您的证明" and facts["finish_shown"] is True
    assert facts["printed_files"] == 2          # one PDF a page, as cups-pdf wrote them
    assert facts["done_problems"] == []


def test_paper_out_mid_job_says_which_page_to_take(facts):
    assert facts["stopped_headline"] == "打印机缺纸。请先取走已打印的页，加纸后其余页会继续打印"
    assert facts["stopped_out"] == "请先取走第 1 页" and facts["stopped_waiting"] == "还需打印第 2 页"
    assert facts["stopped_problems"] == []
    assert facts["after_refill"] == "请从打印机取走您的证明"
    assert facts["session_after_home"] is False
