"""Survival and proportion statistics (pure numpy / scipy).

- Kaplan-Meier product-limit estimator (Kaplan EL, Meier P, JASA 1958;53:457) with Greenwood's variance and the
  log(-log) confidence interval (Kalbfleisch & Prentice 2002; lifelines' default, R's survfit conf.type="log-log").
  lifelines itself is not used: its releases require pandas < 3.
- Cumulative incidence with competing events (Aalen-Johansen; Kalbfleisch & Prentice 2002, ch. 8).
- Exact (Clopper-Pearson) binomial confidence interval (Clopper CJ, Pearson ES, Biometrika 1934;26:404).
- Exact Poisson confidence interval for a rate (Garwood F, Biometrika 1936;28:437).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps


def kaplan_meier(durations: Sequence[float], events: Sequence[bool], alpha: float = 0.05) -> pd.DataFrame:
    """Survival at each distinct event time: columns time, at_risk, events, censored, survival, lower, upper.

    Row 0 is time 0 (survival 1). ``events`` is True for an event, False for a censored time.
    """
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    if t.shape != e.shape:
        raise ValueError("durations and events must have the same length")
    if len(t) and (np.isnan(t).any() or (t < 0).any()):
        raise ValueError("durations must be >= 0 and not missing")
    z = sps.norm.ppf(1 - alpha / 2)
    rows = [(0.0, len(t), 0, 0, 1.0, 1.0, 1.0)]
    survival, greenwood = 1.0, 0.0
    for time in np.unique(t):
        at_risk = int((t >= time).sum())
        d = int(((t == time) & e).sum())
        c = int(((t == time) & ~e).sum())
        if d:
            survival *= 1 - d / at_risk
            greenwood += d / (at_risk * (at_risk - d)) if at_risk > d else math.inf
        lower, upper = _loglog_ci(survival, greenwood, z)
        rows.append((float(time), at_risk, d, c, survival, lower, upper))
    return pd.DataFrame(rows, columns=["time", "at_risk", "events", "censored", "survival", "lower", "upper"])


def _loglog_ci(s: float, greenwood: float, z: float) -> tuple[float, float]:
    if s <= 0 or s >= 1 or not math.isfinite(greenwood):
        return (s, s) if s >= 1 else (0.0, 0.0) if s <= 0 else (math.nan, math.nan)
    se = math.sqrt(greenwood) / abs(math.log(s))
    lo, hi = s ** math.exp(z * se), s ** math.exp(-z * se)
    return lo, hi


def cumulative_incidence(durations: Sequence[float], events: Sequence[int]) -> pd.DataFrame:
    """Cumulative incidence of event 1 when event 2 competes (0 = censored): columns time, at_risk, events,
    competing, censored, incidence. CIF(t) = sum over event times t_j <= t of S(t_j-) d1_j / n_j, where S is the
    Kaplan-Meier estimate of remaining free of either event."""
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=int)
    if t.shape != e.shape:
        raise ValueError("durations and events must have the same length")
    if len(t) and (np.isnan(t).any() or (t < 0).any() or not np.isin(e, (0, 1, 2)).all()):
        raise ValueError("durations must be >= 0 and events 0, 1 or 2")
    rows = [(0.0, len(t), 0, 0, 0, 0.0)]
    free, incidence = 1.0, 0.0
    for time in np.unique(t):
        at_risk = int((t >= time).sum())
        d1, d2 = int(((t == time) & (e == 1)).sum()), int(((t == time) & (e == 2)).sum())
        c = int(((t == time) & (e == 0)).sum())
        incidence += free * d1 / at_risk
        free *= 1 - (d1 + d2) / at_risk
        rows.append((float(time), at_risk, d1, d2, c, incidence))
    return pd.DataFrame(rows, columns=["time", "at_risk", "events", "competing", "censored", "incidence"])


def at_risk_at(durations: Sequence[float], times: Sequence[float]) -> list[int]:
    """Number still at risk (duration >= time) at each of ``times``, for the table under a KM plot."""
    t = np.asarray(durations, dtype=float)
    return [int((t >= x).sum()) for x in times]


def clopper_pearson(k: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact two-sided confidence interval of a proportion k/n."""
    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"k must be between 0 and n, and n > 0; got k={k}, n={n}")
    lower = 0.0 if k == 0 else float(sps.beta.ppf(alpha / 2, k, n - k + 1))
    upper = 1.0 if k == n else float(sps.beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lower, upper


def poisson_rate_ci(events: int, exposure: float, alpha: float = 0.05) -> tuple[float, float]:
    """Exact confidence interval of a rate (events per unit of exposure)."""
    if exposure <= 0 or events < 0:
        raise ValueError(f"exposure must be > 0 and events >= 0; got {events}, {exposure}")
    lower = 0.0 if events == 0 else float(sps.chi2.ppf(alpha / 2, 2 * events) / 2)
    upper = float(sps.chi2.ppf(1 - alpha / 2, 2 * events + 2) / 2)
    return lower / exposure, upper / exposure
