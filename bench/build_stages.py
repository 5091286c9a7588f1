"""Where a registry build spends its time: each stage of `python -m cmltrack demo --patients N`, in this process;
and the derivation alone (cmltrack.derive.derived_tables: every derived table) against a baseline revision, in one run.

    python -m bench.build_stages [--patients 10000]
    python -m bench.build_stages --patients 10000 100000 --baseline-rev 66850a9 [--repeat 2]

Stages: generating the synthetic cohort, classifying every visit (vectorised), each patient's events (the state
machine), the ELN assessments of the whole cohort, the patient summary, the TFR courses, the write (DuckDB, in
memory: registry.build alone, without the thread that overlaps the fact tables' insert with the derivation in a
real build), and apart
from the build, every derived table of 21 of its patients alone (what an import adding 21 patients derives). CPU
seconds of this process (DuckDB's threads included) and wall seconds. With --baseline-rev, the derivation is then
timed in fresh interpreters, this checkout and the baseline (extracted with `git archive`) in turn, CPU seconds
including any worker processes (the baseline derives large cohorts in workers).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

from cmltrack.cohorts.synthetic import synthetic_frames
from cmltrack.db.registry import build as write_registry
from cmltrack.db.schema import TABLES
from cmltrack.db.store import empty_frame, with_plain_dates
from cmltrack.derive import derived_tables, responses, summary
from cmltrack.derive.assessments import Cohort
from cmltrack.derive.tfr import tfr_courses


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


#: Run in a source tree: the derivation of a synthetic cohort, (CPU s with workers, wall s) on stdout.
DERIVE_ONLY = """
import resource, sys, time
from cmltrack.cohorts.synthetic import synthetic_frames
from cmltrack.db import store
frames = synthetic_frames(int(sys.argv[1]), seed=0)
frames = {t: store.with_plain_dates(frames.get(t, store.empty_frame(t))) for t in store.TABLES}
def cpu():
    return sum(getattr(resource.getrusage(w), f) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for f in ("ru_utime", "ru_stime"))
try:
    from cmltrack.derive import derived_tables as derive
except ImportError:  # a revision before the derivation was handed to the registry
    derive = store.with_derived
c, w = cpu(), time.perf_counter()
derive(frames)
print(cpu() - c, time.perf_counter() - w)
"""


def derivation_against(baseline_rev: str, sizes: list[int], repeat: int) -> None:
    """Print the derivation's CPU and wall seconds, this checkout against ``baseline_rev``, per cohort size."""
    here = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory(prefix="cmltrack-stages-") as tmp:
        archive = subprocess.run(["git", "archive", baseline_rev], cwd=here, check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        print(f"\nderivation alone (derive.derived_tables), medians of {repeat}; ratio = this / {baseline_rev}")
        print(f"{'patients':>9} | {'CPU this':>8} | {'CPU base':>8} | {'ratio':>5} | {'wall this':>9} | "
              f"{'wall base':>9} | {'ratio':>5}")
        for n in sizes:
            times: dict[str, list[tuple[float, float]]] = {"this": [], "base": []}
            for i in range(repeat):
                order = [("this", here), ("base", Path(tmp))]
                for name, src in order if i % 2 == 0 else reversed(order):
                    run = subprocess.run([sys.executable, "-c", DERIVE_ONLY, str(n)], cwd=src, check=True,
                                         capture_output=True, text=True)
                    cpu, wall = (float(x) for x in run.stdout.split())
                    times[name].append((cpu, wall))
            (cpu, wall), (base_cpu, base_wall) = ([statistics.median(t[k] for t in times[name]) for k in (0, 1)]
                                                  for name in ("this", "base"))
            print(f"{n:>9} | {cpu:7.1f}s | {base_cpu:7.1f}s | {cpu / base_cpu:5.2f} | {wall:8.1f}s | "
                  f"{base_wall:8.1f}s | {wall / base_wall:5.2f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Time each stage and print a table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, nargs="+", default=[10_000])
    parser.add_argument("--baseline-rev", help="also time the derivation alone against this git revision")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    for n in args.patients:
        stages(n)
    if args.baseline_rev:
        derivation_against(args.baseline_rev, args.patients, args.repeat)
    return 0


def stages(patients: int) -> None:
    """Print the CPU and wall seconds of each stage of a build of ``patients`` synthetic patients."""
    rows: list[tuple[str, float, float]] = []
    mark = [_cpu(), time.perf_counter()]

    def stage(name: str) -> None:
        cpu, wall = _cpu(), time.perf_counter()
        rows.append((name, cpu - mark[0], wall - mark[1]))
        mark[:] = [cpu, wall]

    frames = synthetic_frames(patients, seed=0)
    frames = {t: with_plain_dates(frames.get(t, empty_frame(t))) for t in TABLES}
    stage("generate")
    line_start = responses.tki_line_start(frames["treatments"])
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
    courses = tfr_courses(frames)
    stage("TFR courses")
    with duckdb.connect(":memory:") as con:  # the build's write, without its overlap with the derivation
        write_registry(con, dict(frames, responses=all_responses, eln_assessments=assessments, patient_summary=table,
                                 tfr_courses=courses), "bench")
    stage("write (DuckDB)")
    added = list(frames["patients"]["patient_id"].iloc[-21:])
    derived_tables(frames, added)
    stage("21 patients alone")  # what an import adding 21 patients derives (derive.derived_tables)
    print(f"{patients} patients, {len(frames['labs'])} visits")
    print(f"{'stage':24s} | {'CPU s':>7} | {'wall s':>7}")
    for name, cpu, wall in rows:
        print(f"{name:24s} | {cpu:7.2f} | {wall:7.2f}")
    build = rows[:-1]
    print(f"{'total (build)':24s} | {sum(r[1] for r in build):7.2f} | {sum(r[2] for r in build):7.2f}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
