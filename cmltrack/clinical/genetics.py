"""BCR::ABL1 kinase-domain mutations and additional chromosome abnormalities (ACA): names and risk.

- Mutations are named by the protein change (T315I, F317L, E255K, ...), ``p.`` prefix and case ignored; a test that
  found none is 'NONE'. ELN counts any kinase-domain mutation found on a TKI as resistance ("mutations", ELN 2013,
  Baccarani, Blood 2013;122:872, table 5; "resistance mutations", ELN 2020, Hochhaus, Leukemia 2020;34:966,
  table 4). Which mutation resists which TKI (ELN 2020, text on mutation analysis) is not applied: every
  mutation found counts (README: open items).
- High-risk ACA (ELN 2020, Hochhaus 2020, text on baseline risk and table 4): +8, a second Ph (+Ph), i(17q), +19,
  -7/7q-, 11q23 and 3q26.2 rearrangements, and complex karyotypes. Other ACA in Ph+ cells are kept as 'other'.
- `status` tells what a patient's latest tests show at a date: the latest mutation test and the latest karyotype
  replace earlier ones (a later test that finds nothing clears an earlier finding).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

NONE = "NONE"
#: ACA codes cmltrack recognises (ELN 2020's high-risk list), with accepted spellings (lower case, spaces removed).
HIGH_RISK_ACA: dict[str, tuple[str, ...]] = {
    "+8": ("+8", "trisomy8"),
    "+Ph": ("+ph", "secondph", "doubleph", "+der(22)t(9;22)", "+der(22)", "2ndph"),
    "i(17q)": ("i(17q)", "i(17)(q10)", "isochromosome17q", "i(17)"),
    "+19": ("+19", "trisomy19"),
    "-7/7q-": ("-7", "7q-", "-7/7q-", "monosomy7", "del(7q)", "del(7)(q)"),
    "11q23": ("11q23", "t(11q23)", "kmt2a", "11q23rearrangement"),
    "3q26.2": ("3q26.2", "3q26", "inv(3)", "t(3;3)", "inv(3)(q21q26)", "3q26.2rearrangement"),
    "complex": ("complex", "complexkaryotype", "ck"),
}
_ACA_SPELLINGS = {s: code for code, spellings in HIGH_RISK_ACA.items() for s in spellings}
_NONE_WORDS = ("none", "nonedetected", "notdetected", "negative", "normal", "wildtype", "wt", "noaca", "noacadetected")
_MUTATION = re.compile(r"^(?:P\.)?([ACDEFGHIKLMNPQRSTVWY])(\d{2,4})([ACDEFGHIKLMNPQRSTVWY])$")


def normalise_mutation(text: str) -> str:
    """'T315I' from 'T315I', 'p.t315i'; 'NONE' from 'none detected', 'wild type'; ValueError otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"mutation: expected a protein change such as T315I or 'none detected', got {text!r}")
    key = re.sub(r"[\s_-]", "", text.strip().lower())
    if key in _NONE_WORDS:
        return NONE
    found = _MUTATION.match(text.strip().upper().replace(" ", ""))
    if not found:
        raise ValueError(f"mutation: expected a protein change such as T315I or 'none detected', got {text!r}")
    return "".join(found.groups())


def normalise_aca(text: str) -> str:
    """A karyotype finding in cmltrack's spelling: a high-risk code ('+8', 'i(17q)', ...), 'none', or the text."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"finding: expected an abnormality such as +8, i(17q), complex, or 'none', got {text!r}")
    key = re.sub(r"\s", "", text.strip().lower())
    if key in _NONE_WORDS:
        return "none"
    return _ACA_SPELLINGS.get(key, text.strip())


def is_high_risk_aca(finding: str) -> bool:
    """Whether a finding (as normalised) is a high-risk ACA of ELN 2020."""
    return finding in HIGH_RISK_ACA


@dataclass(frozen=True)
class Finding:
    """One result of a mutation test ('mutation') or of a karyotype ('karyotype'), normalised."""

    date: dt.date
    test: str
    value: str
    ph_positive: bool = True


@dataclass(frozen=True)
class Status:
    """What the latest tests up to a date show."""

    mutations: tuple[str, ...] = ()
    aca_high_risk: tuple[str, ...] = ()  # in Ph+ cells
    aca_other: tuple[str, ...] = ()  # in Ph+ cells
    aca_ph_negative: tuple[str, ...] = ()


def _latest(findings: list[Finding], test: str) -> list[Finding]:
    dates = [f.date for f in findings if f.test == test]
    return [f for f in findings if f.test == test and f.date == max(dates)] if dates else []


def status(findings: Iterable[Finding], until: dt.date, since: dt.date | None = None) -> Status:
    """The findings of the latest mutation test and of the latest karyotype dated from ``since`` to ``until``."""
    inside = [f for f in findings if f.date <= until and (since is None or f.date >= since)]
    mutations = tuple(sorted({f.value for f in _latest(inside, "mutation") if f.value != NONE}))
    karyotype = [f for f in _latest(inside, "karyotype") if f.value != "none"]
    return Status(
        mutations,
        tuple(sorted({f.value for f in karyotype if f.ph_positive and is_high_risk_aca(f.value)})),
        tuple(sorted({f.value for f in karyotype if f.ph_positive and not is_high_risk_aca(f.value)})),
        tuple(sorted({f.value for f in karyotype if not f.ph_positive})),
    )
