"""Presentation mode: every page, walked in AppTest, shows no identifying value from the database; the mode belongs
to the browser session (its cookie), is left only by a confirmed toggle, and pseudonyms never change meaning."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cmltrack.db.connection import open_readonly
from cmltrack.ui import tables
from tests.app.opening import open_page
from tests.markdown import shown

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("pages/cohort.py", "pages/clinic.py", "pages/patient.py", "pages/patients.py", "pages/outcomes.py",
         "pages/safety.py")
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
    for frame in [*at.dataframe, *at.table]:
        out.append(frame.value.to_csv().encode())
    sent = b"\n".join(out)
    return sent + b"\n" + shown(sent.decode(errors="replace")).encode()  # markdown as read: CML\-03 is CML-03


def _board(monkeypatch, db: Path, page: str, mode: str | None = "board") -> AppTest:
    return open_page(monkeypatch, db, page, {"mode": mode} if mode is not None else None)


@pytest.mark.parametrize("page", PAGES)
def test_no_identifier_or_calendar_date_on_any_page(monkeypatch, demo_db, page):
    at = _board(monkeypatch, demo_db, page)
    assert at.toggle(key="board").value is True
    sent = page_bytes(at)
    assert len(sent) > 2_000  # the page did draw
    leaks = [v.decode() for v in identifying_values(demo_db) if v in sent]
    assert not leaks, f"{page} shows {leaks[:5]}"
    dates = {m.group(0).decode() for m in CALENDAR_DATE.finditer(sent)}
    assert not dates, f"{page} shows calendar dates {sorted(dates)[:5]}"
    for frame in [*at.dataframe, *at.table]:  # a date column would be sent as numbers, not text: check the types
        assert not any("date" in str(t) for t in frame.value.dtypes), frame.value.dtypes
    assert not at.dataframe  # on a shared screen every table is a static one that shows every row


def test_a_long_table_pages_on_a_shared_screen(monkeypatch, large_db):
    at = _board(monkeypatch, large_db, "pages/patients.py")  # 1,008 patients: 41 pages of 25 rows
    first = _shown_patients(at)
    assert len(first) == tables.BOARD_ROWS and any("Rows 1-25 of 1,008" in c.value for c in at.caption)
    picker = next(n for n in at.number_input if n.label == "Rows: page (of 41)")
    picker.set_value(41).run()
    last = _shown_patients(at)
    assert len(last) == 1008 - 40 * 25 and not set(last) & set(first)
    assert all(re.fullmatch(r"P-\d{4}", p) for p in first + last), first[:3]


def _shown_patients(at: AppTest) -> list[str]:
    """The Patients page's first column: a static table in presentation mode, the grid otherwise."""
    if at.table:  # st.table cells are markdown: read as shown
        return [shown(cell) for cell in at.table[0].value["Patient"]]
    return at.dataframe[0].value["patient_id"].tolist()


def test_pseudonyms_are_stable_in_a_session_and_drawn_anew_in_the_next(monkeypatch, demo_db):
    first = _board(monkeypatch, demo_db, "pages/patients.py")
    ids = _shown_patients(first)
    assert all(re.fullmatch(r"P-\d{3}", i) for i in ids) and len(set(ids)) == 21
    first.switch_page("pages/cohort.py").run()
    first.switch_page("pages/patients.py").run()
    assert _shown_patients(first) == ids  # stable within the session
    orders = {tuple(_shown_patients(_board(monkeypatch, demo_db, "pages/patients.py"))) for _ in range(3)}
    assert len(orders) > 1  # a new session draws new pseudonyms


def _param(at: AppTest, key: str) -> str | None:
    value = at.query_params.get(key) if key in at.query_params else None
    return value[0] if isinstance(value, list) else value


def _cookie(at: AppTest) -> dict | None:
    """What the page told the browser to do with the presentation cookie in this run (None: nothing)."""
    found = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if getattr(proto, "component_name", None) == "cmltrack_board_cookie":
            found.append(json.loads(proto.json))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found[-1] if found else None


def _turn_off(at: AppTest, confirm: bool) -> AppTest:
    at.toggle(key="board").set_value(False).run()
    assert at.toggle(key="board").value is True  # nothing is revealed before the user confirms
    at.button(key="board_leave" if confirm else "board_keep").click().run()
    return at


def test_board_mode_keeps_the_patient_out_of_the_url(monkeypatch, demo_db):
    at = _board(monkeypatch, demo_db, "pages/patient.py")
    assert _param(at, "patient") is None  # a pseudonym means another patient in the next session: never in a URL
    shown = next(m.value for m in at.markdown if m.value.startswith("#### P\\-"))
    _turn_off(at, confirm=True)  # mode off: the same patient, now by id and in the URL
    pid = _param(at, "patient")
    assert pid.startswith("CML-") and at.session_state["patient_current"] == pid
    assert shown.startswith("#### P\\-")


@pytest.mark.parametrize("mode", ["BOARD", " Board ", "boad", "normal"])
def test_any_mode_in_a_link_turns_presentation_mode_on(monkeypatch, demo_db, mode):
    at = _board(monkeypatch, demo_db, "pages/patients.py", mode=mode)
    assert at.toggle(key="board").value is True and _param(at, "mode") == "board"
    assert all(re.fullmatch(r"P-\d{3}", i) for i in _shown_patients(at))
    unknown = [w.value for w in at.warning if "does not know" in w.value]
    assert bool(unknown) == (mode.strip().lower() != "board")  # a mistyped mode fails safe, and says so


def test_turning_the_mode_off_needs_a_confirmation_and_clears_the_cookie(monkeypatch, demo_db):
    at = _board(monkeypatch, demo_db, "pages/patients.py")
    pseudonyms = _shown_patients(at)
    assert _cookie(at)["value"]  # the browser is told to carry the mode
    _turn_off(at, confirm=False)  # "Keep presentation mode"
    assert at.toggle(key="board").value is True and _shown_patients(at) == pseudonyms
    _turn_off(at, confirm=True)
    assert at.toggle(key="board").value is False and "mode" not in at.query_params
    assert _shown_patients(at)[0].startswith("CML-")
    assert _cookie(at) == {"name": "cmltrack_board", "value": None, "reload": False}  # cleared
    at.toggle(key="board").set_value(True).run()  # on again: the same pseudonyms as before in this session
    assert _shown_patients(at) == pseudonyms


def _with_cookie(monkeypatch, db: Path, cookie: str | None, page: str = "pages/patients.py") -> AppTest:
    """A new session of a browser that sends ``cookie`` (a reload, an edited URL, a reconnect), without ?mode."""
    from cmltrack.ui import board_cookie

    monkeypatch.setattr(board_cookie, "sent", lambda: cookie)
    return _board(monkeypatch, db, page, mode=None)


def test_the_cookie_keeps_the_mode_and_the_pseudonyms_in_a_new_session(monkeypatch, demo_db):
    first = _board(monkeypatch, demo_db, "pages/patients.py")
    cookie = _cookie(first)["value"]
    again = _with_cookie(monkeypatch, demo_db, cookie)  # no ?mode=board: the browser's cookie alone
    assert again.toggle(key="board").value is True and _param(again, "mode") == "board"
    assert _shown_patients(again) == _shown_patients(first)  # a pseudonym keeps its meaning
    for page in PAGES:
        again.switch_page(page).run()
        sent = page_bytes(again)
        assert not [v for v in identifying_values(demo_db) if v in sent], page
        assert not CALENDAR_DATE.search(sent), page
    garbled = _with_cookie(monkeypatch, demo_db, "anything")  # a cookie this app did not write: on, new pseudonyms
    assert garbled.toggle(key="board").value is True
    assert all(re.fullmatch(r"P-\d{3}", i) for i in _shown_patients(garbled))


def test_pseudonyms_that_cannot_be_restored_reload_the_page_and_say_so(monkeypatch, demo_db):
    from cmltrack.ui.board_cookie import BoardCookie

    stale = BoardCookie(seed=7, digest="0" * 16).value()  # drawn over other patients (the database changed)
    at = _with_cookie(monkeypatch, demo_db, stale)
    told = _cookie(at)
    assert told["reload"] is True and told["value"].endswith(".redrawn") and told["value"] != stale
    assert not at.table and not at.get("plotly_chart")  # nothing drawn with the new pseudonyms before the reload
    reloaded = _with_cookie(monkeypatch, demo_db, told["value"])
    assert any("New pseudonyms" in w.value for w in reloaded.warning)
    assert _cookie(reloaded)["reload"] is False and not _cookie(reloaded)["value"].endswith(".redrawn")
    assert all(re.fullmatch(r"P-\d{3}", i) for i in _shown_patients(reloaded))


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


def test_toggle_sets_the_url_and_the_cookie(monkeypatch, demo_db):
    monkeypatch.setenv("CMLTRACK_DB", str(demo_db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert "mode" not in at.query_params and _cookie(at) is None  # normal mode never touches the cookie
    at.toggle(key="board").set_value(True).run()
    assert at.query_params["mode"] in ("board", ["board"])
    assert re.fullmatch(r"1\.[0-9a-f]{16}\.[0-9a-f]{16}", _cookie(at)["value"])


def test_a_patient_opened_from_the_patients_table_travels_as_its_pseudonym(monkeypatch, demo_db):
    at = _board(monkeypatch, demo_db, "pages/patients.py")
    opener = at.selectbox(key="board_open")
    pseudonym = opener.options[2]
    assert pseudonym.startswith("P-") and pseudonym in _shown_patients(at)
    real = next(f"CML-{i:02d}" for i in range(1, 22) if opener.format_func(f"CML-{i:02d}") == pseudonym)
    opener.set_value(real).run()  # the option's value stays on the server; the browser sees the pseudonym
    assert not at.exception, at.exception
    heading = f"#### {pseudonym.replace('-', chr(92) + '-')}"  # the card's heading, markdown-escaped
    assert any(m.value.startswith(heading) for m in at.markdown)  # that patient's page
    assert _param(at, "patient") is None and _param(at, "mode") == "board"  # nothing but the mode in the URL
