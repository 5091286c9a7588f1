"""Clinical rules at their published boundaries."""

from __future__ import annotations

import pytest

from cmltrack.clinical.evaluability import is_evaluable
from cmltrack.clinical.phase import phase
from cmltrack.clinical.responses import best_response, cytogenetic, depth, hematologic, normalise_kind
from cmltrack.clinical.scores import eutos, risk_group
from cmltrack.timeaxis import MONTH_DAYS


def test_eutos_worked_example_hasford_2011():
    # DOMAIN.md: basophils 5%, spleen 15 cm -> 7*5 + 4*15 = 95, high risk
    assert eutos(5, 15) == 95
    assert risk_group("eutos", 95) == "high"


@pytest.mark.parametrize("value, group", [(0, "low"), (87, "low"), (87.49, "low"), (87.5, "high"), (88, "high")])
def test_eutos_cut_off_87_is_low(value, group):
    assert risk_group("EUTOS", value) == group


@pytest.mark.parametrize("args, name", [((-1, 10), "basophils_pct"), ((101, 10), "basophils_pct"),
                                        ((5, -2), "spleen_cm"), ((None, 3), "basophils_pct")])
def test_eutos_rejects_invalid_input_naming_the_argument(args, name):
    with pytest.raises(ValueError, match=name):
        eutos(*args)


def test_risk_group_unknown_score():
    with pytest.raises(ValueError, match="score"):
        risk_group("made-up", 1.0)


@pytest.mark.parametrize("ph, expected", [(0, "CCyR"), (0.5, "PCyR"), (1, "PCyR"), (35, "PCyR"), (35.5, "minor"),
                                          (36, "minor"), (65, "minor"), (66, "minimal"), (95, "minimal"),
                                          (96, "none"), (100, "none")])
def test_cytogenetic_categories_eln2009(ph, expected):
    assert cytogenetic(ph, 20) == expected


def test_cytogenetic_needs_20_metaphases():
    assert cytogenetic(0, 19) == "not evaluable"
    assert cytogenetic(0, 20) == "CCyR"
    with pytest.raises(ValueError, match="ph_pos_pct"):
        cytogenetic(100.5)


@pytest.mark.parametrize("wbc, plt, baso, immature, spleen, chr_", [
    (9.9, 449, 4.9, False, 0, True), (10, 300, 1, False, 0, False), (5, 450, 1, False, 0, False),
    (5, 300, 5, False, 0, False), (5, 300, 1, True, 0, False), (5, 300, 1, False, 1, False),
])
def test_chr_requires_every_criterion(wbc, plt, baso, immature, spleen, chr_):
    assert hematologic(wbc, plt, baso, immature, spleen) is chr_


@pytest.mark.parametrize("args, name", [
    ((5, 300, 1, None, 0), "immature_cells"), ((5, 300, 1, "no", 0), "immature_cells"),
    ((True, 300, 1, False, 0), "wbc"), ((5, float("inf"), 1, False, 0), "platelets"),
    (("5", 300, 1, False, 0), "wbc"), ((5, 300, 1, False, 99), "spleen_cm"),
])
def test_chr_rejects_invalid_input(args, name):
    with pytest.raises(ValueError, match=name):
        hematologic(*args)


@pytest.mark.parametrize("blasts, baso, plt, expected", [
    (14.9, 0, 200, "CP"), (15, 0, 200, "AP"), (29.9, 0, 200, "AP"), (30, 0, 200, "BP"),
    (2, 19.9, 200, "CP"), (2, 20, 200, "AP"), (2, 1, 100, "CP"), (2, 1, 99, "AP"),
])
def test_phase_eln_boundaries(blasts, baso, plt, expected):
    assert phase(blasts, baso, plt) == expected


def test_phase_eln_blasts_plus_promyelocytes_and_who2016():
    assert phase(10, 1, 200, blasts_promyelocytes_pct=30) == "CP"
    assert phase(10, 1, 200, blasts_promyelocytes_pct=30.1) == "AP"
    assert phase(10, 1, 200, rules="WHO2016") == "AP"
    assert phase(20, 1, 200, rules="WHO2016") == "BP"
    assert phase(5, 1, 1001, rules="WHO2016") == "AP"
    with pytest.raises(ValueError, match="rules"):
        phase(1, 1, 200, rules="WHO2008")


def test_response_spellings_and_depth():
    assert normalise_kind("CCgR") == "CCYR" and normalise_kind("pcgr") == "PCYR" and normalise_kind("MR3") == "MMR"
    assert depth("CHR") < depth("PCyR") < depth("CCyR") < depth("MMR") < depth("MR4") < depth("MR5")
    assert best_response(["CHR", "LOSS_CHR", "CCYR"], evaluable=True) == "CCYR"
    assert best_response([], evaluable=True) == "none"
    assert best_response(["CCYR"], evaluable=False) == "not evaluable"
    with pytest.raises(ValueError, match="code"):
        normalise_kind("cured")


@pytest.mark.parametrize("days, evaluable", [(None, False), (83, False), (84, True), (89, True), (548, True)])
def test_evaluable_after_12_weeks_on_thalidomide(days, evaluable):
    # 89 days: thalidomide from 1 February to a 3-month visit on 1 May
    assert is_evaluable(None if days is None else days / MONTH_DAYS) is evaluable
