"""WCAG AA contrast (4.5:1 for body text) of every text/background pair app.css uses, per theme."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).parents[2] / "src/usage_tracker/web/static/app.css"
AA_TEXT = 4.5

# (text, background) custom-property pairs the stylesheet puts text on.
PAIRS = [
    ("text", "bg"),  # body
    ("text", "surface"),  # cards, panels, sidebar, buttons, inputs
    ("text", "chip"),  # chips, badges, active nav item, <pre>
    ("muted", "bg"),  # muted text in expanded rows (tr.detail)
    ("muted", "surface"),  # card titles, empty rows, nav sections, disabled nav
    ("muted", "chip"),  # muted text in a hovered or current nav item
    ("accent", "bg"),  # links
    ("accent", "surface"),  # links in panels, link buttons, file label
    ("accent", "chip"),  # links on chips and hovered rows
    ("accent-text", "accent"),  # primary buttons, active chips
    ("accent-text", "ok"),  # succeeded badges
    ("accent-text", "error"),  # failed badges
    ("accent-text", "warn"),  # warning badges
    ("error", "bg"),
    ("error", "surface"),  # error messages, danger buttons
    ("ok", "surface"),
]


def _declarations(block: str) -> dict[str, str]:
    return {m[1]: m[2].strip().lower() for m in re.finditer(r"--([a-z0-9-]+):\s*([^;]+);", block)}


def _block(css: str, selector: str) -> str:
    match = re.search(re.escape(selector) + r"\s*\{([^{}]*)\}", css)
    assert match, f"no {selector} block in app.css"
    return match.group(1)


def themes() -> dict[str, dict[str, str]]:
    css = CSS.read_text(encoding="utf-8")
    light = _declarations(_block(css, ":root"))
    dark = light | _declarations(_block(css, ':root[data-theme="dark"]'))
    system = light | _declarations(_block(css, ':root[data-theme="system"]'))
    return {"light": light, "dark": dark, "system-dark": system}


def luminance(color: str) -> float:
    hexes = color.lstrip("#")
    if len(hexes) == 3:
        hexes = "".join(c * 2 for c in hexes)
    channels = [int(hexes[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def ratio(fg: str, bg: str) -> float:
    a, b = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def test_ratio_matches_known_values() -> None:
    assert ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_system_dark_theme_is_the_dark_theme() -> None:
    found = themes()
    assert found["system-dark"] == found["dark"]


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize(("fg", "bg"), PAIRS)
def test_text_pairs_meet_aa(theme: str, fg: str, bg: str) -> None:
    colors = themes()[theme]
    value = ratio(colors[fg], colors[bg])
    assert value >= AA_TEXT, f"{theme}: --{fg} on --{bg} is {value:.2f}:1"


COLOR = re.compile(r"(?<![-\w])color:\s*([^;]+?)\s*(?:;|$)")
BACKGROUND = re.compile(r"(?<![-\w])background(?:-color)?:\s*([^;]+?)\s*(?:;|$)")
THEMED = re.compile(r"^(var\(--[a-z0-9-]+\)|inherit|currentcolor|transparent)$", re.I)
HEX = re.compile(r"^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$")


def _rules() -> list[tuple[str, str]]:
    """(selector, body) of every innermost rule; fails if the stylesheet no longer parses so."""
    rules = re.findall(r"([^{}]+)\{([^{}]*)\}", CSS.read_text(encoding="utf-8"))
    assert len(rules) >= 50, f"only {len(rules)} rules found in app.css: is the pattern stale?"
    return [(selector.strip(), body) for selector, body in rules]


def _literal_text_colours() -> list[tuple[str, str, str | None]]:
    """(selector, colour, background) of each rule whose text colour is not a theme variable."""
    found, declarations = [], 0
    for selector, body in _rules():
        for fg in COLOR.findall(body):
            declarations += 1
            if not THEMED.match(fg):
                bg = BACKGROUND.search(body)
                found.append((selector, fg, bg.group(1) if bg else None))
    # what the pattern found today (26 colour declarations): it must go on finding them
    assert declarations >= 20, f"only {declarations} colour declarations matched: stale pattern?"
    return found


def test_literal_pairs_meet_aa() -> None:
    """Rules that set both a literal text colour and a literal background (status pills)."""
    checked = 0
    for selector, fg, bg in _literal_text_colours():
        if bg is None:
            continue  # test_no_literal_text_colour_on_theme_backgrounds fails it
        assert HEX.match(fg) and HEX.match(bg), f"{selector}: cannot check {fg} on {bg}"
        checked += 1
        value = ratio(fg, bg)
        assert value >= AA_TEXT, f"{selector}: {value:.2f}:1"
    assert checked >= 3


def test_no_literal_text_colour_on_theme_backgrounds() -> None:
    """A literal text colour without its own background sits on a theme background, which
    changes with the theme; such colours must be custom properties."""
    for selector, fg, bg in _literal_text_colours():
        assert bg is not None, f"{selector} sets a literal color {fg} on a theme background"
