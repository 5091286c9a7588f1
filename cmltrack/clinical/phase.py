"""Phase of CML (chronic, accelerated, blast) from blood or marrow counts and karyotype, under a chosen rule set.

Every criterion stands on the values present: 40% blasts is blast phase whether or not basophils were counted.
A visit is called chronic phase only when blasts and basophils were both counted and no criterion is met; with
too little to decide, the phase is None (unknown).

- ELN: Baccarani, JCO 2009;27:6041, table 1 (kept by ELN 2013, Blood 2013;122:872, and ELN 2020): accelerated =
  blasts 15-29%, or blasts + promyelocytes > 30% with blasts < 30%, or basophils >= 20%, or platelets
  < 100 x10^9/L unrelated to therapy, or clonal chromosome abnormalities in Ph+ cells (major route) on treatment;
  blast phase = blasts >= 30% (or extramedullary blast proliferation, not recorded here).
- WHO 2016: Arber, Blood 2016;127:2391, table 2: accelerated = blasts 10-19%, basophils >= 20%, platelets < 100
  unrelated or > 1000 unresponsive to therapy, additional clonal chromosome abnormalities in Ph+ cells; blast
  phase = blasts >= 20%.
- WHO 2022 (5th edition): Khoury, Leukemia 2022;36:1703: CML is biphasic, chronic or blast phase (>= 20% myeloid
  blasts in blood or marrow); the accelerated phase is dropped and its criteria become risk features of chronic
  phase (`who2022_risk_features`: blasts 10-19%, basophils >= 20%, high-risk ACA in Ph+ cells).
- ICC 2022: Arber, Blood 2022;140:1200: keeps three phases; accelerated = blasts 10-19%, basophils >= 20%, ACA in
  Ph+ cells (second Ph, +8, i(17q), +19, complex karyotype, 3q26.2); blast phase = blasts >= 20% (or an
  extramedullary blast proliferation, or increased lymphoblasts: not recorded here). The ICC table itself could
  not be read here; these criteria are from reviews that quote it (README: open items).
Not assessed (one count cannot show them): persistence, rising WBC or spleen, extramedullary blasts, lymphoblasts.
On therapy a low platelet count cannot be told from drug-induced cytopenia ("unrelated to therapy"): callers pass
``platelets=None`` there.
"""

from __future__ import annotations

from cmltrack.clinical.validate import number, percent

PHASES: tuple[str, ...] = ("CP", "AP", "BP")
RULE_SETS: tuple[str, ...] = ("ELN", "WHO2016", "WHO2022", "ICC2022")
#: Rule set -> its source (help texts name it: cmltrack.clinical.explain).
CITATIONS: dict[str, str] = {
    "ELN": "Baccarani M et al., J Clin Oncol 2009;27:6041-6051, table 1",
    "WHO2016": "Arber DA et al., Blood 2016;127:2391-2405, table 2",
    "WHO2022": "Khoury JD et al., Leukemia 2022;36:1703-1719",
    "ICC2022": "Arber DA et al., Blood 2022;140:1200-1228",
}
#: rules -> (blasts at or above which: blast phase, accelerated phase (None: no accelerated phase)).
BLASTS: dict[str, tuple[float, float | None]] = {
    "ELN": (30.0, 15.0), "WHO2016": (20.0, 10.0), "WHO2022": (20.0, None), "ICC2022": (20.0, 10.0),
}
#: Accelerated phase from basophils at or above this (every rule set with an accelerated phase), and (ELN) from
#: blasts + promyelocytes above this.
BASOPHILS_AP_FROM, BLASTS_PROMYELOCYTES_AP_ABOVE = 20.0, 30.0


def _pct(name: str, value: float | None) -> float | None:
    return None if value is None else percent(name, value)


def phase(
    blasts_pct: float | None,
    basophils_pct: float | None,
    platelets: float | None = None,
    blasts_promyelocytes_pct: float | None = None,
    rules: str = "ELN",
    aca_ph_positive: bool | None = None,
) -> str | None:
    """'CP' | 'AP' | 'BP' (WHO 2022: 'CP' | 'BP'), or None when the values given cannot decide.

    ``platelets=None``: platelet criterion not assessed. ``aca_ph_positive``: whether a (high-risk, major-route)
    additional chromosome abnormality in Ph+ cells is present; None: no karyotype known.
    """
    if rules not in BLASTS:
        raise ValueError(f"rules must be one of {', '.join(RULE_SETS)}; got {rules!r}")
    blasts, baso = _pct("blasts_pct", blasts_pct), _pct("basophils_pct", basophils_pct)
    plt = None if platelets is None else number("platelets", platelets)
    bp_sum = _pct("blasts_promyelocytes_pct", blasts_promyelocytes_pct)
    bp_from, ap_from = BLASTS[rules]
    if blasts is not None and blasts >= bp_from:
        return "BP"
    if ap_from is not None:
        accelerated = [
            blasts is not None and blasts >= ap_from,
            baso is not None and baso >= BASOPHILS_AP_FROM,
            aca_ph_positive is True,
            rules == "ELN" and bp_sum is not None and bp_sum > BLASTS_PROMYELOCYTES_AP_ABOVE,
            rules in ("ELN", "WHO2016") and plt is not None and plt < 100,
            rules == "WHO2016" and plt is not None and plt > 1000,
        ]
        if any(accelerated):
            return "AP"
    return "CP" if blasts is not None and baso is not None else None


def who2022_risk_features(blasts_pct: float | None, basophils_pct: float | None,
                          aca_ph_positive: bool | None = None) -> list[str]:
    """WHO 2022 features of chronic phase that carry a high risk of progression (Khoury 2022), among those given."""
    blasts, baso = _pct("blasts_pct", blasts_pct), _pct("basophils_pct", basophils_pct)
    found = []
    if blasts is not None and 10 <= blasts < 20:
        found.append("blasts 10-19%")
    if baso is not None and baso >= BASOPHILS_AP_FROM:
        found.append("basophils >= 20%")
    if aca_ph_positive:
        found.append("high-risk ACA in Ph+ cells")
    return found
