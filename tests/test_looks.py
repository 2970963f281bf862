"""The audits' browsers look like a visitor's to servers too (harness/looks.py)."""

import pytest

from harness.looks import AS_A_VISITOR, VISITOR_SCREEN, visitor_header


@pytest.mark.parametrize("name, sent, heard", [
    ("Sec-CH-UA", '"Not:A-Brand";v="8", "Chromium";v="156", "HeadlessChrome";v="156"',
     '"Not:A-Brand";v="8", "Chromium";v="156", "Google Chrome";v="156"'),
    ("sec-ch-ua-full-version-list", '"HeadlessChrome";v="156.0.8078.108"',
     '"Google Chrome";v="156.0.8078.108"'),
    ("sec-ch-ua-mobile", "?0", "?0"),
    ("User-Agent", "HeadlessChrome/156", "HeadlessChrome/156"),  # the context's own option
    ("Referer", '"HeadlessChrome"', '"HeadlessChrome"'),  # only the brand lists change
])
def test_a_headless_brand_is_a_visitors_browser_to_servers(name, sent, heard):
    assert visitor_header(name, sent) == heard


# What a page can read of the getters the visitor's look answers: their value, their name,
# and whether reading them off the prototype throws, as the browser's own do.
GETTERS = """() => [["Navigator", "webdriver"], ["Screen", "width"], ["Screen", "height"],
  ["Screen", "availWidth"], ["Screen", "availHeight"]].map(([type, name]) => {
  const own = Object.getOwnPropertyDescriptor(self[type].prototype, name);
  let threw = false;
  try { self[type].prototype[name]; } catch (e) { threw = true; }
  return [own.get.name, own.enumerable, own.configurable, threw];
})"""
SIZE = "() => [screen.width, screen.height, screen.availWidth, screen.availHeight]"


@pytest.mark.browser
def test_the_visitors_screen_stays_as_the_window_is_resized_and_looks_the_browsers(browser):
    def read(look: bool):
        context = browser.new_context()
        try:
            if look:
                context.add_init_script(AS_A_VISITOR)
            page = context.new_page()
            page.set_content("<p>a visitor</p>")
            before = page.evaluate(SIZE)
            page.set_viewport_size({"width": 700, "height": 500})
            return (before, page.evaluate(SIZE), page.evaluate("navigator.webdriver"),
                    page.evaluate(GETTERS))
        finally:
            context.close()

    bare, looked = read(False), read(True)
    display = [VISITOR_SCREEN[k] for k in ("width", "height", "availWidth", "availHeight")]
    assert bare[1] == [700, 500, 700, 500]  # Playwright's screen follows the window
    assert looked[:3] == (display, display, False)
    assert looked[3] == bare[3]  # named, described and guarded as the browser's own
