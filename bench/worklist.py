"""Benchmark: the Clinic page's worklist on a large synthetic registry, against a naive pandas baseline, in one run.

    python -m bench.worklist [--db FILE] [--patients 100000] [--repeat 3]

The registry is built when missing (`python -m cmltrack demo --patients N --seed 0 --out FILE`; minutes at 100,000).
What the page's server does for a worklist, uncached: `queries.worklist_facts` and `worklist_news` (SQL) and
`analysis.worklist.build` (pandas and the clinical rules), timed for three as-of dates:
- the page's default for a synthetic cohort (the last date in the data), patients seen in the 12 months before;
- ten years earlier, when far more patients are under follow-up;
- the last date in the data with every living patient listed (the page's "include" switch).
Baseline: only the first of the worklist's five rules (BCR::ABL1 overdue by the ELN 2020 schedule), computed the
naive way: the whole treatments and labs tables read into pandas, then grouped per patient, for every patient.
Prints the median seconds of each over --repeat runs, the rows listed, and the ratio baseline / ours.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from cmltrack.analysis import worklist as wl
from cmltrack.clinical import monitoring
from cmltrack.clinical.dosing import TKIS
from cmltrack.db import queries
from cmltrack.db.connection import open_readonly
from cmltrack.db.filters import CohortFilter


def ours(con: object, as_of: dt.date, followed_from: dt.date | None) -> pd.DataFrame:
    """The worklist as the Clinic page computes it (without its cache)."""
    since = as_of - dt.timedelta(days=wl.NEWS_DAYS)
    facts = queries.worklist_facts(con, CohortFilter(), as_of, since, followed_from=followed_from)
    news = queries.worklist_news(con, CohortFilter(), as_of, since, followed_from=followed_from)
    return wl.build(facts, news, as_of, since)


def baseline(con: object, as_of: dt.date) -> pd.DataFrame:
    """Overdue BCR::ABL1 tests of patients on a TKI at ``as_of``, from whole tables in pandas."""
    treatments = con.execute("SELECT * FROM treatments").df()
    labs = con.execute("SELECT * FROM labs").df()
    day = pd.Timestamp(as_of)
    tki = treatments[treatments["drug"].isin(TKIS) & (pd.to_datetime(treatments["start_date"]) <= day)]
    on = tki[tki["end_date"].isna() | (pd.to_datetime(tki["end_date"]) >= day)]["patient_id"].unique()
    pcr = labs[labs["bcr_abl1_is_pct"].notna() & (pd.to_datetime(labs["date"]) <= day)]
    last = pcr.sort_values("date").groupby("patient_id").tail(1).set_index("patient_id")
    last = last[last.index.isin(on)]
    in_mmr = wl.molecular_levels(last["bcr_abl1_is_pct"], last["abl1_copies"]).notna()
    due = wl.pcr_due_dates(pd.to_datetime(last["date"]).rename(None), in_mmr, pd.Series(pd.NaT, index=last.index))
    late = (day - due).dt.days
    return pd.DataFrame({"patient_id": last.index[late > 0], "days_overdue": late[late > 0].to_numpy()})


def _seconds(run: Callable[[], pd.DataFrame], repeat: int) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        rows = len(run())
        times.append(time.perf_counter() - start)
    return statistics.median(times), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    db = args.db or Path(f"/tmp/cmltrack-bench/synthetic_{args.patients}.duckdb")
    if not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "cmltrack", "demo", "--patients", str(args.patients), "--seed", "0",
                        "--out", str(db)], check=True)
    with open_readonly(db) as con:
        end = queries.data_end(con).date()
        patients = int(con.execute("SELECT count(*) FROM patients").fetchone()[0])
        earlier = end - dt.timedelta(days=3652)
        cases = (("default as-of (last date in the data), followed patients", end, True),
                 ("ten years earlier, followed patients", earlier, True),
                 ("last date in the data, every living patient", end, False))
        print(f"{db}: {patients} patients; median of {args.repeat} runs")
        for label, as_of, followed in cases:
            followed_from = monitoring.add_months(as_of, -monitoring.FOLLOW_UP_MONTHS) if followed else None
            mine, listed = _seconds(lambda a=as_of, f=followed_from: ours(con, a, f), args.repeat)
            base, overdue = _seconds(lambda a=as_of: baseline(con, a), args.repeat)
            print(f"- {label} ({as_of}): worklist {mine:.3f} s ({listed} rows, five rules); baseline {base:.3f} s "
                  f"({overdue} overdue tests, one rule); baseline / ours = {base / mine:.1f}")


if __name__ == "__main__":
    main()
