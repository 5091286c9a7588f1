"""Molecular response depth (Cross 2015) and CTCAE v5.0 laboratory grades at their bounds."""

from __future__ import annotations

import pytest

from cmltrack.clinical.ctcae import lab_grade
from cmltrack.clinical.responses import molecular


@pytest.mark.parametrize("bcr, copies, expected", [
    (0.11, None, None), (0.1, None, "MMR"), (0.011, None, "MMR"), (0.01, None, "MR4"), (0.0033, None, "MR4"),
    (0.0032, None, "MR4.5"), (0.0011, None, "MR4.5"), (0.001, None, "MR5"), (150.0, None, None),
    (0, 9_999, None), (0, 10_000, "MR4"), (0, 31_999, "MR4"), (0, 32_000, "MR4.5"), (0, 99_999, "MR4.5"),
    (0, 100_000, "MR5"),
])
def test_molecular_depth(bcr, copies, expected):
    assert molecular(bcr, copies) == expected


@pytest.mark.parametrize("args, name", [((-0.1,), "bcr_abl1_is_pct"), ((None,), "bcr_abl1_is_pct"),
                                        ((0,), "abl1_copies"), ((0.05, -1), "abl1_copies"),
                                        ((True,), "bcr_abl1_is_pct"), ((float("inf"),), "bcr_abl1_is_pct"),
                                        ((5000.0,), "bcr_abl1_is_pct"), ((0, 1.5), "abl1_copies")])
def test_molecular_invalid_input(args, name):
    with pytest.raises(ValueError, match=name):
        molecular(*args)


@pytest.mark.parametrize("test, value, grade", [
    # "<A - B": below A and at least B (CTCAE v5.0)
    ("neutrophils", 2.0, 0), ("neutrophils", 1.99, 1), ("neutrophils", 1.5, 1), ("neutrophils", 1.49, 2),
    ("neutrophils", 1.0, 2), ("neutrophils", 0.99, 3), ("neutrophils", 0.5, 3), ("neutrophils", 0.49, 4),
    ("platelets", 150, 0), ("platelets", 75, 1), ("platelets", 74.9, 2), ("platelets", 50, 2), ("platelets", 49, 3),
    ("platelets", 25, 3), ("platelets", 24, 4), ("platelets", 0, 4),
    ("hemoglobin", 120, 0), ("hemoglobin", 100, 1), ("hemoglobin", 99, 2), ("hemoglobin", 80, 2),
    ("hemoglobin", 79, 3), ("hemoglobin", 30, 3),  # grade 4 anaemia is clinical, not a value
    ("ANC", 1.2, 2), ("Haemoglobin", 110, 1), ("plt", 60, 2),
])
def test_lab_grades(test, value, grade):
    assert lab_grade(test, value) == grade


def test_lab_grade_uses_the_given_lower_limit_of_normal():
    assert lab_grade("hemoglobin", 125, lln=130) == 1
    assert lab_grade("hemoglobin", 125, lln=120) == 0
    assert lab_grade("neutrophils", 1.3, lln=1.2) == 0  # within a lower local normal range
    assert lab_grade("neutrophils", 1.1, lln=1.2) == 2  # below LLN and below 1.5: the band decides


@pytest.mark.parametrize("args, name", [(("potassium", 3.0), "test"), (("platelets", -5), "value"),
                                        (("platelets", None), "value"), (("platelets", 50, 0), "lln"),
                                        (("hemoglobin", 9.5), "g/L"), (("platelets", 50, float("nan")), "lln"),
                                        (("neutrophils", True), "value")])
def test_lab_grade_invalid_input(args, name):
    with pytest.raises(ValueError, match=name):
        lab_grade(*args)
