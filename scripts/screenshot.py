"""Screenshot app pages in headless Chromium.

    python scripts/screenshot.py OUT_DIR [--db FILE_OR_URL] [--size 1920x1080] [/ /patients?status=Intolerant ...]

Serves FILE (default: the demo cohort, built in OUT_DIR) or a postgresql:// registry with `streamlit run` and writes
one full-page PNG per path.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cmltrack.cohorts.demo import demo_frames  # noqa: E402
from cmltrack.db.connection import DEMO_SOURCE  # noqa: E402
from cmltrack.db.postgres import is_postgres  # noqa: E402
from cmltrack.db.store import write_database  # noqa: E402
from tests.browser.harness import chromium, streamlit_server  # noqa: E402


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("paths", nargs="*", default=["/", "/patients"])
    parser.add_argument("--db")
    parser.add_argument("--size", default="1600x1000")
    args = parser.parse_intermixed_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    db = args.db if is_postgres(args.db) else Path(args.db or args.out / "demo.duckdb")
    if isinstance(db, Path) and not db.exists():
        write_database(db, demo_frames(), source=DEMO_SOURCE)
    width, height = (int(v) for v in args.size.split("x"))
    with streamlit_server(db, log_path=args.out / "server.log") as url, chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": height})
        for i, target in enumerate(args.paths):
            page.goto(url + target)
            page.wait_for_selector("[data-testid='stSidebar']", timeout=30_000)
            page.wait_for_function("document.body.innerText.includes('Showing ')", timeout=30_000)
            page.wait_for_timeout(1_000)  # the run may start again (a page switch): wait until no script runs
            page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)
            page.wait_for_timeout(2_500)  # let the chart finish drawing
            # Streamlit scrolls inside its main container: grow the viewport to the content for a full-page shot
            full = page.evaluate("document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight || 0")
            page.set_viewport_size({"width": width, "height": max(height, int(full))})
            page.wait_for_timeout(800)
            page.wait_for_function("!document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=30_000)
            slug = target.strip("/").replace("/", "_").replace("?", "_").replace("&", "_") or "cohort"
            name = args.out / f"{i:02d}_{slug}_{width}x{height}.png"
            page.screenshot(path=str(name), full_page=True)
            page.set_viewport_size({"width": width, "height": height})
            print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
