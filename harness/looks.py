"""How the harness's browsers look to the pages they visit: as a visitor's.

A page may keep its tracker from bots: it checks ``navigator.webdriver`` (true in every
automated browser) or a headless build's name (Chromium's headless shell says
``HeadlessChrome`` in its user agent and among its brands). The audits judge the page a
visitor gets, so their browsers say what a visitor's desktop browser says: a loader that
skips bots then runs as it does for people, and a site that tracks people only cannot hide
it from the consent audit.
"""

from __future__ import annotations

import json
import re

__all__ = ["AS_A_VISITOR", "visitor_header", "visitor_user_agent"]

# The client-hint headers that list the browser's brands.
BRAND_HEADERS = frozenset({"sec-ch-ua", "sec-ch-ua-full-version-list"})


def visitor_user_agent(browser_name: str, version: str) -> str | None:
    """The user agent a visitor's desktop browser of *version* sends, where the headless
    build names itself (Chromium's ``HeadlessChrome``), or None where the browser's own is
    a visitor's already (Firefox)."""
    if browser_name != "chromium" or not version:
        return None
    major = version.split(".")[0]  # browsers send a reduced version: 156.0.0.0
    return ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            f"Chrome/{major}.0.0.0 Safari/537.36")


def visitor_header(name: str, value: str) -> str:
    """*value* of the request header *name* as a visitor's browser sends it: a brand that
    names a headless build (``"HeadlessChrome";v="156"``) is the browser a visitor has. What
    the browser sent stays on record as it was; servers hear the visitor's."""
    if name.lower() not in BRAND_HEADERS:
        return value
    return re.sub(r'"HeadlessChrome"', '"Google Chrome"', value, flags=re.IGNORECASE)


# The visitor's display: a common desktop screen, larger than any window the audits open.
# It stays as it is when the window is resized, as a visitor's does (Playwright's viewport
# changes make the screen follow the window in both browsers, screen option or not), so a
# fingerprint that includes the screen's size stays one value for one visitor.
VISITOR_SCREEN = {"width": 1920, "height": 1080, "availWidth": 1920, "availHeight": 1040}

# An init script: navigator.webdriver reads false, as in a visitor's browser; the screen is
# the visitor's display (VISITOR_SCREEN); and a brand that names a headless build
# (User-Agent Client Hints, as scripts read them) reads as the browser a visitor has. (The
# Sec-CH-UA request header keeps the build's own brands.)
AS_A_VISITOR = """(() => {
  // A getter of *proto*'s *name* answering *value*, as the browser's own is: named
  // "get <name>", and throwing as it does when read on anything but an instance.
  const answer = (proto, name, value) => {
    const own = proto && Object.getOwnPropertyDescriptor(proto, name);
    if (!own || typeof own.get !== "function") return;
    const get = own.get;
    const fake = Object.getOwnPropertyDescriptor(
      { get [name]() { Reflect.apply(get, this, []); return value; } }, name).get;
    try {
      Object.defineProperty(proto, name, Object.assign({}, own, { get: fake }));
    } catch (e) { /* left as it is */ }
  };
  answer(self.Navigator && Navigator.prototype, "webdriver", false);
  const screenSize = SCREEN;
  for (const name of Object.keys(screenSize)) {
    answer(self.Screen && Screen.prototype, name, screenSize[name]);
  }
  const Data = self.NavigatorUAData;
  if (!Data) return;
  const named = (list) => Array.isArray(list) ? list.map((b) => b && /headless/i.test(b.brand) ?
    Object.assign({}, b, { brand: "Google Chrome" }) : b) : list;
  const brands = Object.getOwnPropertyDescriptor(Data.prototype, "brands");
  if (brands && brands.get) {
    Object.defineProperty(Data.prototype, "brands", Object.assign({}, brands, {
      get() { return Object.freeze(named(brands.get.call(this))); } }));
  }
  const high = Data.prototype.getHighEntropyValues;
  if (typeof high === "function") {
    Data.prototype.getHighEntropyValues = function () {
      return high.apply(this, arguments).then((values) => Object.assign({}, values,
        values.brands ? { brands: named(values.brands) } : {},
        values.fullVersionList ? { fullVersionList: named(values.fullVersionList) } : {}));
    };
  }
  const toJSON = Data.prototype.toJSON;
  if (typeof toJSON === "function") {
    Data.prototype.toJSON = function () {
      const values = toJSON.call(this);
      return Object.assign({}, values, { brands: named(values.brands) });
    };
  }
})();""".replace("SCREEN", json.dumps(VISITOR_SCREEN))
