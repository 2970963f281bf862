"""Each visitor of the consent audit has device noise of its own (harness/devicenoise.py):
a fingerprint is stable within one visitor, differs between two, and what lays a page out or
localises it is untouched. That the audit then catches a fingerprint sent after the opt-out
is the breach suite's (tests/test_consent_breaches.py, site ``fingerprint``)."""

import pytest

from harness.devicenoise import CORES, MEMORY, DeviceNoise

PAGE = "<!doctype html><title>noise</title><body><span id='t'>Cwm fjordbank glyphs</span>"
URL = "http://noise.localhost/"
# What fingerprinting scripts read, each surface apart, as text.
FINGERPRINT = """async () => {
  const c = document.createElement("canvas"); c.width = 160; c.height = 40;
  const x = c.getContext("2d"); x.fillStyle = "#f60"; x.fillRect(0, 0, 160, 40);
  x.fillStyle = "#069"; x.font = "16px sans-serif"; x.fillText("Cwm fjordbank glyphs", 4, 24);
  const blob = await new Promise((done) => c.toBlob(done));
  // A picture of no opaque pixel: translucent paint, translucent text.
  const t = document.createElement("canvas"); t.width = 120; t.height = 30;
  const tx = t.getContext("2d"); tx.globalAlpha = 0.5; tx.fillStyle = "#f60";
  tx.fillRect(0, 0, 120, 30); tx.fillStyle = "rgba(0, 102, 153, 0.6)";
  tx.fillText("Cwm fjordbank", 4, 20);
  const oc = new OffscreenCanvas(40, 20), ox = oc.getContext("2d");
  ox.fillStyle = "#36c"; ox.fillRect(0, 0, 40, 20); ox.fillStyle = "#fc0"; ox.fillText("w", 4, 14);
  const gl = document.createElement("canvas").getContext("webgl");
  let webgl = null;
  if (gl) { gl.clearColor(0.2, 0.4, 0.6, 1); gl.clear(gl.COLOR_BUFFER_BIT);
    const px = new Uint8Array(16 * 16 * 4);
    gl.readPixels(0, 0, 16, 16, gl.RGBA, gl.UNSIGNED_BYTE, px);
    webgl = px.join(); }
  const a = new OfflineAudioContext(1, 5000, 44100), o = a.createOscillator();
  const k = a.createDynamicsCompressor(); o.type = "triangle"; o.frequency.value = 10000;
  o.connect(k); k.connect(a.destination); o.start(0);
  const rendered = await a.startRendering();
  const copied = new Float32Array(500); rendered.copyFromChannel(copied, 0, 4500);
  const live = new AudioContext(), an = live.createAnalyser(), fq = new Float32Array(64);
  an.fftSize = 128; an.getFloatTimeDomainData(fq); live.close();
  return {
    dataURL: c.toDataURL(), blob: [...new Uint8Array(await blob.arrayBuffer())].join(),
    image: x.getImageData(0, 0, 160, 40).data.join(),
    part: x.getImageData(10, 5, 60, 20).data.join(),
    translucent: tx.getImageData(0, 0, 120, 30).data.join(), translucentURL: t.toDataURL(),
    offscreen: [...new Uint8Array(await (await oc.convertToBlob()).arrayBuffer())].join(),
    webgl, audio: rendered.getChannelData(0).slice(4500).join(), copied: copied.join(),
    analyser: fq.join(), cores: navigator.hardwareConcurrency,
    memory: navigator.deviceMemory ?? null };
}"""
# What pages lay out and localise with, which clean sites send themselves.
LAYOUT = """() => ({
  inner: [innerWidth, innerHeight, outerWidth, outerHeight], dpr: devicePixelRatio,
  screen: [screen.width, screen.height, screen.availWidth, screen.colorDepth],
  language: navigator.language, languages: navigator.languages.join(),
  zone: Intl.DateTimeFormat().resolvedOptions().timeZone, offset: new Date().getTimezoneOffset(),
  agent: navigator.userAgent, platform: navigator.platform,
  text: document.getElementById("t").getBoundingClientRect().width,
  measured: document.createElement("canvas").getContext("2d").measureText("glyphs").width })"""
# The browser's own look of what the noise replaces.
LOOKS = """() => [HTMLCanvasElement.prototype.toDataURL, HTMLCanvasElement.prototype.toBlob,
  CanvasRenderingContext2D.prototype.getImageData, OffscreenCanvas.prototype.convertToBlob,
  WebGLRenderingContext.prototype.readPixels, AudioBuffer.prototype.getChannelData,
  AudioBuffer.prototype.copyFromChannel, AnalyserNode.prototype.getFloatFrequencyData,
  Object.getOwnPropertyDescriptor(Navigator.prototype, "hardwareConcurrency").get,
  Function.prototype.toString].map((f) => [String(f), f.name, f.length, "prototype" in f,
  Function.prototype.toString.call(f)])"""
# What Firefox's baseline fingerprinting protection varies per context by itself (its
# EfficientCanvasRandomization): a canvas encoded as an image.
EXTRACTED = {"dataURL", "blob", "offscreen", "translucentURL"}
BLANK = """() => { const c = document.createElement("canvas"); c.width = 30; c.height = 30;
  return c.getContext("2d").getImageData(0, 0, 30, 30).data.join(); }"""


@pytest.mark.parametrize("draw", range(20))
def test_a_twin_differs_from_its_visitor_in_every_part(draw):
    visitor = DeviceNoise.fresh()
    twin = DeviceNoise.fresh(unlike=visitor)
    assert (twin.seed != visitor.seed and twin.cores != visitor.cores
            and twin.memory != visitor.memory)
    assert twin.cores in CORES and twin.memory in MEMORY and 0 <= twin.seed < 2 ** 32


def test_the_script_carries_the_visitors_values():
    noise = DeviceNoise(seed=1234567, cores=12, memory=2)
    assert noise.script.endswith('({"seed": 1234567, "cores": 12, "memory": 2});')
    assert noise.prelude == noise.script.encode()


@pytest.fixture(scope="module")
def browser(browser_type, browser_type_launch_args):
    """A browser of this module's own, closed after it: what these pages leave in Firefox
    (its live AudioContexts, its own canvas noise) outlived their contexts, and the next
    scenario in the session's browser, a middle click's new tab, never sent its visit."""
    own = browser_type.launch(**browser_type_launch_args)
    yield own
    own.close()


def _open(browser, noise: DeviceNoise | None):
    context = browser.new_context()
    if noise is not None:
        context.add_init_script(noise.script)
    context.route(URL + "**", lambda route: route.fulfill(body=PAGE, content_type="text/html"))
    page = context.new_page()
    page.goto(URL)
    return context, page


def _read(browser, noise: DeviceNoise | None, script: str = FINGERPRINT):
    context, page = _open(browser, noise)
    try:
        return page.evaluate(script)
    finally:
        context.close()


@pytest.mark.browser
def test_a_visitor_reads_one_fingerprint_however_often_it_asks(browser):
    noise = DeviceNoise.fresh()
    context, page = _open(browser, noise)
    try:
        first = page.evaluate(FINGERPRINT)
        again = page.evaluate(FINGERPRINT)
        other = context.new_page()  # another page of the same visitor
        other.goto(URL)
        later = other.evaluate(FINGERPRINT)
    finally:
        context.close()
    assert first == again == later
    assert first["cores"] == noise.cores
    assert first["memory"] in (noise.memory, None)  # Firefox has no deviceMemory
    # The same seed in another context reads the same too: the noise is the seed's alone
    # (but where Firefox adds noise of its own per context to an image it encodes).
    elsewhere = _read(browser, noise)
    own = EXTRACTED if browser.browser_type.name == "firefox" else set()
    assert {k: v for k, v in elsewhere.items() if k not in own} == {
        k: v for k, v in first.items() if k not in own}


@pytest.mark.browser
def test_two_visitors_read_different_fingerprints_on_one_machine(browser):
    bare = _read(browser, None)
    visitor = DeviceNoise.fresh()
    mine, twins = _read(browser, visitor), _read(browser, DeviceNoise.fresh(unlike=visitor))
    own = EXTRACTED if browser.browser_type.name == "firefox" else set()
    for surface, value in mine.items():
        if value is None:  # no WebGL, no deviceMemory in this browser
            assert twins[surface] is None and bare[surface] is None, surface
            continue
        if surface == "analyser":  # silence: nothing to move, for everyone alike
            assert value == twins[surface] == bare[surface]
            continue
        assert value != twins[surface], f"{surface}: both visitors read the same"
        # (A drawn device value may be the machine's own: one in six draws of cores here.)
        if surface not in own | {"cores", "memory"}:  # Firefox varies those itself
            assert value != bare[surface], f"{surface}: the noise changed nothing"


@pytest.mark.browser
def test_the_noise_leaves_layout_locale_and_the_blank_alone(browser):
    noise = DeviceNoise.fresh()
    assert _read(browser, noise, LAYOUT) == _read(browser, None, LAYOUT)
    assert set(_read(browser, noise, BLANK).split(",")) == {"0"}


@pytest.mark.browser
def test_a_part_of_a_canvas_reads_as_the_whole_does(browser):
    # The noise goes by a pixel's place on the canvas, so no two reads disagree about it.
    both = """() => { const c = document.createElement("canvas"); c.width = 160; c.height = 40;
      const x = c.getContext("2d"); x.fillStyle = "#f60"; x.fillRect(0, 0, 160, 40);
      const whole = x.getImageData(0, 0, 160, 40).data, part = x.getImageData(10, 5, 60, 20).data;
      const cut = [];
      for (let y = 5; y < 25; y++) cut.push(...whole.slice((y * 160 + 10) * 4, (y * 160 + 70) * 4));
      return [cut.join(), Array.from(part).join(), Array.from(whole).join()]; }"""
    cut, part, whole = _read(browser, DeviceNoise.fresh(), both)
    assert cut == part and whole != _read(browser, None, both)[2]


@pytest.mark.browser
def test_the_noise_is_too_small_to_see(browser):
    pixels = """() => { const c = document.createElement("canvas"); c.width = 160; c.height = 40;
      const x = c.getContext("2d"); x.fillStyle = "#f60"; x.fillRect(0, 0, 160, 40);
      x.fillStyle = "#069"; x.fillText("Cwm fjordbank glyphs", 4, 24);
      return Array.from(x.getImageData(0, 0, 160, 40).data); }"""
    bare, noised = _read(browser, None, pixels), _read(browser, DeviceNoise.fresh(), pixels)
    moved = [abs(a - b) for a, b in zip(bare, noised, strict=True) if a != b]
    assert moved and max(moved) == 1 and len(moved) < len(bare) // 4 // 8
    assert bare[3::4] == noised[3::4]  # no pixel made more or less transparent


@pytest.mark.browser
def test_what_the_noise_replaces_looks_native(browser):
    assert _read(browser, DeviceNoise.fresh(), LOOKS) == _read(browser, None, LOOKS)


# A page that replaces, before it reads back, what the noise would call then.
SABOTAGE = """() => { Math.imul = () => 0; Math.min = () => 0;
  WeakMap.prototype.get = function () {}; WeakMap.prototype.set = function () { return this; };
  CanvasRenderingContext2D.prototype.drawImage = function () {};
  CanvasRenderingContext2D.prototype.putImageData = function () {}; }"""


@pytest.mark.browser
def test_a_page_that_replaces_what_the_noise_calls_cannot_undo_it(browser):
    def read(noise: DeviceNoise):
        context, page = _open(browser, noise)
        try:
            page.evaluate(SABOTAGE)
            return page.evaluate(FINGERPRINT)
        finally:
            context.close()

    visitor = DeviceNoise.fresh()
    one, two = read(visitor), read(DeviceNoise.fresh(unlike=visitor))
    assert [s for s in ("dataURL", "image", "audio", "copied") if one[s] == two[s]] == []
