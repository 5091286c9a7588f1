"""Server time of every page: one script run of each page of app.py on a synthetic registry, cold and warm, this
checkout against a baseline checkout measured in the same run.

    python -m bench.pages [--sizes 10000 100000] [--dir /tmp/cmltrack-bench] [--baseline /tmp/base]

For each registry size, page and checkout, one child process (its own Python, importing that checkout's cmltrack)
runs the app under streamlit.testing.v1.AppTest (the real script, widgets, caches and session state; no browser):
the Cohort page, then a switch to the page with the caches emptied (cold: the first visitor's run of that page after
the server started) and then a rerun (warm: the same page again, as after a click). A page that takes longer than
--timeout is reported as "> timeout" (the ratio is then a lower bound).
The time is the script run (AppTest's `run`), which is what the server spends before it has sent the page.
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


def _child(root: Path, db: Path, title: str) -> tuple[float, float]:
    """(cold s, warm s) of one page for the checkout at ``root`` (this process imports its cmltrack)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["CMLTRACK_DB"] = str(db)
    os.chdir(root)
    at = AppTest.from_file(str(root / "app.py"), default_timeout=3600)
    if title != "Cohort":
        at.run()  # the landing page first, as a visitor does; then the page with the caches emptied
        st.cache_data.clear()
        at.switch_page(PAGES[title])
    started = time.perf_counter()
    at.run()
    cold = time.perf_counter() - started
    started = time.perf_counter()
    at.run()
    warm = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"{title}: {at.exception}")
    return cold, warm


def _measure(root: Path, db: Path, title: str, timeout: float) -> tuple[float, float] | None:
    """(cold, warm) in a child process of its own; None when it took longer than ``timeout`` seconds."""
    env = dict(os.environ, PYTHONPATH=str(root))
    try:
        out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", str(root), str(db), title],
                             cwd=root, env=env, check=True, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return tuple(json.loads(out.stdout.strip().splitlines()[-1]))


def _cell(times: tuple[float, float] | None, i: int, timeout: float) -> str:
    return f"{'> ' + format(timeout, '.0f'):>7}s" if times is None else f"{times[i]:>7.2f}s"


def _ratio(base: tuple[float, float] | None, ours: tuple[float, float] | None, i: int, timeout: float) -> str:
    if ours is None:
        return f"{'?':>6}"
    return f"{'>' if base is None else ''}{(base[i] if base else timeout) / ours[i]:>5.0f}x"


def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.argv[1:2] == ["--child"]:
        root, db, title = Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
        sys.path.insert(0, str(root))
        print(json.dumps(_child(root, db, title)))
        return 0
    from bench.run import database

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/cmltrack-bench"))
    parser.add_argument("--baseline", type=Path, default=None,
                        help="a checkout of the code before (e.g. `git worktree add /tmp/base main`)")
    parser.add_argument("--pages", nargs="+", default=list(PAGES), choices=list(PAGES))
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before a page's run is given up")
    args = parser.parse_args(argv)
    print(f"{'N':>7} {'page':<9} | {'cold':>7} {'warm':>7} | " + (
        f"{'base cold':>9} {'base warm':>9} | {'cold x':>6} {'warm x':>6}" if args.baseline else ""))
    for n in args.sizes:
        db = database(args.dir, n)
        for title in args.pages:
            ours = _measure(ROOT, db, title, args.timeout)
            line = f"{n:>7} {title:<9} | {_cell(ours, 0, args.timeout)} {_cell(ours, 1, args.timeout)} |"
            if args.baseline:
                base = _measure(args.baseline, db, title, args.timeout)
                line += (f" {_cell(base, 0, args.timeout)} {_cell(base, 1, args.timeout)} |"
                         f" {_ratio(base, ours, 0, args.timeout)} {_ratio(base, ours, 1, args.timeout)}")
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
