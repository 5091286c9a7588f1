"""The PowerPoint deck for a tumour board: the cohort swimmer and one slide per patient of the agenda."""

from __future__ import annotations

import itertools

import pandas as pd
import plotly.graph_objects as go

from cmltrack.analysis.snapshot import current_phase, latest_bcr_abl1
from cmltrack.clinical.explain import guideline_label
from cmltrack.db import queries
from cmltrack.db.connection import Connection
from cmltrack.db.filters import best_response_label
from cmltrack.figures.export import Progress, Slide, deck
from cmltrack.figures.patient import build_patient_timeline
from cmltrack.privacy.pseudonyms import Pseudonyms, month_anchor
from cmltrack.ui.patient_card import current_doses, when


def patient_slide(con: Connection, pid: str, guideline: str, pseudonyms: Pseudonyms | None,
                  scale: float) -> Slide:
    """One patient's slide: the board's view of the course with its whole legend, and the facts a tumour board asks
    first (no identifiers or calendar dates with ``pseudonyms``)."""
    p = queries.patient(con, pid, guideline).iloc[0]
    segments, labs = queries.treatments_for(con, [pid]), queries.labs_for(con, [pid])
    events = queries.events_for(con, [pid], guideline)
    figure = build_patient_timeline(p, segments, labs, events, queries.adverse_events_for(con, [pid]),
                                    guideline=guideline, tki_start=queries.tki_line_start(con, pid),
                                    board=pseudonyms is not None, scale=scale,
                                    meds=queries.medications_for(con, [pid]), compact=True)
    anchor = month_anchor(p["thal_start_date"], p["im_start_date"])
    aca = pd.to_datetime(events.loc[events["kind"] == "ACA_HR", "date"])
    now, bcr = current_phase(labs, aca.min() if len(aca) else None), latest_bcr_abl1(labs)
    at = lambda date: when(date, anchor, pseudonyms is not None)  # noqa: E731 (months since the anchor: board)
    lines = [f"{p['sex']}, {p['age_years']} years at thalidomide start",
             f"Imatinib {p['im_status'] or '-'}; {p['months_im_before_thal']:.0f} months before thalidomide"
             if pd.notna(p["months_im_before_thal"]) else f"Imatinib {p['im_status'] or '-'}",
             f"Phase now: {now.text} ({at(now.date)})" if now else "Phase now: not measured",
             f"Phase at thalidomide start: {p['phase_at_thal']}",
             f"Now: {current_doses(segments)}",
             f"Latest BCR::ABL1: {bcr.text} ({at(bcr.date)})" if bcr else
             "Latest BCR::ABL1: none recorded",
             f"Best response on thalidomide: {best_response_label(p['best_response'])}",
             f"Latest {guideline_label(guideline)}: {p['eln_latest'] or 'not assessed'}",
             f"EUTOS {p['eutos_group']}, ELTS {p['elts_group']}"]
    title = pseudonyms(pid) if pseudonyms is not None else f"{pid} · {p['display_name'] or ''}".rstrip(" ·")
    return Slide(title, lines, figure)


def build_deck(con: Connection, cohort_figure: go.Figure, patient_ids: list[str], guideline: str,
               pseudonyms: Pseudonyms | None, scale: float, progress: Progress | None = None) -> bytes:
    """The deck as .pptx bytes: the cohort swimmer, then a slide per patient in the agenda's order; ``progress`` is
    told of each slide drawn. Each patient's slide is built while the slide before is drawn."""
    slides = itertools.chain([Slide("Cohort: imatinib and thalidomide exposure", [], cohort_figure)],
                             (patient_slide(con, pid, guideline, pseudonyms, scale) for pid in patient_ids))
    footer = ("De-identified: pseudonyms, months since thalidomide start. " if pseudonyms is not None else "") + \
        f"cmltrack; responses derived by {guideline_label(guideline)} rules."
    return deck(slides, footer, progress, count=1 + len(patient_ids))
