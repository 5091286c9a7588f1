"""Help texts are generated from the rules' own numbers and papers (cmltrack.clinical.explain), never copied into
the pages: change a cut-off and the page's help changes with it."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from cmltrack.clinical import explain, monitoring, responses
from cmltrack.clinical.scores import CUTOFFS, risk_group

ROOT = Path(__file__).resolve().parents[2]
#: A journal reference: year;volume(issue):page, e.g. 2020;34:966 or 2012;120(21):1689.
CITATION = re.compile(r"\b(19|20)\d\d;\d+(\(\d+\))?:\d+")
#: A cut-off written as a comparison with a number, e.g. "> 87" or "<= 0.1%".
CUTOFF = re.compile(r"[<>]=? ?\d")


@pytest.mark.parametrize("score, words, cases", [
    # Sokal 1984: low < 0.8, intermediate 0.8-1.2, high > 1.2
    ("sokal", "low < 0.80; intermediate >= 0.80 and <= 1.20; high > 1.20",
     [(0.79, "low"), (0.8, "intermediate"), (1.2, "intermediate"), (1.21, "high")]),
    # Hasford 1998: low <= 780, intermediate 781-1480, high > 1480
    ("hasford", "low <= 780; intermediate > 780 and <= 1,480; high > 1,480",
     [(780, "low"), (781, "intermediate"), (1480, "intermediate"), (1481, "high")]),
    # Hasford 2011 (EUTOS): high > 87
    ("eutos", "low <= 87; high > 87", [(87, "low"), (88, "high")]),
    # Pfirrmann 2016 (ELTS): low <= 1.5680, intermediate > 1.5680 and <= 2.2185, high > 2.2185
    ("elts", "low <= 1.5680; intermediate > 1.5680 and <= 2.2185; high > 2.2185",
     [(1.5680, "low"), (1.5681, "intermediate"), (2.2185, "intermediate"), (2.2186, "high")]),
])
def test_the_words_say_what_the_rule_does_on_both_sides_of_each_cut_off(score, words, cases):
    assert CUTOFFS[score].groups_text() == words
    assert words in explain.score_help(score) and CUTOFFS[score].citation in explain.score_help(score)
    assert [risk_group(score, value) for value, _ in cases] == [group for _, group in cases]


def test_a_changed_cut_off_changes_the_help(monkeypatch):
    monkeypatch.setitem(CUTOFFS, "eutos", dataclasses.replace(CUTOFFS["eutos"], low=90.0))
    assert "low <= 90; high > 90" in explain.score_help("eutos")
    assert "low <= 90; high > 90" in explain.scores_help()
    assert risk_group("eutos", 90) == "low" and risk_group("eutos", 91) == "high"


def test_depths_and_schedule_come_from_the_rules(monkeypatch):
    assert "MMR <= 0.1%, MR4 <= 0.01%, MR4.5 <= 0.0032%, MR5 <= 0.001%" in explain.depth_help()
    assert "10,000 for MR4, 32,000 for MR4.5, 100,000 for MR5" in explain.depth_help()
    assert ("every 3 months until MMR, then every 3 to 6 months (overdue past 6); in TFR every 1 month to month 6, "
            "every 2 months to month 12, then every 3 months") in explain.pcr_schedule_help()
    monkeypatch.setattr(monitoring, "ON_TKI_BEFORE_MMR_MONTHS", 2.0)
    monkeypatch.setattr(responses, "MOLECULAR_DEPTHS", (("MR5", 0.001, 100_000), ("MR4.5", 0.0032, 32_000),
                                                         ("MR4", 0.01, 10_000), ("MMR", 0.2, 10_000)))
    assert "every 2 months until MMR" in explain.pcr_schedule_help()
    assert "MMR <= 0.2%" in explain.depth_help()


def _code_strings(path: Path) -> list[str]:
    """The string literals of a module, its docstrings and comments left out."""
    import ast

    tree = ast.parse(path.read_text())
    docs = {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef) and node.body
            and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs]


@pytest.mark.parametrize("path", sorted([*ROOT.glob("pages/*.py"), *ROOT.glob("cmltrack/ui/*.py"), ROOT / "app.py",
                                         *ROOT.glob("cmltrack/analysis/*.py")]), ids=lambda p: p.name)
def test_no_page_writes_a_citation_of_its_own(path):
    """Citations live beside their rules in cmltrack.clinical (and the abstract's in analysis.outcomes)."""
    own = [s for s in _code_strings(path) if CITATION.search(s)]
    if path.name == "outcomes.py" and path.parent.name == "analysis":
        own = [s for s in own if s != "ASH 2012 abstract, Blood 2012;120(21):1689"]
    assert own == []


@pytest.mark.parametrize("path", sorted([*ROOT.glob("pages/*.py"), *ROOT.glob("cmltrack/ui/*.py")]),
                         ids=lambda p: p.name)
def test_no_page_help_writes_a_cut_off(path):
    """A help text comparing with a number (> 87, <= 0.1%) is a copied rule: it must come from explain."""
    assert [s for s in _code_strings(path) if CUTOFF.search(s) and len(s) > 12] == []
