"""Response categories, their depth order, and the cytogenetic and hematologic response rules.

Definitions: ELN 2009 (Baccarani, JCO 2009;27:6041, table 2) and ELN 2013 (Baccarani, Blood 2013;122:872, table 1).
"""

from __future__ import annotations

import math

#: Response codes stored in responses.kind, shallowest first (CDISC AVALC spellings, upper case).
RESPONSE_KINDS: tuple[str, ...] = ("CHR", "PCYR", "CCYR", "MMR", "MR4", "MR4.5", "MR5")
#: Losses of response (ELN: any criterion of the response no longer met) and progression of phase.
LOSS_KINDS: tuple[str, ...] = ("LOSS_CHR", "LOSS_CCYR", "LOSS_MMR")
PROGRESSION_KINDS: tuple[str, ...] = ("PROG_AP", "PROG_BP")
ALL_KINDS: tuple[str, ...] = RESPONSE_KINDS + LOSS_KINDS + PROGRESSION_KINDS

LABELS: dict[str, str] = {
    "CHR": "CHR",
    "PCYR": "PCyR",
    "CCYR": "CCyR",
    "MMR": "MMR",
    "MR4": "MR4",
    "MR4.5": "MR4.5",
    "MR5": "MR5",
    "LOSS_CHR": "Loss of CHR",
    "LOSS_CCYR": "Loss of CCyR",
    "LOSS_MMR": "Loss of MMR",
    "PROG_AP": "Progression to AP",
    "PROG_BP": "Progression to BP",
}

#: Best-response categories a cohort is filtered by, deepest first.
NO_RESPONSE = "none"
NOT_EVALUABLE = "not evaluable"
BEST_RESPONSE_ORDER: tuple[str, ...] = tuple(reversed(RESPONSE_KINDS)) + (NO_RESPONSE, NOT_EVALUABLE)
#: Accepted spellings of the same response (the abstract writes CCgR / PCgR).
SYNONYMS: dict[str, str] = {"CCGR": "CCYR", "PCGR": "PCYR", "MCYR": "PCYR", "MR3": "MMR", "MR3.0": "MMR"}


def normalise_kind(code: str) -> str:
    """Canonical response code for a spelling such as 'CCgR', 'ccyr' or 'MR3'."""
    key = code.strip().upper()
    key = SYNONYMS.get(key, key)
    if key not in ALL_KINDS:
        raise ValueError(f"code: unknown response {code!r}; expected one of {', '.join(ALL_KINDS)}")
    return key


def depth(kind: str) -> int:
    """Depth of a response: 1 for CHR up to 7 for MR5."""
    return RESPONSE_KINDS.index(normalise_kind(kind)) + 1


def best_response(kinds: list[str], evaluable: bool) -> str:
    """Deepest response among ``kinds`` (losses and progression ignored); 'none' or 'not evaluable' otherwise."""
    if not evaluable:
        return NOT_EVALUABLE
    reached = [normalise_kind(k) for k in kinds if normalise_kind(k) in RESPONSE_KINDS]
    return max(reached, key=depth) if reached else NO_RESPONSE


def _pct(name: str, value: float) -> float:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise ValueError(f"{name} is missing")
    if not 0 <= value <= 100:
        raise ValueError(f"{name} must be between 0 and 100, got {value}")
    return float(value)


def cytogenetic(ph_pos_pct: float, metaphases: int | None = None) -> str:
    """Cytogenetic response from the % of Ph+ marrow metaphases (ELN 2009 table 2).

    complete 0%; partial 1-35% (> 0 and <= 35); minor 36-65% (> 35 and <= 65); minimal 66-95% (> 65 and <= 95);
    none > 95%. Fewer than 20 metaphases examined: 'not evaluable'.
    """
    pct = _pct("ph_pos_pct", ph_pos_pct)
    if metaphases is not None:
        if metaphases < 0:
            raise ValueError(f"metaphases must be >= 0, got {metaphases}")
        if metaphases < 20:
            return NOT_EVALUABLE
    if pct == 0:
        return "CCyR"
    if pct <= 35:
        return "PCyR"
    if pct <= 65:
        return "minor"
    if pct <= 95:
        return "minimal"
    return NO_RESPONSE


def hematologic(wbc: float, platelets: float, basophils_pct: float, immature_cells: bool, spleen_cm: float) -> bool:
    """Complete hematologic response (ELN 2009 table 2): WBC < 10 x10^9/L, platelets < 450 x10^9/L,
    basophils < 5%, no immature granulocytes, spleen not palpable."""
    for name, value in (("wbc", wbc), ("platelets", platelets), ("spleen_cm", spleen_cm)):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            raise ValueError(f"{name} is missing")
        if value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
    baso = _pct("basophils_pct", basophils_pct)
    return wbc < 10 and platelets < 450 and baso < 5 and not immature_cells and spleen_cm == 0
