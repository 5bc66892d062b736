"""Every text colour of the theme on its background reaches 7:1 (WCAG AAA).

The colours are read from screens/theme.py as text (its literal assignments),
so this test needs no Kivy and no display.
"""

import ast
from pathlib import Path

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


def colour(values: dict, name: str) -> tuple:
    if "." in name:
        table, key = name.split(".", 1)
        return values[table][key]
    return values[name]


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


def test_every_text_on_background_pair_reaches_7_to_1():
    values = theme_literals()
    assert values["MIN_CONTRAST"] >= 7.0
    low = {f"{text} on {bg}": round(contrast(colour(values, text), colour(values, bg)), 2)
           for text, bg in values["CONTRAST_PAIRS"]
           if contrast(colour(values, text), colour(values, bg)) < values["MIN_CONTRAST"]}
    assert low == {}, f"contrast under 7:1: {low}"


def test_every_tile_and_text_colour_is_in_a_checked_pair():
    values = theme_literals()
    checked = {name for pair in values["CONTRAST_PAIRS"] for name in pair}
    tiles = {f"TILE_COLOURS.{key}" for key in values["TILE_COLOURS"]}
    assert tiles <= checked, f"tiles without a contrast check: {sorted(tiles - checked)}"
    texts = {name for name in values if name in {"TEXT", "TEXT_MUTED", "SUCCESS", "WARNING", "ERROR"}
             or name.startswith("ON_")}
    assert texts <= checked, f"text colours without a contrast check: {sorted(texts - checked)}"
