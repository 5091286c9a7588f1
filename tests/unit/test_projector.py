"""Presentation mode draws for a projector: every text-bearing property of every figure built at the board's scale
is at least 18 px and black (text inside bars: Plotly's black-or-white contrast); the swimmer of a 25-lane page with
its axis and its whole legend fits a 1080p screen."""

from __future__ import annotations

import pytest

from cmltrack.analysis import outcomes, safety
from cmltrack.db import queries as q
from cmltrack.db.filters import CohortFilter
from cmltrack.figures import projector
from cmltrack.figures.outcomes import km_figure
from cmltrack.figures.overview import build_overview
from cmltrack.figures.patient import build_patient_timeline
from cmltrack.figures.safety import grade_bars, onset_strip
from cmltrack.figures.swimmer import build_swimmer, order_lanes
from cmltrack.privacy.pseudonyms import Pseudonyms
from cmltrack.ui.board import SCALE


def _swimmer(con, lanes, scale=SCALE, **kw):
    names = Pseudonyms(lanes["patient_id"], seed=3)
    shown = order_lanes(lanes.assign(label=lanes["patient_id"].map(names)))
    ids = shown["patient_id"].tolist()
    return build_swimmer(shown, q.treatments_for(con, ids), q.events_for(con, ids), board=scale != 1,
                         scale=scale, **kw)


def _board_figures(con):
    """Every figure a page draws in presentation mode, built from the demo cohort."""
    lanes = q.cohort_lanes(con, CohortFilter())
    ids = lanes["patient_id"].tolist()
    yield "swimmer", _swimmer(con, lanes)
    yield "swimmer, no lanes", _swimmer(con, lanes.iloc[0:0])
    for pid in ("CML-03", "CML-06", "CML-14"):  # AP shading and AEs; a dose change and a gap; blast phase
        p = q.patient(con, pid).iloc[0]
        yield f"patient {pid}", build_patient_timeline(
            p, q.treatments_for(con, [pid]), q.labs_for(con, [pid]), q.events_for(con, [pid]),
            q.adverse_events_for(con, [pid]), tki_start=q.tki_line_start(con, pid), board=True, scale=SCALE)
    events = q.events_for(con, ids)
    curves = outcomes.time_to_event(lanes, events[events["kind"] != "AE"], q.treatments_for(con, ids),
                                    q.labs_for(con, ids))
    for title, frame in curves.items():
        groups = {s: frame[frame["status"] == s] for s in ("resistant", "intolerant")}
        yield title, km_figure(groups, title, competing=title.startswith("Time to"), scale=SCALE)
    aes = q.adverse_events_for(con, ids)
    yield "worst grade", grade_bars(safety.worst_grade_by_term(aes).drop(columns="patients"), "Worst", "Patients",
                                    SCALE)
    yield "attribution", grade_bars(safety.by_attribution(aes), "By drug", "Events", SCALE)
    yield "onset", onset_strip(safety.onset_months(aes, lanes.set_index("patient_id")["thal_start_date"]), SCALE)
    yield "overview", build_overview(q.cohort_overview(con, CohortFilter(), "thal_start_date"), "Months", 21, SCALE)


def test_every_chart_text_is_projector_sized_and_black(con):
    seen = set()
    for name, fig in _board_figures(con):
        props = list(projector.text_properties(fig))
        seen |= {f"{name}: {p.path}" for p in props}
        small = [(p.path, p.size) for p in props if p.size < projector.MIN_PX]
        assert not small, (name, small[:8])
        grey = [(p.path, p.color) for p in props if p.color not in (None, projector.INK)]
        assert not grey, (name, grey[:8])
        assert all(p.color is not None or ".textfont" in p.path for p in props)  # auto contrast: bar text only
    for drawn in ("swimmer: layout.yaxis.tickfont",  # lane labels
                  "swimmer: layout.xaxis2.tickfont",  # the top axis, which names the start line
                  "patient CML-06: data[0] (400 mg/d).textfont",  # dose labels inside the bars
                  "patient CML-03: layout.annotations[0].font",  # row titles
                  "worst grade: layout.yaxis.tickfont",  # adverse-event terms
                  "Time to CCyR: data[2] (Resistant).textfont"):  # numbers at risk
        assert any(s.startswith(drawn.split(" (")[0]) for s in seen), drawn
    assert len(seen) > 150


def test_normal_mode_keeps_its_own_sizes(con):
    fig = _swimmer(con, q.cohort_lanes(con, CohortFilter()), scale=1.0)
    sizes = {p.path: p.size for p in projector.text_properties(fig)}
    assert sizes["layout.yaxis.tickfont"] == 12 and sizes["layout.font"] == 13


def test_text_properties_see_inherited_and_explicit_sizes():
    import plotly.graph_objects as go

    fig = go.Figure(go.Bar(x=[1], y=["a"], text=["400 mg"], textposition="inside", orientation="h"))
    fig.update_layout(font=dict(size=20), annotations=[dict(text="note", font=dict(size=10, color="#555555"))])
    props = {p.path: p for p in projector.text_properties(fig)}
    assert props["layout.xaxis.tickfont"].size == 20 and props["layout.annotations[0].font"].size == 10
    assert props["data[0] (bar).textfont"].color is None  # inside a bar: automatic contrast
    projector.enforce(fig)
    assert min(p.size for p in projector.text_properties(fig)) == 20 - 2  # the note raised to 18; the rest kept
    assert fig.layout.uniformtext.minsize == 18 and fig.layout.uniformtext.mode == "hide"


@pytest.mark.parametrize("lanes_on_page", [1, 25])
def test_a_page_of_up_to_25_lanes_fits_a_1080p_screen_with_its_whole_legend(large_db, lanes_on_page):
    from cmltrack.db.connection import open_readonly
    from cmltrack.figures.swimmer import _legend_px

    with open_readonly(large_db) as con:
        lanes = q.cohort_lanes(con, CohortFilter())
        page = lanes.sort_values("patient_id").iloc[:lanes_on_page]  # one band or both
        fig = _swimmer(con, page)
    assert fig.layout.height <= 1000  # the time axis included; the browser tier measures it on screen
    assert fig.layout.height >= _legend_px(fig, projector.MIN_PX) + fig.layout.margin.t + fig.layout.margin.b
