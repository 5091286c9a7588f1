"""Tables derived from the facts by the clinical rules (pure pandas; no database).

Written with every database: derived responses (per ELN guideline) and ELN assessments (responses.py), the
per-patient summary the app filters on in SQL and which responses are shown (summary.py), the TKI lines
(lines.py), treatment-free remission courses (tfr.py), all at once for the whole registry or only the patients an
import adds (tables.py); and the CTCAE grades derived from blood counts (lab_grades.py, shown on the patient page).
"""

from __future__ import annotations

from cmltrack.clinical.dosing import TKIS
from cmltrack.derive.lines import LINE_COLUMNS, current_line_starts, tki_lines
from cmltrack.derive.responses import (
    ASSESSMENT_COLUMNS,
    derive_patients,
    derived_responses_and_assessments,
    genetic_findings,
    tki_line_start,
)
from cmltrack.derive.summary import (
    FAMILY_COLUMNS,
    REFERENCE_GUIDELINE,
    RESPONSE_AFTER_STOP_DAYS,
    SUMMARY_COLUMNS,
    measured_families,
    patient_summary,
    rank_of,
    shown_responses,
    thalidomide_stop,
    with_shown,
)
from cmltrack.derive.tables import DERIVED_TABLES, derived_in_turn, derived_tables, only_patients

__all__ = [
    "ASSESSMENT_COLUMNS", "FAMILY_COLUMNS", "LINE_COLUMNS", "REFERENCE_GUIDELINE", "RESPONSE_AFTER_STOP_DAYS",
    "SUMMARY_COLUMNS", "TKIS", "DERIVED_TABLES", "derived_in_turn", "derived_tables", "only_patients",
    "derive_patients", "derived_responses_and_assessments", "genetic_findings", "measured_families",
    "patient_summary", "rank_of", "shown_responses", "thalidomide_stop", "tki_line_start",
    "current_line_starts", "tki_lines", "with_shown",
]
