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
    markers = {t["name"]: t for t in _traces(fig, "scatter") if t.get("showlegend", True)
               and t.get("legendgroup") != "Response duration"}
    expected = {GLYPHS[k].label for k in ("CHR", "PCYR", "CCYR", "MMR", "LOSS_CHR", "LOSS_CCYR", "LOSS_MMR",
                                          "PROG_AP", "PROG_BP", "AE1", "AE2", "ONGOING", "STOP_AE", "STOP_PROG",
                                          "STOP_OTHER", "GAP")}
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
        if t.get("xaxis") == "x2":  # the invisible point that carries the top time axis
            continue
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


# --- readability (issue 20): glyphs, top axis, stops and gaps, clipped history, dodging -------------------------


def test_the_time_axis_is_drawn_on_top_too(swimmer):
    layout = swimmer[3]["layout"]
    assert layout["xaxis2"]["side"] == "top" and layout["xaxis2"]["matches"] == "x"
    assert layout["xaxis2"]["overlaying"] == "x" and layout["xaxis2"].get("visible", True)
    assert any(t.get("xaxis") == "x2" for t in swimmer[3]["data"])  # an axis is drawn only with a trace on it
    zero = layout["xaxis2"]["tickvals"].index(0)  # the dashed line named on the top axis: clear of every title
    assert "thalidomide start" in layout["xaxis2"]["ticktext"][zero]
    assert not [a for a in layout["annotations"] if "start" in a["text"]]


def test_each_molecular_depth_has_its_own_shape_and_shade():
    depths = [GLYPHS[k] for k in ("MMR", "MR4", "MR4.5", "MR5")]
    assert len({g.symbol for g in depths}) == 4 and len({g.color for g in depths}) == 4
    lum = [sum(int(g.color[i:i + 2], 16) for i in (1, 3, 5)) for g in depths]
    assert lum == sorted(lum, reverse=True)  # darker as the response deepens: greyscale keeps the order


def test_adverse_event_grade_is_told_by_shape_and_size_with_grade_3_or_worse_prominent():
    grades = [GLYPHS[f"AE{g}"] for g in range(1, 6)]
    assert grades[0].symbol.endswith("-open") and not grades[1].symbol.endswith("-open")
    assert min(g.size for g in grades[2:]) >= 1.5 * max(g.size for g in grades[:2])
    assert min(g.line_width for g in grades[2:4]) >= 2 > max(g.line_width for g in grades[:2])
    assert len({g.symbol for g in grades[2:]}) == 3


def test_stops_and_gaps_are_drawn_and_in_the_legend(swimmer):
    _, seg, _, fig = swimmer
    traces = {t["name"]: t for t in fig["data"]}
    reasons = seg.loc[seg["end_date"].notna(), "reason_stopped"].fillna("").str.lower()
    assert len(traces[GLYPHS["STOP_AE"].label]["x"]) == reasons.str.startswith("adverse event").sum() == 1
    assert len(traces[GLYPHS["STOP_PROG"].label]["x"]) == reasons.str.contains("progression").sum() == 2
    assert len(traces[GLYPHS["STOP_OTHER"].label]["x"]) == reasons.str.startswith("interruption").sum() == 3
    s = seg.sort_values(["patient_id", "drug", "start_date"])
    same = s["patient_id"].eq(s["patient_id"].shift()) & s["drug"].eq(s["drug"].shift())
    gaps = (same & (pd.to_datetime(s["start_date"]) - pd.to_datetime(s["end_date"].shift())).dt.days.gt(3)).sum()
    gap = traces[GLYPHS["GAP"].label]
    assert gaps > 0 and len(gap["x"]) == 3 * gaps and gap["line"]["dash"] == "dot"
    assert all(traces[GLYPHS[k].label]["legendgrouptitle"]["text"] == "Treatment"
               for k in ("STOP_AE", "STOP_PROG", "STOP_OTHER", "GAP"))


def test_history_cut_at_the_left_edge_is_marked_and_never_half_drawn(con):
    lanes, seg, ev = _inputs(con)
    fig = as_dict(build_swimmer(lanes, seg, ev, months_before=12))
    left = fig["layout"]["xaxis"]["range"][0]
    earlier = next(t for t in fig["data"] if t["name"] == GLYPHS["EARLIER"].label)
    assert earlier["marker"]["symbol"] == "triangle-left" and all(left < x < left + 1 for x in earlier["x"])
    starts = seg.merge(lanes[["patient_id", "thal_start_date"]], on="patient_id")
    early = (pd.to_datetime(starts["thal_start_date"]) - pd.to_datetime(starts["start_date"])).dt.days > 12 * 30.44
    assert len(earlier["x"]) == starts.loc[early, "patient_id"].nunique() == 19  # 2 began imatinib within a year
    for t in fig["data"]:
        if t["type"] == "scatter" and t["name"] not in (GLYPHS["EARLIER"].label, GLYPHS["GAP"].label) \
                and t.get("xaxis") != "x2" and t.get("mode") != "lines":  # a line may run on past the edge
            xs = [x for x in t["x"] if x is not None]
            assert all(x >= -12.5 for x in xs), t["name"]  # at least half a month inside the window
    whole = as_dict(build_swimmer(lanes, seg, ev))
    assert not any(t["name"] == GLYPHS["EARLIER"].label for t in whole["data"])


def test_events_close_in_time_in_one_lane_are_spread_apart(con):
    lanes, seg, ev = _inputs(con)
    fig = as_dict(build_swimmer(lanes, seg, ev, months_before=12))
    points = [(x, y) for t in fig["data"] if t["name"] in ("Loss of CHR", "Progression to AP")
              for x, y in zip(t["x"], t["y"])]
    for i, (x, y) in enumerate(points):  # loss of CHR and progression days apart: never on one spot
        for x2, y2 in points[i + 1:]:
            if abs(x - x2) < 0.5 and round(y) == round(y2):
                assert abs(y - y2) >= 0.4


def test_attention_first_puts_failures_then_warnings_first(con):
    from cmltrack.clinical.milestones import severity

    lanes = q.cohort_lanes(con, CohortFilter())
    ordered = order_lanes(lanes, "attention", False)
    ranks = ordered["eln_latest"].map(lambda c: severity(c) if isinstance(c, str) else -1).tolist()
    assert ranks == sorted(ranks, reverse=True) and ranks[0] == 3  # failure (3) first, unassessed (-1) last
    within = ordered[ordered["eln_latest"] == "failure"]["thal_months"].tolist()
    assert within == sorted(within, reverse=True)  # then the longest on thalidomide
    assert severity("warning") < severity("suboptimal") < severity("failure")


def test_overview_draws_no_share_from_a_handful_of_late_patients():
    from cmltrack.figures.overview import build_overview

    months = np.arange(-3, 30)
    followed = np.where(months < 24, 1000, 3)  # 1,000 followed, then 3 late patients
    overview = pd.DataFrame({"month": months, "followed": followed, "on_imatinib": followed,
                             "on_thalidomide": followed, "reached_chr": followed // 2, "reached_ccyr": followed // 4,
                             "reached_mmr": np.where(months < 24, 100, 3)}, index=months)
    fig = as_dict(build_overview(overview, "Months", 1000))
    mmr = next(t for t in fig["data"] if t["name"] == "MMR or deeper")
    late = [y for x, y in zip(mmr["x"], mmr["y"]) if x >= 24]
    assert late and all(y is None or y != y for y in late)  # not drawn (was a jump to 100%)
    assert [y for x, y in zip(mmr["x"], mmr["y"]) if x == 0] == [10.0]
    assert "of %{customdata:,} followed" in mmr["hovertemplate"]  # n on hover
    assert "fewer than 50 followed not drawn" in fig["layout"]["annotations"][1]["text"]


def test_response_duration_lines_run_from_the_response_to_its_loss_or_the_last_visit(swimmer):
    from cmltrack.figures.swimmer import response_spans

    events = pd.DataFrame({"patient_id": ["A"] * 4 + ["B"] * 2, "x": [1.0, 3.0, 5.0, 7.0, 2.0, 4.0],
                           "kind": ["CCYR", "MMR", "LOSS_CCYR", "CCYR", "MMR", "LOSS_MMR"]})
    ccyr = response_spans(events, frozenset({"CCYR", "MMR"}), frozenset({"LOSS_CCYR"}))
    assert ccyr.fillna(-1).values.tolist() == [["A", 1.0, 5.0], ["A", 7.0, -1], ["B", 2.0, -1]]  # -1: still held
    fig = swimmer[3]
    lines = {t["name"]: t for t in fig["data"] if t.get("legendgroup") == "Response duration"}
    assert set(lines) == {"In CCyR or deeper", "In MMR or deeper"}
    assert all(t["line"]["width"] >= 3 and t["mode"] == "lines" for t in lines.values())
    ccyr_x = [x for x in lines["In CCyR or deeper"]["x"] if x is not None]
    assert len(ccyr_x) % 2 == 0 and len(ccyr_x) >= 8  # start and end of each period
