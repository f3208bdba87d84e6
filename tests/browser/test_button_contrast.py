"""Every button variant meets WCAG AA (4.5:1) in the light and the dark theme, measured on the
colours Chromium computes from app.css — not only the custom properties — so a variant that
combines two rules (a red-text `danger` on a blue `primary`) is caught."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.web.test_contrast import CSS, ratio

pytestmark = pytest.mark.browser

# Every button-like element the templates and scripts use, on each surface it appears on.
VARIANTS = """
<main>
 <section class="panel" id="on-panel">
  <button>Plain</button><button class="primary">Primary</button>
  <button class="danger">Danger</button><button class="primary danger">Confirm delete</button>
  <button class="link-button">Download PNG</button><a class="danger-link" href="#">Delete all</a>
  <a class="chip" href="#">Chip</a><a class="chip active" href="#">Active chip</a>
  <button class="expand" aria-expanded="false"><span aria-hidden="true">▸</span></button>
  <a class="badge warning">warning</a><a class="badge interrupted">interrupted</a>
  <span class="status caution">caution</span><span class="status warning">warning</span>
  <span class="status over">over</span><span class="status safe">safe</span>
 </section>
 <button class="primary">On the page</button><a class="chip" href="#">Chip on the page</a>
</main>
"""

MEASURE = """() => {
  const rgb = s => s.match(/[\\d.]+/g).map(Number);
  const hex = c => '#' + c.slice(0, 3).map(v => Math.round(v).toString(16).padStart(2, '0')).join('');
  const backdrop = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] > 0) return hex(c);
    }
    return hex(rgb(getComputedStyle(document.body).backgroundColor));
  };
  return [...document.querySelectorAll('main button, main a, main span.status')].map(el => ({
    what: el.className + ' ' + el.textContent.trim(),
    fg: hex(rgb(getComputedStyle(el).color)), bg: backdrop(el) }));
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_button_variant_meets_aa(browser: Browser, theme: str) -> None:
    page = browser.new_page()
    try:
        page.set_content(
            f'<!doctype html><html data-theme="{theme}"><head><style>'
            f"{CSS.read_text(encoding='utf-8')}</style></head><body>{VARIANTS}</body></html>"
        )
        found = page.evaluate(MEASURE)
        assert len(found) == 17
        low = [(f["what"], f["fg"], f["bg"], round(ratio(f["fg"], f["bg"]), 2))
               for f in found if ratio(f["fg"], f["bg"]) < 4.5]  # fmt: skip
        assert not low, low
    finally:
        page.close()
