"""Load test: N browser sessions filter and switch pages against a real `streamlit run` while the database is
replaced (as an import does: a new file renamed over the old) every few seconds.

    python bench/load_test.py --sessions 20 --seconds 60

Checks: no error on any page; every page shows one database version (the sidebar's "Showing x of T" and the
cohort caption "Lanes 1-n of N" agree, and T is 21 or 20, the two versions). Reports rerun latency: time from a
navigation to the page idle again (the running indicator gone), p50 and p95.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cmltrack.db.store import write_database  # noqa: E402
from cmltrack.demo import demo_frames  # noqa: E402
from tests.browser.harness import CHROMIUM, CHROMIUM_FLAGS, streamlit_server  # noqa: E402

PATHS = ["/", "/?status=Intolerant", "/?sex=Female", "/patients", "/patients?best=CCyR", "/outcomes", "/safety",
         "/patient?patient=CML-03", "/patient?patient=CML-12", "/?anchor=imatinib+start"]
COUNT = re.compile(r"Showing (\d+) of (\d+) patients")
LANES = re.compile(r"Lanes 1-(\d+) of (\d+) patients")


def versions() -> tuple[dict, dict]:
    """The demo cohort (21 patients) and the same without CML-21 (20 patients)."""
    full = demo_frames()
    fewer = {name: frame[frame["patient_id"] != "CML-21"].reset_index(drop=True) for name, frame in full.items()}
    return full, fewer


async def session(browser: object, url: str, deadline: float, seed: int, results: dict) -> None:
    rng = random.Random(seed)
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    while time.monotonic() < deadline:
        path = rng.choice(PATHS)
        started = time.monotonic()
        try:
            await page.goto(url + path)
            await page.wait_for_function(r"document.body.innerText.match(/Showing \d+ of \d+ patients/)",
                                         timeout=60_000)
            await page.wait_for_function("!document.querySelector(\"[data-testid='stStatusWidget']\")",
                                         timeout=60_000)
            await page.wait_for_timeout(300)
            text = await page.locator("body").inner_text()
        except Exception as exc:  # a timeout counts as an error of the run
            results["errors"].append(f"{path}: {type(exc).__name__}")
            continue
        results["latency"].append(time.monotonic() - started)
        if await page.locator("[data-testid='stException']").count():
            results["errors"].append(f"{path}: exception shown")
        shown, total = map(int, COUNT.search(text).groups())
        results["totals"].add(total)
        lanes = LANES.search(text)
        if total not in (20, 21) or (lanes and int(lanes.group(2)) != shown):
            results["mixed"].append(f"{path}: sidebar {shown}/{total}, lanes {lanes.group(0) if lanes else '-'}")
    await context.close()


def replace_periodically(db: Path, every: float, stop: threading.Event, count: list) -> None:
    full, fewer = versions()
    while not stop.wait(every):
        write_database(db, fewer if count[0] % 2 == 0 else full, source="load test")
        count[0] += 1


async def run(sessions: int, seconds: float, replace_every: float) -> dict:
    from playwright.async_api import async_playwright

    work = Path(tempfile.mkdtemp(prefix="cmltrack-load-"))
    db = write_database(work / "registry.duckdb", versions()[0], source="load test")
    results = {"latency": [], "errors": [], "mixed": [], "totals": set()}
    replaced, stop = [0], threading.Event()
    with streamlit_server(db) as url:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
            writer = threading.Thread(target=replace_periodically, args=(db, replace_every, stop, replaced))
            writer.start()
            deadline = time.monotonic() + seconds
            try:
                await asyncio.gather(*(session(browser, url, deadline, i, results) for i in range(sessions)))
            finally:
                stop.set()
                writer.join()
                await browser.close()
    latency = sorted(results["latency"])
    return {
        "sessions": sessions, "seconds": seconds, "reruns": len(latency), "database_replacements": replaced[0],
        "versions_seen": sorted(results["totals"]), "errors": results["errors"], "mixed_versions": results["mixed"],
        "p50_s": round(statistics.median(latency), 2) if latency else None,
        "p95_s": round(latency[int(0.95 * (len(latency) - 1))], 2) if latency else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--replace-every", type=float, default=8.0)
    args = parser.parse_args(argv)
    report = asyncio.run(run(args.sessions, args.seconds, args.replace_every))
    print(json.dumps(report, indent=2))
    return 0 if not report["errors"] and not report["mixed_versions"] else 1


if __name__ == "__main__":
    sys.exit(main())
