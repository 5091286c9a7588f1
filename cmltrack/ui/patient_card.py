"""The header card of the patient page: who, where they stand now (phase, latest BCR::ABL1 and ELN classification,
doses), and risk at diagnosis."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cmltrack.analysis.snapshot import current_phase, latest_bcr_abl1
from cmltrack.figures.palette import drug_label
from cmltrack.filters import best_response_label
from cmltrack.timeaxis import months_between
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


def when(date: pd.Timestamp | None, anchor: pd.Timestamp | None, deidentified: bool) -> str:
    """When a result is from: its date, or (presentation mode) its month since thalidomide (or imatinib) start."""
    if date is None or pd.isna(date):
        return ""
    if deidentified:
        return "" if anchor is None or pd.isna(anchor) else \
            f"month {float(months_between(pd.Series([anchor]), pd.Series([date])).iloc[0]):+.1f}"
    return f"{pd.Timestamp(date):%Y-%m-%d}"


def show(p: pd.Series, segments: pd.DataFrame, labs: pd.DataFrame, rules: str, pseudonym: str | None = None,
         aca_since: pd.Timestamp | None = None) -> None:
    """Draw the card for patient row ``p`` (from cmltrack.db.queries.patient) and their visits ``labs`` (``aca_since``:
    the first high-risk ACA in Ph+ cells, for the phase now); with a ``pseudonym`` (presentation mode) no name, MRN or
    calendar date is shown, times are months since thalidomide start (imatinib start without it), and the card is
    one band high for the board's one-screen view."""
    board = pseudonym is not None
    anchor = p["thal_start_date"] if pd.notna(p["thal_start_date"]) else p["im_start_date"]
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
        _field(phase, "Phase now", now.text if now else "not measured",
               "; ".join(filter(None, [when(now.date if now else None, anchor, board),
                                       f"at thalidomide start {p['phase_at_thal']}"
                                       if pd.notna(p["thal_start_date"]) else "",
                                       f"at diagnosis {p['phase_at_diagnosis'] or '—'}"])),
               help="ELN phase at the latest visit with a blood differential (blasts, blasts + promyelocytes, "
                    "basophils; Baccarani, JCO 2009;27:6041).")
        _field(doses, "Now taking", current_doses(segments),
               f"Best response on thalidomide: {best_response_label(p['best_response'])}")
        latest = latest_bcr_abl1(labs)
        _field(bcr, "Latest BCR::ABL1", latest.text if latest else "none recorded",
               when(latest.date if latest else None, anchor, board),
               help="Molecular depth by Cross, Leukemia 2015;29:999 (MMR <= 0.1%, MR4 <= 0.01%, MR4.5 <= 0.0032%).")
        classified = p["eln_latest_thal_month"] if board else p["eln_latest_date"]
        classified = "" if pd.isna(classified) else (f"month {classified:+.1f} (thalidomide start = 0)" if board
                                                     else f"{pd.Timestamp(classified):%Y-%m-%d}")
        _field(eln, f"Latest {rules}", str(p["eln_latest"] if pd.notna(p["eln_latest"]) else "not assessed")
               .capitalize(), classified, help="From the latest BCR::ABL1, marrow and blood count on the current TKI "
               "line. ELN milestones are written for chronic phase on first-line TKI: a reference here.")
        not_cp = p["phase_at_diagnosis"] in ("AP", "BP")
        if board:  # one line: the board's screen is for the course
            st.caption("Risk at diagnosis" + (f" (validated in chronic phase; {p['phase_at_diagnosis']} here)"
                                              if not_cp else "") + ": " +
                       " · ".join(f"{label} {p[f'{score}_group']}" for label, score, *_ in SCORES))
            return
        for col, (label, score, fmt, source) in zip(st.columns(4), SCORES):
            _field(col, f"{label} at diagnosis", f"{_num(p[f'{score}_score'], fmt)} ({p[f'{score}_group']} risk)",
                   help=source)
        if not_cp:
            st.caption(f"The four scores were validated in chronic phase; this patient was in {p['phase_at_diagnosis']}"
                       " at diagnosis, so they are shown for reference only.")
