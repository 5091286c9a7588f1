"""Okabe-Ito colours and the glyph of every drug, response, loss, progression and adverse-event grade.

Okabe M, Ito K. Color Universal Design (2008). Every kind of event has its own shape as well as its own colour, so
a colour-blind reader and a greyscale print tell them apart: circles for hematologic, diamonds for cytogenetic and
stars for molecular response (crossed or open in vermillion when lost), hexagons for progression, downward
triangles for adverse events (grade by colour, size, and a cross for grade 4-5) and an arrow for ongoing treatment.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
GREY = "#7F7F7F"

#: Drug colour and the dose range (mg/day) its shades span: light = low dose, full colour = high dose.
DRUGS: dict[str, tuple[str, str, float, float]] = {
    # drug: (label, colour, low dose, high dose)
    "imatinib": ("Imatinib", OKABE_ITO["blue"], 300.0, 800.0),
    "thalidomide": ("Thalidomide", OKABE_ITO["reddish_purple"], 50.0, 200.0),
}


@dataclass(frozen=True)
class Glyph:
    """How one kind of event is drawn and named in the legend."""

    label: str
    symbol: str
    color: str
    size: int
    group: str
    line_color: str = "#000000"


_G_RESP, _G_LOSS, _G_AE = "Response", "Loss / progression", "Adverse event (CTCAE grade)"
_G_SEV = "Adverse event (severity only, no CTCAE grade)"
_G_MUTATION, _G_ACA = "Mutation", "Karyotype (ACA)"

GLYPHS: dict[str, Glyph] = {
    "CHR": Glyph("CHR", "circle", OKABE_ITO["sky_blue"], 10, _G_RESP),
    "PCYR": Glyph("PCyR", "diamond-open", OKABE_ITO["bluish_green"], 11, _G_RESP, OKABE_ITO["bluish_green"]),
    "CCYR": Glyph("CCyR", "diamond", OKABE_ITO["bluish_green"], 12, _G_RESP),
    "MMR": Glyph("MMR (BCR::ABL1 ≤ 0.1%)", "star", OKABE_ITO["yellow"], 14, _G_RESP),
    "MR4": Glyph("MR4", "star-square", OKABE_ITO["yellow"], 13, _G_RESP),
    "MR4.5": Glyph("MR4.5", "star-diamond", OKABE_ITO["yellow"], 13, _G_RESP),
    "MR5": Glyph("MR5", "hexagram", OKABE_ITO["yellow"], 13, _G_RESP),
    "LOSS_CHR": Glyph("Loss of CHR", "circle-x", OKABE_ITO["vermillion"], 11, _G_LOSS),
    "LOSS_CCYR": Glyph("Loss of CCyR", "diamond-x", OKABE_ITO["vermillion"], 12, _G_LOSS),
    "LOSS_MMR": Glyph("Loss of MMR", "star-open", OKABE_ITO["vermillion"], 13, _G_LOSS, OKABE_ITO["vermillion"]),
    "PROG_AP": Glyph("Progression to AP", "hexagon-open", "#000000", 12, _G_LOSS, "#000000"),
    "PROG_BP": Glyph("Progression to BP", "hexagon", "#000000", 12, _G_LOSS),
    "CR": Glyph("CR (RECIST)", "square", OKABE_ITO["blue"], 11, _G_RESP),
    "PR": Glyph("PR (RECIST)", "square-open", OKABE_ITO["blue"], 11, _G_RESP, OKABE_ITO["blue"]),
    "PD": Glyph("PD (RECIST)", "pentagon", "#000000", 12, _G_LOSS),
    "AE1": Glyph("Grade 1", "triangle-down", OKABE_ITO["yellow"], 8, _G_AE),
    "AE2": Glyph("Grade 2", "triangle-down", OKABE_ITO["orange"], 10, _G_AE),
    "AE3": Glyph("Grade 3", "triangle-down", OKABE_ITO["vermillion"], 12, _G_AE),
    "AE4": Glyph("Grade 4", "x", OKABE_ITO["vermillion"], 13, _G_AE),
    "AE5": Glyph("Grade 5 (death)", "x", "#000000", 14, _G_AE),
    # severity mapped to a grade (CDISC AESEV, no toxicity grade recorded): open triangles, their own legend group
    "SEV1": Glyph("Mild (as grade 1)", "triangle-down-open", OKABE_ITO["orange"], 9, _G_SEV, OKABE_ITO["orange"]),
    "SEV2": Glyph("Moderate (as grade 2)", "triangle-down-open", OKABE_ITO["vermillion"], 10, _G_SEV,
                  OKABE_ITO["vermillion"]),
    "SEV3": Glyph("Severe (as grade 3)", "triangle-down-open", "#000000", 12, _G_SEV, "#000000"),
    "ONGOING": Glyph("Ongoing at last visit", "arrow-right", "#000000", 11, "Treatment"),
    # mutation tests and karyotypes (queries.events_for: kinds MUTATION, ACA_HR, ACA)
    "MUTATION": Glyph("BCR::ABL1 mutation", "bowtie", OKABE_ITO["vermillion"], 13, _G_MUTATION),
    "ACA_HR": Glyph("High-risk ACA (Ph+)", "star-triangle-up", OKABE_ITO["reddish_purple"], 14, _G_ACA),
    "ACA": Glyph("Other ACA", "star-triangle-up-open", OKABE_ITO["reddish_purple"], 13, _G_ACA,
                 OKABE_ITO["reddish_purple"]),
}


#: AESEV words for the grades they are shown as (only when no toxicity grade was recorded).
SEVERITY_WORDS: dict[int, str] = {1: "mild", 2: "moderate", 3: "severe"}

#: CTCAE grade colours for adverse-event intervals and bars (yellow to black, Okabe-Ito order of luminance).
AE_GRADE_COLOURS: dict[int, str] = {1: OKABE_ITO["yellow"], 2: OKABE_ITO["orange"], 3: OKABE_ITO["vermillion"],
                                    4: "#7A1F00", 5: "#000000"}


def _shade(hex_color: str, v: float) -> str:
    """Mix with white (v < 0) or black (v > 0) by the share |v|."""
    rgb = [int(hex_color[i:i + 2], 16) for i in (1, 3, 5)]
    target = 0 if v > 0 else 255
    mixed = [round(c + (target - c) * abs(v)) for c in rgb]
    return "#" + "".join(f"{c:02X}" for c in mixed)


#: Colours of drugs the app does not know by name (trial study drugs): bar shades never need to tell them apart
#: from markers, only from each other. Placebo is light grey.
OTHER_DRUG_COLOURS: tuple[str, ...] = (OKABE_ITO["orange"], OKABE_ITO["bluish_green"], OKABE_ITO["sky_blue"],
                                       "#8C6BB1")
PLACEBO_COLOUR = "#BBBBBB"


def drug_label(drug: str) -> str:
    """Display name of a drug."""
    return DRUGS.get(drug, (drug.capitalize(),))[0]


def drug_colour(drug: str) -> str:
    """Colour of a drug's bars: its own for known drugs, a stable pick (same name, same colour) otherwise."""
    if drug in DRUGS:
        return DRUGS[drug][1]
    if drug == "placebo":
        return PLACEBO_COLOUR
    return OTHER_DRUG_COLOURS[zlib.crc32(drug.encode()) % len(OTHER_DRUG_COLOURS)]


def dose_shade(drug: str, dose_mg: float, span: tuple[float, float] | None = None) -> str:
    """Shade of the drug's colour for a daily dose: the higher the dose, the darker (fixed across filters).

    Doses are placed on a log scale between the drug's low and high dose (dose steps are multiplicative:
    300/400/600/800 mg), from 70% white at the low dose to 35% black at the high dose. A drug the app does not know
    spans the doses ``span`` (lowest, highest) seen for it, e.g. in one figure.
    """
    _, color, low, high = DRUGS.get(drug, (drug, drug_colour(drug), *(span or (dose_mg, dose_mg))))
    if high == low or dose_mg <= 0:
        return color
    t = (math.log(dose_mg) - math.log(low)) / (math.log(high) - math.log(low))
    return _shade(color, -0.7 + 1.05 * min(max(t, 0.0), 1.0))
