"""Benchmark: filter-to-figure for the cohort swimmer, ours against the common baseline, in one run.

    python -m bench.run [--sizes 21 1000 10000 100000] [--dir /tmp/cmltrack-bench] [--repeat 5]
    python -m bench ...

For each cohort size N (synthetic cohorts, `python -m cmltrack demo --patients N`, built once and kept in --dir):
- ours: the Cohort page's path: count and filter in SQL (cmltrack.db.queries), order the lanes, take the first page
  (50 lanes), fetch that page's segments and events, build the swimmer (one trace per drug dose and marker kind),
  serialise it to JSON as st.plotly_chart does;
- baseline: the common recipe: every table read whole into pandas, filtered in pandas, one Plotly trace per
  treatment segment (and one per event), every filtered patient in one figure, serialised the same way.
Prints query time, figure build time, JSON bytes, and the ratio baseline / ours of the filter-to-figure time
(median of --repeat runs; the baseline runs once above 1,000 patients, it is that slow, and is stopped after
--baseline-timeout seconds, the ratio then being a lower bound). The filter: imatinib-resistant patients aged 30-75.
"""

from __future__ import annotations

import argparse
import json
import platform
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go

from cmltrack.db import queries
from cmltrack.db.connection import open_readonly
from cmltrack.db.filters import CohortFilter
from cmltrack.figures.swimmer import build_swimmer, order_lanes

FILTER = CohortFilter(status=("resistant",), age=(30, 75))
PAGE = 50
ROOT = Path(__file__).resolve().parents[1]


def database(folder: Path, n: int) -> Path:
    """The synthetic cohort of ``n`` patients (seed 0), built when missing."""
    path = folder / f"synthetic_{n}.duckdb"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cmltrack", "demo", "--patients", str(n), "--out", str(path)],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        print(f"  built {path.name} in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def ours(con: duckdb.DuckDBPyConnection) -> tuple[float, float, int]:
    """(query s, figure s, JSON bytes) of the Cohort page's first page of lanes."""
    t0 = time.perf_counter()
    queries.count_patients(con, FILTER)
    lanes = queries.cohort_lanes(con, FILTER)
    ordered = order_lanes(lanes.assign(label=lanes["patient_id"]), "thal_months", True)
    shown = ordered.iloc[:PAGE]
    ids = shown["patient_id"].tolist()
    segments, events = queries.treatments_for(con, ids), queries.events_for(con, ids)
    t1 = time.perf_counter()
    fig = build_swimmer(shown, segments, events, anchor="thalidomide", months_before=24)
    text = fig.to_json()
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, len(text.encode())


def baseline(con: duckdb.DuckDBPyConnection) -> tuple[float, float, int]:
    """(query s, figure s, JSON bytes) of the common recipe: whole tables in pandas, a trace per segment."""
    t0 = time.perf_counter()
    patients = con.execute("SELECT * FROM patients").df()
    treatments = con.execute("SELECT * FROM treatments").df()
    responses = con.execute("SELECT * FROM responses WHERE source = 'recorded' OR guideline = 'ELN2020'").df()
    aes = con.execute("SELECT * FROM adverse_events").df()
    thal = treatments[treatments["drug"] == "thalidomide"].groupby("patient_id")["start_date"].min()
    age = (pd.to_datetime(patients["patient_id"].map(thal)) - pd.to_datetime(patients["birth_date"])).dt.days / 365.25
    keep = patients[(patients["im_status"] == "resistant") & age.between(30, 76)]["patient_id"]
    lane = {pid: i for i, pid in enumerate(keep)}
    seg = treatments[treatments["patient_id"].isin(lane)]
    t1 = time.perf_counter()
    fig = go.Figure()
    for row in seg.itertuples(index=False):
        start = pd.Timestamp(row.start_date)
        end = pd.Timestamp(row.end_date) if pd.notna(row.end_date) else start + pd.Timedelta(days=30)
        zero = pd.Timestamp(thal[row.patient_id])
        fig.add_trace(go.Bar(orientation="h", y=[lane[row.patient_id]], base=[(start - zero).days / 30.4375],
                             x=[(end - start).days / 30.4375], name=f"{row.drug} {row.dose_mg:g} mg",
                             hovertext=f"{row.patient_id} {row.drug} {row.dose_mg:g} mg", showlegend=False))
    for frame, kind in ((responses[responses["patient_id"].isin(lane)], "kind"),
                        (aes[aes["patient_id"].isin(lane)], "term")):
        date = "date" if "date" in frame else "onset_date"
        for row in frame.itertuples(index=False):
            zero = pd.Timestamp(thal[row.patient_id])
            fig.add_trace(go.Scatter(x=[(pd.Timestamp(getattr(row, date)) - zero).days / 30.4375],
                                     y=[lane[row.patient_id]], mode="markers", name=str(getattr(row, kind)),
                                     showlegend=False))
    fig.update_layout(barmode="overlay", height=max(400, 20 * len(lane)))
    text = fig.to_json()
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, len(text.encode())


def _limited(func: object, con: duckdb.DuckDBPyConnection, seconds: float) -> tuple[float, float, int]:
    """Run ``func(con)``; TimeoutError once it has taken ``seconds``."""
    def stop(signum: int, frame: object) -> None:
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return func(con)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _median(runs: list[tuple[float, float, int]]) -> tuple[float, float, int]:
    return (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), runs[0][2])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[21, 1000, 10000, 100000])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/cmltrack-bench"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline-max", type=int, default=100000, help="skip the baseline above this size")
    parser.add_argument("--baseline-timeout", type=float, default=600.0,
                        help="stop a baseline run after this many seconds and report the ratio as a lower bound")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    print(f"machine: {platform.processor() or platform.machine()}, {platform.python_version()}, "
          f"{subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores")
    header = (f"{'N':>7} | {'ours query':>10} {'figure':>8} {'total':>8} {'JSON':>9} | {'base query':>10} "
              f"{'figure':>8} {'total':>8} {'JSON':>10} | {'base/ours':>9}")
    print(header)
    print("-" * len(header))
    results = []
    for n in args.sizes:
        con = open_readonly(database(args.dir, n))
        ours(con)  # warm up (first query plans, imports)
        mine = _median([ours(con) for _ in range(args.repeat)])
        total = mine[0] + mine[1]
        print(f"{n:>7} | {mine[0]:>9.3f}s {mine[1]:>7.3f}s {total:>7.3f}s {mine[2] / 1e6:>7.2f}MB |", end="",
              flush=True)
        base, stopped = None, False
        if n <= args.baseline_max:
            try:
                base = _median([_limited(baseline, con, args.baseline_timeout)
                                for _ in range(args.repeat if n <= 1000 else 1)])
            except TimeoutError:
                stopped = True
        con.close()
        row = {"n": n, "ours_query_s": mine[0], "ours_figure_s": mine[1], "ours_total_s": total,
               "ours_json_bytes": mine[2]}
        line = ""
        if stopped:
            row |= {"base_total_s": f"> {args.baseline_timeout:g}", "ratio": f"> {args.baseline_timeout / total:.0f}"}
            line += (f" stopped after {args.baseline_timeout:g} s (not finished) | "
                     f"> {args.baseline_timeout / total:.0f}x")
        elif base is not None:
            btotal = base[0] + base[1]
            row |= {"base_query_s": base[0], "base_figure_s": base[1], "base_total_s": btotal,
                    "base_json_bytes": base[2], "ratio": btotal / total}
            line += (f" {base[0]:>9.3f}s {base[1]:>7.3f}s {btotal:>7.3f}s {base[2] / 1e6:>8.2f}MB | "
                     f"{btotal / total:>8.1f}x")
        else:
            line += " (baseline skipped)"
        print(line, flush=True)
        results.append(row)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
