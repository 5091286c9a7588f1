"""Adverse-event summaries for the safety page (pure pandas)."""

from __future__ import annotations

import pandas as pd

from cmltrack.analysis.stats import clopper_pearson, poisson_rate_ci
from cmltrack.derive import thalidomide_stop
from cmltrack.privacy.pseudonyms import ae_label
from cmltrack.timeaxis import months_between

GRADES: tuple[int, ...] = (1, 2, 3, 4, 5)
#: Treatment-emergent: onset from thalidomide start to this many days after it stopped (ICH E9 convention).
EMERGENT_DAYS = 30


def thalidomide_windows(lanes: pd.DataFrame, treatments: pd.DataFrame,
                        after_stop_days: int = EMERGENT_DAYS) -> pd.DataFrame:
    """Per patient treated with thalidomide: from its first start to ``after_stop_days`` after its final stop (the
    last visit while it is still taken). The one home of the thalidomide window: adverse events are
    treatment-emergent in it (EMERGENT_DAYS), responses count towards the cumulative incidence in it (outcomes)."""
    thal = treatments[treatments["drug"] == "thalidomide"]
    stop = thalidomide_stop(treatments)
    last = pd.to_datetime(lanes.set_index("patient_id")["last_visit_date"]).reindex(stop.index)
    end = (stop + pd.Timedelta(days=after_stop_days)).fillna(last)
    return pd.DataFrame({"start": pd.to_datetime(thal.groupby("patient_id")["start_date"].min()), "end": end})


def in_windows(aes: pd.DataFrame, windows: pd.DataFrame) -> pd.DataFrame:
    """Adverse events whose onset falls inside their patient's window, and those of unknown onset of patients who
    have a window: an unknown onset cannot be shown to precede the drug, so the event counts as treatment-emergent
    (the conservative convention of statistical analysis plans)."""
    onset = pd.to_datetime(aes["onset_date"])
    start, end = aes["patient_id"].map(windows["start"]), aes["patient_id"].map(windows["end"])
    unknown = onset.isna() & start.notna()
    return aes[((onset >= start) & (onset <= end)) | unknown]


def onset_unknown(aes: pd.DataFrame) -> pd.DataFrame:
    """The events whose onset date is unknown (counted in the tables, listed, never placed on a time axis)."""
    return aes[aes["onset_date"].isna()]


def by_arm(aes: pd.DataFrame, lanes: pd.DataFrame) -> pd.DataFrame:
    """Per treatment arm (as randomised): patients, and patients with any event, with a grade 3 or worse event and
    with a serious one (% of the arm's patients). Patients without an arm are one row, 'not recorded'."""
    arm = lanes.set_index("patient_id")["arm"].fillna("not recorded")
    a = aes.assign(arm=aes["patient_id"].map(arm))
    rows = []
    for name, patients in arm.groupby(arm):
        mine = a[a["arm"] == name]
        counts = (mine["patient_id"].nunique(), mine.loc[mine["ctcae_grade"] >= 3, "patient_id"].nunique(),
                  mine.loc[mine["serious"].eq(True), "patient_id"].nunique())
        n = len(patients)
        rows.append((name, n, *[c for k in counts for c in (k, 100 * k / n)]))
    return pd.DataFrame(rows, columns=["arm", "patients", "with_event", "pct_event", "grade3plus", "pct_grade3plus",
                                       "serious", "pct_serious"])


def clip_to_windows(treatments: pd.DataFrame, windows: pd.DataFrame, last_visit: pd.Series) -> pd.DataFrame:
    """Treatment segments cut to their patient's window (segments outside it dropped); open segments end at the
    last visit."""
    t = treatments[treatments["patient_id"].isin(windows.index)].copy()
    end = pd.to_datetime(t["end_date"]).fillna(pd.to_datetime(t["patient_id"].map(last_visit)))
    t["start_date"] = pd.concat([pd.to_datetime(t["start_date"]), t["patient_id"].map(windows["start"])],
                                axis=1).max(axis=1)
    t["end_date"] = pd.concat([end, t["patient_id"].map(windows["end"])], axis=1).min(axis=1)
    return t[t["end_date"] >= t["start_date"]]


def _term(aes: pd.DataFrame) -> pd.Series:
    # aggregates are labelled by MedDRA term only: verbatim text would split one term and can name people
    return ae_label(aes["meddra_pt"], aes["term"], board=True)


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
    """Per drug: patients exposed, patients with at least one event attributed to it (% with exact interval),
    events, patient-months on it (open segments to the last visit), and events per 100 patient-months with an
    exact Poisson interval (which assumes independent events, so it is too narrow when patients have repeats)."""
    t = treatments.assign(end=pd.to_datetime(treatments["end_date"]).fillna(
        pd.to_datetime(treatments["patient_id"].map(last_visit))))
    t["months"] = months_between(t["start_date"], t["end"]).clip(lower=0)
    exposure = t.groupby("drug")["months"].sum()
    exposed = t[t["months"] > 0].groupby("drug")["patient_id"].agg(set)
    rows = []
    for drug, months in exposure.items():
        if months <= 0:
            continue
        mine = aes[(aes["attributed_drug"] == drug) & aes["patient_id"].isin(exposed[drug])]
        n, patients, with_event = len(mine), len(exposed[drug]), mine["patient_id"].nunique()
        p_lo, p_hi = clopper_pearson(with_event, patients)
        lo, hi = poisson_rate_ci(n, months)
        rows.append((drug, patients, with_event, 100 * with_event / patients, 100 * p_lo, 100 * p_hi, n,
                     round(months, 1), 100 * n / months, 100 * lo, 100 * hi))
    return pd.DataFrame(rows, columns=["drug", "patients", "patients_with_event", "pct_patients", "pct_low",
                                       "pct_high", "events", "patient_months", "per_100_pm", "ci_low", "ci_high"])
