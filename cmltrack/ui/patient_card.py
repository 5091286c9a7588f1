"""The header card of the patient page: who, the phase now, the current line, the latest BCR::ABL1 and ELN
classification, mutations and ACA, what the clinic worklist says is due, and risk at diagnosis."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from cmltrack.analysis import patient_status as ps
from cmltrack.analysis import worklist as wl
from cmltrack.clinical.scores import CUTOFFS, published
from cmltrack.figures.palette import drug_label
from cmltrack.filters import CohortFilter, best_response_label
from cmltrack.timeaxis import MONTH_DAYS
from cmltrack.ui import data as q

#: (label, score, source) of each risk score; shown at the precision its paper publishes (scores.CUTOFFS).
SCORES = (("Sokal", "sokal", "Blood 1984;63:789"), ("Hasford", "hasford", "JNCI 1998;90:850"),
          ("EUTOS", "eutos", "Blood 2011;118:686"), ("ELTS", "elts", "Leukemia 2016;30:48"))


@dataclass(frozen=True)
class Course:
    """What the card reads beside the patient row: visits, shown events, mutation and karyotype tests, TFR
    courses, the start of the current TKI line, the worklist's reasons for this patient and its as-of date."""

    labs: pd.DataFrame
    events: pd.DataFrame
    genetics: pd.DataFrame
    tfr: pd.DataFrame
    line_start: pd.Timestamp | None
    as_of: dt.date
    needs: list[str] = field(default_factory=list)


def course_for(con: object, patient_id: str, labs: pd.DataFrame, events: pd.DataFrame, guideline: str) -> Course:
    """The card's Course for one patient, read through the cached query layer; the worklist as of the Clinic
    page's default date (today, or the data's last date for a fictitious cohort)."""
    end = q.data_end(con)
    as_of, _ = wl.default_as_of(q.database_source(con), None if end is None else end.date(), dt.date.today())
    since = as_of - dt.timedelta(days=wl.NEWS_DAYS)
    worklist = q.worklist(con, CohortFilter(), as_of, since, guideline, patient_ids=[patient_id])
    return Course(labs, events, q.genetics_for(con, [patient_id]), q.tfr_for(con, [patient_id]),
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
    col.caption(label, help=help or None)
    col.markdown(f"**{value}**" + (f"  \n{note}" if note else ""))


def _when(p: pd.Series, day: object, pseudonym: str | None) -> str:
    """A date, or in presentation mode the month since thalidomide (else imatinib) start."""
    if day is None or pd.isna(day):
        return ""
    if pseudonym is None:
        return f"{pd.Timestamp(day):%Y-%m-%d}"
    anchor = p["thal_start_date"] if pd.notna(p.get("thal_start_date")) else p.get("im_start_date")
    if anchor is None or pd.isna(anchor):
        return "date withheld"
    which = "thalidomide" if pd.notna(p.get("thal_start_date")) else "imatinib"
    return f"month {(pd.Timestamp(day) - pd.Timestamp(anchor)).days / MONTH_DAYS:+.1f} ({which} start = 0)"


def _phase(p: pd.Series, course: Course, pseudonym: str | None) -> tuple[str, str]:
    found = ps.current_phase(course.labs, course.events, p["phase_at_diagnosis"])
    value = found.now or "unknown"
    notes = [ps.PHASE_WORDS.get(found.now, "no count tells it")]
    if found.progressed_to is not None:
        notes.append(f"progressed to {found.progressed_to} {_when(p, found.progressed_on, pseudonym)}".strip())
    notes.append(f"{p['phase_at_diagnosis'] or '—'} at diagnosis, {p['phase_at_thal']} at thalidomide start")
    return value, "  \n".join(notes)


def _line(p: pd.Series, segments: pd.DataFrame, course: Course, pseudonym: str | None) -> str:
    line = ps.current_line(segments, course.line_start, course.as_of)
    open_tfr = course.tfr[course.tfr["restart_date"].isna()] if len(course.tfr) else course.tfr
    if line.drug is not None:
        return f"{drug_label(line.drug)} line: {line.months:.1f} months (from {_when(p, line.start, pseudonym)})"
    if len(open_tfr):
        start = pd.Timestamp(open_tfr["start_date"].iloc[-1])
        month = (pd.Timestamp(course.as_of) - start).days / MONTH_DAYS
        return f"In treatment-free remission from {_when(p, start, pseudonym)} (month {month:.0f})"
    if line.stopped is not None:
        return f"Off TKI since {_when(p, line.stopped, pseudonym)}"
    return "No TKI recorded"


def show(p: pd.Series, segments: pd.DataFrame, rules: str, pseudonym: str | None = None,
         course: Course | None = None) -> None:
    """Draw the card for patient row ``p`` (from cmltrack.db.queries.patient); with a ``pseudonym``
    (presentation mode) no name, MRN or calendar date is shown. ``course`` adds the phase now, the current line,
    the latest BCR::ABL1, mutations and ACA and what is due."""
    empty = pd.DataFrame(columns=["date", "kind"])
    course = course or Course(pd.DataFrame(columns=["date"]), empty, pd.DataFrame(columns=["test", "date"]),
                              pd.DataFrame(columns=["start_date", "restart_date"]), None, dt.date.today())
    with st.container(border=True):
        who, age, status, phase, doses, eln = st.columns([1.5, 1, 1.1, 1.5, 2, 1.4])
        note = trial_note(p, pseudonym)
        if pseudonym is not None:
            who.markdown(f"#### {pseudonym}\nPresentation mode" + (f"  \n{note}" if note else ""))
        else:
            name = p["display_name"] if pd.notna(p["display_name"]) else ""
            who.markdown(f"#### {p['patient_id']}\n{name}  \nMRN {p['mrn'] if pd.notna(p['mrn']) else '—'}"
                         + (f"  \n{note}" if note else ""))
        _field(age, age_label(p), f"{_num(p['age_years'], '.0f')} years", f"Sex {p['sex']}")
        _field(status, "Imatinib", str(p["im_status"] or "—").capitalize(),
               f"{_num(p['months_im_before_thal'], '.1f')} months before thalidomide")
        value, notes = _phase(p, course, pseudonym)
        _field(phase, "Phase now", value, notes, help="ELN phase from the latest blood count that tells it (a "
               "high-risk ACA in Ph+ cells counts as accelerated phase); else the latest progression.")
        _field(doses, "Now taking", current_doses(segments),
               f"{_line(p, segments, course, pseudonym)}  \nBest response on thalidomide: "
               f"{best_response_label(p['best_response'])}")
        if pd.isna(p["eln_latest_date"]):
            when = ""
        elif pseudonym is not None:
            when = "" if pd.isna(p["eln_latest_thal_month"]) else \
                f"month {p['eln_latest_thal_month']:+.1f} (thalidomide start = 0)"
        else:
            when = f"{pd.Timestamp(p['eln_latest_date']):%Y-%m-%d}"
        _field(eln, f"Latest {rules}", str(p["eln_latest"] if pd.notna(p["eln_latest"]) else "not assessed")
               .capitalize(), when, help="From the latest BCR::ABL1, marrow and blood count on the current TKI "
               "line. ELN milestones are written for chronic phase on first-line TKI: a reference here.")
        bcr, genes, needs = st.columns([1.5, 2, 3.5])
        latest = ps.latest_bcr(course.labs)
        if latest is None:
            _field(bcr, "Latest BCR::ABL1", "none recorded")
        else:
            value = "undetectable" if latest.pct == 0 else f"{latest.pct:.4g}% IS"
            copies = "" if latest.copies is None else f", ABL1 {latest.copies:,.0f} copies"
            _field(bcr, "Latest BCR::ABL1", f"{value} · {latest.level}", f"{_when(p, latest.date, pseudonym)}{copies}",
                   help="Molecular level by Cross, Leukemia 2015;29:999: MMR <= 0.1%, MR4 <= 0.01%, MR4.5 <= "
                   "0.0032%, MR5 <= 0.001% (undetectable: by the ABL1 copies of the sample).")
        mutation, karyotype = ps.genetics_text(course.genetics, lambda day: _when(p, day, pseudonym))
        _field(genes, "BCR::ABL1 mutations", mutation, f"Karyotype (ACA): {karyotype}")
        _field(needs, "Needs (clinic worklist)", "; ".join(course.needs) if course.needs else "nothing due",
               f"as of {_when(p, course.as_of, pseudonym) or 'today'}; ELN 2020 monitoring, milestones, "
               "new findings of the last 3 months, TFR, CTCAE >= 3")
        for col, (label, score, source) in zip(st.columns(4), SCORES):
            _field(col, f"{label} at diagnosis", f"{score_text(score, p[f'{score}_score'])} "
                   f"({p[f'{score}_group']} risk)", help=f"{source}; {CUTOFFS[score].source}")
        if p["phase_at_diagnosis"] in ("AP", "BP"):
            st.caption(f"The four scores were validated in chronic phase; this patient was in {p['phase_at_diagnosis']}"
                       " at diagnosis, so they are shown for reference only.")
