"""Labelled daily doses, for the plausibility of imported treatment records.

- Imatinib: 100 mg/day (the starting dose in ASM and HES/CEL) to 800 mg/day (400 mg twice a day, the escalation
  in CML); reductions go 800 -> 600, 600 -> 400, 400 -> 300 mg. Gleevec (imatinib mesylate) US prescribing
  information, section 2 "Dosage and Administration" (2.2 to 2.13 and Table 1).
- Thalidomide: 50 mg/day (the lowest capsule strength, the reduced dose) to 400 mg/day (the highest ENL dose);
  multiple myeloma 200 mg/day. Thalomid (thalidomide) US prescribing information, section 2 (2.1 multiple
  myeloma, 2.2 erythema nodosum leprosum).

A daily dose outside the labelled range is possible (a trial, an individual decision) and gets a warning; one more
than ten times beyond it cannot be a daily dose of the drug (a unit slip: micrograms, a total instead of a daily
dose) and is an error.
"""

from __future__ import annotations

#: drug (as stored, lower case) -> (lowest, highest) labelled daily dose in mg.
LABEL_MG_PER_DAY: dict[str, tuple[float, float]] = {"imatinib": (100.0, 800.0), "thalidomide": (50.0, 400.0)}
#: How far beyond the labelled range a daily dose is taken for an error rather than a warning.
IMPOSSIBLE_FACTOR = 10.0


def dose_plausibility(drug: str, mg_per_day: float) -> str | None:
    """None within the label; 'warning' outside it; 'error' more than IMPOSSIBLE_FACTOR beyond it. Drugs without a
    labelled range here (placebo, other drugs) are never judged. Raises ValueError for a negative dose."""
    if mg_per_day < 0:
        raise ValueError(f"mg_per_day must not be negative, got {mg_per_day!r}")
    if drug not in LABEL_MG_PER_DAY:
        return None
    low, high = LABEL_MG_PER_DAY[drug]
    if mg_per_day > high * IMPOSSIBLE_FACTOR or 0 < mg_per_day < low / IMPOSSIBLE_FACTOR:
        return "error"
    if mg_per_day < low or mg_per_day > high:
        return "warning"
    return None
