"""Prognostic scores: worked examples and every risk-group boundary (inclusivity as the papers state it)."""

from __future__ import annotations

import pytest

from cmltrack.clinical.scores import CUTOFFS, elts, eutos, hasford, risk_group, sokal


@pytest.mark.parametrize("args, value, group", [
    # (age, spleen cm, platelets x10^9/L, blasts %): reference values of a published open-source implementation's
    # test suite, recomputed by hand from Sokal 1984's formula
    ((32, 0, 280, 1), 0.5685, "low"),
    ((47, 8, 600, 3), 1.1862, "intermediate"),
    ((68, 20, 950, 8), 4.3930, "high"),
    ((25, 0, 200, 0), 0.4727, "low"),
    ((55, 12, 1800, 5), 5.3868, "high"),
])
def test_sokal_worked_examples(args, value, group):
    assert sokal(*args) == pytest.approx(value, abs=5e-5)
    assert risk_group("sokal", sokal(*args)) == group


def test_sokal_is_one_at_its_centring_values():
    # every term is zero at age 43.4, spleen 7.51, blasts 2.10 and (platelets/700)^2 = 0.563
    assert sokal(43.4, 7.51, 700 * 0.563 ** 0.5, 2.10) == pytest.approx(1.0)


@pytest.mark.parametrize("args, value, group", [
    # (age, spleen, platelets, blasts, eosinophils, basophils); worked by hand:
    # 1000 x (0.6666 + 0.042*5 + 0.0584*2 + 0.0413*3 + 0.2039) = 1321.2
    ((55, 5, 400, 2, 3, 4), 1321.2, "intermediate"),
    # 1000 x (0.0584*1 + 0.0413*2) = 141.0
    ((40, 0, 300, 1, 2, 1), 141.0, "low"),
    # every indicator at its threshold counts (>=): 1000 x (0.6666 + 0.42 + 0.292 + 0.2065 + 0.2039 + 1.0956)
    ((50, 10, 1500, 5, 5, 3), 2884.6, "high"),
    ((49.9, 10, 1499, 5, 5, 2.9), 918.5, "intermediate"),
])
def test_hasford_worked_examples(args, value, group):
    assert hasford(*args) == pytest.approx(value, abs=0.05)
    assert risk_group("hasford", hasford(*args)) == group


@pytest.mark.parametrize("args, value, group", [
    ((45, 0, 350, 1), 1.0267, "low"),  # published worked example (secondary source), recomputed
    ((60, 10, 200, 3), 2.3883, "high"),  # by hand: 0.54 + 0.615 + 0.3156 + 0.4104 * 5**0.5
    ((70, 15, 100, 5), 3.6038, "high"),
])
def test_elts_worked_examples(args, value, group):
    assert elts(*args) == pytest.approx(value, abs=5e-5)
    assert risk_group("elts", elts(*args)) == group


def test_eutos_worked_example():
    assert eutos(5, 15) == 95 and risk_group("eutos", 95) == "high"  # DOMAIN.md / eutos.org example


@pytest.mark.parametrize("score, value, group", [
    # compared at the precision each paper publishes (Sokal 2 decimals, Hasford and EUTOS whole numbers, ELTS 4)
    ("sokal", 0.79, "low"), ("sokal", 0.7949, "low"), ("sokal", 0.795, "intermediate"), ("sokal", 0.8, "intermediate"),
    ("sokal", 1.2, "intermediate"), ("sokal", 1.2049, "intermediate"), ("sokal", 1.21, "high"),
    ("hasford", 780, "low"), ("hasford", 780.49, "low"), ("hasford", 781, "intermediate"),
    ("hasford", 1480, "intermediate"), ("hasford", 1480.49, "intermediate"), ("hasford", 1481, "high"),
    ("eutos", 87, "low"), ("eutos", 88, "high"),
    ("elts", 1.5680, "low"), ("elts", 1.5681, "intermediate"), ("elts", 2.2185, "intermediate"),
    ("elts", 2.2186, "high"),
])
def test_risk_group_boundaries(score, value, group):
    assert risk_group(score, value) == group


def test_every_score_cites_its_paper():
    assert all(c.citation.split()[0].lower() in ("sokal", "hasford", "pfirrmann") for c in CUTOFFS.values())


@pytest.mark.parametrize("call, name", [
    (lambda: sokal(-1, 0, 300, 1), "age"), (lambda: sokal(40, -1, 300, 1), "spleen_cm"),
    (lambda: sokal(40, 0, None, 1), "platelets"), (lambda: sokal(40, 0, 300, 101), "blasts_pct"),
    (lambda: hasford(40, 0, 300, 1, 150, 1), "eosinophils_pct"), (lambda: hasford(40, 0, 300, 1, 1, -2),
                                                                   "basophils_pct"),
    (lambda: elts(40, 0, 0, 1), "platelets"), (lambda: elts(40, 0, 300, float("nan")), "blasts_pct"),
    (lambda: eutos(5, None), "spleen_cm"), (lambda: risk_group("sokal", -0.1), "value"),
    (lambda: risk_group("gratwohl", 1), "score"),
    (lambda: sokal(True, 0, 300, 1), "age"), (lambda: sokal("40", 0, 300, 1), "age"),
    (lambda: sokal(40, float("inf"), 300, 1), "spleen_cm"), (lambda: sokal(40, 0, 1e6, 1), "platelets"),
    (lambda: risk_group("elts", float("inf")), "value"), (lambda: eutos(5, 45), "spleen_cm"),
])
def test_invalid_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
