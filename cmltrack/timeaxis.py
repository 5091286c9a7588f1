"""Calendar dates to months on a swimmer axis (vectorised, pandas)."""

from __future__ import annotations

import pandas as pd

from cmltrack.clinical.units import MONTH_DAYS

__all__ = ["ANCHORS", "MONTH_DAYS", "months_between"]

#: Time-axis anchors: key -> (label, column holding the anchor date per patient).
ANCHORS: dict[str, tuple[str, str]] = {
    "thalidomide": ("Months since thalidomide start", "thal_start_date"),
    "imatinib": ("Months since imatinib start", "im_start_date"),
    "diagnosis": ("Months since diagnosis", "diagnosis_date"),
    "treatment": ("Months since first treatment", "first_treatment_date"),  # any drug: trial datasets
}


def months_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """Months from ``start`` to ``end`` (negative when ``end`` is earlier); NaN where either is missing."""
    delta = pd.to_datetime(end) - pd.to_datetime(start)
    return delta.dt.total_seconds() / 86400.0 / MONTH_DAYS
