"""Prognostic scores at diagnosis and their risk groups.

Inputs: age in years; spleen in cm below the costal margin; platelets x10^9/L; peripheral blood blasts, eosinophils and
basophils in %.
- Sokal: Sokal JE et al., Blood 1984;63:789-799. exp(0.0116 (age - 43.4) + 0.0345 (spleen - 7.51)
  + 0.188 ((platelets / 700)^2 - 0.563) + 0.0887 (blasts - 2.10)); low < 0.8, intermediate 0.8-1.2, high > 1.2.
- Hasford (Euro): Hasford J et al., J Natl Cancer Inst 1998;90:850-858. 1000 x (0.6666 [age >= 50] + 0.0420 spleen
  + 0.0584 blasts + 0.0413 eosinophils + 0.2039 [basophils >= 3%] + 1.0956 [platelets >= 1500]);
  low <= 780, intermediate 781-1480, high > 1480.
- EUTOS: Hasford J et al., Blood 2011;118:686-692. 7 x basophils + 4 x spleen; high > 87 (87 itself is low).
- ELTS: Pfirrmann M et al., Leukemia 2016;30:48-56. 0.0025 (age / 10)^3 + 0.0615 spleen + 0.1052 blasts
  + 0.4104 (platelets / 1000)^-0.5; low <= 1.5680, intermediate > 1.5680 and <= 2.2185, high > 2.2185.

A score is compared with its cut-offs at the precision its paper publishes (rounded half up): Hasford and EUTOS as
whole numbers (Hasford's groups are "<= 780" and "781-1480", EUTOS's cut-off is 87), ELTS to 4 decimals (1.5680,
2.2185), Sokal to 2 decimals (cut-offs 0.8 and 1.2; the decimals are cmltrack's reading). So EUTOS 87 + 1e-14 is 87,
low, and Hasford 1480.4 is 1480, intermediate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from cmltrack.clinical.validate import number

SCORES: tuple[str, ...] = ("sokal", "hasford", "eutos", "elts")


@dataclass(frozen=True)
class Cutoffs:
    """A score's paper and risk groups: upper bound of the low group and of the intermediate group (None: no
    intermediate group), each with whether a value equal to the bound belongs to the lower group; the precision the
    paper publishes the score at. Help texts are generated from these fields (`groups_text`, `describe`)."""

    name: str
    citation: str
    formula: str
    low: float
    low_inclusive: bool
    intermediate: float | None
    intermediate_inclusive: bool
    decimals: int  # the precision the paper publishes the score at

    def _bound(self, value: float) -> str:
        return f"{value:,.{self.decimals}f}"

    def groups_text(self) -> str:
        """The risk groups in words, from the cut-offs: 'low < 0.80; intermediate >= 0.80 and <= 1.20; high > 1.20'."""
        low = f"low {'<=' if self.low_inclusive else '<'} {self._bound(self.low)}"
        above_low = f"{'>' if self.low_inclusive else '>='} {self._bound(self.low)}"
        if self.intermediate is None:
            return f"{low}; high {above_low}"
        top = self._bound(self.intermediate)
        return (f"{low}; intermediate {above_low} and {'<=' if self.intermediate_inclusive else '<'} {top}; "
                f"high {'>' if self.intermediate_inclusive else '>='} {top}")

    def describe(self) -> str:
        """Paper, formula and risk groups in one line (a help text)."""
        return f"{self.name}: {self.citation}; {self.formula}; {self.groups_text()}"


CUTOFFS: dict[str, Cutoffs] = {
    "sokal": Cutoffs("Sokal", "Sokal JE et al., Blood 1984;63:789-799",
                     "exp(0.0116 (age - 43.4) + 0.0345 (spleen - 7.51) + 0.188 ((platelets / 700)^2 - 0.563) "
                     "+ 0.0887 (blasts - 2.10))", 0.8, False, 1.2, True, 2),
    "hasford": Cutoffs("Hasford", "Hasford J et al., J Natl Cancer Inst 1998;90:850-858",
                       "1000 x (0.6666 [age >= 50] + 0.0420 spleen + 0.0584 blasts + 0.0413 eosinophils "
                       "+ 0.2039 [basophils >= 3%] + 1.0956 [platelets >= 1500])", 780.0, True, 1480.0, True, 0),
    "eutos": Cutoffs("EUTOS", "Hasford J et al., Blood 2011;118:686-692", "7 x basophils % + 4 x spleen cm",
                     87.0, True, None, True, 0),
    "elts": Cutoffs("ELTS", "Pfirrmann M et al., Leukemia 2016;30:48-56",
                    "0.0025 (age / 10)^3 + 0.0615 spleen + 0.1052 blasts + 0.4104 (platelets / 1000)^-0.5",
                    1.5680, True, 2.2185, True, 4),
}


def published(score: str, value: float) -> float:
    """``value`` rounded half up to the decimals the score's paper publishes (see the module docstring)."""
    places = CUTOFFS[score.lower()].decimals
    return float(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _below(value: float, bound: float, inclusive: bool) -> bool:
    return value <= bound if inclusive else value < bound


def _check(name: str, value: float, upper: float | None = None, positive: bool = False) -> float:
    return number(name, value, upper=upper, positive=positive)


def sokal(age: float, spleen_cm: float, platelets: float, blasts_pct: float) -> float:
    """Sokal relative risk (Sokal 1984)."""
    age = _check("age", age)
    spleen = _check("spleen_cm", spleen_cm)
    plt = _check("platelets", platelets)
    blasts = _check("blasts_pct", blasts_pct, 100)
    return math.exp(0.0116 * (age - 43.4) + 0.0345 * (spleen - 7.51)
                    + 0.188 * ((plt / 700.0) ** 2 - 0.563) + 0.0887 * (blasts - 2.10))


def hasford(age: float, spleen_cm: float, platelets: float, blasts_pct: float, eosinophils_pct: float,
            basophils_pct: float) -> float:
    """Hasford (Euro) score (Hasford 1998)."""
    age = _check("age", age)
    spleen = _check("spleen_cm", spleen_cm)
    plt = _check("platelets", platelets)
    blasts = _check("blasts_pct", blasts_pct, 100)
    eos = _check("eosinophils_pct", eosinophils_pct, 100)
    baso = _check("basophils_pct", basophils_pct, 100)
    return 1000.0 * (0.6666 * (age >= 50) + 0.0420 * spleen + 0.0584 * blasts + 0.0413 * eos
                     + 0.2039 * (baso >= 3) + 1.0956 * (plt >= 1500))


def eutos(basophils_pct: float, spleen_cm: float) -> float:
    """EUTOS score (Hasford 2011): 7 x basophils (%) + 4 x spleen (cm below costal margin)."""
    return 7.0 * _check("basophils_pct", basophils_pct, 100.0) + 4.0 * _check("spleen_cm", spleen_cm)


def elts(age: float, spleen_cm: float, platelets: float, blasts_pct: float) -> float:
    """EUTOS long-term survival score (Pfirrmann 2016)."""
    age = _check("age", age)
    spleen = _check("spleen_cm", spleen_cm)
    plt = _check("platelets", platelets, positive=True)
    blasts = _check("blasts_pct", blasts_pct, 100)
    return 0.0025 * (age / 10.0) ** 3 + 0.0615 * spleen + 0.1052 * blasts + 0.4104 * (plt / 1000.0) ** -0.5


def risk_group(score: str, value: float) -> str:
    """Risk group ('low' | 'intermediate' | 'high') of a score value; ``score`` names the score (e.g. 'eutos')."""
    key = score.lower()
    if key not in CUTOFFS:
        raise ValueError(f"score must be one of {list(SCORES)}, got {score!r}")
    c = CUTOFFS[key]
    value = published(key, _check("value", value, upper=float("inf")))
    if _below(value, c.low, c.low_inclusive):
        return "low"
    if c.intermediate is not None and _below(value, c.intermediate, c.intermediate_inclusive):
        return "intermediate"
    return "high"
