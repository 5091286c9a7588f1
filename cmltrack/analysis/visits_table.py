"""The patient's visits as a clinic reads them (pure pandas): newest first, the columns that matter first, clinical
headers with units, each blood count followed by its CTCAE v5.0 grade derived from the labs
(cmltrack.derive.lab_grades), the BCR::ABL1 molecular level beside its value, sensible decimals and blank for what
was not measured. Columns that no visit of the patient measures are left out, so the rest fit a 1366-pixel screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cmltrack.analysis.snapshot import bcr_abl1_text
from cmltrack.analysis.worklist import molecular_levels
from cmltrack.clinical import explain
from cmltrack.derive.lab_grades import SUFFIX, lab_grades


def _fixed(decimals: int) -> Callable[[float], str]:
    return lambda v: f"{v:,.{decimals}f}"


def _grade(value: float) -> str:
    return f"{int(value)}"


@dataclass(frozen=True)
class Column:
    """A column of the table: its header (with unit), how a value is written, and a hover help."""

    header: str
    text: Callable[[float], str] | None
    help: str = ""


_GRADE_HELP = "CTCAE v5.0 grade of this count derived from the labs (default lower limit of normal), not a recorded " \
              "adverse event"
#: The columns in the order shown (the ones that matter at a clinic first); a graded count is followed by its grade.
COLUMNS: dict[str, Column] = {
    "date": Column("Date", None),
    "bcr_abl1_is_pct": Column("BCR::ABL1 IS %", bcr_abl1_text, "International Scale; 0 = undetectable"),
    "molecular_level": Column("Level", None, explain.depth_help()),
    "wbc": Column("WBC ×10⁹/L", _fixed(1)),
    "wbc" + SUFFIX: Column("WBC gr.", _grade, _GRADE_HELP),
    "neutrophils": Column("ANC ×10⁹/L", _fixed(2), "Absolute neutrophil count"),
    "neutrophils" + SUFFIX: Column("ANC gr.", _grade, _GRADE_HELP),
    "hb": Column("Hb g/L", _fixed(0)),
    "hb" + SUFFIX: Column("Hb gr.", _grade, _GRADE_HELP),
    "platelets": Column("Plt ×10⁹/L", _fixed(0)),
    "platelets" + SUFFIX: Column("Plt gr.", _grade, _GRADE_HELP),
    "blasts_pct": Column("Blasts %", _fixed(1), "Blasts, % of leukocytes (blood)"),
    "basophils_pct": Column("Basos %", _fixed(1), "Basophils, % of leukocytes (blood)"),
    "ph_pos_pct": Column("Ph+ %", _fixed(0), "Ph+ metaphases, % (marrow cytogenetics)"),
    "metaphases": Column("Metaph.", _fixed(0), "Metaphases counted"),
    "fish_pct": Column("FISH %", _fixed(1), "BCR::ABL1-positive nuclei, %"),
    "fish_nuclei": Column("Nuclei", _fixed(0), "Nuclei counted by FISH"),
    "abl1_copies": Column("ABL1 copies", _fixed(0), "Control gene copies of the BCR::ABL1 sample"),
    "promyelocytes_pct": Column("Promyel. %", _fixed(1), "Promyelocytes, % of leukocytes (blood)"),
    "immature_granulocytes_pct": Column("IG %", _fixed(1), "Immature granulocytes, % of leukocytes (blood)"),
    "spleen_cm": Column("Spleen cm", _fixed(0), "Below the costal margin"),
}


def molecular_level(pct: pd.Series, copies: pd.Series) -> pd.Series:
    """The level of each BCR::ABL1 result: 'MR5' ... 'MMR', 'no MMR', 'not evaluable' (undetectable in a sample of
    too few ABL1 copies), or None without a result."""
    level = molecular_levels(pct.fillna(np.inf), copies)
    words = np.where(pct > 0, "no MMR", "not evaluable")
    return level.where(level.notna(), pd.Series(words, index=pct.index)).where(pct.notna(), None)


def visits(labs: pd.DataFrame) -> pd.DataFrame:
    """One patient's visits (cmltrack.db.queries.labs_for) newest first, in the columns of COLUMNS that any visit
    measures (``date`` always), with the grade of each count and the molecular level of each BCR::ABL1 result."""
    graded = lab_grades(labs)
    if "bcr_abl1_is_pct" in graded:
        graded["molecular_level"] = molecular_level(graded["bcr_abl1_is_pct"].astype(float),
                                                    graded.get("abl1_copies", pd.Series(np.nan, index=graded.index)))
    shown = [c for c in COLUMNS if c in graded and (c == "date" or graded[c].notna().any())]
    out = graded.sort_values("date", ascending=False, kind="stable")[shown].reset_index(drop=True)
    out["date"] = pd.to_datetime(out["date"]).dt.date
    return out


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (from `visits`, its dates possibly replaced by months) with every value written as shown: blank
    for not measured, never 'None' or 'nan'."""
    out = {}
    for column in frame.columns:
        spec = COLUMNS.get(column)
        write = spec.text if spec is not None and spec.text is not None else str
        out[column] = [("" if value is None or pd.isna(value) else write(value)) for value in frame[column]]
    return pd.DataFrame(out, index=frame.index, columns=frame.columns)


def headers(columns: pd.Index | list[str]) -> dict[str, str]:
    """The clinical header of each column (a de-identified 'date (month)' is 'Month')."""
    return {c: "Month" if c == "date (month)" else COLUMNS[c].header if c in COLUMNS else c for c in columns}
