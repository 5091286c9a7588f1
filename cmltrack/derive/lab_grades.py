"""CTCAE v5.0 grades derived from blood counts (cmltrack.clinical.ctcae), never mixed into recorded adverse events.

Each count is graded against the default lower limit of normal of ctcae.lab_grade (the labs carry no reference
range): WBC 4.0 and neutrophils 2.0 x10^9/L, platelets 150 x10^9/L, haemoglobin 120 g/L.
"""

from __future__ import annotations

import pandas as pd

from cmltrack.clinical.ctcae import TERMS, lab_grade

#: labs column -> the test ctcae.lab_grade grades.
GRADED: dict[str, str] = {"wbc": "wbc", "neutrophils": "neutrophils", "platelets": "platelets", "hb": "hemoglobin"}
SUFFIX = "_grade_from_labs"


def _grade(test: str, value: object) -> object:
    if value is None or pd.isna(value):
        return pd.NA
    try:
        return lab_grade(test, float(value))
    except ValueError:  # e.g. a haemoglobin in g/dL: not graded rather than graded wrong
        return pd.NA


def lab_grades(labs: pd.DataFrame) -> pd.DataFrame:
    """``labs`` with a column ``<count>_grade_from_labs`` (0-4, empty when not measured) after each graded count."""
    out = labs.copy()
    for column, test in GRADED.items():
        if column in out:
            out[column + SUFFIX] = pd.array([_grade(test, v) for v in out[column]], dtype="Int64")
    order = [c for c in labs.columns for c in ([c, c + SUFFIX] if c + SUFFIX in out else [c])]
    return out[order]


def grade_text(test_column: str, grades: pd.Series) -> pd.Series:
    """Hover text of each grade: 'CTCAE grade 2 Neutrophil count decreased (from labs)'; '' for grade 0 or none."""
    term = TERMS[GRADED[test_column]]
    return grades.map(lambda g: "" if pd.isna(g) or g == 0 else f"<br>CTCAE grade {int(g)} {term} (from labs)")
