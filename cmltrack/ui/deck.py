"""The PowerPoint deck for a tumour board: the cohort swimmer and one slide per chosen patient."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from cmltrack.db import queries as q
from cmltrack.db.connection import Connection
from cmltrack.figures.export import Slide, deck
from cmltrack.figures.patient import build_patient_timeline
from cmltrack.filters import best_response_label
from cmltrack.privacy.pseudonyms import Pseudonyms
from cmltrack.ui.patient_card import current_doses
from cmltrack.ui.sidebar import guideline_label


def patient_slide(con: Connection, pid: str, guideline: str, deid: Pseudonyms | None,
                  scale: float) -> Slide:
    """One patient's slide: the timeline and the facts a tumour board asks first (no identifiers with ``deid``)."""
    p = q.patient(con, pid, guideline).iloc[0]
    segments = q.treatments_for(con, [pid])
    figure = build_patient_timeline(p, segments, q.labs_for(con, [pid]), q.events_for(con, [pid], guideline),
                                    q.adverse_events_for(con, [pid]), guideline=guideline,
                                    tki_start=q.tki_line_start(con, pid), calendar=deid is None, scale=scale)
    figure.update_layout(showlegend=False)
    lines = [f"{p['sex']}, {p['age_years']} years at thalidomide start",
             f"Imatinib {p['im_status'] or '-'}; {p['months_im_before_thal']:.0f} months before thalidomide"
             if pd.notna(p["months_im_before_thal"]) else f"Imatinib {p['im_status'] or '-'}",
             f"Phase at thalidomide start: {p['phase_at_thal']}",
             f"Now: {current_doses(segments)}",
             f"Best response on thalidomide: {best_response_label(p['best_response'])}",
             f"Latest {guideline_label(guideline)}: {p['eln_latest'] or 'not assessed'}",
             f"EUTOS {p['eutos_group']}, ELTS {p['elts_group']}"]
    title = deid(pid) if deid is not None else f"{pid} · {p['display_name'] or ''}".rstrip(" ·")
    return Slide(title, lines, figure)


def build_deck(con: Connection, cohort_figure: go.Figure, patient_ids: list[str], guideline: str,
               deid: Pseudonyms | None, scale: float) -> bytes:
    """The deck as .pptx bytes."""
    slides = [Slide("Cohort: imatinib and thalidomide exposure", [], cohort_figure)]
    slides += [patient_slide(con, pid, guideline, deid, scale) for pid in patient_ids]
    footer = ("De-identified: pseudonyms, months since thalidomide start. " if deid is not None else "") + \
        f"cmltrack; responses derived by {guideline_label(guideline)} rules."
    return deck(slides, footer)
