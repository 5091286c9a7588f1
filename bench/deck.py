"""Benchmark: drawing the tumour board's PowerPoint deck, one Chromium for all slides against one per slide, in one run.

    python -m bench.deck [--patients 6] [--repeat 3] [--db FILE]

The deck is the cohort swimmer and one slide per patient (the first --patients of the demo cohort, de-identified
at the board's scale, as the Board page builds it). Both ways draw the same figures into the same deck:
- ours: `cmltrack.figures.export.deck`, every slide image drawn in one kaleido/Chromium session (export.images);
- baseline: what the deck did before, `fig.to_image` per slide, each starting a Chromium of its own.
Prints the seconds of each (median of --repeat) and the ratio baseline / ours. Needs Debian's chromium.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cmltrack.cohorts.demo import (
    DEMO_SOURCE,
    demo_frames,
)
from cmltrack.db import queries
from cmltrack.db.connection import open_readonly
from cmltrack.db.filters import CohortFilter
from cmltrack.figures import export
from cmltrack.figures.swimmer import build_swimmer, order_lanes
from cmltrack.privacy.pseudonyms import Pseudonyms
from cmltrack.registry import write_database
from cmltrack.ui.board import SCALE
from cmltrack.ui.deck import patient_slide


def _slides(db: Path, patients: int) -> list[export.Slide]:
    with open_readonly(db) as con:
        lanes = queries.cohort_lanes(con, CohortFilter())
        names = Pseudonyms(lanes["patient_id"], seed=1)
        shown = order_lanes(lanes.assign(label=lanes["patient_id"].map(names)))
        ids = shown["patient_id"].tolist()
        swimmer = build_swimmer(shown, queries.treatments_for(con, ids), queries.events_for(con, ids), board=True,
                                scale=SCALE)
        return [export.Slide("Cohort", [], swimmer),
                *(patient_slide(con, pid, "ELN2020", names, SCALE) for pid in ids[:patients])]


def _baseline(slides: list[export.Slide]) -> list[bytes]:
    return [s.figure.to_image(format="png", width=export.SLIDE_WIDTH_PX, height=export.SLIDE_HEIGHT_PX, scale=1.5)
            for s in slides]


def _seconds(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", type=Path)
    args = parser.parse_args(argv)
    if not export.images_available():
        print("needs Chromium (apt-get install chromium)")
        return 1
    db = args.db or Path(tempfile.mkdtemp(prefix="cmltrack-deck-")) / "demo.duckdb"
    if not db.exists():
        write_database(db, demo_frames(), source=DEMO_SOURCE)
    slides = _slides(db, args.patients)
    ours = _seconds(lambda: export.deck(slides, "bench"), args.repeat)
    baseline = _seconds(lambda: _baseline(slides), args.repeat)
    print(f"deck of {len(slides)} slides (swimmer + {args.patients} patients), median of {args.repeat}:")
    print(f"  ours, one Chromium for the deck:       {ours:6.1f} s (images and the .pptx)")
    print(f"  baseline, one Chromium per slide:      {baseline:6.1f} s (the images alone)")
    print(f"  ratio baseline / ours:                 {baseline / ours:6.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
