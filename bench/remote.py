"""A scenario in a remote browser beside the same scenario in a local launch, same machine.

    .venv/bin/python bench/remote.py [--runs N] [--browser chromium|firefox]

1. Per scenario: what an LClick scenario does (reset, profile, tracked link, click, the
   API wait) in a browser launched here and in one served by ``webtrack browser-server``
   on loopback, interleaved so machine noise falls on both; median ms and the ratio
   (target ≤ 1.3×). The one-off cost of getting the browser (launch vs connect) apart.
2. Throughput: two scenario streams at once, both on one browser server, then each on its
   own server. On one 2-core machine both servers share the same cores, so the second
   server cannot add throughput here; the figure says what this machine allows, not what
   two machines would.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from playwright.async_api import async_playwright  # noqa: E402

from harness import CollectorClient, Server, launch_spec  # noqa: E402
from harness.remote import EXPOSE_NETWORK  # noqa: E402
from harness.remote.server import BrowserServer  # noqa: E402


async def scenario(browser, client: CollectorClient, server: Server) -> float:
    started = time.perf_counter()
    profile = (await asyncio.to_thread(client.profile, "contact", consent="opted_in"))["id"]
    link = await asyncio.to_thread(client.link, profile, server.url_for("shop", "/"))
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(link)
    await page.click("#add-lamp")
    await asyncio.to_thread(client.expect, profile, "website_link_clicked",
                            msdynci_actiontype="LClick")
    await context.close()
    return (time.perf_counter() - started) * 1000


async def per_scenario(name: str, runs: int, endpoint: str) -> dict:
    with Server() as server:
        client = CollectorClient("collector.localhost", server.port)
        async with async_playwright() as playwright:
            kind = getattr(playwright, name)
            started = time.perf_counter()
            local = await kind.launch(**launch_spec(name).options)
            launch_ms = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            remote = await kind.connect(endpoint, expose_network=EXPOSE_NETWORK)
            connect_ms = (time.perf_counter() - started) * 1000
            await scenario(local, client, server)
            await scenario(remote, client, server)  # warm both paths once
            here, there = [], []
            for _ in range(runs):
                here.append(await scenario(local, client, server))
                there.append(await scenario(remote, client, server))
            await local.close()
            await remote.close()
    return {"local_ms": round(statistics.median(here), 1),
            "remote_ms": round(statistics.median(there), 1),
            "ratio": round(statistics.median(there) / statistics.median(here), 2),
            "launch_ms": round(launch_ms), "connect_ms": round(connect_ms)}


async def throughput(name: str, endpoints: list[str], streams: int, per_stream: int) -> float:
    """Scenarios per second with *streams* at once, stream i on endpoint i mod n."""
    with Server() as server:
        client = CollectorClient("collector.localhost", server.port)
        async with async_playwright() as playwright:
            kind = getattr(playwright, name)
            browsers = [await kind.connect(e, expose_network=EXPOSE_NETWORK) for e in endpoints]
            await scenario(browsers[0], client, server)

            async def stream(i: int) -> None:
                for _ in range(per_stream):
                    await scenario(browsers[i % len(browsers)], client, server)

            started = time.perf_counter()
            await asyncio.gather(*(stream(i) for i in range(streams)))
            seconds = time.perf_counter() - started
            for browser in browsers:
                await browser.close()
    return round(streams * per_stream / seconds, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--browser", default="chromium", choices=["chromium", "firefox"])
    args = parser.parse_args()
    load = round(os.getloadavg()[0], 1)
    with BrowserServer(args.browser) as one, BrowserServer(args.browser) as two:
        result = {"when": time.strftime("%Y-%m-%d %H:%M"), "browser": args.browser,
                  "load_average": load,
                  "per_scenario": asyncio.run(per_scenario(args.browser, args.runs,
                                                           one.ws_endpoint))}
        single = asyncio.run(throughput(args.browser, [one.ws_endpoint], 2, args.runs // 2))
        double = asyncio.run(throughput(args.browser, [one.ws_endpoint, two.ws_endpoint], 2,
                                        args.runs // 2))
    result["throughput"] = {"one_server_per_s": single, "two_servers_per_s": double,
                            "ratio": round(double / single, 2),
                            "bound": "one 2-core machine runs both servers and the client"}
    result["load_average_after"] = round(os.getloadavg()[0], 1)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
