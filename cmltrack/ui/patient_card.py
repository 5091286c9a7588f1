"""The header card of the patient page: who, risk at diagnosis, treatment and response status."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cmltrack.figures.palette import drug_label
from cmltrack.filters import best_response_label

SCORES = (("Sokal", "sokal", ".2f", "Blood 1984;63:789"), ("Hasford", "hasford", ".0f", "JNCI 1998;90:850"),
          ("EUTOS", "eutos", ".0f", "Blood 2011;118:686"), ("ELTS", "elts", ".4f", "Leukemia 2016;30:48"))


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


def show(p: pd.Series, segments: pd.DataFrame, rules: str, pseudonym: str | None = None) -> None:
    """Draw the card for patient row ``p`` (from cmltrack.db.queries.patient); with a ``pseudonym``
    (presentation mode) no name, MRN or calendar date is shown."""
    with st.container(border=True):
        who, age, status, phase, doses, eln = st.columns([1.6, 1, 1.2, 1.2, 2, 1.3])
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
        _field(phase, "Phase at thalidomide start", str(p["phase_at_thal"]),
               f"{p['phase_at_diagnosis'] or '—'} at diagnosis")
        _field(doses, "Now taking", current_doses(segments),
               f"Best response on thalidomide: {best_response_label(p['best_response'])}")
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
        for col, (label, score, fmt, source) in zip(st.columns(4), SCORES):
            _field(col, f"{label} at diagnosis", f"{_num(p[f'{score}_score'], fmt)} ({p[f'{score}_group']} risk)",
                   help=source)
        if p["phase_at_diagnosis"] in ("AP", "BP"):
            st.caption(f"The four scores were validated in chronic phase; this patient was in {p['phase_at_diagnosis']}"
                       " at diagnosis, so they are shown for reference only.")
