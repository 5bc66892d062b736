"""The demo walks through every screen in a virtual hut and saves a PNG of each.

``kiosk demo`` runs once per test suite (tests/demo_run.py); these tests and
the privacy search in tests/test_privacy_end_to_end.py look at that run.
"""

import json

import pytest
from PIL import Image, ImageChops

pytestmark = pytest.mark.ui

EXPECTED = ["01-home-zh", "02-home-en", "03-identify-waiting", "04-identify-card", "05-home-take-your-card",
            "06-request-types", "07-idle-warning", "08-home-after-timeout"]


@pytest.fixture
def demo(demo_run):
    assert demo_run.returncode == 0, demo_run.explain()
    return demo_run, demo_run.out_dir


def test_demo_exits_0_and_says_where_the_pictures_are(demo):
    run, out = demo
    assert f"Screenshots are in {out}" in run.text


def test_every_screen_is_saved_as_a_full_window_png(demo):
    run, out = demo
    hut_table = run.text.split("config:")[0]
    assert "\n  idcard " in hut_table, "the demo's hut has no ID card reader: " + hut_table
    for name in EXPECTED:
        path = out / f"{name}.png"
        assert path.is_file(), f"{name}.png missing; demo said:\n{run.text}"
        with Image.open(path) as image:
            assert image.size == (1920, 1080)
            colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
            assert colours is None or len(colours) > 50, f"{name}.png is (nearly) blank"


def test_screens_differ_and_home_after_timeout_shows_no_trace(demo):
    _, out = demo
    pictures = {name: Image.open(out / f"{name}.png").convert("RGB").tobytes() for name in EXPECTED}
    steps = EXPECTED[:-1]
    assert len({pictures[n] for n in steps}) == len(steps), "two steps saved the same picture"
    # Alike but for the clock: the home screen shows the time, and a minute may turn
    # between the two pictures; any difference must lie inside the date-and-time lines
    # (the left of the hut's facts, under the header).
    with Image.open(out / "08-home-after-timeout.png") as after, Image.open(out / "01-home-zh.png") as fresh:
        box = ImageChops.difference(after.convert("RGB"), fresh.convert("RGB")).getbbox()
        width, height = fresh.size
    assert box is None or (box[2] < width * 0.35 and height * 0.18 < box[1] and box[3] < height * 0.34), \
        f"after the idle timeout the home screen differs from a fresh start (in {box})"


def test_printed_slips_are_copied_next_to_the_screenshots(demo):
    run, out = demo
    assert "printer self-test: OK\n" in run.text
    slips = sorted((out / "slips").glob("*.png"))
    assert slips, f"no slip copied; demo said:\n{run.text}"
    with Image.open(slips[0]) as image:
        assert image.size[1] > 100, "the copied slip is not a rendered receipt"
    assert f"{out / 'slips'}" in run.text


BROWSE = ["20-guide-categories", "21-guide-search-dbsq", "22-guide-matter", "30-approval-choose-matter",
          "31-approval-conditions", "80-progress-waiting", "81-progress-answer"]
PORTRAIT = ["90-portrait-home", "91-portrait-choose-matter", "92-portrait-conditions", "93-portrait-identify",
            "94-portrait-identify-large-text"]


def test_browse_flows_and_portrait_screens_are_saved(demo):
    run, out = demo
    for name in BROWSE:
        with Image.open(out / f"{name}.png") as image:
            assert image.size == (1920, 1080), name
    for name in PORTRAIT:
        with Image.open(out / f"{name}.png") as image:
            assert image.size == (1080, 1920), name


def test_index_page_shows_every_picture_in_order_with_a_caption(demo):
    _, out = demo
    page = (out / "index.html").read_text(encoding="utf-8")
    order = [page.index(f'src="{name}.png"') for name in [*EXPECTED, *BROWSE, *PORTRAIT]]
    assert order == sorted(order), "pictures out of the walk's order"
    for png in out.glob("*.png"):
        assert f'src="{png.name}"' in page, f"{png.name} missing from index.html"
    for slip in (out / "slips").glob("*.png"):
        assert f'src="slips/{slip.name}"' in page
    assert page.count("<figcaption>") == page.count("<img ")
    assert "1. Home: the services as large tiles" in page


HEALTH = ["40-health-who", "40a-health-consent", "41-health-items", "42-health-bp-rest", "43-health-bp-guide",
          "43a-health-bp-measuring", "44-health-bp-interval", "45-health-bp-done", "46-health-scale-guide",
          "47-health-waist-guide", "47a-health-waist-keypad", "48-health-oximeter-guide",
          "49-health-glucose-question", "49a-health-results", "49b-health-history", "49c-health-slip-printed"]


def test_a_health_visit_is_photographed_between_the_guide_and_the_progress_query(demo):
    _, out = demo
    pictures = {}
    for name in HEALTH:
        with Image.open(out / f"{name}.png") as image:
            assert image.size == (1920, 1080), name
            pictures[name] = image.convert("RGB").tobytes()
    assert len(set(pictures.values())) == len(HEALTH), "two health steps saved the same picture"
    page = (out / "index.html").read_text(encoding="utf-8")
    order = [page.index(f'src="{name}.png"') for name in ["31-approval-conditions", *HEALTH, "80-progress-waiting"]]
    assert order == sorted(order)


def test_the_staff_screen_with_a_device_in_error_and_the_closed_screen_are_saved(demo):
    run, out = demo
    for name in ("86-staff-screen", "87-closed"):
        path = out / f"{name}.png"
        assert path.is_file(), f"{name}.png missing; demo said:\n{run.text}"
        with Image.open(path) as image:
            colours = image.convert("RGB").getcolors(maxcolors=100000)
            assert colours is None or len(colours) > 50, f"{name}.png is (nearly) blank"
    page = (out / "index.html").read_text(encoding="utf-8")
    assert page.index('src="86-staff-screen.png"') < page.index('src="87-closed.png"')


REQUEST = ["50-request-types", "51-request-topics", "52-request-place", "53-request-text", "54-request-photo",
           "55-request-review", "56-request-done", "56a-request-answer-at-the-hut", "56b-request-rating",
           "56c-request-rated"]


def test_a_request_is_filed_answered_read_and_rated_between_health_and_filing(demo):
    run, out = demo
    pictures = {}
    for name in REQUEST:
        with Image.open(out / f"{name}.png") as image:
            assert image.size == (1920, 1080), name
            pictures[name] = image.convert("RGB").tobytes()
    assert len(set(pictures.values())) == len(REQUEST), "two request steps saved the same picture"
    assert "the department answered request" in run.text
    page = (out / "index.html").read_text(encoding="utf-8")
    order = [page.index(f'src="{name}.png"') for name in ["49c-health-slip-printed", *REQUEST, "80-progress-waiting"]]
    assert order == sorted(order)


def test_identifying_by_an_e_id_code_is_photographed_after_the_card(demo):
    """No card: the identify screen offers the code, a minute-old code is refused, a fresh one identifies."""
    run, out = demo
    for name in ("05a-identify-code-offered", "05b-identify-code-expired", "05c-identify-by-code"):
        assert (out / f"{name}.png").is_file(), f"{name}.png missing; demo said:\n{run.text}"

def test_a_certificate_is_previewed_printed_through_cups_and_its_code_answered(demo):
    run, out = demo
    for name in ("60-certificate-list", "61-certificate-preview", "62-certificate-printed"):
        with Image.open(out / f"{name}.png") as image:
            assert image.size == (1920, 1080), name
    with Image.open(out / "certificates" / "printed-page1.png") as page:
        assert page.size[1] > page.size[0] > 500     # an A4 page, portrait, as cups-pdf printed it
    answer = json.loads((out / "certificates" / "verified.json").read_text(encoding="utf-8"))
    assert answer["title"] == "居住证明" and answer["status"] == "valid" and answer["holder"] == "李**"
