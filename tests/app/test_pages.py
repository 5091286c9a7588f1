"""AppTest: every page on empty, one-patient, demo and large databases, with the widgets driven."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.markdown import shown

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("pages/cohort.py", "pages/patients.py")


def _app(monkeypatch, db, page: str | None = None) -> AppTest:
    monkeypatch.setenv("CMLTRACK_DB", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _count(at: AppTest) -> str:
    return next(m.value for m in at.sidebar.markdown if m.value.startswith("**Showing"))


def _figure(at: AppTest) -> dict:
    import json

    charts = at.get("plotly_chart")
    assert 1 <= len(charts) <= 2  # the swimmer, after the cohort overview above 200 lanes
    return json.loads(charts[-1].proto.spec)


@pytest.mark.parametrize("page", PAGES)
def test_pages_on_demo_data(monkeypatch, demo_db, page):
    at = _app(monkeypatch, demo_db, page)
    assert _count(at) == "**Showing 21 of 21 patients**"
    if page == "pages/cohort.py":
        fig = _figure(at)
        assert len(fig["layout"]["yaxis"]["tickvals"]) == 21
    else:
        assert at.dataframe[0].value.shape[0] == 21


def test_a_missing_database_file_gives_a_clear_page(monkeypatch, tmp_path):
    missing = tmp_path / "unmounted" / "registry.duckdb"
    monkeypatch.setenv("CMLTRACK_DB", str(missing))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    assert not at.exception
    assert "The database is missing" in shown(at.error[0].value) and "registry.duckdb" in shown(at.error[0].value)
    assert not missing.exists()


def test_demo_data_is_labelled_and_other_data_is_not(monkeypatch, demo_db, one_db):
    assert any("fictitious" in w.value for w in _app(monkeypatch, demo_db).sidebar.warning)
    assert not _app(monkeypatch, one_db).sidebar.warning


@pytest.mark.parametrize("page", PAGES)
def test_pages_on_an_empty_database_say_so(monkeypatch, empty_db, page):
    at = _app(monkeypatch, empty_db, page)
    assert _count(at) == "**Showing 0 of 0 patients**"
    assert "holds no patients" in at.info[0].value
    assert not at.get("plotly_chart")


@pytest.mark.parametrize("page", PAGES)
def test_pages_on_one_patient(monkeypatch, one_db, page):
    at = _app(monkeypatch, one_db, page)
    assert _count(at) == "**Showing 1 of 1 patients**"
    assert not at.slider  # no age range to choose from with a single age
    if page == "pages/cohort.py":
        assert _figure(at)["layout"]["yaxis"]["ticktext"][0].startswith("CML-02")


@pytest.mark.parametrize("page", PAGES)
def test_pages_on_a_large_cohort_paginate(monkeypatch, large_db, page):
    at = _app(monkeypatch, large_db, page)
    assert _count(at) == "**Showing 1,008 of 1,008 patients**"  # thousands separated, as everywhere
    if page == "pages/cohort.py":
        fig = _figure(at)
        assert len(fig["layout"]["yaxis"]["tickvals"]) == 50
        titles = [a["text"] for a in fig["layout"]["annotations"] if "n =" in a["text"]]
        assert titles == ["<b>Imatinib-resistant</b> (50 of n = 624 on this page)"]  # the group, not the page
        at.selectbox(key="per_page").set_value(200).run()
        at.number_input(key="lane_page").set_value(6).run()
        fig = _figure(at)
        assert len(fig["layout"]["yaxis"]["tickvals"]) == 8  # 1008 - 5 * 200
        # the last page starts at the top of its chart and is sized for its own 8 lanes
        assert min(fig["layout"]["yaxis"]["tickvals"]) == 1 and fig["layout"]["yaxis"]["range"][0] < 10
        assert fig["layout"]["height"] < 600
        assert any("Lanes 1,001-1,008 of 1,008" in c.value for c in at.caption)


@pytest.mark.parametrize("key, value, expected", [
    ("status", ["resistant"], 13), ("status", ["intolerant"], 8), ("sex", ["F"], 11), ("sex", ["M"], 10),
    ("phase", ["AP"], 3), ("eutos", ["low"], 5), ("eutos", ["high"], 16),
])
def test_each_pill_filter_changes_the_count(monkeypatch, demo_db, key, value, expected):
    at = _app(monkeypatch, demo_db)
    at.button_group(key=key).set_value(value).run()
    assert _count(at) == f"**Showing {expected} of 21 patients**"
    assert len(_figure(at)["layout"]["yaxis"]["tickvals"]) == expected


def test_age_and_best_response_filters(monkeypatch, demo_db):
    at = _app(monkeypatch, demo_db)
    at.slider(key="age").set_value((40, 50)).run()
    assert _count(at) == "**Showing 8 of 21 patients**"
    at.slider(key="age").set_value((22, 63)).run()
    at.multiselect(key="best").set_value(["CCYR", "CHR"]).run()
    assert _count(at) == "**Showing 10 of 21 patients**"


def test_empty_filter_result_is_explained_and_reset_restores(monkeypatch, demo_db):
    at = _app(monkeypatch, demo_db)
    at.button_group(key="status").set_value(["intolerant"]).run()
    at.button_group(key="phase").set_value(["AP"]).run()
    assert _count(at) == "**Showing 0 of 21 patients**"
    assert "No patient matches the current filters (imatinib intolerant, phase AP at thalidomide start)" in \
        at.warning[0].value
    assert not at.get("plotly_chart")
    at.sidebar.button[0].click().run()
    assert _count(at) == "**Showing 21 of 21 patients**"
    assert at.sidebar.button[0].disabled


def test_filters_are_kept_when_switching_pages(monkeypatch, demo_db):
    at = _app(monkeypatch, demo_db)
    at.button_group(key="sex").set_value(["F"]).run()
    at.switch_page("pages/patients.py").run()
    assert _count(at) == "**Showing 11 of 21 patients**"
    assert set(at.dataframe[0].value["sex"]) == {"F"}
    at.switch_page("pages/cohort.py").run()
    assert _count(at) == "**Showing 11 of 21 patients**"


def test_cohort_widgets_drive_the_figure(monkeypatch, demo_db):
    at = _app(monkeypatch, demo_db)
    assert _figure(at)["layout"]["xaxis"]["title"]["text"] == "Months since thalidomide start"
    at.button_group(key="anchor").set_value("diagnosis").run()
    assert _figure(at)["layout"]["xaxis"]["title"]["text"] == "Months since diagnosis"
    at.selectbox(key="sort").set_value("age").run()
    ticks = _figure(at)["layout"]["yaxis"]["ticktext"]
    assert ticks[0].startswith("CML-05")  # youngest resistant patient first
    at.toggle(key="group").set_value(False).run()
    titles = [a["text"] for a in _figure(at)["layout"]["annotations"] if "n =" in a["text"]]
    assert titles == ["<b>All patients</b> (n = 21)"]
    at.button_group(key="anchor").set_value("thalidomide").run()
    assert _figure(at)["layout"]["xaxis"]["range"][0] == pytest.approx(-13)  # 12 months before, by default
    at.selectbox(key="window").set_value("all").run()
    assert _figure(at)["layout"]["xaxis"]["range"][0] < -100


def test_patients_page_shows_scores_latest_eln_and_cites_sources(monkeypatch, demo_db):
    at = _app(monkeypatch, demo_db, "pages/patients.py")
    table = at.dataframe[0].value
    for column in ("sokal_score", "sokal_group", "hasford_group", "eutos_score", "elts_group", "eln_latest"):
        assert column in table.columns
    row = table.set_index("patient_id").loc["CML-02"]
    assert row["eln_latest"] == "Warning †"  # CCyR, BCR::ABL1 between 0.1 and 1% (ELN 2020); a later line: marked
    assert set(table["eln_latest"]) <= {"Optimal †", "Warning †", "Failure †"}
    caption = " ".join(c.value for c in at.caption)
    assert "Blood 1984;63:789" in caption and "Leukemia 2020;34:966" in caption
    assert "1 disagreement" in at.expander[0].label
    assert at.expander[0].dataframe[0].value["patient_id"].tolist() == ["CML-20"]


def test_switching_guideline_rederives_classifications(monkeypatch, demo_db):
    at = _app(monkeypatch, demo_db, "pages/patients.py")
    at.button_group(key="rules").set_value("ELN2009").run()
    table = at.dataframe[0].value
    assert "Suboptimal †" in set(table["eln_latest"])  # a category only ELN 2009 has
    assert "ELN 2009" in at.expander[0].label
    at.switch_page("pages/cohort.py").run()
    assert any("ELN 2009 rules" in c.value for c in at.caption)


def test_an_old_schema_database_asks_for_an_upgrade(monkeypatch, tmp_path, frames):
    from cmltrack.registry import write_database
    from tests.unit.test_cli import _age_to_schema_1

    db = write_database(tmp_path / "old.duckdb", frames, source="test")
    _age_to_schema_1(db)
    monkeypatch.setenv("CMLTRACK_DB", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    assert not at.exception
    assert "older cmltrack" in shown(at.error[0].value) and "cmltrack upgrade --db" in shown(at.error[0].value)


@pytest.mark.parametrize("page", ["pages/outcomes.py", "pages/safety.py"])
@pytest.mark.parametrize("db", ["empty_db", "one_db", "demo_db", "large_db"])
@pytest.mark.usefixtures("backend")  # the fixture named by db is asked for inside, on each backend
def test_outcomes_and_safety_pages_on_every_size(monkeypatch, request, page, db):
    at = _app(monkeypatch, request.getfixturevalue(db), page)
    if db == "empty_db":
        assert "holds no patients" in at.info[0].value
        return
    charts = len(at.get("plotly_chart"))
    assert charts >= (2 if page == "pages/outcomes.py" else 1)
    if page == "pages/outcomes.py":
        rates = at.dataframe[2].value
        assert rates.loc[0, "Evaluable"] == {"one_db": 1, "demo_db": 13, "large_db": 13 * 48}[db]


def test_large_cohort_gets_an_overview_above_its_pages(monkeypatch, large_db, demo_db):
    import json

    at = _app(monkeypatch, large_db, "pages/cohort.py")
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(charts) == 2 and "all 1,008 patients" in charts[0]["layout"]["title"]["text"]
    assert len(_figure(at)["layout"]["yaxis"]["tickvals"]) == 50  # one page of lanes below it
    assert len(_app(monkeypatch, demo_db, "pages/cohort.py").get("plotly_chart")) == 1


def test_patients_table_marks_later_line_eln_and_puts_a_shared_date_in_the_header(monkeypatch, demo_db):
    at = _app(monkeypatch, demo_db, "pages/patients.py")
    table = at.dataframe[0].value
    assert "eln_latest_date" not in table.columns  # every demo patient was last classified on one date
    assert "Failure †" in set(table["eln_latest"])
    spec = at.dataframe[0].proto.columns
    assert "(all on 20" in spec and "marked †" in " ".join(c.value for c in at.caption)


def _last_lane(at: AppTest, pages: int) -> str:
    """The label of the last lane in the current order (read from the last page, then back to the first)."""
    at.number_input(key="lane_page").set_value(pages).run()
    last = _figure(at)["layout"]["yaxis"]["ticktext"][-1]
    at.number_input(key="lane_page").set_value(1).run()
    return last.split()[0]


def _marked(at: AppTest) -> list[str]:
    return [t for t in _figure(at)["layout"]["yaxis"]["ticktext"] if t.endswith("◀")]


def test_jump_to_a_patient_shows_their_page_with_the_lane_marked(monkeypatch, large_db):
    at = _app(monkeypatch, large_db)
    at.selectbox(key="sort").set_value("attention").run()
    target = _last_lane(at, 21)  # 1,008 lanes, 50 a page
    at.text_input(key="lane_jump").input(f" {target.lower()} ").run()  # any case, spaces around
    assert at.number_input(key="lane_page").value == 21
    marked = _marked(at)
    assert len(marked) == 1 and marked[0].startswith(target)
    assert not at.toast


def test_jump_box_takes_a_part_only_one_patient_has_and_says_when_it_matches_none_or_many(monkeypatch, large_db):
    at = _app(monkeypatch, large_db)
    target = _last_lane(at, 21)
    at.text_input(key="lane_jump").input(target[3:]).run()  # 'CML-' dropped: still one patient's
    assert at.number_input(key="lane_page").value == 21 and _marked(at)[0].startswith(target)
    at.number_input(key="lane_page").set_value(2).run()
    at.text_input(key="lane_jump").input(target.rsplit("-", 1)[0] + "-").run()  # 48 copies of one demo patient
    assert at.number_input(key="lane_page").value == 2 and not _marked(at)
    assert "48 patients in this view match" in at.toast[0].value
    at.text_input(key="lane_jump").input("nobody").run()
    assert at.number_input(key="lane_page").value == 2 and "No patient in this view matches" in at.toast[0].value


def test_jump_box_in_presentation_mode_finds_pseudonyms_only_and_forgets_an_id_typed_before(monkeypatch, large_db):
    at = _app(monkeypatch, large_db)
    at.text_input(key="lane_jump").input(target := _last_lane(at, 21)).run()
    at.toggle(key="board").set_value(True).run()
    assert not at.exception
    assert all(box.value in ("", None) for box in at.text_input)  # the ID typed is not on the shared screen
    at.number_input(key="lane_page").set_value(1).run()
    at.text_input(key="lane_jump_board").input(target).run()  # a real ID finds no lane
    assert at.number_input(key="lane_page").value == 1 and not _marked(at)
    assert "No patient in this view matches" in at.toast[0].value
    pseudonym = _last_lane(at, 21)
    assert pseudonym.startswith("P-")
    at.text_input(key="lane_jump_board").input(pseudonym).run()
    assert at.number_input(key="lane_page").value == 21 and _marked(at)[0].startswith(pseudonym)
