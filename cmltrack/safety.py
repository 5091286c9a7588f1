"""Adverse-event summaries for the safety page (pure pandas)."""

from __future__ import annotations

import pandas as pd

from cmltrack.stats import poisson_rate_ci
from cmltrack.timeaxis import months_between

GRADES: tuple[int, ...] = (1, 2, 3, 4, 5)


def _term(aes: pd.DataFrame) -> pd.Series:
    return aes["meddra_pt"].fillna(aes["term"])


def worst_grade_by_term(aes: pd.DataFrame) -> pd.DataFrame:
    """Patients by the worst grade of each term (a patient counts once per term): term x grade 1-5, plus total."""
    a = aes.assign(term_label=_term(aes))
    worst = a.groupby(["term_label", "patient_id"])["ctcae_grade"].max().reset_index()
    table = worst.pivot_table(index="term_label", columns="ctcae_grade", values="patient_id", aggfunc="count",
                              fill_value=0).reindex(columns=list(GRADES), fill_value=0)
    table["patients"] = table.sum(axis=1)
    return table.sort_values("patients", ascending=False).rename_axis(index="term", columns=None)


def by_attribution(aes: pd.DataFrame) -> pd.DataFrame:
    """Events by attributed drug (or none) and grade."""
    a = aes.assign(drug=aes["attributed_drug"].fillna("not attributed"))
    return a.pivot_table(index="drug", columns="ctcae_grade", values="term", aggfunc="count",
                         fill_value=0).reindex(columns=list(GRADES), fill_value=0).rename_axis(columns=None)


def onset_months(aes: pd.DataFrame, thal_start: pd.Series) -> pd.DataFrame:
    """Each event's onset in months since its patient's thalidomide start (events of patients without one left out)."""
    start = pd.to_datetime(aes["patient_id"].map(thal_start))
    out = aes.assign(term_label=_term(aes), onset_month=months_between(start, aes["onset_date"]))
    return out[out["onset_month"].notna()]


def exposure_adjusted(aes: pd.DataFrame, treatments: pd.DataFrame, last_visit: pd.Series) -> pd.DataFrame:
    """Per drug: events attributed to it, patient-months on it (open segments to the last visit), and the rate
    per 100 patient-months with its exact 95% interval."""
    t = treatments.assign(end=pd.to_datetime(treatments["end_date"]).fillna(
        pd.to_datetime(treatments["patient_id"].map(last_visit))))
    t["months"] = months_between(t["start_date"], t["end"]).clip(lower=0)
    exposure = t.groupby("drug")["months"].sum()
    events = aes.groupby("attributed_drug").size()
    rows = []
    for drug, months in exposure.items():
        if months <= 0:
            continue
        n = int(events.get(drug, 0))
        lo, hi = poisson_rate_ci(n, months)
        rows.append((drug, n, round(months, 1), 100 * n / months, 100 * lo, 100 * hi))
    return pd.DataFrame(rows, columns=["drug", "events", "patient_months", "per_100_pm", "ci_low", "ci_high"])
