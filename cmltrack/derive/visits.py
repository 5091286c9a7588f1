"""Every visit of a labs table classified at once (numpy): clinical.visits.classify_visit for a whole table.

The thresholds are imported from the clinical rules (responses.py, phase.py, validate.py, visits.py);
tests/unit/test_visit_classes.py checks that each row is classified as classify_visit classifies it alone,
boundaries and refused values included. A value the rules refuse raises the scalar rule's own ValueError.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cmltrack.clinical.phase import BASOPHILS_AP_FROM, BLASTS, BLASTS_PROMYELOCYTES_AP_ABOVE
from cmltrack.clinical.responses import (
    CHR_BASOPHILS_BELOW,
    CHR_PLATELETS_BELOW,
    CHR_WBC_BELOW,
    CYTOGENETIC_BANDS,
    FISH_CCYR_BELOW,
    FISH_MIN_NUCLEI,
    MIN_METAPHASES,
    MOLECULAR_DEPTHS,
    NO_RESPONSE,
)
from cmltrack.clinical.validate import LIMITS
from cmltrack.clinical.visits import COLUMNS, MIN_COPIES_UNDETECTABLE, classify_visit, lab_value


def _column(labs: pd.DataFrame, name: str) -> np.ndarray:
    """A labs column as floats, NaN where missing (as lab_value reads one value)."""
    if name not in labs:
        return np.full(len(labs), np.nan)
    values = labs[name]
    if values.dtype == object:
        return np.array([np.nan if (f := lab_value(x)) is None else f for x in values], dtype=float)
    if values.dtype == bool:
        return np.full(len(labs), np.nan)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _within(x: np.ndarray, upper: float) -> np.ndarray:
    """Values validate.number accepts: >= 0, <= upper (so finite)."""
    return (x >= 0) & (x <= upper)


def _choose(conditions: list[np.ndarray], choices: list[str | None], n: int) -> np.ndarray:
    out = np.full(n, None, dtype=object)
    done = np.zeros(n, dtype=bool)
    for condition, choice in zip(conditions, choices):
        pick = condition & ~done
        out[pick] = choice
        done |= condition
    return out


def classify_visits(labs: pd.DataFrame) -> pd.DataFrame:
    """Every row of ``labs`` classified: columns chr (True/False/None), ph_positive, cyto, ph_value (NaN: none), bcr
    (NaN: none), depth and phase, on the index of ``labs``. Raises the scalar rule's ValueError for the first row
    with a value the rules refuse."""
    n = len(labs)
    col = {name: _column(labs, name) for name in COLUMNS}
    known = {name: ~np.isnan(x) for name, x in col.items()}
    bad = np.zeros(n, dtype=bool)

    # CHR (responses.hematologic)
    wbc, plt, baso, spleen = col["wbc"], col["platelets"], col["basophils_pct"], col["spleen_cm"]
    counted = known["wbc"] & known["platelets"] & known["basophils_pct"] & known["spleen_cm"] \
        & known["immature_granulocytes_pct"]
    bad |= counted & ~(_within(wbc, LIMITS["wbc"]) & _within(plt, LIMITS["platelets"])
                       & _within(spleen, LIMITS["spleen_cm"]) & _within(baso, 100.0))
    immature = (col["immature_granulocytes_pct"] > 0) | (np.nan_to_num(col["blasts_pct"], nan=0.0) > 0)
    chr_yes = (wbc < CHR_WBC_BELOW) & (plt < CHR_PLATELETS_BELOW) & (baso < CHR_BASOPHILS_BELOW) & ~immature \
        & (spleen == 0)
    chr_ = np.full(n, None, dtype=object)
    chr_[counted & chr_yes] = True  # Python booleans, as the scalar rule gives
    chr_[counted & ~chr_yes] = False

    # Marrow and FISH (responses.cytogenetic)
    ph, fish = col["ph_pos_pct"], col["fish_pct"]
    metaphases = np.trunc(col["metaphases"])
    nuclei = np.trunc(col["fish_nuclei"])
    evaluable = known["ph_pos_pct"] & known["metaphases"] & (metaphases >= MIN_METAPHASES)
    bad |= evaluable & ~_within(ph, 100.0)
    read = evaluable | known["fish_pct"]
    bad |= read & known["fish_pct"] & ~_within(fish, 100.0)
    bad |= read & known["fish_nuclei"] & (nuclei < 0)
    bands = [evaluable & (ph <= upper) for upper, _ in CYTOGENETIC_BANDS]
    fish_ccyr = ~evaluable & known["fish_pct"] & known["fish_nuclei"] & (nuclei >= FISH_MIN_NUCLEI) \
        & (fish < FISH_CCYR_BELOW)
    cyto = _choose([*bands, evaluable, fish_ccyr], [c for _, c in CYTOGENETIC_BANDS] + [NO_RESPONSE, "CCyR"], n)
    ph_value = np.where(evaluable, ph, np.where(fish_ccyr, 0.0, np.nan))

    # Molecular (responses.molecular)
    bcr, copies = col["bcr_abl1_is_pct"], col["abl1_copies"]
    undetectable = bcr == 0
    measured = known["bcr_abl1_is_pct"] & ~(undetectable & ~(copies >= MIN_COPIES_UNDETECTABLE))
    bad |= measured & ~_within(bcr, LIMITS["bcr_abl1_is_pct"])
    bad |= measured & known["abl1_copies"] & (np.trunc(copies) < 0)
    whole = np.trunc(copies)
    depth = _choose([measured & undetectable & (whole >= c) for _, _, c in MOLECULAR_DEPTHS[:3]]
                    + [measured & ~undetectable & (bcr <= b) for _, b, _ in MOLECULAR_DEPTHS],
                    [name for name, _, _ in MOLECULAR_DEPTHS[:3]] + [name for name, _, _ in MOLECULAR_DEPTHS], n)

    # Phase on therapy (phase.phase, ELN rules, platelets not assessed)
    blasts = col["blasts_pct"]
    summed = np.minimum(blasts + col["promyelocytes_pct"], 100.0)
    has_sum = known["blasts_pct"] & known["promyelocytes_pct"]
    bad |= known["blasts_pct"] & ~_within(blasts, 100.0)
    bad |= known["basophils_pct"] & ~_within(baso, 100.0)
    bad |= has_sum & ~(summed >= 0)
    blast_from, accelerated_from = BLASTS["ELN"]
    accelerated = (blasts >= accelerated_from) | (baso >= BASOPHILS_AP_FROM) \
        | (has_sum & (summed > BLASTS_PROMYELOCYTES_AP_ABOVE))
    phase_ = _choose([blasts >= blast_from, accelerated, known["blasts_pct"] & known["basophils_pct"]],
                     ["BP", "AP", "CP"], n)

    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        classify_visit({"date": None, **{c: labs[c].iloc[first] for c in COLUMNS if c in labs}})
        raise ValueError(f"labs row {first}: a value the response rules refuse")  # not reached: the rule raised
    def objects(values: np.ndarray) -> pd.Series:  # None for missing, as the scalar rules give
        return pd.Series(values, index=labs.index, dtype=object)

    return pd.DataFrame({"chr": objects(chr_), "ph_positive": known["ph_pos_pct"] & (ph > 0), "cyto": objects(cyto),
                         "ph_value": ph_value, "bcr": np.where(measured, bcr, np.nan), "depth": objects(depth),
                         "phase": objects(phase_)}, index=labs.index)
