"""The patient timeline as a dict: rows, dose-labelled segments, log BCR::ABL1 axis, ELN bands, markers, phases."""

from __future__ import annotations

import pandas as pd
import pytest

from cmltrack.db import queries as q
from cmltrack.figures.patient import PHASE_SHADE, ROWS, build_patient_timeline
from tests.unit.test_swimmer_figure import decoded


def _inputs(con, pid, guideline="ELN2020"):
    p = q.patient(con, pid, guideline).iloc[0]
    return (p, q.treatments_for(con, [pid]), q.labs_for(con, [pid]), q.events_for(con, [pid], guideline),
            q.adverse_events_for(con, [pid]))


def _fig(con, pid, **kw):
    fig = build_patient_timeline(*_inputs(con, pid), tki_start=q.tki_line_start(con, pid), **kw)
    return decoded(fig.to_dict())


def test_rows_share_one_time_axis(con):
    fig = _fig(con, "CML-02")
    titles = [a["text"] for a in fig["layout"]["annotations"] if a["text"] in ROWS]
    assert titles == list(ROWS)
    axes = [k for k in fig["layout"] if k.startswith("xaxis")]
    assert len(axes) == len(ROWS)
    assert all(fig["layout"][a].get("matches") == "x8" for a in axes if a != "xaxis8")


def test_exposure_bars_per_dose_with_labels_and_gaps(con):
    p, seg, *_ = _inputs(con, "CML-06")  # imatinib 400 -> 300 mg with an interruption
    fig = _fig(con, "CML-06")
    bars = [t for t in fig["data"] if t["type"] == "bar" and t["yaxis"] == "y"]
    assert sum(len(t["base"]) for t in bars) == len(seg) == 4
    assert {label for t in bars for label in t["text"]} == {"400 mg", "300 mg", "100 mg"}
    im300 = next(t for t in bars if "300 mg" in t["text"])
    ends = [b + w for b, w in zip(im300["base"], im300["x"])]
    assert min(im300["base"][1:] + im300["base"][:1]) < max(ends)  # two segments ...
    gap = sorted(im300["base"])[1] - sorted(ends)[0]
    assert gap == pytest.approx(1.0, abs=0.1)  # ... one month apart: the interruption shows as a gap


def test_bcr_abl1_on_a_log_axis_with_depth_lines_and_eln_bands(con):
    fig = _fig(con, "CML-02")
    y4 = fig["layout"]["yaxis3"]  # the BCR::ABL1 panel, right under the responses
    assert y4["type"] == "log" and y4["range"] == [-3.3, 2.3]
    assert "MMR 0.1" in y4["ticktext"] and "MR4.5 0.0032" in y4["ticktext"]  # every level with its value
    hlines = {s["y0"] for s in fig["layout"]["shapes"] if s["type"] == "line" and s.get("yref") == "y3"}
    assert {0.1, 0.01, 0.0032} <= hlines
    bands = [s for s in fig["layout"]["shapes"] if s["type"] == "rect" and s.get("yref") == "y3"]
    # ELN 2020: warning zones from 3, 6 and 12 months, failure zones from 6 and 12 months
    assert len(bands) == 5
    assert sorted({s["y0"] for s in bands}) == [0.1, 1.0, 10.0]
    assert any("≤0.1%" in a["text"] for a in fig["layout"]["annotations"])
    assert len(_fig(con, "CML-02", guideline="ELN2013")["layout"]["shapes"]) > 0


def test_undetectable_results_are_drawn_at_their_sensitivity(con, frames):
    p, seg, labs, ev, aes = _inputs(con, "CML-02")
    labs = labs.copy()
    labs.loc[labs["bcr_abl1_is_pct"].notna().idxmax(), ["bcr_abl1_is_pct", "abl1_copies"]] = [0.0, 50_000]
    fig = decoded(build_patient_timeline(p, seg, labs, ev, aes).to_dict())
    und = next(t for t in fig["data"] if t["name"].startswith("Undetectable"))
    assert und["y"] == [pytest.approx(100 / 50_000)] and und["marker"]["symbol"] == "triangle-down-open"


def test_response_markers_and_adverse_event_intervals(con):
    fig = _fig(con, "CML-02")
    names = {t["name"] for t in fig["data"]}
    assert {"CCyR", "MMR (BCR::ABL1 ≤ 0.1%)", "Loss of CCyR", "Loss of MMR"} <= names
    ae = [t for t in fig["data"] if t["type"] == "bar" and t["yaxis"] == "y4"]  # adverse events: row 4
    assert {t["name"] for t in ae} == {"Grade 1"} and set(ae[0]["y"]) >= {"Peripheral sensory neuropathy"}
    assert "CTCAE" in ae[0]["hovertemplate"]


def test_accelerated_phase_is_shaded(con):
    fig = _fig(con, "CML-03")
    shaded = [s for s in fig["layout"]["shapes"] if s["type"] == "rect" and s["fillcolor"] == PHASE_SHADE["AP"]]
    assert len(shaded) == len(ROWS)  # one band across every row
    assert any(a["text"] == "<b>AP</b>" for a in fig["layout"]["annotations"])
    assert not [s for s in _fig(con, "CML-05")["layout"]["shapes"] if PHASE_SHADE["AP"] in str(s.get("fillcolor"))]


def test_anchor_moves_the_axis_and_must_exist(con):
    p, seg, labs, ev, aes = _inputs(con, "CML-02")
    thal = decoded(build_patient_timeline(p, seg, labs, ev, aes, anchor="thalidomide").to_dict())
    im = decoded(build_patient_timeline(p, seg, labs, ev, aes, anchor="imatinib").to_dict())
    thal_bar = lambda f: next(t for t in f["data"] if t["type"] == "bar" and "100 mg" in t["text"])  # noqa: E731
    assert thal_bar(thal)["base"][0] == pytest.approx(0, abs=0.05)
    assert thal_bar(im)["base"][0] == pytest.approx(63, abs=0.1)
    with pytest.raises(ValueError, match="anchor"):
        build_patient_timeline(p.drop("thal_start_date").reindex(p.index), seg, labs, ev, aes)
    with pytest.raises(ValueError, match="anchor"):
        build_patient_timeline(p, seg, labs, ev, aes, anchor="birth")


def test_a_patient_without_labs_still_draws(con):
    p, seg, labs, ev, aes = _inputs(con, "CML-02")
    fig = build_patient_timeline(p, seg, labs.iloc[0:0], ev.iloc[0:0], aes.iloc[0:0])
    assert any(t.type == "bar" for t in fig.data)
    assert isinstance(fig.to_json(), str) and pd.notna(p["thal_start_date"])


def test_the_legend_names_every_kind_of_mark(con):
    fig = _fig(con, "CML-03")  # AP shading, ELN zones, two drugs, ongoing treatment, adverse events
    shown = {t["name"] for t in fig["data"] if t.get("showlegend", True) is not False}
    groups = {t.get("legendgrouptitle", {}).get("text") for t in fig["data"] if t.get("showlegend", True) is not False}
    assert {"600 mg/d", "100 mg/d", "Ongoing at last visit", "ELN warning zone", "ELN failure zone",
            "Accelerated phase", "MMR, MR4, MR4.5 levels", "Grade 1"} <= shown
    assert {"Imatinib", "Thalidomide", "Treatment", "Zones and levels"} <= groups


def test_the_boards_compact_course_fits_its_screen(con):
    fig = _fig(con, "CML-03", compact=True, board=True, scale=1.35)
    titles = [a["text"] for a in fig["layout"]["annotations"] if a["text"] in ROWS]
    assert titles == ["Treatment", "Response", "BCR::ABL1 IS (%)", "Adverse events"]
    assert fig["layout"]["height"] <= 640  # under the card and the open question on one 1080p screen
    plot_px = fig["layout"]["height"] - fig["layout"]["margin"]["t"] - fig["layout"]["margin"]["b"]
    terms = {y for t in fig["data"] if t.get("yaxis") == "y4" for y in t.get("y", []) if isinstance(y, str)}
    low, high = fig["layout"]["yaxis4"]["domain"]
    assert len(terms) == 2 and (high - low) * plot_px >= 26 * len(terms)  # each term's 18 px label has its room
    low, high = fig["layout"]["yaxis3"]["domain"]
    assert (high - low) * plot_px >= 150  # the BCR::ABL1 panel stays readable
    assert not [t for t in fig["data"] if t.get("yaxis") in ("y5", "y6", "y7", "y8")]  # no marrow, no counts
    bars = [t for t in fig["data"] if t["type"] == "bar" and t["yaxis"] == "y"]
    assert all(t["constraintext"] == "none" for t in bars)  # labels at projector size, never shrunk
    assert {label for t in bars for label in t["text"]} == {"400 mg", "600 mg", "100 mg"}


def test_a_bar_too_short_for_its_label_on_a_projector_has_none(con):
    def thalidomide(fig):
        return next(t for t in fig["data"] if t["type"] == "bar" and t["yaxis"] == "y" and t["name"] == "100 mg/d")

    board = thalidomide(_fig(con, "CML-19", compact=True, board=True, scale=1.35))  # 1 month of years on the axis
    assert board["x"][0] == pytest.approx(1.02, abs=0.01) and list(board["text"]) == [""]
    assert list(thalidomide(_fig(con, "CML-19"))["text"]) == ["100 mg"]  # on a screen it may shrink to fit
    # one month of a 15-month course is long enough (CML-11)
    assert list(thalidomide(_fig(con, "CML-11", compact=True, board=True, scale=1.35))["text"]) == ["100 mg"]


def test_a_high_risk_aca_shades_accelerated_phase_from_its_date_and_is_marked(con):
    p, seg, labs, ev, aes = _inputs(con, "CML-05")  # chronic phase throughout by its counts
    when = pd.to_datetime(labs["date"]).sort_values().iloc[-4]
    aca = pd.DataFrame([{"patient_id": "CML-05", "date": when, "kind": "ACA_HR", "term": "+8 in Ph+ cells"},
                        {"patient_id": "CML-05", "date": when, "kind": "MUTATION", "term": "T315I (NGS)"}])
    fig = decoded(build_patient_timeline(p, seg, labs, pd.concat([ev, aca], ignore_index=True), aes).to_dict())
    shaded = [s for s in fig["layout"]["shapes"] if PHASE_SHADE["AP"] in str(s.get("fillcolor"))]
    assert len(shaded) == len(ROWS)
    x0 = float(pd.Series([when]).pipe(lambda d: (d - pd.Timestamp(p["thal_start_date"])).dt.days / 30.4375).iloc[0])
    assert shaded[0]["x0"] == pytest.approx(x0, abs=0.01)
    markers = {t["name"]: t for t in fig["data"] if t.get("name") in ("High-risk ACA (Ph+)", "BCR::ABL1 mutation")}
    assert set(markers) == {"High-risk ACA (Ph+)", "BCR::ABL1 mutation"}
    assert "T315I (NGS)" in str(markers["BCR::ABL1 mutation"]["customdata"])


# --- readability (issue 20) ---------------------------------------------------------------------------------------


def _px(fig: dict, axis: str) -> float:
    layout = fig["layout"]
    axis = "yaxis" if axis == "yaxis1" else axis
    d0, d1 = layout[axis]["domain"]
    return (d1 - d0) * (layout["height"] - layout["margin"]["t"] - layout["margin"]["b"])


@pytest.mark.parametrize("pid", ["CML-03", "CML-02", "CML-19"])
def test_the_bcr_abl1_panel_is_tall_right_under_the_responses_with_its_own_time_labels(con, pid):
    fig = _fig(con, pid)
    assert fig["layout"]["yaxis3"]["type"] == "log" and _px(fig, "yaxis3") >= 250  # was about 60 px
    assert _px(fig, "yaxis3") > max(_px(fig, f"yaxis{i}") for i in (1, 2, 4, 5, 6, 7, 8))
    assert all(_px(fig, f"yaxis{i}") >= 90 for i in (5, 6, 7, 8))  # marrow and blood counts readable too
    assert fig["layout"]["xaxis3"]["showticklabels"] is True
    assert fig["layout"]["legend"]["orientation"] == "v"  # beside the rows: the panel stays on the first screen


def test_phase_labels_sit_on_the_bcr_panel_and_phase_shading_is_not_an_eln_colour(con):
    fig = _fig(con, "CML-03")
    ap = next(a for a in fig["layout"]["annotations"] if a["text"] == "<b>AP</b>")
    assert ap["yref"] == "y3 domain" and ap.get("bgcolor")  # not under the imatinib bar, on a white ground
    r, g, b, _ = (float(v) for v in PHASE_SHADE["AP"][5:-1].split(","))
    assert r == g == b  # grey; the ELN zones are yellow and red
    edged = [s for s in fig["layout"]["shapes"] if s.get("fillcolor") == PHASE_SHADE["AP"]]
    assert edged and all(s["line"]["dash"] == "dot" for s in edged)


def test_every_level_and_threshold_is_labelled_inside_the_plot(con):
    fig = _fig(con, "CML-03")
    assert "MR4.5 0.0032" in fig["layout"]["yaxis3"]["ticktext"]
    pcyr = next(a for a in fig["layout"]["annotations"] if "PCyR" in a["text"])
    assert pcyr["xref"] == "x5 domain" and pcyr["x"] <= 1 and pcyr["xanchor"] == "right"
    eln = [a for a in fig["layout"]["annotations"] if " mo" in a["text"]]
    assert len(eln) == 3 and all(a["yref"] == "y3 domain" and a["y"] < 0.2 for a in eln)  # at the panel's foot
    assert len({a["y"] for a in eln[:2]}) == 2  # neighbouring zones' labels at two heights: never on each other


def test_the_legend_explains_lab_marks_too(con):
    fig = _fig(con, "CML-03")
    shown = {t["name"] for t in fig["data"] if t.get("showlegend", True) is not False}
    assert {"BCR::ABL1 IS", "Ph+ metaphases (marrow)", "Blood counts (WBC, platelets, Hb)",
            "Ongoing at last visit", "Accelerated phase", "ELN warning zone"} <= shown
