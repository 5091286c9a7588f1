"""The header card of the patient page: who, risk at diagnosis, treatment and response status."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cmltrack.figures.palette import drug_label
from cmltrack.filters import best_response_label
from cmltrack.ui.escape import md

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


def _field(col: st.delta_generator.DeltaGenerator, label: str, value: str, note: str = "", help: str = "") -> None:
    """A label, a value in bold and a note under it; the value and the note are data, shown literally."""
    col.caption(label, help=help or None)
    col.markdown(f"**{md(value)}**" + (f"  \n{md(note)}" if note else ""))


def show(p: pd.Series, segments: pd.DataFrame, rules: str, pseudonym: str | None = None) -> None:
    """Draw the card for patient row ``p`` (from cmltrack.db.queries.patient); with a ``pseudonym``
    (presentation mode) no name, MRN or calendar date is shown."""
    with st.container(border=True):
        who, age, status, phase, doses, eln = st.columns([1.6, 1, 1.2, 1.2, 2, 1.3])
        if pseudonym is not None:
            who.markdown(f"#### {md(pseudonym)}\nPresentation mode")
        else:
            name = p["display_name"] if pd.notna(p["display_name"]) else ""
            who.markdown(f"#### {md(p['patient_id'])}\n{md(name)}  \nMRN {md(p['mrn']) if pd.notna(p['mrn']) else '—'}")
        _field(age, "Age at thalidomide start", f"{_num(p['age_years'], '.0f')} years", f"Sex {p['sex']}")
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
