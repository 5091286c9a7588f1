"""Phase of CML (chronic, accelerated, blast) from blood counts.

ELN: Baccarani, JCO 2009;27:6041, table 1 (as kept by ELN 2013): accelerated = blasts 15-29%, or blasts +
promyelocytes > 30% with blasts < 30%, or basophils >= 20%, or platelets < 100 x10^9/L unrelated to therapy;
blast phase = blasts >= 30%.
WHO 2016: Arber, Blood 2016;127:2391: accelerated = blasts 10-19%, basophils >= 20%, platelets < 100 or > 1000
unresponsive to therapy; blast phase = blasts >= 20%.
Criteria that one blood count cannot show (clonal evolution, extramedullary blasts, persistence) are not assessed.
On therapy a low platelet count cannot be told apart from drug-induced cytopenia ("unrelated to therapy" in ELN):
callers pass ``platelets=None`` there and the platelet criterion is skipped.
"""

from __future__ import annotations

from cmltrack.clinical.validate import number, percent

PHASES: tuple[str, ...] = ("CP", "AP", "BP")


def _value(name: str, value: float, pct: bool) -> float:
    return percent(name, value) if pct else number(name, value)


def phase(
    blasts_pct: float,
    basophils_pct: float,
    platelets: float | None,
    blasts_promyelocytes_pct: float | None = None,
    rules: str = "ELN",
) -> str:
    """'CP' | 'AP' | 'BP' under the ELN or WHO2016 criteria (``platelets=None``: platelet criterion not assessed)."""
    blasts = _value("blasts_pct", blasts_pct, pct=True)
    baso = _value("basophils_pct", basophils_pct, pct=True)
    plt = None if platelets is None else _value("platelets", platelets, pct=False)
    if rules == "ELN":
        if blasts >= 30:
            return "BP"
        bp_sum = None if blasts_promyelocytes_pct is None else _value(
            "blasts_promyelocytes_pct", blasts_promyelocytes_pct, pct=True)
        if blasts >= 15 or (bp_sum is not None and bp_sum > 30) or baso >= 20 or (plt is not None and plt < 100):
            return "AP"
        return "CP"
    if rules == "WHO2016":
        if blasts >= 20:
            return "BP"
        if blasts >= 10 or baso >= 20 or (plt is not None and (plt < 100 or plt > 1000)):
            return "AP"
        return "CP"
    raise ValueError(f"rules must be 'ELN' or 'WHO2016', got {rules!r}")
