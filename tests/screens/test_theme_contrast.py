"""Every text colour of the theme on its background reaches 7:1 (WCAG AAA),
in the standard palette and in the high-contrast one.

The colours are read from screens/theme.py as text (its literal assignments),
so this test needs no Kivy and no display.
"""

import ast
from pathlib import Path

import pytest

THEME = Path(__file__).resolve().parents[2] / "screens" / "theme.py"


def theme_literals() -> dict:
    values = {}
    for node in ast.parse(THEME.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                values[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:  # a size computed with dp()/sp(): not a colour
                pass
    return values


def colour(palette: dict, name: str) -> tuple:
    if "." in name:
        table, key = name.split(".", 1)
        return palette[table][key]
    return palette[name]


def relative_luminance(rgba) -> float:
    """WCAG 2.x relative luminance of an sRGB colour given as 0..1 floats."""
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_luminance_formula_matches_the_wcag_reference_values():
    assert contrast((0, 0, 0, 1), (1, 1, 1, 1)) == 21.0
    assert round(contrast((0.4627, 0.4627, 0.4627, 1), (1, 1, 1, 1)), 1) == 4.5  # #767676, the AA grey
    assert contrast((0.5, 0.5, 0.5, 1), (0.5, 0.5, 0.5, 1)) == 1.0


PALETTES = ("STANDARD", "HIGH_CONTRAST")


def test_both_palettes_are_the_switch_s_two_sides_with_the_same_colours():
    values = theme_literals()
    assert set(values["STANDARD"]) == set(values["HIGH_CONTRAST"])
    assert set(values["STANDARD"]["TILE_COLOURS"]) == set(values["HIGH_CONTRAST"]["TILE_COLOURS"])


def test_the_high_contrast_palette_is_light_on_black():
    hc = theme_literals()["HIGH_CONTRAST"]
    assert hc["BACKGROUND"][:3] == (0, 0, 0)
    assert relative_luminance(hc["TEXT"]) > 0.9 and relative_luminance(hc["HEADING"]) > 0.9   # white, yellow


@pytest.mark.parametrize("name", PALETTES)
def test_every_text_on_background_pair_reaches_7_to_1(name):
    values = theme_literals()
    palette = values[name]
    assert values["MIN_CONTRAST"] >= 7.0
    low = {f"{text} on {bg}": round(contrast(colour(palette, text), colour(palette, bg)), 2)
           for text, bg in values["CONTRAST_PAIRS"]
           if contrast(colour(palette, text), colour(palette, bg)) < values["MIN_CONTRAST"]}
    assert low == {}, f"{name}: contrast under 7:1: {low}"


@pytest.mark.parametrize("name", PALETTES)
def test_every_tile_and_text_colour_is_in_a_checked_pair(name):
    values = theme_literals()
    palette = values[name]
    checked = {name for pair in values["CONTRAST_PAIRS"] for name in pair}
    tiles = {f"TILE_COLOURS.{key}" for key in palette["TILE_COLOURS"]}
    assert tiles <= checked, f"tiles without a contrast check: {sorted(tiles - checked)}"
    texts = {name for name in palette if name in {"TEXT", "TEXT_MUTED", "HEADING", "SUCCESS", "WARNING", "ERROR"}
             or name.startswith("ON_")}
    assert texts <= checked, f"text colours without a contrast check: {sorted(texts - checked)}"
