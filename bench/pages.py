"""Server time of every page: one script run of each page of app.py on a synthetic registry, cold and warm, this
checkout against a baseline checkout measured in the same run.

    python bench/pages.py [--sizes 10000 100000] [--dir /tmp/cmltrack-bench] [--baseline /tmp/base]

For each registry size and each checkout, one child process (its own Python, importing that checkout's cmltrack)
runs the app under streamlit.testing.v1.AppTest (the real script, widgets, caches and session state; no browser):
for each page, a switch to it from the Cohort page with the caches emptied (cold: the first visitor's run after the
server started, the Cohort page's own queries excepted) and then a rerun (warm: the same page again, as after a
click). The time is the script run (AppTest's `run`), which is what the server spends before it has sent the page.
Ratios are baseline / this checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: app.py's pages, by title (the first one, the landing page, is measured from a fresh session).
PAGES = {"Cohort": "pages/cohort.py", "Patients": "pages/patients.py", "Patient": "pages/patient.py",
         "Outcomes": "pages/outcomes.py", "Safety": "pages/safety.py", "Board": "pages/board.py",
         "Import": "pages/import.py"}


def _child(root: Path, db: Path) -> dict[str, tuple[float, float]]:
    """{page: (cold s, warm s)} for the checkout at ``root`` (this process imports its cmltrack)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["CMLTRACK_DB"] = str(db)
    os.chdir(root)
    result: dict[str, tuple[float, float]] = {}
    at = AppTest.from_file(str(root / "app.py"), default_timeout=600)
    for title, path in PAGES.items():
        if title != "Cohort":
            at.switch_page(PAGES["Cohort"]).run()
            st.cache_data.clear()
            at.switch_page(path)
        started = time.perf_counter()
        at.run()
        cold = time.perf_counter() - started
        started = time.perf_counter()
        at.run()
        warm = time.perf_counter() - started
        if at.exception:
            raise RuntimeError(f"{title}: {at.exception}")
        result[title] = (cold, warm)
    return result


def _measure(root: Path, db: Path) -> dict[str, tuple[float, float]]:
    env = dict(os.environ, PYTHONPATH=str(root))
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", str(root), str(db)], cwd=root,
                         env=env, check=True, capture_output=True, text=True)
    return {k: tuple(v) for k, v in json.loads(out.stdout.strip().splitlines()[-1]).items()}


def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.argv[1:2] == ["--child"]:
        root, db = Path(sys.argv[2]), Path(sys.argv[3])
        sys.path.insert(0, str(root))
        print(json.dumps(_child(root, db)))
        return 0
    sys.path.insert(0, str(ROOT))
    from bench.run import database

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/cmltrack-bench"))
    parser.add_argument("--baseline", type=Path, default=None,
                        help="a checkout of the code before (e.g. `git worktree add /tmp/base main`)")
    args = parser.parse_args(argv)
    print(f"{'N':>7} {'page':<9} | {'cold':>7} {'warm':>7} | " + (
        f"{'base cold':>9} {'base warm':>9} | {'cold x':>6} {'warm x':>6}" if args.baseline else ""))
    for n in args.sizes:
        db = database(args.dir, n)
        ours = _measure(ROOT, db)
        base = _measure(args.baseline, db) if args.baseline else {}
        for title, (cold, warm) in ours.items():
            line = f"{n:>7} {title:<9} | {cold:>6.2f}s {warm:>6.2f}s |"
            if title in base:
                b_cold, b_warm = base[title]
                line += f" {b_cold:>8.2f}s {b_warm:>8.2f}s | {b_cold / cold:>5.1f}x {b_warm / warm:>5.1f}x"
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
