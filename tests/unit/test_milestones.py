"""ELN milestones, table-driven: one row per criterion of each guideline's table, at both sides of each bound."""

from __future__ import annotations

import pytest

from cmltrack.clinical.milestones import ANY_TIME, classify, milestone

OPT, W, S, F = "optimal", "warning", "suboptimal", "failure"

# (guideline, months, bcr_abl1_is_pct, ph_pos_pct, chr, expected)
ELN2020 = [  # Hochhaus 2020, table 4: BCR::ABL1 IS only
    ("ELN2020", 3, 10.0, None, None, OPT), ("ELN2020", 3, 10.01, None, None, W),  # failure needs confirmation
    ("ELN2020", 6, 1.0, None, None, OPT), ("ELN2020", 6, 1.01, None, None, W), ("ELN2020", 6, 10.0, None, None, W),
    ("ELN2020", 6, 10.01, None, None, F),
    ("ELN2020", 12, 0.1, None, None, OPT), ("ELN2020", 12, 0.11, None, None, W), ("ELN2020", 12, 1.0, None, None, W),
    ("ELN2020", 12, 1.01, None, None, F),
    ("ELN2020", 30, 0.1, None, None, OPT), ("ELN2020", 30, 0.5, None, None, W), ("ELN2020", 30, 2.0, None, None, F),
]
ELN2013 = [  # Baccarani 2013, table 5: BCR::ABL1 IS and/or Ph+
    ("ELN2013", 3, 10.0, None, None, OPT), ("ELN2013", 3, 10.01, None, None, W),
    ("ELN2013", 3, None, 35, None, OPT), ("ELN2013", 3, None, 36, None, W), ("ELN2013", 3, None, 95, None, W),
    ("ELN2013", 3, None, 96, None, F), ("ELN2013", 3, None, None, False, F), ("ELN2013", 3, None, None, True, OPT),
    ("ELN2013", 6, 0.99, None, None, OPT), ("ELN2013", 6, 1.0, None, None, W),  # optimal is < 1% (strict) in 2013
    ("ELN2013", 6, 10.0, None, None, W), ("ELN2013", 6, 10.01, None, None, F),
    ("ELN2013", 6, None, 0, None, OPT), ("ELN2013", 6, None, 1, None, W), ("ELN2013", 6, None, 35, None, W),
    ("ELN2013", 6, None, 36, None, F),
    ("ELN2013", 12, 0.1, None, None, OPT), ("ELN2013", 12, 0.11, None, None, W), ("ELN2013", 12, 1.0, None, None, W),
    ("ELN2013", 12, 1.01, None, None, F), ("ELN2013", 12, None, 0, None, OPT), ("ELN2013", 12, None, 1, None, F),
    # then, and at any time: > 0.1% warning (failure only for a confirmed loss of MMR, applied by the timeline),
    # loss of CCyR or CHR failure
    ("ELN2013", 24, 0.1, None, None, OPT), ("ELN2013", 24, 0.5, None, None, W), ("ELN2013", 24, 5.0, None, None, W),
    ("ELN2013", 24, None, 5, None, F), ("ELN2013", 24, None, None, False, F),
]
ELN2009 = [  # Baccarani 2009, table 5: failure / suboptimal / warnings
    ("ELN2009", 3, None, None, False, S), ("ELN2009", 3, None, None, True, OPT),
    ("ELN2009", 6, None, 35, True, OPT), ("ELN2009", 6, None, 36, True, S), ("ELN2009", 6, None, 95, True, S),
    ("ELN2009", 6, None, 96, True, F), ("ELN2009", 6, None, 20, False, F),
    ("ELN2009", 12, None, 0, None, OPT), ("ELN2009", 12, None, 1, None, S), ("ELN2009", 12, None, 35, None, S),
    ("ELN2009", 12, None, 36, None, F), ("ELN2009", 12, 0.5, 0, None, W), ("ELN2009", 12, 0.1, 0, None, OPT),
    ("ELN2009", 18, 0.1, 0, None, OPT), ("ELN2009", 18, 0.11, 0, None, S), ("ELN2009", 18, 0.05, 1, None, F),
    # any time: a single rise above MMR is a warning; losses count when confirmed (applied by the timeline)
    ("ELN2009", 36, 0.1, None, None, OPT), ("ELN2009", 36, 0.5, None, None, W), ("ELN2009", 36, 0.5, 2, False, W),
    ("ELN2009", 36, None, 0, True, OPT), ("ELN2009", 36, None, 2, None, W), ("ELN2009", 36, None, None, False, W),
]


@pytest.mark.parametrize("guideline, months, bcr, ph, chr_, expected", ELN2020 + ELN2013 + ELN2009)
def test_milestone_table(guideline, months, bcr, ph, chr_, expected):
    assert classify(months, bcr_abl1_is_pct=bcr, ph_pos_pct=ph, chr=chr_, guideline=guideline) == expected


def test_worst_category_wins_when_tests_disagree():
    assert classify(6, bcr_abl1_is_pct=0.5, ph_pos_pct=40, guideline="ELN2013") == F
    assert classify(12, bcr_abl1_is_pct=0.05, ph_pos_pct=0, chr=False, guideline="ELN2013") == F
    assert classify(12, bcr_abl1_is_pct=0.5, ph_pos_pct=20, guideline="ELN2009") == S  # suboptimal beats warning


@pytest.mark.parametrize("months, guideline, expected", [
    # a milestone's window opens 0.75 month before it and the last one closes 1.5 months after it
    (2.25, "ELN2020", 3), (5.24, "ELN2020", 3), (5.25, "ELN2020", 6), (365 / 30.4375, "ELN2020", 12),
    (12, "ELN2020", 12), (13.5, "ELN2020", 12), (13.51, "ELN2020", ANY_TIME),
    (17.24, "ELN2009", 12), (17.25, "ELN2009", 18), (19.5, "ELN2009", 18), (19.51, "ELN2009", ANY_TIME),
])
def test_latest_milestone_reached(months, guideline, expected):
    assert milestone(months, guideline) == expected


@pytest.mark.parametrize("call, message", [
    (lambda: classify(2.24, 5.0), "months"),
    (lambda: classify(6, 5.0, guideline="ELN2006"), "guideline"),
    (lambda: classify(6, chr=True), "bcr_abl1_is_pct"),  # ELN 2020 has no hematologic criterion
    (lambda: classify(6, -1.0), "bcr_abl1_is_pct"),
    (lambda: classify(6, ph_pos_pct=120, guideline="ELN2013"), "ph_pos_pct"),
    (lambda: classify(6, float("nan")), "bcr_abl1_is_pct"),
    (lambda: classify(-3, 1.0), "months"),
])
def test_invalid_input_names_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()
