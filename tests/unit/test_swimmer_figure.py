"""The swimmer figure as a dict: segments, markers, legend, vectorised traces, anchors and lane order."""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd
import pytest

from cmltrack.db import queries as q
from cmltrack.db.filters import CohortFilter
from cmltrack.figures.palette import GLYPHS, dose_shade
from cmltrack.figures.swimmer import build_swimmer, order_lanes


def decoded(obj):
    """A figure dict with Plotly's base64 typed arrays ({'dtype', 'bdata'}) turned back into lists."""
    if isinstance(obj, dict):
        if "bdata" in obj and "dtype" in obj:
            arr = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=obj["dtype"])
            if "shape" not in obj:
                return arr.tolist()
            shape = obj["shape"]
            shape = tuple(int(n) for n in shape.split(",")) if isinstance(shape, str) else tuple(shape)
            return arr.reshape(shape).tolist()
        return {k: decoded(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [decoded(v) for v in obj]
    return obj


def as_dict(fig) -> dict:
    return decoded(fig.to_dict())


def _inputs(con, f=None):
    lanes = order_lanes(q.cohort_lanes(con, f or CohortFilter()), "thal_months", True)
    ids = lanes["patient_id"].tolist()
    return lanes, q.treatments_for(con, ids), q.events_for(con, ids)


@pytest.fixture()
def swimmer(con):
    lanes, seg, ev = _inputs(con)
    return lanes, seg, ev, as_dict(build_swimmer(lanes, seg, ev))


def _traces(fig, kind):
    return [t for t in fig["data"] if t["type"] == kind]


def test_one_bar_per_segment_one_trace_per_drug_dose(swimmer):
    _, seg, _, fig = swimmer
    bars = _traces(fig, "bar")
    assert sorted(t["name"] for t in bars) == sorted(
        ["Imatinib 300 mg/d", "Imatinib 400 mg/d", "Imatinib 600 mg/d", "Imatinib 800 mg/d",
         "Thalidomide 100 mg/d"])
    assert sum(len(t["base"]) for t in bars) == len(seg) == 67
    thal = next(t for t in bars if t["name"].startswith("Thalidomide"))
    assert len(thal["base"]) == 21 and all(b == pytest.approx(0, abs=0.05) for b in thal["base"])  # anchor = start
    assert thal["marker"]["color"] == dose_shade("thalidomide", 100)
    assert all(t["orientation"] == "h" for t in bars)


def test_markers_for_every_response_loss_progression_and_ae_grade(swimmer):
    _, _, ev, fig = swimmer
    markers = {t["name"]: t for t in _traces(fig, "scatter")}
    expected = {GLYPHS[k].label for k in ("CHR", "PCYR", "CCYR", "MMR", "LOSS_CHR", "LOSS_CCYR", "LOSS_MMR",
                                          "PROG_AP", "PROG_BP", "AE1", "AE2", "ONGOING")}
    assert set(markers) == expected
    counts = ev["kind"].value_counts()
    assert len(markers["CCyR"]["x"]) == counts["CCYR"]
    assert len(markers["Grade 1"]["x"]) + len(markers["Grade 2"]["x"]) == counts["AE"]
    assert markers["CCyR"]["marker"]["symbol"] == "diamond"
    # shape and colour both differ between a response and its loss
    assert markers["CCyR"]["marker"]["symbol"] != markers["Loss of CCyR"]["marker"]["symbol"]
    assert markers["CCyR"]["marker"]["color"] != markers["Loss of CCyR"]["marker"]["color"]


def test_ongoing_arrows_match_open_segments(swimmer):
    _, seg, _, fig = swimmer
    arrow = next(t for t in _traces(fig, "scatter") if t["name"] == GLYPHS["ONGOING"].label)
    assert len(arrow["x"]) == int(seg["end_date"].isna().sum())
    assert arrow["marker"]["symbol"] == "arrow-right"


def test_every_trace_is_in_the_legend_with_a_group_title(swimmer):
    fig = swimmer[3]
    for t in fig["data"]:
        assert t.get("showlegend", True) is not False and t["name"]
        assert t["legendgrouptitle"]["text"]


def test_hover_names_patient_drug_dose_and_dates(swimmer):
    fig = swimmer[3]
    bar = _traces(fig, "bar")[0]
    first = bar["customdata"][0]
    assert first[0].startswith("CML-") and "mg/d" in first[1] and first[2][:2] in ("19", "20")
    assert "%{customdata[0]}" in bar["hovertemplate"]
    ae = next(t for t in _traces(fig, "scatter") if t["name"] == "Grade 1")
    assert any("neuropathy" in row[1] and row[2] == "CTCAE grade 1" for row in ae["customdata"])


def test_lanes_banded_by_status_with_counts(swimmer):
    lanes, _, _, fig = swimmer
    titles = [a["text"] for a in fig["layout"]["annotations"] if "n =" in a["text"]]
    assert titles == ["<b>Imatinib-resistant</b> (n = 13)", "<b>Imatinib-intolerant</b> (n = 8)"]
    assert len(fig["layout"]["yaxis"]["tickvals"]) == 21
    assert lanes.groupby("group")["y"].agg(["min", "max"]).loc["Imatinib-intolerant", "min"] > \
        lanes.groupby("group")["y"].agg(["min", "max"]).loc["Imatinib-resistant", "max"] + 1


def test_trace_count_does_not_grow_with_patients(con, large_db):
    from cmltrack.db.connection import open_readonly

    small = build_swimmer(*_inputs(con))
    with open_readonly(large_db) as big_con:
        lanes, seg, ev = _inputs(big_con)
        big = build_swimmer(lanes, seg, ev)
    assert len(lanes) == 21 * 48
    assert len(big.data) == len(small.data)


@pytest.mark.parametrize("anchor, drug, expected_zero", [("imatinib", "imatinib", True),
                                                         ("thalidomide", "thalidomide", True),
                                                         ("diagnosis", "imatinib", False)])
def test_anchor_moves_the_time_axis(con, anchor, drug, expected_zero):
    lanes, seg, ev = _inputs(con)
    fig = as_dict(build_swimmer(lanes, seg, ev, anchor=anchor))
    first_starts = [min(t["base"]) for t in _traces(fig, "bar") if t["legendgroup"] == drug]
    assert (min(first_starts) == pytest.approx(0, abs=0.05)) is expected_zero
    assert fig["layout"]["xaxis"]["title"]["text"].lower().endswith(anchor + " start" if anchor != "diagnosis"
                                                                    else "diagnosis")


def test_window_limits_the_initial_view(con):
    lanes, seg, ev = _inputs(con)
    fig = as_dict(build_swimmer(lanes, seg, ev, months_before=24))
    assert fig["layout"]["xaxis"]["range"][0] == pytest.approx(-25)
    full = as_dict(build_swimmer(lanes, seg, ev))
    assert full["layout"]["xaxis"]["range"][0] < -100


@pytest.mark.parametrize("sort, first", [("thal_months", "CML-02"), ("age", "CML-05"), ("patient_id", "CML-02"),
                                         ("response", "CML-02")])
def test_sorting_within_groups(con, sort, first):
    lanes = order_lanes(q.cohort_lanes(con, CohortFilter()), sort, group=True)
    resistant = lanes[lanes["group"] == "Imatinib-resistant"]
    assert resistant.iloc[0]["patient_id"] == first
    if sort == "response":
        assert resistant["best_response_rank"].is_monotonic_decreasing
    ungrouped = order_lanes(q.cohort_lanes(con, CohortFilter()), "age", group=False)
    assert ungrouped["age_years"].is_monotonic_increasing and ungrouped["y"].tolist() == list(range(1, 22))


def test_empty_input_gives_a_message_not_an_error():
    empty = pd.DataFrame(columns=["patient_id", "y", "thal_start_date", "last_visit_date", "group"])
    fig = as_dict(build_swimmer(empty, pd.DataFrame(), pd.DataFrame()))
    assert fig["layout"]["annotations"][0]["text"] == "No patients to show"


def test_figure_is_json_serialisable_and_compact(swimmer):
    lanes, seg, ev, _ = swimmer
    size = len(build_swimmer(lanes, seg, ev).to_json())
    assert size < 120_000
