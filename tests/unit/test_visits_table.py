"""The patient's visits table as a clinic reads it: newest first, clinical headers with units, each count's CTCAE
grade beside it, the molecular level of each BCR::ABL1 result (Cross, Leukemia 2015;29:999), blank for missing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cmltrack.analysis import visits_table as vt
from cmltrack.analysis.snapshot import bcr_abl1_text


def _labs() -> pd.DataFrame:
    return pd.DataFrame({
        "patient_id": ["P1"] * 3,
        "date": pd.to_datetime(["2024-01-10", "2024-07-10", "2024-04-10"]),
        "wbc": [3.24, np.nan, 1.96], "hb": [118.4, 131.0, 79.9], "platelets": [151.0, 140.0, 24.5],
        "neutrophils": [np.nan, np.nan, np.nan], "bcr_abl1_is_pct": [0.1, np.nan, 0.0],
        "abl1_copies": pd.array([40_000, None, 33_000], dtype="Int64"), "spleen_cm": [np.nan] * 3,
    })


def test_newest_first_with_grades_beside_counts_and_empty_columns_left_out():
    table = vt.visits(_labs())
    assert [str(d) for d in table["date"]] == ["2024-07-10", "2024-04-10", "2024-01-10"]
    assert list(table.columns) == ["date", "bcr_abl1_is_pct", "molecular_level", "wbc", "wbc_grade_from_labs", "hb",
                                   "hb_grade_from_labs", "platelets", "platelets_grade_from_labs", "abl1_copies"]
    # CTCAE v5.0: WBC < 2.0 is grade 3, 3.24 grade 1; Hb < 80 g/L grade 3, 118.4 < LLN 120 grade 1; Plt < 25 grade 4
    assert table["wbc_grade_from_labs"].tolist()[1:] == [3, 1]
    assert table["hb_grade_from_labs"].tolist() == [0, 3, 1]
    assert table["platelets_grade_from_labs"].tolist() == [1, 4, 0]


@pytest.mark.parametrize(("pct", "copies", "level"), [
    (0.1, 40_000, "MMR"), (0.1001, 40_000, "no MMR"),  # MMR <= 0.1% IS
    (0.0032, 40_000, "MR4.5"), (0.0033, 40_000, "MR4"),  # MR4.5 <= 0.0032%
    (0.0, 32_000, "MR4.5"), (0.0, 31_999, "MR4"),  # undetectable: by its ABL1 copies
    (0.0, 9_999, "not evaluable"), (np.nan, None, None),
])
def test_molecular_level_at_its_boundaries(pct, copies, level):
    got = vt.molecular_level(pd.Series([pct]), pd.Series([copies], dtype="Float64"))
    assert got.iloc[0] == level


def test_written_with_sensible_decimals_and_blank_for_missing():
    text = vt.as_text(vt.visits(_labs()))
    assert text.iloc[0].tolist() == ["2024-07-10", "", "", "", "", "131", "0", "140", "1", ""]  # never None or nan
    assert text["bcr_abl1_is_pct"].tolist() == ["", "undetectable", "0.1"]
    assert text["wbc"].tolist()[1:] == ["2.0", "3.2"] and text["abl1_copies"].tolist()[1] == "33,000"
    assert [bcr_abl1_text(v) for v in (14.5624, 0.2483, 0.00321, 0.0001)] == ["14.6", "0.248", "0.00321",
                                                                                  "0.0001"]


def test_clinical_headers_with_units():
    names = vt.headers(["date", "wbc", "hb", "bcr_abl1_is_pct", "platelets_grade_from_labs", "date (month)"])
    assert names == {"date": "Date", "wbc": "WBC ×10⁹/L", "hb": "Hb g/L", "bcr_abl1_is_pct": "BCR::ABL1 IS %",
                     "platelets_grade_from_labs": "Plt gr.", "date (month)": "Month"}
