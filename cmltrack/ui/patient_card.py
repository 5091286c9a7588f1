"""The header card of the patient page: who, where they stand now (phase and the latest progression, the current
line and its months, latest BCR::ABL1 and ELN classification, doses, mutations and ACA), what the clinic worklist
says is due, and risk at diagnosis."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from cmltrack.analysis import worklist as wl
from cmltrack.analysis.snapshot import current_line, current_phase, genetics_text, latest_bcr_abl1, latest_progression
from cmltrack.clinical import explain
from cmltrack.clinical.scores import CUTOFFS, SCORES, published
from cmltrack.db.filters import CohortFilter, best_response_label
from cmltrack.figures.palette import drug_label
from cmltrack.privacy.pseudonyms import month_anchor
from cmltrack.timeaxis import MONTH_DAYS, months_between
from cmltrack.ui import data as q
from cmltrack.ui.escape import md


@dataclass(frozen=True)
class Course:
    """What the card reads beside the patient row and visits: shown events, mutation and karyotype tests, TFR
    courses, the start of the current TKI line, the worklist's reasons for this patient and its as-of date."""

    events: pd.DataFrame
    genetics: pd.DataFrame
    tfr: pd.DataFrame
    line_start: pd.Timestamp | None
    as_of: dt.date
    needs: list[str] = field(default_factory=list)


def course_for(con: object, patient_id: str, events: pd.DataFrame, guideline: str) -> Course:
    """The card's Course for one patient, read through the cached query layer; the worklist as of the Clinic
    page's default date (today, or the data's last date for a fictitious cohort)."""
    end = q.data_end(con)
    as_of, _ = wl.default_as_of(q.database_source(con), None if end is None else end.date(), dt.date.today())
    since = as_of - dt.timedelta(days=wl.NEWS_DAYS)
    worklist = q.worklist(con, CohortFilter(), as_of, since, guideline, patient_ids=[patient_id])
    return Course(events, q.genetics_for(con, [patient_id]), q.tfr_for(con, [patient_id]),
                  q.tki_line_start(con, patient_id), as_of, wl.for_patient(worklist, patient_id))


def score_text(score: str, value: object) -> str:
    """A risk score at its paper's precision, rounded half up as it is compared (Sokal 0.80, ELTS 1.5680)."""
    if value is None or pd.isna(value):
        return "—"
    return f"{published(score, float(value)):.{CUTOFFS[score].decimals}f}"


def _num(value: object, fmt: str) -> str:
    return "—" if value is None or pd.isna(value) else format(value, fmt)


def current_doses(segments: pd.DataFrame) -> str:
    """The drugs and daily doses still taken at the last visit, e.g. 'Imatinib 400 mg/d + Thalidomide 100 mg/d'."""
    open_segments = segments[segments["end_date"].isna()]
    if open_segments.empty:
        return "none"
    return " + ".join(f"{drug_label(d)} {dose:g} mg/d" for d, dose in zip(open_segments["drug"],
                                                                         open_segments["dose_mg"]))


def age_label(p: pd.Series) -> str:
    """What the card's age counts from, as cmltrack.derive computes it: thalidomide start, else imatinib start, else
    diagnosis, else the age recorded at study entry (a trial without either drug is never 'at thalidomide start')."""
    for column, words in (("thal_start_date", "thalidomide start"), ("im_start_date", "imatinib start"),
                          ("diagnosis_date", "diagnosis")):
        if pd.notna(p.get(column)):
            return f"Age at {words}"
    return "Age at study entry"


def trial_note(p: pd.Series, pseudonym: str | None) -> str:
    """Arm (as randomised, and as treated when it differs) and death, for imported trials; '' when unrecorded."""
    parts = []
    if pd.notna(p.get("arm")):
        treated = p.get("actual_arm")
        parts.append(f"Arm {p['arm']}" + (f" (treated: {treated})" if pd.notna(treated) and treated != p["arm"]
                                          else ""))
    died = p.get("died")
    if pd.notna(died) and bool(died):
        when = p.get("death_date")
        parts.append("Died" + (f" {pd.Timestamp(when):%Y-%m-%d}" if pseudonym is None and pd.notna(when) else ""))
    return "  \n".join(parts)


def _field(col: st.delta_generator.DeltaGenerator, label: str, value: str, note: str = "", help: str = "") -> None:
    """A label, a value in bold and a note under it; the value and the note are data, shown literally."""
    col.caption(label, help=help or None)
    col.markdown(f"**{md(value)}**" + (f"  \n{md(note)}" if note else ""))


def when(date: pd.Timestamp | None, anchor: pd.Timestamp | None, board: bool) -> str:
    """When a result is from: its date, or (presentation mode) its month since thalidomide (or imatinib) start."""
    if date is None or pd.isna(date):
        return ""
    if board:
        return "" if anchor is None or pd.isna(anchor) else \
            f"month {float(months_between(pd.Series([anchor]), pd.Series([date])).iloc[0]):+.1f}"
    return f"{pd.Timestamp(date):%Y-%m-%d}"


def _line(segments: pd.DataFrame, course: Course, anchor: pd.Timestamp | None, board: bool) -> str:
    """The current line and its months, the open treatment-free remission, or when the last TKI stopped."""
    line = current_line(segments, course.line_start, course.as_of)
    if line.drug is not None:
        since = when(line.start, anchor, board)
        return f"{drug_label(line.drug)} line: {line.months:.1f} months" + (f" (from {since})" if since else "")
    open_tfr = course.tfr[course.tfr["restart_date"].isna()] if len(course.tfr) else course.tfr
    if len(open_tfr):
        start = pd.Timestamp(open_tfr["start_date"].iloc[-1])
        month = (pd.Timestamp(course.as_of) - start).days / MONTH_DAYS
        return f"In treatment-free remission, month {month:.0f}" + (f" (from {when(start, anchor, board)})"
                                                                    if not board else "")
    if line.stopped is not None and pd.notna(line.stopped):
        return f"Off TKI since {when(line.stopped, anchor, board)}"
    return "No TKI recorded"


def show(p: pd.Series, segments: pd.DataFrame, labs: pd.DataFrame, rules: str, pseudonym: str | None = None,
         aca_since: pd.Timestamp | None = None, course: Course | None = None) -> None:
    """Draw the card for patient row ``p`` (from cmltrack.db.queries.patient) and their visits ``labs`` (``aca_since``:
    the first high-risk ACA in Ph+ cells, for the phase now); with a ``pseudonym`` (presentation mode) no name, MRN or
    calendar date is shown, times are months since thalidomide start (imatinib start without it), and the card is
    one band high for the board's one-screen view. ``course`` (`course_for`) adds the latest progression, the current
    line, mutations and ACA and what the clinic worklist says is due."""
    board = pseudonym is not None
    anchor = month_anchor(p["thal_start_date"], p["im_start_date"])
    course = course or Course(pd.DataFrame(columns=["date", "kind"]), pd.DataFrame(columns=["test", "date"]),
                              pd.DataFrame(columns=["start_date", "restart_date"]), None, dt.date.today())
    with st.container(border=True):
        who, status, phase, doses, bcr, eln = st.columns([1.5, 1.2, 1.5, 2, 1.6, 1.4])
        about = md(f"{age_label(p)}: {_num(p['age_years'], '.0f')} years; sex {p['sex']}")
        note = "  \n".join(md(part) for part in trial_note(p, pseudonym).split("  \n") if part)
        if board:
            who.markdown(f"#### {md(pseudonym)}\n{about}" + (f"  \n{note}" if note else ""))
        else:
            name = p["display_name"] if pd.notna(p["display_name"]) else ""
            who.markdown(f"#### {md(p['patient_id'])}\n{md(name)}  \nMRN {md(p['mrn']) if pd.notna(p['mrn']) else '—'}"
                         f"  \n{about}" + (f"  \n{note}" if note else ""))
        _field(status, "Imatinib", str(p["im_status"] or "—").capitalize(),
               f"{_num(p['months_im_before_thal'], '.1f')} months before thalidomide")
        now = current_phase(labs, aca_since)
        progressed = latest_progression(course.events)
        _field(phase, "Phase now", now.text if now else "not measured",
               "; ".join(filter(None, [when(now.date if now else None, anchor, board),
                                       f"progressed to {progressed.text} {when(progressed.date, anchor, board)}"
                                       .strip() if progressed else "",
                                       f"at thalidomide start {p['phase_at_thal']}"
                                       if pd.notna(p["thal_start_date"]) else "",
                                       f"at diagnosis {p['phase_at_diagnosis'] or '—'}"])),
               help="At the latest visit with a blood differential; the latest progression derived from the labs. "
                    + explain.phase_help())
        _field(doses, "Now taking", current_doses(segments),
               f"{_line(segments, course, anchor, board)}  \nBest response on thalidomide: "
               f"{best_response_label(p['best_response'])}")
        latest = latest_bcr_abl1(labs)
        _field(bcr, "Latest BCR::ABL1", latest.text if latest else "none recorded",
               when(latest.date if latest else None, anchor, board),
               help=explain.depth_help())
        classified = p["eln_latest_thal_month"] if board else p["eln_latest_date"]
        classified = "" if pd.isna(classified) else (f"month {classified:+.1f} (thalidomide start = 0)" if board
                                                     else f"{pd.Timestamp(classified):%Y-%m-%d}")
        _field(eln, f"Latest {rules}", str(p["eln_latest"] if pd.notna(p["eln_latest"]) else "not assessed")
               .capitalize(), classified, help="From the latest BCR::ABL1, marrow and blood count on the current TKI "
               "line. ELN milestones are written for chronic phase on first-line TKI: a reference here.")
        mutation, karyotype = genetics_text(course.genetics, lambda day: when(day, anchor, board))
        needs = "; ".join(course.needs) if course.needs else "nothing due"
        seen = None if pd.isna(p["last_visit_date"]) else pd.Timestamp(p["last_visit_date"])
        if not wl.under_follow_up(None if seen is None else seen.date(), course.as_of):
            needs = (f"not under follow-up: last seen {when(seen, anchor, board)}, no visit in the "
                     f"{wl.FOLLOW_UP_MONTHS:g} months before {when(pd.Timestamp(course.as_of), anchor, board)} "
                     f"(if still followed here: {needs})")
        not_cp = p["phase_at_diagnosis"] in ("AP", "BP")
        if board:  # one line each: the board's screen is for the course
            st.caption(md(f"Mutations: {mutation} · Karyotype (ACA): {karyotype} · Clinic worklist: {needs}"))
            st.caption("Risk at diagnosis" + (f" (validated in chronic phase; {p['phase_at_diagnosis']} here)"
                                              if not_cp else "") + ": " +
                       " · ".join(f"{CUTOFFS[score].name} {p[f'{score}_group']}" for score in SCORES))
            return
        # one row: the first screen keeps room for the course and its whole legend (1080p)
        genes, due, risk = st.columns([2, 2.2, 3])
        _field(genes, "BCR::ABL1 kinase-domain mutations", mutation, f"Karyotype (ACA): {karyotype}")
        _field(due, "Needs (clinic worklist)", needs, f"as of {when(pd.Timestamp(course.as_of), anchor, board)}",
               help="The rules of the Clinic page, for this patient: BCR::ABL1 by the ELN 2020 schedule, milestones "
                    f"without their test, new findings of the last {wl.NEWS_DAYS} days, TFR, "
                    f"{wl.REASONS['cytopenia'].lower()}.")
        scores = [f"{CUTOFFS[score].name} {score_text(score, p[f'{score}_score'])} ({p[f'{score}_group']} risk)"
                  for score in SCORES]
        risk.caption("Risk scores at diagnosis", help=explain.scores_help())
        risk.markdown(f"**{md(' · '.join(scores[:2]))}**  \n**{md(' · '.join(scores[2:]))}**")
        if not_cp:
            st.caption(f"The four scores were validated in chronic phase; this patient was in {p['phase_at_diagnosis']}"
                       " at diagnosis, so they are shown for reference only.")
