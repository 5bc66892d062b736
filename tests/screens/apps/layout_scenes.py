"""The layout probe's scenes, windows and ways of reading: one Kivy-free table
that the probe (``probe_layout.py``) and its tests (``tests/screens/layout_suite.py``)
both read.

To add a scene: one line here (the scene's name -> the screen it shows, or
the overlay's name for an overlay) and one set-up function in
``probe_layout.py`` decorated with ``@scene`` and named like it.  The tests
then measure it at every window size (or those ``ONLY_IN`` names) and in every
way of reading."""

# scene -> the screen (``app.sm.current``) it shows, or the overlay (``OVERLAYS``) open over it
SCENES = {
    "home": "home", "identify": "identify", "preparing": "preparing", "idle_warning": "idle_warning",
    "choose_matter": "choose_matter", "choose_category": "choose_matter", "conditions": "conditions",
    "guide": "guide", "progress": "progress", "progress_results": "progress", "progress_two_cards": "progress",
    "progress_left_card": "progress", "staff_call": "staff_call", "privacy_notice": "privacy_notice",
    "staff_card_note": "staff_card_note",
    "aids_menu": "aids_menu", "health_start": "consent", "health_consent": "consent",
    "health_items": "health_items", "health_measuring": "measure", "health_waist": "measure",
    "health_results": "result", "health_urgent": "result",
    "sign_reading": "sign", "sign_refused": "sign", "sign_signed": "sign",
    "staff_open": "staff", "staff_pin": "staff", "staff_refused": "staff", "staff_confirm": "staff",
    "closed": "closed",
    "progress_rating": "progress",
    "request_type": "request_type", "request_topic": "request_type", "request_not_here": "request_type",
    "request_place": "request_place", "request_text": "request_text", "request_photos": "request_photos",
    "request_who": "request_who", "request_contact": "request_contact", "request_review": "request_review",
    "identify_code": "identify", "identify_code_expired": "identify", "identify_code_offline": "identify",
    "progress_code": "progress", "health_code": "consent",
    "certificate_list": "certificates", "certificate_preview": "certificate_preview",
    "certificate_paper_out": "certificate_print",
}
OVERLAYS = ("idle_warning", "staff_call", "staff_card_note", "privacy_notice", "aids_menu")
# a scene that only some windows have (the rest measure every scene)
ONLY_IN = {"aids_menu": ("landscape", "small")}   # portrait's header has room for every switch
# scenes reached again in each window (the rest are reached once and the window resized under them):
# 更多设置's menu closes when the window changes size, as a dropdown does
REACHED_IN_EACH_WINDOW = ("aids_menu",)
# the scenes where 大字 and 高对比 are pressed again, to see that no button of the frame moves
SWITCHED_ON = ("home", "conditions")

# window -> [size, portrait] (every scene is measured in each, in each way of reading: tests/screens/test_layout_<way>.py)
ORIENTATIONS = {"landscape": [[1920, 1080], False], "portrait": [[1080, 1920], True], "small": [[1280, 800], False]}
# way of reading -> [text scale, language, high contrast]
PASSES = {"normal": [1.0, "zh_CN", False], "large": [1.25, "zh_CN", False], "english": [1.25, "en", True]}


def measured(window: str) -> list[str]:
    """The scenes measured in ``window``."""
    return [name for name in SCENES if window in ONLY_IN.get(name, (window,))]
