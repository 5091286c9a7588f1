"""The Cohort page's 'Jump to a patient' box: which lane a typed text names."""

from __future__ import annotations

import pandas as pd

from cmltrack.ui.cohort_page import find_lane

LANES = pd.DataFrame({"label": ["CML-1", "CML-10", "CML-11", "SYN-20"]})


def test_a_whole_label_in_any_case_wins_over_the_labels_that_hold_it():
    assert find_lane(LANES, "cml-1") == (0, 3)
    assert find_lane(LANES, "  CML-10 ") == (1, 1)


def test_a_part_only_one_label_holds_finds_it_and_a_shared_part_finds_none():
    assert find_lane(LANES, "syn") == (3, 1)
    assert find_lane(LANES, "CML-") == (None, 3)
    assert find_lane(LANES, "P-0001") == (None, 0)


def test_an_empty_box_or_regex_characters_find_nothing():
    assert find_lane(LANES, None) == (None, 0)
    assert find_lane(LANES, "   ") == (None, 0)
    assert find_lane(LANES, ".*") == (None, 0)
