"""Screenshot app pages in headless Chromium: `python scripts/screenshot.py OUT_DIR [PATH?QUERY ...]`.

Builds the demo database in OUT_DIR, serves it with `streamlit run`, and writes one PNG per page.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cmltrack.db.store import write_database  # noqa: E402
from cmltrack.demo import demo_frames  # noqa: E402
from tests.browser.harness import chromium, streamlit_server, wait_for_plot  # noqa: E402


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    targets = argv[1:] or ["/", "/patients"]
    db = out / "demo.duckdb"
    if not db.exists():
        write_database(db, demo_frames(), source="demo")
    width, height = 1600, int(os.environ.get("SHOT_HEIGHT", "1000"))
    with streamlit_server(db) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": height})
        for i, target in enumerate(targets):
            page.goto(url + target)
            page.wait_for_selector("[data-testid='stSidebar']", timeout=30_000)
            try:
                wait_for_plot(page, 15_000)
            except Exception:  # pages without a chart
                page.wait_for_timeout(2_000)
            page.wait_for_timeout(1_000)
            name = out / f"page{i}_{target.strip('/').replace('/', '_').replace('?', '_') or 'cohort'}.png"
            page.screenshot(path=str(name), full_page=True)
            print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
