"""The evidence hooks (pagehooks.js) in a real browser, on Playwright's page clock."""

import pytest
from served import Pages

from harness.pagehooks import SCRIPT

pytestmark = pytest.mark.browser

# A cookie deleted through the Cookie Store API with an expiry a second ago on the page's
# clock, five hours ahead of the browser's; its init an object of getters (a class), as
# the browser reads any object.
DELETE = """async () => {
  document.cookie = "kept=1; path=/; max-age=86400";
  class Init {
    get name() { return "kept"; }
    get value() { return ""; }
    get path() { return "/"; }
    get expires() { return Date.now() - 1000; }
  }
  await cookieStore.set(new Init());
  return document.cookie;
}"""


def test_a_cookie_store_expiry_on_the_page_clock_is_the_browsers_too(browser):
    server = Pages({"/": "<!doctype html><title>t</title>"})
    context = browser.new_context()
    try:
        context.add_init_script(SCRIPT)  # before the clock, as the consent audit puts it
        context.clock.install()
        page = context.new_page()
        page.goto(server.url("/"))
        page.clock.fast_forward(5 * 3600 * 1000)
        assert "kept=" not in page.evaluate(DELETE)
    finally:
        context.close()
        server.stop()
