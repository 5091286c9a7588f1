"""Kaplan-Meier and exact intervals against hand-computed and published values."""

from __future__ import annotations

import math

import pytest

from cmltrack.analysis.stats import (
    at_risk_at,
    clopper_pearson,
    cumulative_incidence,
    kaplan_meier,
    poisson_rate_ci,
)


def test_kaplan_meier_hand_computed():
    # times 1, 2, 2+, 3, 4+, 5 (+ censored): S(1) = 5/6; S(2) = 5/6 * 4/5 = 2/3 (the censored 2 leaves after);
    # S(3) = 2/3 * 2/3 = 4/9; S(5) = 4/9 * 0/1 = 0
    km = kaplan_meier([1, 2, 2, 3, 4, 5], [True, True, False, True, False, True])
    assert km["time"].tolist() == [0, 1, 2, 3, 4, 5]
    assert km["at_risk"].tolist() == [6, 6, 5, 3, 2, 1]
    assert km["survival"].tolist() == pytest.approx([1, 5 / 6, 2 / 3, 4 / 9, 4 / 9, 0])
    # Greenwood at t=2: sum d/(n(n-d)) = 1/30 + 1/20 = 1/12; log(-log) interval
    s = 2 / 3
    se = math.sqrt(1 / 12) / abs(math.log(s))
    assert km.loc[2, "lower"] == pytest.approx(s ** math.exp(1.959964 * se), rel=1e-5)
    assert km.loc[2, "upper"] == pytest.approx(s ** math.exp(-1.959964 * se), rel=1e-5)
    # by hand: se = sqrt(1/12) / |ln 2/3| = 0.71196; lower = (2/3) ** exp(1.96 * 0.71196) = 0.1946
    assert km.loc[2, "lower"] == pytest.approx(0.1946, abs=1e-4)
    assert at_risk_at([1, 2, 2, 3, 4, 5], [0, 2, 4, 6]) == [6, 5, 2, 0]


def test_kaplan_meier_all_censored_and_errors():
    km = kaplan_meier([3, 5], [False, False])
    assert km["survival"].tolist() == [1, 1, 1]
    with pytest.raises(ValueError, match="durations"):
        kaplan_meier([-1], [True])


@pytest.mark.parametrize("k, n, lower, upper", [
    (10, 13, 0.4619, 0.9496),  # R: binom.test(10, 13)$conf.int (the abstract's global response)
    (4, 13, 0.0909, 0.6143),   # binom.test(4, 13): CCgR
    (0, 10, 0.0, 0.3085),      # binom.test(0, 10)
    (21, 21, 0.8389, 1.0),     # binom.test(21, 21)
])
def test_clopper_pearson_matches_published_values(k, n, lower, upper):
    lo, hi = clopper_pearson(k, n)
    assert (lo, hi) == (pytest.approx(lower, abs=1e-4), pytest.approx(upper, abs=1e-4))


def test_poisson_rate_interval():
    # 3 events in 100 patient-months: exact 95% CI of the count 0.6187-8.7673 (Garwood)
    lo, hi = poisson_rate_ci(3, 100.0)
    assert (lo * 100, hi * 100) == (pytest.approx(0.6187, abs=1e-3), pytest.approx(8.7673, abs=1e-3))
    with pytest.raises(ValueError):
        clopper_pearson(3, 2)


def test_cumulative_incidence_hand_computed():
    # t=1 event (n=4): CIF 1/4, free 3/4; t=2 competing (n=3): free 1/2; t=3 event (n=2): CIF 1/4 + 1/2 * 1/2
    cif = cumulative_incidence([1, 2, 3, 4], [1, 2, 1, 0])
    assert cif["incidence"].tolist() == pytest.approx([0, 0.25, 0.25, 0.5, 0.5])
    assert cif["competing"].tolist() == [0, 0, 1, 0, 0]
    # without competing events it equals 1 - Kaplan-Meier
    plain = cumulative_incidence([1, 2, 2, 3, 4, 5], [1, 1, 0, 1, 0, 1])
    km = kaplan_meier([1, 2, 2, 3, 4, 5], [True, True, False, True, False, True])
    assert plain["incidence"].tolist() == pytest.approx((1 - km["survival"]).tolist())
    with pytest.raises(ValueError, match="events"):
        cumulative_incidence([1], [3])
