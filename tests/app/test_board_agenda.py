"""The board's agenda in AppTest: picked from the patient page and the Patients table, ordered on the Board page,
stepped through with Previous / Next and a counter, each patient with an open question that is shown and kept
nowhere; "Present" turns presentation mode on."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.opening import open_page
from tests.app.test_presentation_mode import identifying_values, page_bytes
from tests.markdown import shown


def _app(monkeypatch, db: Path, page: str, **params: str) -> AppTest:
    return open_page(monkeypatch, db, page, params)


def _counter(at: AppTest) -> str:
    return next(shown(m.value) for m in at.markdown if "on the board's agenda" in m.value)


def _shown(at: AppTest) -> str:
    """The patient on the card: '#### CML-03' or '#### P-007'."""
    headings = (shown(m.value) for m in at.markdown)
    return next(re.search(r"#### (\S+)", text).group(1) for text in headings if text.startswith("#### "))


def test_the_agenda_is_picked_ordered_and_stepped_through(monkeypatch, demo_db):
    at = _app(monkeypatch, demo_db, "pages/patient.py", patient="CML-03")
    at.button(key="agenda_toggle").click().run()  # from the patient page
    assert _counter(at) == "**1 of 1** on the board's agenda"
    for pid in ("CML-07", "CML-12"):  # the picker, then "Add to the agenda"
        at.selectbox(key="patient_picker").set_value(pid).run()
        at.button(key="agenda_toggle").click().run()
    assert at.session_state["_agenda"] == ["CML-03", "CML-07", "CML-12"]
    assert _counter(at) == "**3 of 3** on the board's agenda"

    at.switch_page("pages/board.py").run()  # reorder: CML-12 up one place
    names = [shown(m.value) for m in at.markdown if re.fullmatch(r"\*\*CML-\d\d · .+\*\*", shown(m.value))]
    assert names[0].startswith("**CML-03")
    at.button(key="agenda_up_2").click().run()
    assert at.session_state["_agenda"] == ["CML-03", "CML-12", "CML-07"]

    at.switch_page("pages/patient.py").run()
    at.selectbox(key="patient_picker").set_value("CML-03").run()
    previous, following = at.button[0], at.button[1]
    assert previous.label == "Previous" and previous.disabled and following.label == "Next"
    at.button[1].click().run()  # Next follows the agenda, not the cohort
    assert _shown(at) == "CML-12" and _counter(at) == "**2 of 3** on the board's agenda"
    at.button[1].click().run()
    assert _shown(at) == "CML-07" and at.button[1].disabled  # the end of the agenda
    at.button(key="agenda_toggle").click().run()  # off the agenda: Previous / Next follow the cohort again
    assert not [m for m in at.markdown if "on the board's agenda" in m.value]
    assert any("in the filtered cohort" in c.value for c in at.caption)


def test_the_open_question_is_shown_and_kept_nowhere(monkeypatch, demo_db, tmp_path):
    monkeypatch.setenv("CMLTRACK_AUDIT", str(tmp_path / "audit.jsonl"))
    at = _app(monkeypatch, demo_db, "pages/patient.py", mode="board")
    at.button(key="agenda_toggle").click().run()
    first = at.session_state["_agenda"][0]
    at.switch_page("pages/patients.py").run()  # presentation mode: a static table, patients picked by pseudonym
    picker = at.multiselect(key="agenda_pick")
    assert all(re.fullmatch(r"P-\d{3}", o) for o in picker.options)
    more = [pid for pid in ("CML-05", "CML-06", "CML-08") if pid != first][:2]
    picker.set_value(more).run()
    next(b for b in at.button if b.label.startswith("Add 2 to")).click().run()
    assert at.session_state["_agenda"] == [first, *more] and not at.multiselect(key="agenda_pick").value
    at.switch_page("pages/patient.py").run()
    question = "Second-generation TKI now, or stop thalidomide first?"
    box = at.text_input[0]
    box.set_value(question).run()
    assert at.text_input[0].value == question  # shown, on the patient's screen
    at.button[1].click().run()  # Next
    assert at.text_input[0].value == ""  # the next patient's screen starts empty
    kept = json.dumps({k: str(at.session_state[k]) for k in at.session_state._state._state.filtered_state})
    assert "Second-generation" not in kept  # not in the session either
    written = [p.read_text() for p in tmp_path.glob("*")]  # nor in the audit trail
    assert not [t for t in written if "Second-generation" in t]
    sent = page_bytes(at)
    assert not [v for v in identifying_values(demo_db) if v in sent]


def test_present_turns_presentation_mode_on_and_opens_the_first_patient(monkeypatch, demo_db):
    at = _app(monkeypatch, demo_db, "pages/board.py")
    assert "agenda is empty" in at.info[0].value
    at.session_state["_agenda"] = ["CML-09", "CML-02"]
    at.run()
    assert [shown(m.value) for m in at.markdown if shown(m.value).startswith("**CML-")][:2] == [
        "**CML-09 · Ivan Testperson**", "**CML-02 · Berit Testperson**"]
    next(b for b in at.button if b.label.startswith("Present the 2")).click().run()
    assert at.toggle(key="board").value is True
    assert at.session_state["patient_current"] == "CML-09"
    assert re.fullmatch(r"P-\d{3}", _shown(at)) and _counter(at) == "**1 of 2** on the board's agenda"
    assert not [v for v in identifying_values(demo_db) if v in page_bytes(at)]


@pytest.mark.parametrize("db", ["empty_db", "one_db", "demo_db", "large_db"])
def test_the_board_page_on_0_1_21_and_1008_patients(monkeypatch, request, backend, db):
    at = _app(monkeypatch, request.getfixturevalue(db), "pages/board.py")
    if db == "empty_db":
        assert "holds no patients" in at.info[0].value
        return
    assert "agenda is empty" in at.info[0].value
    everyone = {"one_db": ["CML-02"], "demo_db": ["CML-21", "CML-01"], "large_db": ["CML-01-047", "CML-21-000"]}[db]
    at.session_state["_agenda"] = [*everyone, "NOT-THERE"]  # a patient no longer in the database is dropped
    at.run()
    assert at.session_state["_agenda"] == everyone
    listed = [shown(m.value) for m in at.markdown if shown(m.value).startswith("**CML-")]
    assert [v.split(" · ")[0].strip("*") for v in listed] == everyone
    assert next(b for b in at.button if b.label.startswith(f"Present the {len(everyone)}"))
