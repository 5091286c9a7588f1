"""Rules computed once, when the registry is written, and only read by SQL (issue 18): which responses are shown
(cmltrack.derive.summary.with_shown) and the TKI lines (cmltrack.derive.lines). Run on both engines."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cmltrack.clinical.milestones import GUIDELINES
from cmltrack.clinical.responses import RESPONSE_KINDS
from cmltrack.db import queries as q
from cmltrack.db.connection import open_readonly
from cmltrack.db.filters import CohortFilter
from cmltrack.db.store import with_plain_dates
from cmltrack.derive import current_line_starts, derived_tables, shown_responses, tki_lines, with_shown
from cmltrack.registry import write_database
from tests.conftest import subset

D = dt.date


def _treatments(*rows: tuple[str, str, dt.date, dt.date | None]) -> pd.DataFrame:
    return pd.DataFrame([{"patient_id": p, "drug": d, "dose_mg": 100.0, "start_date": s, "end_date": e}
                         for p, d, s, e in rows])


def test_a_line_is_a_tki_from_its_first_start():
    lines = tki_lines(_treatments(
        ("A", "hydroxyurea", D(2009, 6, 1), D(2009, 12, 31)),      # not a TKI: no line
        ("A", "imatinib", D(2010, 1, 1), D(2010, 12, 31)),
        ("A", "imatinib", D(2011, 1, 1), D(2011, 1, 31)),          # a dose change: the same line
        ("A", "dasatinib", D(2011, 2, 1), D(2011, 6, 30)),
        ("A", "imatinib", D(2011, 7, 1), None),                    # imatinib again: its first start stays 2010
        ("A", "thalidomide", D(2011, 9, 1), None),                 # an add-on, not a TKI line
        ("B", "thalidomide", D(2011, 9, 1), None)))
    assert lines.to_dict("records") == [
        {"patient_id": "A", "line": 1, "drug": "imatinib", "start_date": D(2010, 1, 1)},
        {"patient_id": "A", "line": 2, "drug": "dasatinib", "start_date": D(2011, 2, 1)}]
    assert current_line_starts(lines) == {"A": D(2011, 2, 1)}  # B has no TKI line


def test_two_tkis_begun_the_same_day_are_numbered_by_name():
    lines = tki_lines(_treatments(("A", "nilotinib", D(2010, 1, 1), None), ("A", "dasatinib", D(2010, 1, 1), None)))
    assert lines[["line", "drug"]].values.tolist() == [[1, "dasatinib"], [2, "nilotinib"]]
    assert tki_lines(_treatments(("A", "thalidomide", D(2010, 1, 1), None))).empty


def test_shown_is_derived_where_the_labs_measure_the_family_and_recorded_elsewhere():
    responses = pd.DataFrame({
        "patient_id": ["M", "M", "M", "U", "U"],
        "date": [D(2011, 1, 1)] * 5,
        "kind": ["MMR", "MMR", "CCYR", "MMR", "MMR"],
        "source": ["recorded", "derived", "recorded", "recorded", "derived"],
        "guideline": ["none", "ELN2020", "none", "none", "ELN2020"]})
    families = pd.DataFrame({"labs_hematologic": [True, True], "labs_cytogenetic": [False, False],
                             "labs_molecular": [True, False], "labs_phase": [True, True]}, index=["M", "U"])
    marked = with_shown(responses, families)
    assert marked["family_measured"].tolist() == [True, True, False, False, False]
    assert marked["shown"].tolist() == [False, True, True, True, False]
    shown = shown_responses(marked, "ELN2020")
    assert shown[["patient_id", "kind", "source"]].values.tolist() == [
        ["M", "MMR", "derived"], ["M", "CCYR", "recorded"], ["U", "MMR", "recorded"]]
    assert shown_responses(marked, "ELN2013")["source"].eq("recorded").all()  # derived under another guideline


def test_sql_shows_exactly_the_rows_the_derivation_marked(demo_db, frames):
    """events_for and comparable_responses read the stored marks: the same rows as the derivation's rule, under
    every guideline."""
    derived = derived_tables({t: with_plain_dates(f) for t, f in frames.items()})["responses"]
    ids = sorted(frames["patients"]["patient_id"])
    key = ["patient_id", "date", "kind", "source"]

    def rows(frame: pd.DataFrame) -> list[tuple]:
        frame = frame.assign(date=pd.to_datetime(frame["date"]).dt.date)
        return sorted(map(tuple, frame[key].drop_duplicates().values.tolist()))

    with open_readonly(demo_db) as con:
        for guideline in GUIDELINES:
            events = q.events_for(con, ids, guideline)
            sql = events[events["kind"].isin(derived["kind"].unique())]
            want = shown_responses(derived, guideline)
            assert len(want) and rows(sql) == rows(want), guideline
            comparable = q.comparable_responses(con, ids, guideline)
            picked = derived[derived["family_measured"] & derived["guideline"].isin(["none", guideline])]
            assert rows(comparable) == rows(picked), guideline
        assert set(events["kind"]) & set(RESPONSE_KINDS)


@pytest.fixture(scope="module")
def switched_db(frames, backend, request, tmp_path_factory):
    """CML-02 of the demo, switched from imatinib to dasatinib on 2011-02-01 and back to imatinib in 2011-07."""
    one = subset(frames, ["CML-02"])
    t = one["treatments"]
    keep = t[t["drug"] != "imatinib"]
    switched = pd.concat([keep, _treatments(("CML-02", "imatinib", D(2006, 6, 1), D(2011, 1, 31)),
                                            ("CML-02", "dasatinib", D(2011, 2, 1), D(2011, 6, 30)),
                                            ("CML-02", "imatinib", D(2011, 7, 1), None))], ignore_index=True)
    target = (request.getfixturevalue("new_registry")("switched") if backend == "postgresql"
              else tmp_path_factory.mktemp("switched") / "switched.duckdb")
    return write_database(target, dict(one, treatments=switched), source="test")


@pytest.mark.parametrize("as_of, line_start, tkis, first", [
    (D(2011, 1, 31), D(2006, 6, 1), 1, "imatinib"),    # the day before the switch: the imatinib line
    (D(2011, 2, 1), D(2011, 2, 1), 2, "imatinib"),     # the day of the switch: the dasatinib line begins
    (D(2011, 8, 1), D(2011, 2, 1), 2, "imatinib"),     # imatinib again: no new line (its first start is 2006)
])
def test_the_worklist_reads_the_line_begun_by_its_date(switched_db, as_of, line_start, tkis, first):
    with open_readonly(switched_db) as con:
        facts = q.worklist_facts(con, CohortFilter(), as_of, as_of - dt.timedelta(days=90))
        assert q.tki_line_start(con, "CML-02") == pd.Timestamp(2011, 2, 1)
        stored = con.execute("SELECT line, drug FROM tki_lines WHERE patient_id = 'CML-02' ORDER BY line").fetchall()
    assert [tuple(r) for r in stored] == [(1, "imatinib"), (2, "dasatinib")]
    row = facts.set_index("patient_id").loc["CML-02"]
    assert (pd.Timestamp(row["line_start"]).date(), int(row["tki_count"]), row["first_tki"]) == (line_start, tkis,
                                                                                               first)
