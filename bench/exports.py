"""Exports: the seconds from the click to the file, for what the Cohort and Patient pages and the Board deck export.

    python -m bench.exports [--db FILE] [--patients 10] [--repeat 3]

On a registry (default: the demo cohort, built in a temporary folder) the swimmer as the Cohort page draws it (its
first page, 50 lanes) and the first patient's course as the Patient page draws it are exported as SVG, PNG (kaleido
drawing with Debian's Chromium, as cmltrack.figures.export.image does on the download button's click) and HTML,
against the baseline of a Chromium started for each image (what cmltrack.figures.export did before it kept one per
process);
then the Board page's PowerPoint deck (cmltrack.ui.deck.build_deck: the swimmer and --patients patient slides, one
Chromium for every slide), with the progress callback the page's bar gets counted. Median of --repeat; the figures
are built once, outside the timing (the page has them on screen when the button is clicked). Targets: SVG and PNG
under 3 s, the deck of 10 patients under 10 s. Needs Debian's chromium.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import kaleido

from cmltrack.cohorts.demo import DEMO_SOURCE, demo_frames
from cmltrack.db import queries
from cmltrack.db.connection import open_readonly
from cmltrack.db.filters import CohortFilter
from cmltrack.figures import export
from cmltrack.figures.patient import build_patient_timeline
from cmltrack.figures.swimmer import build_swimmer, order_lanes
from cmltrack.registry import write_database
from cmltrack.ui.deck import build_deck

LANES = 50


def _seconds(run: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--patients", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if not export.images_available():
        print("needs Chromium (apt-get install chromium)")
        return 1
    db = args.db or Path(tempfile.mkdtemp(prefix="cmltrack-exports-")) / "demo.duckdb"
    if not db.exists():
        write_database(db, demo_frames(), source=DEMO_SOURCE)
    with open_readonly(db) as con:
        lanes = queries.cohort_lanes(con, CohortFilter())
        shown = order_lanes(lanes.assign(label=lanes["patient_id"])).iloc[:LANES]
        ids = shown["patient_id"].dropna().tolist()
        swimmer = build_swimmer(shown, queries.treatments_for(con, ids), queries.events_for(con, ids), months_before=24)
        pid = ids[0]
        course = build_patient_timeline(
            queries.patient(con, pid, "ELN2020").iloc[0], queries.treatments_for(con, [pid]),
            queries.labs_for(con, [pid]),
            queries.events_for(con, [pid]), queries.adverse_events_for(con, [pid]), guideline="ELN2020",
            tki_start=queries.tki_line_start(con, pid), meds=queries.medications_for(con, [pid]))
        print(f"{db.name}: median of {args.repeat}; baseline: a Chromium started for each image (the code before)")
        first = None
        for name, figure in (("swimmer", swimmer), ("course", course)):
            for fmt in ("svg", "png"):
                opts = dict(format=fmt, width=export.SLIDE_WIDTH_PX, height=figure.layout.height or 700,
                            scale=2 if fmt == "png" else 1)
                base, _ = _seconds(lambda f=figure, o=opts: asyncio.run(kaleido.calc_fig(f.to_dict(), opts=o)),
                                   args.repeat)
                if first is None:  # the process's first image starts its Chromium
                    first, _ = _seconds(lambda f=figure, x=fmt: export.image(f, x), 1)
                seconds, data = _seconds(lambda f=figure, x=fmt: export.image(f, x), args.repeat)
                print(f"  {name:<8} {fmt.upper():<5} {seconds:6.2f} s  {len(data) / 1024:8.0f} KiB | baseline "
                      f"{base:6.2f} s | {base / seconds:5.1f}x", flush=True)
            seconds, data = _seconds(lambda f=figure, t=name: export.html(f, t), args.repeat)
            print(f"  {name:<8} HTML  {seconds:6.2f} s  {len(data) / 1024:8.0f} KiB", flush=True)
        print(f"  the process's first image (its Chromium starting): {first:6.2f} s")
        told: list[tuple[int, int]] = []
        seconds, data = _seconds(lambda: build_deck(con, swimmer, ids[1:args.patients + 1], "ELN2020", None, 1.0,
                                                    lambda done, total: told.append((done, total))), args.repeat)
        print(f"  deck of the swimmer and {args.patients} patients: {seconds:6.2f} s  {len(data) / 1024:8.0f} KiB, "
              f"progress told {len(told) // args.repeat} times per deck", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
