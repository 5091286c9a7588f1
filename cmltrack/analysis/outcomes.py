"""The source abstract's figures, recomputed from cohort rows (pure pandas).

Printed values: ASH 2012 abstract, Blood 2012;120(21):1689. Where the abstract's own arithmetic
is off (EUTOS high 16/21 printed as 79%; global response 10/13 = 76.9% printed as 76%), the exact fraction is kept
beside the printed number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cmltrack.analysis.safety import thalidomide_windows
from cmltrack.clinical.responses import PROGRESSION_KINDS, RESPONSE_KINDS, depth
from cmltrack.derive import RESPONSE_AFTER_STOP_DAYS as AFTER_STOP_DAYS
from cmltrack.derive import thalidomide_stop

#: What the abstract prints, by figure name.
PRINTED: dict[str, float] = {
    "patients": 21, "female": 11, "resistant": 13, "intolerant": 8, "age_mean": 44, "age_sd": 11,
    "eutos_high": 16, "eutos_high_pct": 79, "im_months_mean": 47.8, "im_months_sd": 31, "thal_dose_mg": 100,
    "followup_mean": 5, "followup_min": 1, "followup_max": 18, "evaluable": 13, "hematologic_responses": 6,
    "ccgr": 4, "global_response_pct": 76, "grade3plus_events": 0,
}
#: The abstract's cohort size, and where it was published.
ABSTRACT_PATIENTS = 21
ABSTRACT_CITATION = "ASH 2012 abstract, Blood 2012;120(21):1689"
#: Printed figures that no data can reproduce: the exact value the abstract's own counts give, and the note said
#: where the data give exactly that (the abstract's cohort), not on any other registry.
KNOWN_DISCREPANCIES: dict[str, tuple[float, str]] = {
    "eutos_high_pct": (100 * 16 / 21, "16/21 = 76.2%, printed as 79%"),
    "global_response_pct": (100 * 10 / 13, "(6 + 4)/13 = 76.9%, printed as 76%"),
}


@dataclass(frozen=True)
class Figure:
    """One recomputed figure beside the printed one."""

    name: str
    value: float
    printed: float
    decimals: int

    @property
    def matches(self) -> bool:
        """True when the recomputed value, rounded as printed, equals the printed value."""
        return round(self.value, self.decimals) == self.printed


def abstract_figures(lanes: pd.DataFrame, treatments: pd.DataFrame, adverse_events: pd.DataFrame) -> list[Figure]:
    """Recompute each printed figure from cohort lanes (patients + summary), treatment segments and AEs."""
    evaluable = lanes[lanes["evaluable"]]
    best_depth = evaluable["best_response"].map(lambda b: depth(b) if b in RESPONSE_KINDS else 0)
    hematologic = int((best_depth == depth("CHR")).sum())  # best response hematologic only
    ccgr = int((best_depth >= depth("CCYR")).sum())
    thal = treatments[treatments["drug"] == "thalidomide"]
    n = len(lanes)
    values = [
        ("patients", n, 0), ("female", int((lanes["sex"] == "F").sum()), 0),
        ("resistant", int((lanes["im_status"] == "resistant").sum()), 0),
        ("intolerant", int((lanes["im_status"] == "intolerant").sum()), 0),
        ("age_mean", lanes["age_years"].astype(float).mean(), 0), ("age_sd", lanes["age_years"].astype(float).std(), 0),
        ("eutos_high", int((lanes["eutos_group"] == "high").sum()), 0),
        ("eutos_high_pct", 100 * (lanes["eutos_group"] == "high").sum() / n if n else float("nan"), 0),
        ("im_months_mean", lanes["months_im_before_thal"].mean(), 1),
        ("im_months_sd", lanes["months_im_before_thal"].std(), 0),
        ("thal_dose_mg", float(thal["dose_mg"].median()) if len(thal) else float("nan"), 0),
        ("followup_mean", lanes["followup_months"].mean(), 0),
        ("followup_min", lanes["followup_months"].min(), 0), ("followup_max", lanes["followup_months"].max(), 0),
        ("evaluable", len(evaluable), 0), ("hematologic_responses", hematologic, 0), ("ccgr", ccgr, 0),
        ("global_response_pct", 100 * (hematologic + ccgr) / len(evaluable) if len(evaluable) else float("nan"), 0),
        ("grade3plus_events", int((adverse_events["ctcae_grade"] >= 3).sum()), 0),
    ]
    return [Figure(name, float(value), PRINTED[name], decimals) for name, value, decimals in values]


#: Human names of the abstract's figures, in the order the abstract gives them.
FIGURE_LABELS: dict[str, str] = {
    "patients": "Patients", "female": "Female", "resistant": "Imatinib-resistant", "intolerant": "Imatinib-intolerant",
    "age_mean": "Age, mean (years)", "age_sd": "Age, SD", "eutos_high": "EUTOS high risk",
    "eutos_high_pct": "EUTOS high risk (%)", "im_months_mean": "Imatinib before thalidomide, mean (months)",
    "im_months_sd": "Imatinib before thalidomide, SD", "thal_dose_mg": "Thalidomide dose (mg/day)",
    "followup_mean": "Follow-up, mean (months)", "followup_min": "Follow-up, shortest (months)",
    "followup_max": "Follow-up, longest (months)", "evaluable": "Evaluable", "hematologic_responses":
    "Hematologic responses", "ccgr": "Complete cytogenetic responses", "global_response_pct": "Global response (%)",
    "grade3plus_events": "Adverse events grade >= 3",
}
GROUPS: tuple[tuple[str, str | None], ...] = (("All", None), ("Resistant", "resistant"), ("Intolerant", "intolerant"))


def abstract_table(figures: list[Figure]) -> pd.DataFrame:
    """Printed beside recomputed values, with the discrepancy note where they differ."""
    def text(value: float, decimals: int) -> str:
        return "-" if value != value else f"{value:.0f}" if float(value).is_integer() else f"{value:.{decimals}f}"

    rows = []
    for f in figures:
        exact, known = KNOWN_DISCREPANCIES.get(f.name, (None, ""))
        note = known if exact is not None and abs(f.value - exact) < 0.05 else \
            "" if f.matches else "differs from the printed value"
        rows.append((FIGURE_LABELS.get(f.name, f.name), text(f.printed, 1), text(f.value, max(f.decimals, 1)),
                     "yes" if f.matches else "no", note))
    return pd.DataFrame(rows, columns=["Figure", "Printed", "From the data", "Matches", "Note"])


def response_table(lanes: pd.DataFrame) -> pd.DataFrame:
    """Best response on thalidomide by imatinib status: 'n (%)' of each group's patients."""
    from cmltrack.db.filters import BEST_RESPONSES, best_response_label

    out = pd.DataFrame(index=[best_response_label(b) for b in BEST_RESPONSES])
    for name, status in GROUPS:
        group = lanes if status is None else lanes[lanes["im_status"] == status]
        counts = group["best_response"].map(best_response_label).value_counts()
        n = len(group)
        out[f"{name} (n = {n:,})"] = [f"{counts.get(i, 0):,} ({100 * counts.get(i, 0) / n:.0f}%)" if n else "0"
                                    for i in out.index]
    return out.rename_axis("Best response on thalidomide").reset_index()


def response_rates(lanes: pd.DataFrame) -> pd.DataFrame:
    """Response rates among evaluable patients with exact (Clopper-Pearson) 95% confidence intervals."""
    from cmltrack.analysis.stats import clopper_pearson

    measures = (("Any response (CHR or better)", 1), ("Cytogenetic: CCyR or better", depth("CCYR")))
    rows = []
    for name, status in GROUPS:
        group = lanes if status is None else lanes[lanes["im_status"] == status]
        evaluable = group[group["evaluable"]]
        ranks = evaluable["best_response_rank"]
        for label, at_least in measures:
            n, k = len(evaluable), int((ranks >= at_least).sum())
            lo, hi = clopper_pearson(k, n) if n else (float("nan"), float("nan"))
            rows.append((name, label, k, n, 100 * k / n if n else float("nan"), 100 * lo, 100 * hi))
    return pd.DataFrame(rows, columns=["Group", "Response", "Responders", "Evaluable", "Rate (%)",
                                       "95% CI low (%)", "95% CI high (%)"])


#: Responses at least as deep as a complete cytogenetic response.
CCYR_OR_DEEPER: tuple[str, ...] = RESPONSE_KINDS[RESPONSE_KINDS.index("CCYR"):]


def time_to_event(lanes: pd.DataFrame, responses: pd.DataFrame, treatments: pd.DataFrame,
                  labs: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Durations (months from thalidomide start) and events for the outcome curves.

    Time to CCyR (event 1): the first response of CCyR depth or deeper (CCyR, MMR, MR4...) after thalidomide start
    and no later than 30 days after it stopped. Competing (event 2): thalidomide stopped, or progression to AP/BP,
    before that. Censored (0) at the last response assessment (marrow or BCR::ABL1) in that window. Patients already
    in CCyR at thalidomide start are left out (nothing to reach).
    Time on thalidomide (event 1 = stopped, 0 = still taken at the last visit): first start to final stop.
    ``responses``: the responses shown (patient_id, date, kind), e.g. cmltrack.db.queries.events_for.
    """
    from cmltrack.timeaxis import months_between

    treated = lanes[lanes["thal_start_date"].notna()].set_index("patient_id")
    start = pd.to_datetime(treated["thal_start_date"])
    stop = thalidomide_stop(treatments).reindex(treated.index)
    window_end = thalidomide_windows(lanes, treatments, AFTER_STOP_DAYS)["end"].reindex(treated.index)
    r = responses.assign(date=pd.to_datetime(responses["date"]))
    r = r[r["patient_id"].isin(treated.index)]
    r = r.assign(start=r["patient_id"].map(start), end=r["patient_id"].map(window_end))
    after = r[(r["date"] > r["start"]) & (r["date"] <= r["end"])]
    first_ccyr = after[after["kind"].isin(CCYR_OR_DEEPER)].groupby("patient_id")["date"].min()
    progressed = after[after["kind"].isin(PROGRESSION_KINDS)].groupby("patient_id")["date"].min()
    # in CCyR at the start: the last cytogenetic event on or before it is a response, not its loss
    cyto = r[(r["date"] <= r["start"]) & r["kind"].isin((*CCYR_OR_DEEPER, "LOSS_CCYR"))].sort_values("date")
    in_ccyr = cyto.groupby("patient_id")["kind"].last().isin(CCYR_OR_DEEPER)
    assessed = labs.assign(date=pd.to_datetime(labs["date"]))
    assessed = assessed[(assessed["bcr_abl1_is_pct"].notna() | assessed["ph_pos_pct"].notna())
                        & assessed["patient_id"].isin(treated.index)]
    assessed = assessed[(assessed["date"] > assessed["patient_id"].map(start))
                        & (assessed["date"] <= assessed["patient_id"].map(window_end))]
    last_assessed = assessed.groupby("patient_id")["date"].max()

    # one row per patient not already in CCyR: reached first (event 1), else a competing event (2), else censored
    pids = treated.index[~in_ccyr.reindex(treated.index, fill_value=False).astype(bool)]
    reached, prog = first_ccyr.reindex(pids), progressed.reindex(pids)
    competing = pd.concat([stop.reindex(pids), prog], axis=1).min(axis=1)
    hit = reached.notna() & (prog.isna() | (reached <= prog))  # (the window already ends 30 days after a stop)
    censored_at = last_assessed.reindex(pids).fillna(start.reindex(pids))
    when = reached.where(hit, competing.where(competing.notna(), censored_at))
    event = np.where(hit, 1, np.where(competing.notna(), 2, 0))
    to_ccyr = pd.DataFrame({"status": treated.loc[pids, "im_status"], "date": when, "event": event}, index=pids)
    to_ccyr["duration"] = months_between(start.reindex(to_ccyr.index), to_ccyr["date"])
    on_thal = pd.DataFrame({
        "status": treated["im_status"],
        "duration": months_between(start, stop.fillna(pd.to_datetime(treated["last_visit_date"]))),
        "event": stop.notna().astype(int),
    })
    return {"Time to CCyR": to_ccyr.drop(columns="date").dropna(subset=["duration"]),
            "Time on thalidomide": on_thal.dropna(subset=["duration"])}


def by_arm(rows: pd.DataFrame, lanes: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Rows (one per patient) split by the patient's arm as randomised, arms in alphabetical order and those without
    rows left out; {"All": rows} when no patient shown has an arm."""
    arm = rows["patient_id"].map(lanes.set_index("patient_id")["arm"])
    if arm.isna().all():
        return {"All": rows}
    groups = {name: rows[arm == name] for name in sorted(arm.dropna().unique())}
    if arm.isna().any():
        groups["Arm not recorded"] = rows[arm.isna()]
    return groups


def tfr_durations(courses: pd.DataFrame) -> pd.DataFrame:
    """Treatment-free remission per course (cmltrack.db.queries.tfr_for): ``duration`` in months from the first day
    off the TKI to the first of molecular recurrence (loss of MMR, ELN 2020) or a restart of the TKI (``event`` 1,
    ``ended_by`` 'loss of MMR' or 'restart'), else to the last visit (censored, ``event`` 0, still in TFR)."""
    from cmltrack.timeaxis import months_between

    start = pd.to_datetime(courses["start_date"])
    recurrence, restart = pd.to_datetime(courses["recurrence_date"]), pd.to_datetime(courses["restart_date"])
    ended = pd.concat([recurrence, restart], axis=1).min(axis=1)
    last = pd.to_datetime(courses["last_visit_date"]).fillna(start)
    ended_by = np.where(recurrence.notna() & (restart.isna() | (recurrence <= restart)), "loss of MMR",
                        np.where(restart.notna(), "restart", "still in TFR"))
    return pd.DataFrame({"patient_id": courses["patient_id"].to_numpy(),
                         "duration": months_between(start, ended.fillna(last)).clip(lower=0).to_numpy(),
                         "event": ended.notna().astype(int).to_numpy(), "ended_by": ended_by})


def median_time(durations: pd.DataFrame) -> float | None:
    """Kaplan-Meier median of ``duration`` (event 1): the first time the estimate is at or below 50%; None while
    it stays above."""
    from cmltrack.analysis.stats import kaplan_meier

    km = kaplan_meier(durations["duration"], durations["event"] == 1)
    below = km[km["survival"] <= 0.5]
    return None if below.empty else float(below["time"].iloc[0])
