"""Presentation mode: every page, walked in AppTest, shows no identifying value from the database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cmltrack.db.connection import open_readonly
from tests.markdown import shown

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("pages/cohort.py", "pages/patient.py", "pages/patients.py", "pages/outcomes.py", "pages/safety.py")
CALENDAR_DATE = re.compile(rb"(19|20)\d\d-[01]\d(-[0-3]\d)?")


def identifying_values(db: Path) -> list[bytes]:
    """Every identifier the database holds: ids, MRNs, names (whole and in parts)."""
    with open_readonly(db) as con:
        rows = con.execute("SELECT patient_id, mrn, display_name FROM patients").fetchall()
    values = set()
    for pid, mrn, name in rows:
        values |= {pid, mrn, name, *name.split()}
    return sorted(v.encode() for v in values if v)


def page_bytes(at: AppTest) -> bytes:
    """Everything the page sends to the browser: element protos (text, chart JSON, table data, options)."""
    out = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(proto.SerializeToString())
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    for frame in at.dataframe:
        out.append(frame.value.to_csv().encode())
    sent = b"\n".join(out)
    return sent + b"\n" + shown(sent.decode(errors="replace")).encode()  # markdown as read: CML\-03 is CML-03


def _board(monkeypatch, db: Path, page: str) -> AppTest:
    monkeypatch.setenv("CMLTRACK_DB", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["mode"] = "board"
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("page", PAGES)
def test_no_identifier_or_calendar_date_on_any_page(monkeypatch, demo_db, page):
    at = _board(monkeypatch, demo_db, page)
    assert at.session_state["board"] is True
    sent = page_bytes(at)
    assert len(sent) > 2_000  # the page did draw
    leaks = [v.decode() for v in identifying_values(demo_db) if v in sent]
    assert not leaks, f"{page} shows {leaks[:5]}"
    dates = {m.group(0).decode() for m in CALENDAR_DATE.finditer(sent)}
    assert not dates, f"{page} shows calendar dates {sorted(dates)[:5]}"
    for frame in at.dataframe:  # a date column would be sent as numbers, not text: check the types too
        assert not any("date" in str(t) for t in frame.value.dtypes), frame.value.dtypes


def test_pseudonyms_are_stable_in_a_session_and_drawn_anew_in_the_next(monkeypatch, demo_db):
    first = _board(monkeypatch, demo_db, "pages/patients.py")
    ids = first.dataframe[0].value["patient_id"].tolist()
    assert all(re.fullmatch(r"P-\d{3}", i) for i in ids) and len(set(ids)) == 21
    first.switch_page("pages/cohort.py").run()
    first.switch_page("pages/patients.py").run()
    assert first.dataframe[0].value["patient_id"].tolist() == ids  # stable within the session
    orders = {tuple(_board(monkeypatch, demo_db, "pages/patients.py").dataframe[0].value["patient_id"])
              for _ in range(3)}
    assert len(orders) > 1  # a new session draws new pseudonyms


def _param(at: AppTest, key: str) -> str | None:
    value = at.query_params.get(key) if key in at.query_params else None
    return value[0] if isinstance(value, list) else value


def test_board_mode_keeps_the_patient_out_of_the_url(monkeypatch, demo_db):
    at = _board(monkeypatch, demo_db, "pages/patient.py")
    assert _param(at, "patient") is None  # a pseudonym means another patient in the next session: never in a URL
    shown = next(m.value for m in at.markdown if m.value.startswith("#### P\\-"))
    at.session_state["board"] = False  # mode off: the same patient, now by id and in the URL
    at.run()
    pid = _param(at, "patient")
    assert pid.startswith("CML-") and at.session_state["patient_current"] == pid
    assert shown.startswith("#### P\\-")


def test_a_link_with_a_pseudonym_is_refused(monkeypatch, demo_db):
    monkeypatch.setenv("CMLTRACK_DB", str(demo_db))
    for mode in (None, "board"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.query_params["patient"] = "P-007"
        if mode:
            at.query_params["mode"] = mode
        at.run()
        at.switch_page("pages/patient.py").run()
        assert not at.exception
        assert "cannot open a patient by pseudonym" in at.warning[0].value
        assert _param(at, "patient") != "P-007"


def test_a_real_id_link_in_board_mode_opens_the_patient_and_leaves_the_url(monkeypatch, demo_db):
    monkeypatch.setenv("CMLTRACK_DB", str(demo_db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["patient"] = "CML-03"
    at.query_params["mode"] = "board"
    at.run()
    at.switch_page("pages/patient.py").run()
    assert at.session_state["patient_current"] == "CML-03" and _param(at, "patient") is None
    assert "CML-03" not in page_bytes(at).decode(errors="ignore")


def test_toggle_sets_the_url(monkeypatch, demo_db):
    monkeypatch.setenv("CMLTRACK_DB", str(demo_db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert "mode" not in at.query_params
    at.toggle(key="board").set_value(True).run()
    assert at.query_params["mode"] in ("board", ["board"])
