"""The clinic worklist: who needs what as of a date (pure pandas; the facts come from
cmltrack.db.queries.worklist_facts / worklist_news, the rules from cmltrack.clinical).

Reasons, each a column of booleans and a sentence:
- ``pcr``: BCR::ABL1 overdue by the ELN 2020 monitoring schedule (clinical.monitoring): patients on a TKI or in
  treatment-free remission; days overdue past the due date.
- ``milestone``: a 3-, 6- or 12-month milestone of the current TKI line reached without a result that classifies
  it (clinical.monitoring.untested_milestone); days since the milestone.
- ``news``: since the chosen date, an ELN milestone classification of warning or failure, a loss of response or
  progression, a mutation or ACA found, or a latest classification worse than the one the last BCR::ABL1 before
  that date gives.
- ``tfr``: candidates for treatment-free remission (clinical.tfr.eligibility, ELN 2020 Table 7): on a TKI, not in
  TFR, MR4 or deeper for more than 2 years; what the data cannot tell is named.
- ``cytopenia``: a CTCAE grade >= 3 (from the labs, clinical.ctcae) in the last blood count.

The rules are applied to whole registries at once: the schedule and molecular depth over arrays (``pcr_due_dates``,
``molecular_levels``, tested equal to the scalar rules they repeat), the others on the few rows they can concern.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from cmltrack.analysis.snapshot import bcr_abl1_text
from cmltrack.clinical import ctcae, milestones, monitoring, tfr
from cmltrack.clinical.responses import LABELS, MOLECULAR_DEPTHS
from cmltrack.clinical.units import MONTH_DAYS, YEAR_DAYS
from cmltrack.cohorts.demo import DEMO_SOURCE
from cmltrack.cohorts.synthetic import SOURCE as SYNTHETIC_SOURCE
from cmltrack.derive.lab_grades import GRADED

#: The CTCAE grade from which a blood count needs attention (grade 3, severe: CTCAE v5.0).
SEVERE_GRADE = 3
#: Reason keys in the order shown, with their labels.
REASONS: dict[str, str] = {
    "pcr": "BCR::ABL1 overdue",
    "milestone": "Milestone without its test",
    "news": "New warning or failure",
    "tfr": "TFR candidate",
    "cytopenia": f"Blood count CTCAE grade >= {SEVERE_GRADE}",
}
COLUMNS: tuple[str, ...] = ("patient_id", "reasons", "days_overdue", "pcr_due", "last_pcr_date", "last_pcr",
                            "eln_latest", "status", *REASONS)
#: "New" findings are looked for since this many days before the as-of date, unless another date is chosen.
NEWS_DAYS = 91


#: Patients without a visit in this many months before the as-of date are not under follow-up (clinical.monitoring).
FOLLOW_UP_MONTHS = monitoring.FOLLOW_UP_MONTHS


def followed_from(as_of: dt.date) -> dt.date:
    """The first day a visit must fall on (or after) for a patient to be under follow-up on ``as_of``."""
    return monitoring.add_months(as_of, -FOLLOW_UP_MONTHS)


def under_follow_up(last_seen: dt.date | None, as_of: dt.date) -> bool:
    """Whether a patient last seen on ``last_seen`` is under follow-up on ``as_of`` (a visit in the FOLLOW_UP_MONTHS
    before it); a patient never seen is not judged (True)."""
    return last_seen is None or last_seen >= followed_from(as_of)


def default_as_of(source: str | None, data_end: dt.date | None, today: dt.date) -> tuple[dt.date, bool]:
    """The worklist's default as-of date: today, or for the fictitious demo and synthetic cohorts (their data end
    long ago) the last date in the data; and whether it is the data's last date."""
    fictitious = source == DEMO_SOURCE or (source or "").startswith(SYNTHETIC_SOURCE)
    if fictitious and data_end is not None:
        return data_end, True
    return today, False


def molecular_levels(pct: pd.Series, copies: pd.Series) -> pd.Series:
    """``responses.molecular`` over a column of results: 'MR5' ... 'MMR', or None (no MMR, or an undetectable result
    in too poor a sample)."""
    value, abl1 = pct.astype(float).to_numpy(), copies.astype(float).fillna(0).to_numpy()
    out = np.full(len(value), None, dtype=object)
    for name, bound, needed in reversed(MOLECULAR_DEPTHS):  # shallowest first, deeper ones overwrite
        deep = (value > 0) & (value <= bound)
        if name != "MMR":  # an undetectable result shows MR4 or deeper, by its ABL1 copies
            deep |= (value == 0) & (abl1 >= needed)
        out[deep] = name
    return pd.Series(out, index=pct.index, dtype=object)


def pcr_due_dates(last_test: pd.Series, in_mmr: pd.Series, tfr_start: pd.Series) -> pd.Series:
    """``monitoring.pcr_due`` over columns (``tfr_start`` NaT for a patient on a TKI)."""
    last = pd.to_datetime(last_test).to_numpy().astype("datetime64[D]")
    stop = pd.to_datetime(tfr_start).to_numpy().astype("datetime64[D]")
    mmr = in_mmr.fillna(False).astype(bool).to_numpy()
    in_tfr = ~np.isnat(stop)
    stop_or_last = np.where(in_tfr, stop, last)
    before_stop = in_tfr & (last < stop_or_last)  # no test since the stop: the first is due a month after it
    tfr_month = np.where(in_tfr, (last - stop_or_last).astype(float) / MONTH_DAYS, 0.0)
    interval = np.where(mmr, monitoring.ON_TKI_IN_MMR_MONTHS[1], monitoring.ON_TKI_BEFORE_MMR_MONTHS)
    for start, months in monitoring.TFR_SCHEDULE:
        interval = np.where(in_tfr & (tfr_month >= start), months, interval)
    interval = np.where(before_stop, monitoring.TFR_SCHEDULE[0][1], interval)
    base = np.where(before_stop, stop_or_last, last)
    due = base + np.round(interval * MONTH_DAYS).astype("timedelta64[D]")  # half to even, as round() in pcr_due
    return pd.Series(pd.to_datetime(due), index=last_test.index)


def _interval_words(in_tfr: bool, tfr_month: float, in_mmr: bool) -> str:
    if in_tfr:
        months = monitoring.tfr_interval_months(max(tfr_month, 0.0))
        every = "monthly" if months == 1 else f"every {months:g} months"
        return f"TFR month {max(tfr_month, 0.0):.0f}: {every}"
    return "in MMR: at least every 6 months" if in_mmr else "every 3 months until MMR"


def _pcr(w: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Overdue BCR::ABL1 tests of the patients on a TKI or in TFR."""
    monitored = w["on_tki"] | w["in_tfr"]
    m = w[monitored]
    if m.empty:
        return _none()
    last = m["last_pcr_date"].fillna(m["line_start"]).fillna(m["tfr_start"])
    tfr_start = m["tfr_start"].where(m["in_tfr"])
    due = pcr_due_dates(last, m["in_mmr"], tfr_start)
    late = (as_of - due).dt.days
    rows = m[late > 0]
    if rows.empty:
        return _none()
    tfr_month = (rows["last_pcr_date"].fillna(rows["tfr_start"]) - rows["tfr_start"]).dt.days / MONTH_DAYS
    words = [_interval_words(t, mo, mmr) for t, mo, mmr in zip(rows["in_tfr"].to_numpy(),
                                                                 tfr_month.fillna(0.0).to_numpy(),
                                                                 rows["in_mmr"].to_numpy())]
    text = [("no BCR::ABL1 result yet" if missing else f"BCR::ABL1 overdue by {n:,} day{'' if n == 1 else 's'}")
            + f" ({how})"
            for missing, n, how in zip(rows["last_pcr_date"].isna().to_numpy(), late[late > 0].to_numpy(), words)]
    return pd.DataFrame({"patient_id": rows["patient_id"], "key": "pcr", "text": text,
                         "days": late[late > 0].astype(int)})


def _milestones(w: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """3-, 6- and 12-month milestones of the current line reached without a classifying result."""
    on = w[w["on_tki"] & ~w["in_tfr"] & w["line_start"].notna()]
    months = (as_of - on["line_start"]).dt.days / MONTH_DAYS
    on = on[months < max(monitoring.FLAGGED_UNTIL.values())]
    rows = []
    for pid, start, m_now, tested in zip(on["patient_id"], on["line_start"], months[on.index],
                                        on[[f"tested_{m:g}" for m in monitoring.MILESTONES]].to_numpy()):
        for m, done in zip(monitoring.MILESTONES, tested):
            if monitoring.untested_milestone(float(m_now), m, bool(done)):
                reached = monitoring.add_months(start.date(), m)
                rows.append((pid, "milestone", f"{m:g}-month milestone without BCR::ABL1 (its window closes at "
                             f"month {m + monitoring.MILESTONE_WINDOW[1]:g})", (as_of.date() - reached).days))
    return pd.DataFrame(rows, columns=["patient_id", "key", "text", "days"])


_NEWS_WORDS = {"MUTATION": "mutation {}", "ACA_HR": "high-risk ACA {}", "ACA": "ACA {}"}


def _news(w: pd.DataFrame, news: pd.DataFrame, since: pd.Timestamp, guideline: str) -> pd.DataFrame:
    """What changed since ``since``: classifications, losses, progression, mutations and ACA found."""
    label = guideline.replace("ELN", "ELN ")
    texts = []
    for kind, detail in zip(news["kind"], news["detail"]):
        if kind == "ELN":
            milestone, category = str(detail).split(":")
            texts.append(f"{milestone}-month {category} ({label})")
        elif kind in _NEWS_WORDS:
            texts.append(_NEWS_WORDS[kind].format(detail))
        else:
            texts.append(LABELS.get(kind, kind).lower().replace("ap", "AP").replace("bp", "BP")
                         .replace("chr", "CHR").replace("ccyr", "CCyR").replace("mmr", "MMR"))
    rows = pd.DataFrame({"patient_id": news["patient_id"], "key": "news", "text": texts, "days": 0})
    latest = w[w["eln_latest"].isin((milestones.WARNING, milestones.SUBOPTIMAL, milestones.FAILURE))
               & (w["eln_latest_date"] >= since)]
    worse = []
    for pid, now, bcr, months in zip(latest["patient_id"], latest["eln_latest"], latest["before_pct"],
                                     latest["before_months"]):
        before = None
        if pd.notna(bcr) and pd.notna(months) and months >= 0:
            before = milestones.classify(float(months), float(bcr), guideline=guideline)
        if before is None or (before != now and milestones.worst([now, before]) == now):
            worse.append((pid, "news", f"latest {label}: {now}" + ("" if before is None else f" (was {before})"),
                          0))
    found = pd.DataFrame(worse, columns=["patient_id", "key", "text", "days"])
    return pd.concat([rows, found], ignore_index=True) if len(found) else rows


def _tfr_candidates(w: pd.DataFrame) -> pd.DataFrame:
    """Patients on a TKI who meet the ELN 2020 minimal (or optimal) requirements to stop it."""
    dmr = (w["last_pcr_date"] - w["mr4_since"]).dt.days / YEAR_DAYS
    failed = w["prior_failure"].fillna(False).astype(bool) | (w["im_status"] == "resistant")
    # only rows the rule could accept go through it: > 2 years of MR4, > 4 years of TKI, no failure, no progression
    pool = w[w["on_tki"] & ~w["in_tfr"] & (dmr > tfr.MIN_DMR_YEARS) & ~failed & ~w["progressed"].astype(bool)
             & (w["tki_days"].astype(float) / YEAR_DAYS > tfr.MIN_TKI_YEARS_2G)]
    rows = []
    for r in pool.to_dict("records"):
        phase_known = r["phase_at_diagnosis"] in ("CP", "AP", "BP")
        first_cp = False if r["progressed"] or r["phase_at_diagnosis"] in ("AP", "BP") else (
            True if phase_known else None)
        line = int(r["tki_count"]) or None
        intolerance_only = (r["im_status"] == "intolerant") if (line == 2 and r["first_tki"] == "imatinib"
                                                               and pd.notna(r["im_status"])) else None
        failed = bool(r["prior_failure"]) or r["im_status"] == "resistant"
        assessment = tfr.eligibility(
            first_chronic_phase=first_cp, tki_line=line, changed_for_intolerance_only=intolerance_only,
            prior_failure=True if failed else (False if r["assessed"] else None), typical_transcript=None,
            tki_years=float(r["tki_days"]) / YEAR_DAYS, second_generation=r["current_tki"] in tfr.SECOND_GENERATION,
            dmr_years=tfr.years_between(r["mr4_since"].date(), r["last_pcr_date"].date()),
            mr45_years=None if pd.isna(r["mr45_since"]) else tfr.years_between(r["mr45_since"].date(),
                                                                                r["last_pcr_date"].date()))
        if assessment.status in (tfr.CANDIDATE, tfr.RECOMMENDED):
            unknown = ", ".join(assessment.unknown)
            rows.append((r["patient_id"], "tfr", f"TFR {assessment.status} (ELN 2020 Table 7)"
                         + (f"; unknown from the data: {unknown}" if unknown else ""), 0))
    return pd.DataFrame(rows, columns=["patient_id", "key", "text", "days"])


def _cytopenias(w: pd.DataFrame) -> pd.DataFrame:
    """CTCAE grade >= 3 in the last blood count (default lower limits of normal, as on the patient page)."""
    rows = []
    for column, test in GRADED.items():
        below = ctcae.below_for_grade(test, SEVERE_GRADE)
        hit = w[w[column].notna() & (w[column].astype(float) < below)]
        for pid, value in zip(hit["patient_id"], hit[column].astype(float)):
            grade = ctcae.lab_grade(test, value)
            rows.append((pid, "cytopenia", f"CTCAE grade {grade} {ctcae.TERMS[test].lower()} ({value:g}) at the "
                         "last blood count", 0))
    return pd.DataFrame(rows, columns=["patient_id", "key", "text", "days"])


def _none() -> pd.DataFrame:
    return pd.DataFrame(columns=["patient_id", "key", "text", "days"])


def _status(w: pd.DataFrame, as_of: pd.Timestamp) -> np.ndarray:
    """'On imatinib', 'In TFR, month 7' (months since the stop), or 'Off TKI'."""
    month = ((as_of - w["tfr_start"]).dt.days // MONTH_DAYS + 1).astype("Int64").astype(str)
    on = w["current_tki"].fillna("")
    return np.where(w["in_tfr"], "In TFR, month " + month, np.where(w["on_tki"], "On " + on, "Off TKI"))


def prepare(facts: pd.DataFrame) -> pd.DataFrame:
    """The facts with dates as timestamps and in_tfr / in_mmr / level derived."""
    w = facts.copy()
    for column in ("line_start", "tfr_start", "tfr_recurrence", "tfr_restart", "last_pcr_date", "mr4_since",
                   "mr45_since", "eln_latest_date", "count_date"):
        w[column] = pd.to_datetime(w[column])
    w["on_tki"] = w["on_tki"].fillna(False).astype(bool)
    w["in_tfr"] = (w["tfr_start"].notna() & w["tfr_restart"].isna() & ~w["on_tki"]).astype(bool)
    w["level"] = molecular_levels(w["last_pcr_pct"], w["last_pcr_copies"])
    w["in_mmr"] = w["level"].notna()
    return w


def build(facts: pd.DataFrame, news: pd.DataFrame, as_of: dt.date, since: dt.date,
          guideline: str = "ELN2020") -> pd.DataFrame:
    """One row per patient needing action (columns COLUMNS), the most overdue first: ``reasons`` in words,
    ``days_overdue`` (the most of any timed reason; 0 for the others), the next BCR::ABL1 due date, the last result
    and its depth, the latest ELN classification, and one boolean column per reason key."""
    if facts.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    w = prepare(facts)
    day, start = pd.Timestamp(as_of), pd.Timestamp(since)
    found = [part for part in (_pcr(w, day), _milestones(w, day), _news(w, news, start, guideline),
                               _tfr_candidates(w), _cytopenias(w)) if len(part)]
    if not found:
        return pd.DataFrame(columns=list(COLUMNS))
    reasons = pd.concat(found, ignore_index=True)
    reasons["order"] = reasons["key"].map({k: i for i, k in enumerate(REASONS)})
    reasons = reasons.sort_values(["patient_id", "order"], kind="stable")
    # joined in Python only for the patients with several reasons (most have one); the rest vectorised
    several = reasons["patient_id"].duplicated(keep=False)
    joined = pd.concat([reasons.loc[~several].set_index("patient_id")["text"],
                        reasons.loc[several].groupby("patient_id", sort=False)["text"].agg("; ".join)])
    per = pd.DataFrame({"days_overdue": reasons.groupby("patient_id", sort=False)["days"].max()})
    per["reasons"] = joined.reindex(per.index)
    flags = np.zeros((len(per), len(REASONS)), dtype=bool)
    flags[per.index.get_indexer(reasons["patient_id"]), reasons["order"].to_numpy()] = True
    keys = pd.DataFrame(flags, index=per.index, columns=list(REASONS))
    out = w.set_index("patient_id").loc[per.index]
    monitored = out["on_tki"] | out["in_tfr"]
    due = pcr_due_dates(out["last_pcr_date"].fillna(out["line_start"]).fillna(out["tfr_start"]), out["in_mmr"],
                        out["tfr_start"].where(out["in_tfr"]))
    pct = out["last_pcr_pct"].map(lambda v: "" if pd.isna(v) else bcr_abl1_text(v) + ("" if v == 0 else "% IS"))
    level = out["level"].where(out["level"].notna(), np.where(out["last_pcr_pct"].notna(), "no MMR", ""))
    result = pd.DataFrame({
        "patient_id": per.index, "reasons": per["reasons"].to_numpy(), "days_overdue": per["days_overdue"].to_numpy()
        .astype(int), "pcr_due": due.where(monitored).to_numpy(), "last_pcr_date": out["last_pcr_date"].to_numpy(),
        "last_pcr": (pct + " " + level.astype(str)).str.strip().to_numpy(),
        "eln_latest": out["eln_latest"].fillna("").to_numpy(), "status": _status(out.reset_index(), day),
    })
    result = result.join(keys, on="patient_id")
    return result.sort_values(["days_overdue", "patient_id"], ascending=[False, True], kind="stable").reset_index(
        drop=True)[list(COLUMNS)]


def for_patient(worklist: pd.DataFrame, patient_id: str) -> list[str]:
    """The reasons listed for one patient (empty when none)."""
    row = worklist[worklist["patient_id"] == patient_id]
    return [] if row.empty else str(row["reasons"].iloc[0]).split("; ")
