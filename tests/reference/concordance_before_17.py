"""REFERENCE COPY, for tests only: cmltrack/analysis/concordance.py before issue 17 item 6 (a loop over every
(patient, kind) group with pandas look-ups, minutes at 10,000 patients). tests/unit/test_concordance.py checks that
the new code finds exactly what this did. Never imported by cmltrack."""

from __future__ import annotations

import pandas as pd

from cmltrack.clinical.responses import LABELS

#: A recorded and a derived event of the same kind this close are the same event.
MATCH_DAYS = 45
COLUMNS = ("patient_id", "kind", "recorded_date", "derived_date", "finding")


def disagreements(responses: pd.DataFrame, match_days: int = MATCH_DAYS) -> pd.DataFrame:
    """Events only one source has, or that both have on different dates, for patients with recorded responses.

    ``responses``: patient_id, date, kind, source ('recorded' | 'derived'), derived under one guideline, limited
    to the families the patients' labs measure (cmltrack.db.queries.comparable_responses).
    """
    rows = []
    r = responses.assign(date=pd.to_datetime(responses["date"]))
    for (pid, kind), group in r.groupby(["patient_id", "kind"], sort=True):
        recorded = sorted(group.loc[group["source"] == "recorded", "date"])
        derived = sorted(group.loc[group["source"] == "derived", "date"])
        for rec in recorded:
            near = [d for d in derived if abs((d - rec).days) <= match_days]
            if near:
                best = min(near, key=lambda d: abs((d - rec).days))
                derived.remove(best)
                if best != rec:
                    rows.append((pid, kind, rec, best, f"dates differ by {abs((best - rec).days)} days"))
            else:
                rows.append((pid, kind, rec, pd.NaT, "recorded, not found in the labs"))
        rows += [(pid, kind, pd.NaT, d, "shown by the labs, not recorded") for d in derived]
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    recorded = set(r.loc[r["source"] == "recorded", "patient_id"])
    out = out[out["patient_id"].isin(recorded)]  # with nothing recorded there is nothing to disagree with
    return out.assign(kind=out["kind"].map(LABELS)).reset_index(drop=True)
