"""The vectorised forms of the clinical rules (cmltrack/derive) give what the scalar rules (cmltrack/clinical) give,
value by value, boundaries and refused values included: each visit's classification (derive.visits.classify_visits
vs clinical.visits.classify_visit, itself responses.hematologic / cytogenetic / molecular and phase.phase) and the
milestone rows (derive.assessments.row_severities vs milestones.row_categories)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cmltrack.clinical import milestones
from cmltrack.clinical.visits import COLUMNS, VisitClass, classify_visit
from cmltrack.derive.assessments import row_severities
from cmltrack.derive.visits import classify_visits

#: Each column's thresholds, a step either side of them, and values the rules refuse (negative, above the limits).
BOUNDARIES: dict[str, list[float]] = {
    "wbc": [0.0, 9.99, 10.0, 10.01, 1000.0, 1000.5, -1.0, math.inf],
    "platelets": [0.0, 449.9, 450.0, 450.1, 10_000.0, 10_001.0, -0.5],
    "basophils_pct": [0.0, 4.99, 5.0, 19.99, 20.0, 100.0, 100.5, -1.0],
    "spleen_cm": [0.0, 0.1, 40.0, 40.5, -1.0],
    "immature_granulocytes_pct": [0.0, 0.01, 3.0, -1.0],
    "blasts_pct": [0.0, 0.01, 14.99, 15.0, 29.99, 30.0, 100.0, 101.0, -0.1],
    "promyelocytes_pct": [0.0, 15.0, 15.01, 30.0, 70.0, 100.0, -40.0],
    "ph_pos_pct": [0.0, 0.5, 1.0, 35.0, 35.01, 65.0, 65.01, 95.0, 95.01, 100.0, 100.5, -1.0],
    "metaphases": [0.0, 19.0, 19.9, 20.0, 20.5, 30.0, -3.0],
    "fish_pct": [0.0, 0.99, 1.0, 1.01, 100.0, 101.0, -1.0],
    "fish_nuclei": [0.0, 199.0, 199.9, 200.0, 1000.0, -0.5, -1.0],
    "bcr_abl1_is_pct": [0.0, 0.0009, 0.001, 0.0011, 0.0032, 0.0033, 0.01, 0.011, 0.1, 0.1001, 1.0, 10.0, 150.0,
                        1000.0, 1000.5, -0.1],
    "abl1_copies": [0.0, 9_999.0, 10_000.0, 31_999.0, 32_000.0, 99_999.0, 100_000.0, 10_000.5, -2.0],
}
#: Counts are whole numbers in the database; the rules read them with int() (so no infinity there).
_COUNTS = ("metaphases", "fish_nuclei", "abl1_copies")
_row = st.fixed_dictionaries({
    c: st.one_of(st.none(), st.sampled_from(v)) if c in _COUNTS
    else st.one_of(st.none(), st.sampled_from(v), st.floats(-5, 2000))
    for c, v in BOUNDARIES.items()})


def _scalar(row: dict) -> VisitClass | type[ValueError]:
    try:
        return classify_visit({"date": None, **row})
    except ValueError:
        return ValueError


def _vectorised(rows: list[dict]) -> list[VisitClass] | type[ValueError]:
    frame = pd.DataFrame(rows, columns=list(COLUMNS)).astype(float)
    try:
        c = classify_visits(frame)
    except ValueError:
        return ValueError

    def plain(x: object) -> object:
        return None if x is None or (isinstance(x, float) and math.isnan(x)) else x

    return [VisitClass(None, plain(r.chr), bool(r.ph_positive), plain(r.cyto), plain(r.ph_value), plain(r.bcr),
                       plain(r.depth), plain(r.phase)) for r in c.itertuples(index=False)]


@settings(max_examples=600, deadline=None)
@given(_row)
def test_one_visit_classified_at_once_is_classified_as_alone(row):
    assert _vectorised([row]) == (_scalar(row) if _scalar(row) is ValueError else [_scalar(row)])


@settings(max_examples=150, deadline=None)
@given(st.lists(_row, min_size=1, max_size=30))
def test_a_table_of_visits_is_classified_row_by_row_and_refused_if_any_row_is(rows):
    scalar = [_scalar(r) for r in rows]
    assert _vectorised(rows) == (ValueError if ValueError in scalar else scalar)


def test_every_boundary_alone():
    """Each boundary value of each column with the others at a plain chronic-phase visit, both rules the same."""
    base = {"wbc": 6.0, "platelets": 250.0, "basophils_pct": 1.0, "spleen_cm": 0.0, "immature_granulocytes_pct": 0.0,
            "blasts_pct": 0.0, "promyelocytes_pct": 0.0, "ph_pos_pct": 0.0, "metaphases": 20.0, "fish_pct": None,
            "fish_nuclei": None, "bcr_abl1_is_pct": 0.05, "abl1_copies": 50_000.0}
    checked = 0
    for column, values in BOUNDARIES.items():
        for value in values:
            row = dict(base, **{column: value})
            assert _vectorised([row]) == (_scalar(row) if _scalar(row) is ValueError else [_scalar(row)]), row
            checked += 1
    assert checked == sum(len(v) for v in BOUNDARIES.values())


def test_every_fish_boundary_without_an_evaluable_marrow():
    """FISH decides only without an evaluable marrow: each FISH boundary with no marrow, and with one of too few
    metaphases."""
    checked = 0
    for marrow in ({}, {"ph_pos_pct": 5.0, "metaphases": 10.0}):
        for fish in BOUNDARIES["fish_pct"]:
            for nuclei in [*BOUNDARIES["fish_nuclei"], None]:
                row = dict(dict.fromkeys(COLUMNS), **marrow, fish_pct=fish, fish_nuclei=nuclei)
                assert _vectorised([row]) == (_scalar(row) if _scalar(row) is ValueError else [_scalar(row)]), row
                checked += 1
    assert checked == 2 * len(BOUNDARIES["fish_pct"]) * (len(BOUNDARIES["fish_nuclei"]) + 1)


def test_the_refusal_is_the_scalar_rules_message():
    frame = pd.DataFrame([{"date": dt.date(2020, 1, 1), "bcr_abl1_is_pct": 0.5},
                          {"date": dt.date(2020, 2, 1), "bcr_abl1_is_pct": 1200.0}])
    with pytest.raises(ValueError, match="bcr_abl1_is_pct must be <= 1000"):
        classify_visits(frame)


_result = st.one_of(st.none(), st.sampled_from([0.0, 0.001, 0.1, 0.10001, 1.0, 1.01, 10.0, 10.01, 35.0, 35.01, 95.0,
                                                 95.01, 100.0]), st.floats(0, 120))


_case = st.tuples(st.sampled_from([3.0, 6.0, 12.0, 18.0, math.inf]), _result,
                 _result.filter(lambda x: x is None or x <= 100), st.sampled_from([None, True, False]))


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(milestones.GUIDELINES), st.lists(_case, min_size=1, max_size=20))
def test_milestone_rows_at_once_are_the_rows_one_by_one(guideline, cases):
    cases = [c for c in cases if c[0] in milestones.RULES[guideline]]
    reached = np.array([c[0] for c in cases], dtype=float)
    bcr = np.array([np.nan if c[1] is None else c[1] for c in cases], dtype=float)
    ph = np.array([np.nan if c[2] is None else c[2] for c in cases], dtype=float)
    chr_ = np.array([-1 if c[3] is None else int(c[3]) for c in cases], dtype=np.int8)
    found = row_severities(guideline, reached, bcr, ph, chr_)
    for (m, b, p, c), severity in zip(cases, found):
        categories = milestones.row_categories(guideline, m, b, p, c)
        assert severity == (milestones.severity(milestones.worst(categories)) if categories else -1)


def test_every_band_boundary_of_every_row():
    """Each bound of each band of each milestone row, and the nearest floats either side of it."""
    for guideline in milestones.GUIDELINES:
        for key, row in milestones.RULES[guideline].items():
            bounds = {upper for upper, _, _ in (*row.bcr, *row.ph)} | {1.0, 10.0, 35.0}
            values = sorted({x for b in bounds for x in (np.nextafter(b, -1), b, np.nextafter(b, np.inf)) if x >= 0})
            cases = [(b, p, c) for b in [None, *values] for p in [None, *(v for v in values if v <= 100)]
                     for c in (None, True, False)]
            found = row_severities(guideline, np.full(len(cases), float(key)),
                                   np.array([np.nan if b is None else b for b, _, _ in cases], dtype=float),
                                   np.array([np.nan if p is None else p for _, p, _ in cases], dtype=float),
                                   np.array([-1 if c is None else int(c) for _, _, c in cases], dtype=np.int8))
            for (b, p, c), severity in zip(cases, found):
                categories = milestones.row_categories(guideline, key, b, p, c)
                expected = milestones.severity(milestones.worst(categories)) if categories else -1
                assert severity == expected, (guideline, key, b, p, c)
