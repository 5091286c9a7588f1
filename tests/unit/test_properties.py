"""Property tests: classifications never improve as BCR::ABL1 or Ph+ rise, and the response rules are monotone."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cmltrack.clinical.milestones import GUIDELINES, WINDOW_AFTER, classify, timed_milestones
from cmltrack.clinical.responses import cytogenetic, molecular

SEVERITY = {"optimal": 0, "warning": 1, "suboptimal": 2, "failure": 3}
months = st.floats(min_value=3, max_value=120, allow_nan=False)
bcr = st.floats(min_value=0, max_value=200, allow_nan=False)
ph = st.floats(min_value=0, max_value=100, allow_nan=False)


@given(months, bcr, bcr, st.sampled_from(["ELN2020", "ELN2013"]))
def test_classification_is_monotone_in_bcr_abl1(m, a, b, guideline):
    low, high = sorted((a, b))
    assert SEVERITY[classify(m, low, guideline=guideline)] <= SEVERITY[classify(m, high, guideline=guideline)]


@given(st.floats(min_value=6, max_value=120, allow_nan=False), ph, ph, st.sampled_from(["ELN2013", "ELN2009"]))
def test_classification_is_monotone_in_ph(m, a, b, guideline):
    low, high = sorted((a, b))
    assert SEVERITY[classify(m, ph_pos_pct=low, guideline=guideline)] <= \
        SEVERITY[classify(m, ph_pos_pct=high, guideline=guideline)]


@given(months, bcr, ph, st.booleans(), st.sampled_from(GUIDELINES))
def test_adding_a_test_never_improves_the_category(m, b, p, chr_, guideline):
    base = classify(m, b, guideline=guideline) if guideline != "ELN2009" or m >= 12 else None
    if base is not None:
        both = classify(m, b, p, chr_, guideline)
        assert SEVERITY[both] >= SEVERITY[base]


@given(ph, ph)
def test_cytogenetic_category_is_monotone(a, b):
    order = ["CCyR", "PCyR", "minor", "minimal", "none"]
    low, high = sorted((a, b))
    assert order.index(cytogenetic(low, 20)) <= order.index(cytogenetic(high, 20))


@given(st.floats(min_value=1e-6, max_value=200, allow_nan=False), st.floats(min_value=1e-6, max_value=200,
                                                                            allow_nan=False))
def test_molecular_depth_is_monotone(a, b):
    order = ["MR5", "MR4.5", "MR4", "MMR", None]
    low, high = sorted((a, b))
    assert order.index(molecular(low)) <= order.index(molecular(high))


@given(months, months, bcr, st.sampled_from(["ELN2020", "ELN2013"]))
def test_a_fixed_bcr_abl1_never_improves_with_time(a, b, value, guideline):
    # up to the close of the last milestone's window; after it the "any time" row judges losses, and a response
    # never reached keeps its last-milestone criterion in the timeline (test_clinical_engine)
    early, late = (min(t, _last_window(guideline)) for t in sorted((a, b)))
    assert SEVERITY[classify(early, value, guideline=guideline)] <= SEVERITY[classify(late, value,
                                                                                      guideline=guideline)]


@given(st.floats(min_value=6, max_value=120, allow_nan=False), st.floats(min_value=6, max_value=120,
       allow_nan=False), ph, st.sampled_from(["ELN2013", "ELN2009"]))
def test_a_fixed_ph_never_improves_with_time(a, b, value, guideline):
    early, late = (min(t, _last_window(guideline)) for t in sorted((a, b)))
    assert SEVERITY[classify(early, ph_pos_pct=value, guideline=guideline)] <= \
        SEVERITY[classify(late, ph_pos_pct=value, guideline=guideline)]


def _last_window(guideline: str) -> float:
    return timed_milestones(guideline)[-1] + WINDOW_AFTER


@given(st.floats(min_value=14, max_value=120, allow_nan=False),
       st.floats(min_value=1e-4, max_value=200, allow_nan=False), st.sampled_from(["ELN2020", "ELN2013"]))
def test_a_fixed_bcr_abl1_never_improves_after_the_last_milestone_in_the_timeline(late, value, guideline):
    import datetime as dt

    from cmltrack.clinical.timeline import assess

    start = dt.date(2010, 1, 1)
    visits = [dict(date=start + dt.timedelta(days=round(m * 30.4375)), bcr_abl1_is_pct=value) for m in (3, 6, 12, late)]
    rows = {a.milestone: a.category for a in assess(visits, start, guideline)}
    assert SEVERITY[rows["latest"]] >= SEVERITY[rows["12"]]
