"""Issue 16: the clinical engine to the letter of the guidelines, each rule on both sides of its boundary.

Numbers are the papers' own: ELN 2013 (Baccarani, Blood 2013;122:872, table 5 and its footnote), ELN 2009
(Baccarani, JCO 2009;27:6041, table 5), ELN 2020 (Hochhaus, Leukemia 2020;34:966, table 4), CTCAE v5.0, the score
papers' cut-offs, WHO 2016/2022 and ICC 2022 phase criteria.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cmltrack.clinical import ctcae, genetics, milestones, phase, responses, scores
from cmltrack.clinical.timeline import assess, derive_events

START = dt.date(2010, 1, 1)
CHR = dict(wbc=6.0, platelets=250.0, basophils_pct=1.0, spleen_cm=0.0, blasts_pct=0.0, immature_granulocytes_pct=0.0)
NO_CHR = dict(wbc=25.0, platelets=500.0, basophils_pct=7.0, spleen_cm=4.0, blasts_pct=2.0,
              immature_granulocytes_pct=4.0)


def day(d: int) -> dt.date:
    return START + dt.timedelta(days=d)


def visit(months: float, **values) -> dict:
    return dict(date=START + dt.timedelta(days=round(months * 30.4375)), **values)


def kinds(events) -> list[str]:
    return [k for _, k in events]


def latest(visits, guideline, **kw) -> milestones_category:
    rows = {a.milestone: a for a in assess(visits, START, guideline, **kw)}
    return rows["latest"].category


milestones_category = str
MARROW_0 = dict(ph_pos_pct=0, metaphases=20)

# -- 1. ELN 2013: loss of MMR needs confirmation; after the last milestone the "any time" row governs ------------

IN_MMR = [visit(3, bcr_abl1_is_pct=5.0), visit(6, bcr_abl1_is_pct=0.5), visit(12, bcr_abl1_is_pct=0.05),
          visit(18, bcr_abl1_is_pct=0.04)]


def test_after_the_last_milestone_the_any_time_row_governs_with_its_confirmation_rules():
    one = [*IN_MMR, visit(24, bcr_abl1_is_pct=2.0)]
    assert latest(one, "ELN2013") == "warning"  # was "failure": the 12-month row held forever
    assert "LOSS_MMR" not in kinds(derive_events(one, "ELN2013"))
    two = [*IN_MMR, visit(24, bcr_abl1_is_pct=2.0), visit(25, bcr_abl1_is_pct=0.3)]  # consecutive, one >= 1%
    assert latest(two, "ELN2013") == "failure"
    below = [*IN_MMR, visit(24, bcr_abl1_is_pct=0.9), visit(25, bcr_abl1_is_pct=0.3)]  # consecutive, none >= 1%
    assert latest(below, "ELN2013") == "warning"
    # ELN 2020's any-time row needs no confirmation: > 1% is failure, 1% a warning
    assert latest([*IN_MMR, visit(24, bcr_abl1_is_pct=1.01)], "ELN2020") == "failure"
    assert latest([*IN_MMR, visit(24, bcr_abl1_is_pct=1.0)], "ELN2020") == "warning"
    # a response never reached keeps the 12-month criterion: > 1% at 12 months, never better, is still failure
    never = [visit(3, bcr_abl1_is_pct=9.0), visit(12, bcr_abl1_is_pct=5.0), visit(24, bcr_abl1_is_pct=5.0)]
    assert latest(never, "ELN2013") == "failure"
    near = [visit(3, bcr_abl1_is_pct=9.0), visit(12, bcr_abl1_is_pct=0.5), visit(24, bcr_abl1_is_pct=1.0)]
    assert latest(near, "ELN2013") == "warning"  # <= 1% is a 12-month warning


# -- 2. ELN 2009: every loss "to be confirmed on 2 occasions" unless associated with a worse event ---------------

def test_eln2009_single_loss_of_mmr_is_not_recorded_nor_regained():
    single = [*IN_MMR, visit(24, bcr_abl1_is_pct=0.5), visit(27, bcr_abl1_is_pct=0.05)]
    assert kinds(derive_events(single, "ELN2009")) == ["MMR"]  # was MMR, LOSS_MMR, MMR
    confirmed = [*IN_MMR, visit(24, bcr_abl1_is_pct=0.5), visit(27, bcr_abl1_is_pct=0.6)]
    events = derive_events(confirmed, "ELN2009")
    assert kinds(events) == ["MMR", "LOSS_MMR"] and events[1][0] == confirmed[4]["date"]
    assert latest(confirmed, "ELN2009") == "suboptimal"  # loss of MMR: suboptimal (table 5)
    # unless associated with a loss of CCyR: then no confirmation is needed
    with_ccyr = [visit(6, ph_pos_pct=0, metaphases=20), visit(12, bcr_abl1_is_pct=0.05),
                 visit(18, ph_pos_pct=5, metaphases=20, bcr_abl1_is_pct=0.5),
                 visit(20, ph_pos_pct=8, metaphases=20, bcr_abl1_is_pct=0.7)]
    events = derive_events(with_ccyr, "ELN2009")
    assert "LOSS_CCYR" in kinds(events) and dict((k, d) for d, k in events)["LOSS_MMR"] == with_ccyr[2]["date"]


def test_eln2009_single_loss_of_ccyr_is_not_recorded_nor_regained():
    ccyr = [visit(6, ph_pos_pct=0, metaphases=20), visit(12, ph_pos_pct=0, metaphases=20)]
    single = [*ccyr, visit(18, ph_pos_pct=5, metaphases=20), visit(24, ph_pos_pct=0, metaphases=20)]
    assert kinds(derive_events(single, "ELN2009")) == ["CCYR"]  # was CCYR, LOSS_CCYR, CCYR
    assert kinds(derive_events(single, "ELN2013")) == ["CCYR", "LOSS_CCYR", "CCYR"]  # 2013: any Ph+ metaphase
    confirmed = [*ccyr, visit(18, ph_pos_pct=5, metaphases=20), visit(21, ph_pos_pct=10, metaphases=20)]
    events = derive_events(confirmed, "ELN2009")
    assert kinds(events) == ["CCYR", "LOSS_CCYR"] and events[1][0] == confirmed[2]["date"]
    assert latest(confirmed, "ELN2009") == "failure"


def test_eln2009_loss_of_ccyr_with_loss_of_chr_needs_no_confirmation():
    base = [visit(6, ph_pos_pct=0, metaphases=20, **CHR), visit(12, ph_pos_pct=0, metaphases=20, **CHR)]
    with_chr_lost = [*base, visit(18, ph_pos_pct=5, metaphases=20, **dict(NO_CHR, blasts_pct=16.0))]
    assert sorted(kinds(derive_events(with_chr_lost, "ELN2009"))) == sorted(
        ["CHR", "CCYR", "LOSS_CHR", "PROG_AP", "LOSS_CCYR"])


def test_eln2009_loss_of_chr_with_progression_at_the_last_visit_is_recorded():
    visits = [visit(0, **NO_CHR), visit(3, **CHR), visit(6, **dict(NO_CHR, blasts_pct=18.0))]
    assert kinds(derive_events(visits, "ELN2009")) == ["CHR", "LOSS_CHR", "PROG_AP"]  # was CHR only
    plain = [visit(0, **NO_CHR), visit(3, **CHR), visit(6, **NO_CHR)]
    assert kinds(derive_events(plain, "ELN2009")) == ["CHR"]  # without progression: awaits confirmation


# -- 3. Blast phase needs no basophil count ---------------------------------------------------------------------

@pytest.mark.parametrize("blasts, baso, rules, expected", [
    (40, None, "ELN", "BP"), (30, None, "ELN", "BP"), (29.9, None, "ELN", "AP"), (14.9, None, "ELN", None),
    (20, None, "WHO2016", "BP"), (19.9, None, "WHO2016", "AP"), (None, 20, "ELN", "AP"), (None, 19.9, "ELN", None),
    (None, None, "ELN", None),
])
def test_each_phase_criterion_stands_on_the_values_present(blasts, baso, rules, expected):
    assert phase.phase(blasts, baso, None, rules=rules) == expected


def test_a_visit_with_40pct_blasts_and_no_basophils_is_progression_to_bp():
    visits = [visit(3, **CHR), visit(6, blasts_pct=40.0)]
    assert kinds(derive_events(visits)) == ["CHR", "PROG_BP"]
    assert phase.phase(14.9, 19.9, None) == "CP"  # chronic phase: blasts and basophils counted, no criterion met


# -- 4. "latest" uses the same milestone windows as the milestone rows -------------------------------------------

def test_a_visit_on_day_365_is_the_12_month_visit_for_latest_too():
    visits = [visit(3, bcr_abl1_is_pct=5.0), dict(date=day(365), bcr_abl1_is_pct=2.0)]
    rows = {a.milestone: a.category for a in assess(visits, START, "ELN2020")}
    assert rows["12"] == rows["latest"] == "failure"  # the 6-month row would say warning (<= 10%)
    early = [visit(3, bcr_abl1_is_pct=5.0), dict(date=day(365 - 23), bcr_abl1_is_pct=2.0)]  # 11.24 months: 6-mo row
    assert {a.milestone: a.category for a in assess(early, START, "ELN2020")}["latest"] == "warning"


# -- 5. Scores at their exact cut-offs --------------------------------------------------------------------------

@pytest.mark.parametrize("score, value, group", [
    ("eutos", 87 + 1e-14, "low"), ("hasford", 1480 + 1e-12, "intermediate"), ("hasford", 780 + 1e-12, "low"),
    ("elts", 1.5680 + 1e-14, "low"), ("elts", 2.2185 + 1e-14, "intermediate"),
    ("sokal", 0.8 - 1e-14, "intermediate"), ("sokal", 1.2 + 1e-14, "intermediate"),
])
def test_scores_compared_at_the_published_precision(score, value, group):
    assert scores.risk_group(score, value) == group
    other_side = {"low": "intermediate", "intermediate": "high"}.get(group) if score != "eutos" else "high"
    step = {"eutos": 1, "hasford": 1, "elts": 0.0001, "sokal": 0.01}[score]
    if score == "sokal" and group == "intermediate" and value < 1:  # 0.8 - 1e-14: the low side is one step down
        assert scores.risk_group(score, value - step) == "low"
    else:
        assert scores.risk_group(score, value + step) == other_side


# -- 6. CCyR by interphase FISH ---------------------------------------------------------------------------------

@pytest.mark.parametrize("fish, nuclei, expected", [
    (0.99, 200, "CCyR"), (1.0, 200, "not evaluable"), (0.5, 199, "not evaluable"), (0.0, 500, "CCyR"),
])
def test_ccyr_by_fish_below_1pct_of_200_nuclei(fish, nuclei, expected):
    assert responses.cytogenetic(None, fish_pct=fish, fish_nuclei=nuclei) == expected


def test_an_evaluable_marrow_decides_before_fish():
    assert responses.cytogenetic(5, 20, fish_pct=0.5, fish_nuclei=300) == "PCyR"
    assert responses.cytogenetic(5, 10, fish_pct=0.5, fish_nuclei=300) == "CCyR"  # < 20 metaphases: FISH decides
    with pytest.raises(ValueError, match="fish_pct"):
        responses.cytogenetic(None)


def test_fish_ccyr_is_a_response_in_the_timeline():
    visits = [visit(6, ph_pos_pct=20, metaphases=20), visit(12, fish_pct=0.5, fish_nuclei=200)]
    assert kinds(derive_events(visits)) == ["PCYR", "CCYR"]
    assert kinds(derive_events([visits[0], visit(12, fish_pct=0.5, fish_nuclei=150)])) == ["PCYR"]


# -- 7. ELN 2020 for patients monitored by marrow cytogenetics only ---------------------------------------------

@pytest.mark.parametrize("months, ph, expected", [
    (3, 35, "optimal"), (3, 36, "warning"), (6, 0, "optimal"), (6, 1, "warning"), (6, 35, "warning"),
    (6, 36, "failure"), (12, 0, "warning"), (12, 1, "failure"),
])
def test_eln2020_cytogenetic_equivalence(months, ph, expected):
    # CCyR ~ BCR::ABL1 <= 1%, PCyR ~ <= 10%
    assert milestones.classify(months, ph_pos_pct=ph, guideline="ELN2020") == expected


def test_eln2020_assess_patients_monitored_by_marrow_only():
    visits = [visit(3, ph_pos_pct=30, metaphases=20), visit(6, ph_pos_pct=0, metaphases=20)]
    rows = {a.milestone: a.category for a in assess(visits, START, "ELN2020")}
    assert rows == {"3": "optimal", "6": "optimal", "latest": "optimal"}  # was: nothing at all


# -- 8. CTCAE v5.0 white blood cell decreased ----------------------------------------------------------------------

@pytest.mark.parametrize("value, grade", [
    (4.0, 0), (3.99, 1), (3.0, 1), (2.99, 2), (2.0, 2), (1.99, 3), (1.0, 3), (0.99, 4), (0.0, 4),
])
def test_ctcae_wbc_decreased(value, grade):
    assert ctcae.lab_grade("wbc", value) == grade


def test_ctcae_wbc_uses_the_given_lln():
    assert ctcae.lab_grade("wbc", 3.5, lln=3.5) == 0 and ctcae.lab_grade("wbc", 3.49, lln=3.5) == 1
    assert ctcae.TERMS["wbc"] == "White blood cell decreased"


# -- 9. Mutations and additional chromosome abnormalities ------------------------------------------------------

def test_mutation_and_aca_names():
    assert genetics.normalise_mutation("p.t315i") == "T315I" and genetics.normalise_mutation("F317L") == "F317L"
    assert genetics.normalise_mutation("none detected") == genetics.NONE
    with pytest.raises(ValueError, match="mutation"):
        genetics.normalise_mutation("T315")
    assert [genetics.normalise_aca(x) for x in ("trisomy 8", "+Ph", "i(17)(q10)", "monosomy 7", "inv(3)",
                                                "complex karyotype", "-Y")] == [
        "+8", "+Ph", "i(17q)", "-7/7q-", "3q26.2", "complex", "-Y"]
    assert genetics.is_high_risk_aca("+19") and not genetics.is_high_risk_aca("-Y")


def findings(*rows) -> list[genetics.Finding]:
    return [genetics.Finding(day(d), test, genetics.normalise_aca(value) if test == "karyotype" else value, ph)
            for d, test, value, ph in rows]


def test_resistance_mutation_is_failure_at_any_time_until_a_later_test_finds_none():
    visits = [visit(3, bcr_abl1_is_pct=5.0), visit(6, bcr_abl1_is_pct=0.5), visit(8, bcr_abl1_is_pct=0.5, **MARROW_0)]
    for guideline in ("ELN2020", "ELN2025", "ELN2013", "ELN2009"):
        found = findings((200, "mutation", "T315I", True))
        assert latest(visits, guideline, genetics=found) == "failure"
        before = findings((200, "mutation", "T315I", True), (230, "mutation", genetics.NONE, True))
        assert latest(visits, guideline, genetics=before) != "failure"
    pre_treatment = findings((-10, "mutation", "T315I", True))  # found before this TKI line: not its failure
    assert latest(visits, "ELN2020", genetics=pre_treatment) == "optimal"


def test_high_risk_aca_failure_per_guideline_and_ph_negative_warning():
    visits = [visit(3, bcr_abl1_is_pct=5.0), visit(6, bcr_abl1_is_pct=0.5), visit(8, bcr_abl1_is_pct=0.5, **MARROW_0)]
    high = findings((200, "karyotype", "i(17q)", True))
    other = findings((200, "karyotype", "-Y", True))
    assert latest(visits, "ELN2020", genetics=high) == "failure"
    assert latest(visits, "ELN2020", genetics=other) == "optimal"  # ELN 2020 names high-risk ACA only
    assert latest(visits, "ELN2013", genetics=other) == "failure"  # ELN 2013: any CCA/Ph+
    assert latest(visits, "ELN2009", genetics=high) == "suboptimal"  # ELN 2009: ACA in Ph+ is suboptimal
    minus7 = findings((200, "karyotype", "-7", False))
    assert latest(visits, "ELN2013", genetics=minus7) == "warning"  # CCA/Ph- (-7, 7q-)


def test_high_risk_aca_on_treatment_is_accelerated_phase():
    visits = [visit(3, **CHR), visit(9, **CHR)]
    found = findings((200, "karyotype", "+8", True))
    events = derive_events(visits, "ELN2020", found, START)
    assert kinds(events) == ["CHR", "PROG_AP"] and events[1][0] == day(200)
    assert kinds(derive_events(visits, "ELN2020", findings((200, "karyotype", "-Y", True)), START)) == ["CHR"]
    assert kinds(derive_events(visits, "ELN2020", findings((-30, "karyotype", "+8", True)), START)) == ["CHR"]


# -- 10. ELN 2025, WHO 2022 and ICC 2022 -------------------------------------------------------------------------

def test_eln2025_is_a_guideline_marked_unverified():
    assert "ELN2025" in milestones.GUIDELINES and "ELN2025" in milestones.UNVERIFIED
    assert milestones.classify(6, 10.0, guideline="ELN2025") == "warning"
    assert milestones.classify(6, 10.01, guideline="ELN2025") == "failure"
    assert kinds(derive_events(IN_MMR + [visit(24, bcr_abl1_is_pct=0.2)], "ELN2025")) == ["MMR", "LOSS_MMR"]


@pytest.mark.parametrize("blasts, baso, aca, who2022, icc2022", [
    (19.9, 1, None, "CP", "AP"), (20, 1, None, "BP", "BP"), (9.9, 1, None, "CP", "CP"), (10, 1, None, "CP", "AP"),
    (2, 20, None, "CP", "AP"), (2, 19.9, None, "CP", "CP"), (2, 1, True, "CP", "AP"), (25, None, None, "BP", "BP"),
])
def test_who2022_is_biphasic_and_icc2022_keeps_accelerated_phase(blasts, baso, aca, who2022, icc2022):
    assert phase.phase(blasts, baso, None, rules="WHO2022", aca_ph_positive=aca) == who2022
    assert phase.phase(blasts, baso, None, rules="ICC2022", aca_ph_positive=aca) == icc2022


def test_who2022_risk_features_replace_the_accelerated_phase():
    assert phase.who2022_risk_features(10, 20, True) == ["blasts 10-19%", "basophils >= 20%",
                                                         "high-risk ACA in Ph+ cells"]
    assert phase.who2022_risk_features(9.9, 19.9, False) == []
    assert phase.who2022_risk_features(20, None) == []  # 20% is blast phase, not a chronic-phase feature


def test_guidelines_derived_once_have_the_same_rules_to_the_letter():
    visits = [*IN_MMR, visit(24, bcr_abl1_is_pct=2.0), visit(25, bcr_abl1_is_pct=0.3, **NO_CHR)]
    for guideline, same in milestones.SAME_RULES_AS.items():
        assert milestones.RULES[guideline] == milestones.RULES[same]
        assert milestones.GENETIC_RULES[guideline] == milestones.GENETIC_RULES[same]
        assert derive_events(visits, guideline) == derive_events(visits, same)
        assert assess(visits, START, guideline) == assess(visits, START, same)
