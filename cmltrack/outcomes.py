"""The source abstract's figures, recomputed from cohort rows (pure pandas).

Printed values: ASH 2012 abstract, Blood 2012;120(21):1689 (see shared DOMAIN.md). Where the abstract's own arithmetic
is off (EUTOS high 16/21 printed as 79%; global response 10/13 = 76.9% printed as 76%), the exact fraction is kept
beside the printed number.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cmltrack.clinical.responses import RESPONSE_KINDS, depth

#: What the abstract prints, by figure name.
PRINTED: dict[str, float] = {
    "patients": 21, "female": 11, "resistant": 13, "intolerant": 8, "age_mean": 44, "age_sd": 11,
    "eutos_high": 16, "eutos_high_pct": 79, "im_months_mean": 47.8, "im_months_sd": 31, "thal_dose_mg": 100,
    "followup_mean": 5, "followup_min": 1, "followup_max": 18, "evaluable": 13, "hematologic_responses": 6,
    "ccgr": 4, "global_response_pct": 76, "grade3plus_events": 0,
}
#: Printed figures that no data can reproduce, with the exact fraction.
KNOWN_DISCREPANCIES: dict[str, str] = {
    "eutos_high_pct": "16/21 = 76.2%, printed as 79%",
    "global_response_pct": "(6 + 4)/13 = 76.9%, printed as 76%",
}


@dataclass(frozen=True)
class Figure:
    """One recomputed figure beside the printed one."""

    name: str
    value: float
    printed: float
    decimals: int

    @property
    def matches(self) -> bool:
        """True when the recomputed value, rounded as printed, equals the printed value."""
        return round(self.value, self.decimals) == self.printed


def abstract_figures(lanes: pd.DataFrame, treatments: pd.DataFrame, adverse_events: pd.DataFrame) -> list[Figure]:
    """Recompute each printed figure from cohort lanes (patients + summary), treatment segments and AEs."""
    evaluable = lanes[lanes["evaluable"]]
    best_depth = evaluable["best_response"].map(lambda b: depth(b) if b in RESPONSE_KINDS else 0)
    hematologic = int((best_depth == depth("CHR")).sum())  # best response hematologic only
    ccgr = int((best_depth >= depth("CCYR")).sum())
    thal = treatments[treatments["drug"] == "thalidomide"]
    n = len(lanes)
    values = [
        ("patients", n, 0), ("female", int((lanes["sex"] == "F").sum()), 0),
        ("resistant", int((lanes["im_status"] == "resistant").sum()), 0),
        ("intolerant", int((lanes["im_status"] == "intolerant").sum()), 0),
        ("age_mean", lanes["age_years"].astype(float).mean(), 0), ("age_sd", lanes["age_years"].astype(float).std(), 0),
        ("eutos_high", int((lanes["eutos_group"] == "high").sum()), 0),
        ("eutos_high_pct", 100 * (lanes["eutos_group"] == "high").sum() / n if n else float("nan"), 0),
        ("im_months_mean", lanes["months_im_before_thal"].mean(), 1),
        ("im_months_sd", lanes["months_im_before_thal"].std(), 0),
        ("thal_dose_mg", float(thal["dose_mg"].median()) if len(thal) else float("nan"), 0),
        ("followup_mean", lanes["followup_months"].mean(), 0),
        ("followup_min", lanes["followup_months"].min(), 0), ("followup_max", lanes["followup_months"].max(), 0),
        ("evaluable", len(evaluable), 0), ("hematologic_responses", hematologic, 0), ("ccgr", ccgr, 0),
        ("global_response_pct", 100 * (hematologic + ccgr) / len(evaluable) if len(evaluable) else float("nan"), 0),
        ("grade3plus_events", int((adverse_events["ctcae_grade"] >= 3).sum()), 0),
    ]
    return [Figure(name, float(value), PRINTED[name], decimals) for name, value, decimals in values]
