"""Response categories, their depth order, and the cytogenetic and hematologic response rules.

Definitions: ELN 2009 (Baccarani, JCO 2009;27:6041, table 2) and ELN 2013 (Baccarani, Blood 2013;122:872, table 1).
"""

from __future__ import annotations

from cmltrack.clinical.validate import count, flag, number, percent

#: Response codes stored in responses.kind, shallowest first (CDISC AVALC spellings, upper case).
RESPONSE_KINDS: tuple[str, ...] = ("CHR", "PCYR", "CCYR", "MMR", "MR4", "MR4.5", "MR5")
#: Losses of response (ELN: any criterion of the response no longer met) and progression of phase.
LOSS_KINDS: tuple[str, ...] = ("LOSS_CHR", "LOSS_CCYR", "LOSS_MMR")
PROGRESSION_KINDS: tuple[str, ...] = ("PROG_AP", "PROG_BP")
#: Solid-tumour overall response (RECIST 1.1, Eisenhauer, Eur J Cancer 2009;45:228) as delivered by trial datasets:
#: complete and partial response and progressive disease are stored; SD, NE and NON-CR/NON-PD are not milestones.
RECIST_KINDS: tuple[str, ...] = ("CR", "PR", "PD")
ALL_KINDS: tuple[str, ...] = RESPONSE_KINDS + LOSS_KINDS + PROGRESSION_KINDS + RECIST_KINDS

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
    "CR": "CR (RECIST)",
    "PR": "PR (RECIST)",
    "PD": "PD (RECIST)",
}

#: Which kind of test shows each event: a patient's labs can only replace recorded events of a family they measure.
FAMILY: dict[str, str] = {
    "CHR": "hematologic", "LOSS_CHR": "hematologic",
    "PCYR": "cytogenetic", "CCYR": "cytogenetic", "LOSS_CCYR": "cytogenetic",
    "MMR": "molecular", "MR4": "molecular", "MR4.5": "molecular", "MR5": "molecular", "LOSS_MMR": "molecular",
    "PROG_AP": "phase", "PROG_BP": "phase",
    "CR": "recist", "PR": "recist", "PD": "recist",
}
#: The families a patient's labs can measure (RECIST responses are only ever recorded).
FAMILIES: tuple[str, ...] = ("hematologic", "cytogenetic", "molecular", "phase")

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


_pct = percent


#: Interphase FISH (ELN 2013, Baccarani, Blood 2013;122:872, table 1 footnote; ELN 2009 table 2): complete
#: cytogenetic response is < 1% BCR::ABL1-positive nuclei of at least 200 nuclei counted.
FISH_MIN_NUCLEI = 200
FISH_CCYR_BELOW = 1.0
#: A marrow is evaluable for cytogenetic response with at least this many metaphases (ELN 2009 table 2).
MIN_METAPHASES = 20
#: Cytogenetic response by the % of Ph+ metaphases (ELN 2009 table 2): (upper bound, inclusive, category), in order;
#: above the last bound: no response.
CYTOGENETIC_BANDS: tuple[tuple[float, str], ...] = ((0.0, "CCyR"), (35.0, "PCyR"), (65.0, "minor"), (95.0, "minimal"))
#: Complete hematologic response (ELN 2009 table 2): WBC, platelets (x10^9/L) and basophils (%) below these.
CHR_WBC_BELOW, CHR_PLATELETS_BELOW, CHR_BASOPHILS_BELOW = 10.0, 450.0, 5.0


def cytogenetic(ph_pos_pct: float | None, metaphases: int | None = None, fish_pct: float | None = None,
                fish_nuclei: int | None = None) -> str:
    """Cytogenetic response from the % of Ph+ marrow metaphases (ELN 2009 table 2), or CCyR by interphase FISH.

    Metaphases: complete 0%; partial 1-35% (> 0 and <= 35); minor 36-65% (> 35 and <= 65); minimal 66-95%
    (> 65 and <= 95); none > 95%; fewer than 20 metaphases examined: 'not evaluable'. An evaluable marrow decides.
    Otherwise FISH shows CCyR when < 1% of >= 200 nuclei are BCR::ABL1-positive; FISH cannot grade a partial
    response, so a FISH result >= 1% (or of fewer than 200 nuclei) is 'not evaluable'.
    """
    pct = None if ph_pos_pct is None else _pct("ph_pos_pct", ph_pos_pct)
    metaphases = count("metaphases", metaphases)
    fish = None if fish_pct is None else _pct("fish_pct", fish_pct)
    nuclei = count("fish_nuclei", fish_nuclei)
    if pct is None and fish is None:
        raise ValueError("ph_pos_pct or fish_pct is needed")
    if pct is not None and (metaphases is None or metaphases >= MIN_METAPHASES):
        return next((category for upper, category in CYTOGENETIC_BANDS if pct <= upper), NO_RESPONSE)
    if fish is not None and nuclei is not None and nuclei >= FISH_MIN_NUCLEI and fish < FISH_CCYR_BELOW:
        return "CCyR"
    return NOT_EVALUABLE


def hematologic(wbc: float, platelets: float, basophils_pct: float, immature_cells: bool, spleen_cm: float) -> bool:
    """Complete hematologic response (ELN 2009 table 2): WBC < 10 x10^9/L, platelets < 450 x10^9/L,
    basophils < 5%, no immature granulocytes, spleen not palpable."""
    wbc, platelets, spleen_cm = (number(n, v) for n, v in (("wbc", wbc), ("platelets", platelets),
                                                           ("spleen_cm", spleen_cm)))
    baso = _pct("basophils_pct", basophils_pct)
    immature = flag("immature_cells", immature_cells)
    return (wbc < CHR_WBC_BELOW and platelets < CHR_PLATELETS_BELOW and baso < CHR_BASOPHILS_BELOW and not immature
            and spleen_cm == 0)


#: The paper of the molecular response depths below.
MOLECULAR_SOURCE = "Cross NCP et al., Leukemia 2015;29:999-1003"
#: Molecular response depth (Cross NCP et al., Leukemia 2015;29:999-1003, table 1): (name, upper bound of
#: detectable BCR::ABL1 IS %, ABL1 copies that make an undetectable result this deep), deepest first.
MOLECULAR_DEPTHS: tuple[tuple[str, float, int], ...] = (
    ("MR5", 0.001, 100_000),
    ("MR4.5", 0.0032, 32_000),
    ("MR4", 0.01, 10_000),
    ("MMR", 0.1, 10_000),  # MR3; an undetectable result proves MMR only with a sample good enough for MR4
)


def molecular(bcr_abl1_is_pct: float, abl1_copies: int | None = None) -> str | None:
    """Molecular response for one BCR::ABL1 result: 'MR5' | 'MR4.5' | 'MR4' | 'MMR' | None (no MMR).

    A detectable result is classified by its value (<= bound, bounds inclusive). An undetectable result (0%) is
    classified by the ABL1 copies of the sample (Cross 2015): >= 100,000 MR5, >= 32,000 MR4.5, >= 10,000 MR4; fewer
    copies cannot show a deep response, so the result is None (not evaluable). BCR::ABL1 IS may exceed 100%: the IS
    conversion factor is applied to ratios that can be above 1.
    """
    bcr_abl1_is_pct = number("bcr_abl1_is_pct", bcr_abl1_is_pct)
    abl1_copies = count("abl1_copies", abl1_copies)
    if bcr_abl1_is_pct == 0:
        if abl1_copies is None:
            raise ValueError("abl1_copies is needed to classify an undetectable BCR::ABL1 result")
        return next((name for name, _, copies in MOLECULAR_DEPTHS[:3] if abl1_copies >= copies), None)
    return next((name for name, bound, _ in MOLECULAR_DEPTHS if bcr_abl1_is_pct <= bound), None)
