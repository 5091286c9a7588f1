"""Browser benchmark: time from page load to the swimmer's SVG in headless Chromium, and the server's memory.

    python -m bench.browser [--sizes 1000 10000 100000] [--dir /tmp/cmltrack-bench]

For each synthetic cohort (built by bench/run.py's rule when missing) a real `streamlit run` serves the Cohort page;
Debian's Chromium (Playwright, never a downloaded browser) opens it twice, each in a new session: cold (the server's
first look at the file) and warm (its caches filled). Reports navigation-to-SVG seconds and the server process's
peak resident memory (VmHWM).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bench.run import database
from scripts.harness import chromium, streamlit_server, wait_for_plot


def _server_pid(port: str) -> int | None:
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if f"--server.port={port}".encode() in cmd:
                return int(proc.name)
    return None


def _peak_rss_mib(pid: int | None) -> float:
    if pid is None:
        return float("nan")
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _load(browser: object, url: str) -> float:
    page = browser.new_page(viewport={"width": 1600, "height": 1100})
    started = time.perf_counter()
    page.goto(url + "/")
    wait_for_plot(page, timeout_ms=180_000)
    elapsed = time.perf_counter() - started
    page.close()
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/cmltrack-bench"))
    args = parser.parse_args(argv)
    print(f"{'N':>7} | {'cold load to SVG':>16} | {'warm load to SVG':>16} | {'server peak RSS':>15}")
    for n in args.sizes:
        db = database(args.dir, n)
        with streamlit_server(db, timeout=180) as url, chromium() as browser:
            cold, warm = _load(browser, url), _load(browser, url)
            rss = _peak_rss_mib(_server_pid(url.rsplit(":", 1)[1]))
        print(f"{n:>7} | {cold:>15.2f}s | {warm:>15.2f}s | {rss:>11.0f} MiB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
