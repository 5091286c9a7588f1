"""Where a registry build spends its time: each stage of `python -m cmltrack demo --patients N`, in this process.

    python bench/build_stages.py [--patients 10000]

Stages: generating the synthetic cohort, classifying every visit (vectorised), each patient's events (the state
machine), the ELN assessments of the whole cohort, the patient summary, and the write (DuckDB, in memory). CPU
seconds of this process (DuckDB's threads included) and wall seconds.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402

from cmltrack.cohorts.synthetic import synthetic_frames  # noqa: E402
from cmltrack.db.schema import TABLES, create_schema  # noqa: E402
from cmltrack.db.store import _insert_checked, empty_frame, with_plain_dates  # noqa: E402
from cmltrack.derive import responses, summary  # noqa: E402
from cmltrack.derive.assessments import Cohort  # noqa: E402


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def main(argv: list[str] | None = None) -> int:
    """Time each stage and print a table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=10_000)
    args = parser.parse_args(argv)
    rows: list[tuple[str, float, float]] = []
    mark = [_cpu(), time.perf_counter()]

    def stage(name: str) -> None:
        cpu, wall = _cpu(), time.perf_counter()
        rows.append((name, cpu - mark[0], wall - mark[1]))
        mark[:] = [cpu, wall]

    frames = synthetic_frames(args.patients, seed=0)
    frames = {t: with_plain_dates(frames.get(t, empty_frame(t))) for t in TABLES}
    stage("generate")
    line_start = {p: d.date() for p, d in responses.tki_line_start(frames["treatments"]).items() if not pd.isna(d)}
    genetics = responses.genetic_findings(frames)
    visits = responses.classified_visits(frames["labs"])
    chunks = responses._chunks(visits, line_start, genetics)
    stage("classify visits")
    results = [responses.derive_patients(*chunk) for chunk in chunks]
    events = {g: pd.DataFrame([e for r in results for e in r[g]], columns=["patient_id", "date", "kind"])
              for g in responses.RULE_SETS}
    stage("events (per patient)")
    cohort = Cohort(visits, line_start)
    assessed = {g: cohort.assess(g, events[g], genetics) for g in responses.RULE_SETS}
    stage("assessments (cohort)")
    derived = pd.concat([events[responses._rules(g)].assign(source="derived", guideline=g)
                         for g in responses.GUIDELINES], ignore_index=True)
    assessments = pd.concat([assessed[responses._rules(g)].assign(guideline=g) for g in responses.GUIDELINES],
                            ignore_index=True)[list(responses.ASSESSMENT_COLUMNS)]
    all_responses = pd.concat([frames["responses"].assign(source="recorded", guideline="none"), derived],
                              ignore_index=True)
    table = summary.patient_summary(frames, all_responses)
    stage("patient summary")
    with duckdb.connect(":memory:") as con:
        create_schema(con)
        tables = dict(frames, responses=all_responses, eln_assessments=assessments, patient_summary=table)
        for name in (*TABLES, "eln_assessments", "patient_summary"):
            _insert_checked(con, name, tables[name])
    stage("write (DuckDB)")
    print(f"{args.patients} patients, {len(frames['labs'])} visits")
    print(f"{'stage':24s} | {'CPU s':>7} | {'wall s':>7}")
    for name, cpu, wall in rows:
        print(f"{name:24s} | {cpu:7.2f} | {wall:7.2f}")
    print(f"{'total':24s} | {sum(r[1] for r in rows):7.2f} | {sum(r[2] for r in rows):7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
