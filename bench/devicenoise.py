"""What the consent audit's device noise (harness/devicenoise.py) costs a visit, side by side.

    .venv/bin/python bench/devicenoise.py [BROWSER [ROUNDS [SITE ...]]]   # chromium 3 shop

Each round visits each site in its opted-out state twice, once with the visitor's noise and
once with an empty script in its place (the order swapped every round), one visit at a time,
as the audit's ``_Visit.visit`` does (the proxy, the clock, the settlings, leaving, the
stock); it prints each visit's wall time and the CPU of this process's tree (Python, the
Playwright driver, the browser's processes), and the medians with and without and their
ratio. Then, in one page, what the noise adds to a readback: ``toDataURL`` and
``getImageData`` of a 240x60 and a 1000x1000 canvas, and an ``OfflineAudioContext``
rendering read back, each timed with and without. Linux only.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import proc
from playwright.async_api import async_playwright

from harness import Server
from harness.consent_audit import parse, runner
from harness.devicenoise import DeviceNoise


class Silent(DeviceNoise):
    """No noise at all: the visit as it was before devicenoise.py."""

    script = ""  # type: ignore[assignment]
    prelude = b""  # type: ignore[assignment]


READBACK = """async (noisy) => {
  const time = (f, n) => { const t = performance.now(); for (let i = 0; i < n; i++) f();
    return (performance.now() - t) / n; };
  const drawn = (w, h) => { const c = document.createElement("canvas"); c.width = w;
    c.height = h; const x = c.getContext("2d"); x.fillStyle = "#f60"; x.fillRect(0, 0, w, h);
    x.fillStyle = "#069"; x.font = "16px sans-serif"; x.fillText("Cwm fjordbank", 4, 24);
    return [c, x]; };
  const [s, sx] = drawn(240, 60), [l, lx] = drawn(1000, 1000);
  const a = new OfflineAudioContext(1, 44100, 44100), o = a.createOscillator();
  o.connect(a.destination); o.start(0); const b = await a.startRendering();
  const t = performance.now(); b.getChannelData(0); const audio = performance.now() - t;
  return { "toDataURL 240x60": time(() => s.toDataURL(), 50),
           "getImageData 240x60": time(() => sx.getImageData(0, 0, 240, 60), 50),
           "toDataURL 1000x1000": time(() => l.toDataURL(), 5),
           "getImageData 1000x1000": time(() => lx.getImageData(0, 0, 1000, 1000), 5),
           "audio 1 s read back (first read)": audio };
}"""



async def _visit(browser, name, settings, site, out, noise) -> tuple[float, float]:
    state = {"choice": "rejected", "gpc": False}
    visit = runner._Visit(browser, name, settings, site, state, out, noise=noise)
    ticks, started = proc.tree_ticks(), time.perf_counter()
    await visit.visit()
    seconds = time.perf_counter() - started
    cpu = (proc.tree_ticks() - ticks) / proc.TICKS * 1000
    if visit.record["error"]:
        raise RuntimeError(visit.record["error"])
    return seconds, cpu


async def _readback(browser, noise: DeviceNoise) -> dict:
    context = await browser.new_context()
    await context.add_init_script(noise.script)
    await context.route("http://bench.localhost/**", lambda route: route.fulfill(
        body="<!doctype html><title>bench</title>", content_type="text/html"))
    page = await context.new_page()
    await page.goto("http://bench.localhost/")
    result = await page.evaluate(READBACK, True)
    await context.close()
    return result


async def main(name: str, rounds: int, sites: list[str]) -> None:
    out = Path(tempfile.mkdtemp(prefix="devicenoise-bench-"))
    (out / "screenshots").mkdir()
    (out / "har").mkdir()
    times: dict[str, list] = {"noise": [], "none": []}
    with Server() as server:
        settings = parse({"collector": server.origin(), "browsers": [name], "site": [
            {"name": s, "start": server.url_for(s, "/"),
             "opt_out": [{"click": "#reject-cookies"}]} for s in sites]})
        async with async_playwright() as playwright:
            browser = await getattr(playwright, name).launch(**runner._launch_options(name))
            for r in range(rounds):
                order = ["noise", "none"] if r % 2 == 0 else ["none", "noise"]
                for site in settings.sites:
                    for kind in order:
                        noise = DeviceNoise.fresh() if kind == "noise" else Silent(0, 0, 0)
                        seconds, cpu = await _visit(browser, name, settings, site, out, noise)
                        times[kind].append((seconds, cpu))
                        print(f"round {r + 1} {site.name:8} {kind:5} {seconds:6.2f} s "
                              f"{cpu:7.0f} ms CPU", flush=True)
            with_noise = [await _readback(browser, DeviceNoise.fresh()) for _ in range(3)]
            without = [await _readback(browser, Silent(0, 0, 0)) for _ in range(3)]
            await browser.close()
    for what, i in (("wall s", 0), ("CPU ms", 1)) if rounds else ():
        a = statistics.median(t[i] for t in times["noise"])
        b = statistics.median(t[i] for t in times["none"])
        print(f"median {what}: with noise {a:.2f}, without {b:.2f}, ratio {a / b:.3f}")
    for key in with_noise[0]:
        a = statistics.median(r[key] for r in with_noise)
        b = statistics.median(r[key] for r in without)
        print(f"{key}: with noise {a:.2f} ms, without {b:.2f} ms")


if __name__ == "__main__":
    args = sys.argv[1:]
    asyncio.run(main(args[0] if args else "chromium", int(args[1]) if len(args) > 1 else 3,
                     args[2:] or ["shop"]))
