"""With login on, every view and every export of identifiable data is in the audit trail, once per view (not once
per rerun), and the app refuses to show patients when the trail cannot be continued with its key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cmltrack.privacy import audit
from tests.app.downloads import Media
from tests.app.test_reliability import AUTH

ROOT = Path(__file__).resolve().parents[2]
USER = {"is_logged_in": True, "email": "haematologist@hospital.example"}


@pytest.fixture(scope="module")
def db(tmp_path_factory, frames) -> Path:
    from cmltrack.registry import write_database

    return write_database(tmp_path_factory.mktemp("audited") / "registry.duckdb", frames, source="test")


def _app(monkeypatch, db: Path, patient: str | None = None) -> AppTest:
    monkeypatch.setenv("CMLTRACK_DB", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.secrets.update(AUTH)
    at.user = USER
    if patient:
        at.query_params["patient"] = patient
    return at.run()


def _entries(trail: Path) -> list[dict]:
    return [json.loads(line) for line in trail.read_text().splitlines()] if trail.exists() else []


def _key(key_path: Path) -> bytes:
    return audit.read_key(key_path)


def test_each_view_is_audited_once_whatever_the_reruns(monkeypatch, db, audit_trail):
    trail, key_path = audit_trail
    at = _app(monkeypatch, db)  # the Cohort page: 21 lanes
    at.run()
    at.button_group(key="anchor").set_value("imatinib").run()  # a rerun of the same view
    at.switch_page("pages/patients.py").run()
    at.run()
    at.switch_page("pages/patient.py").run()
    at.button_group(key="anchor").set_value("diagnosis").run()
    at.run()
    at.switch_page("pages/cohort.py").run()  # back to the cohort: a new view
    assert not at.exception, at.exception
    entries = _entries(trail)
    assert [(e["action"], e["page"]) for e in entries] == [
        ("view", "cohort"), ("view", "patients"), ("view", "patient"), ("view", "cohort")]
    key = _key(key_path)
    everyone = {audit.patient_token(f"CML-{i:02d}", key) for i in range(1, 22)}
    assert set(entries[0]["patients"]) == everyone == set(entries[1]["patients"])
    assert len(entries[2]["patients"]) == 1 and entries[2]["patients"][0] in everyone
    assert {e["user"] for e in entries} == {USER["email"]} and {e["mode"] for e in entries} == {"normal"}
    assert "CML-" not in trail.read_text()
    assert audit.verify(trail, key, key_path).ok


def test_exports_are_audited_when_built(monkeypatch, db, audit_trail):
    trail, key_path = audit_trail
    media = Media(monkeypatch)
    at = _app(monkeypatch, db, patient="CML-03")
    at.switch_page("pages/patient.py").run()
    before = len(_entries(trail))
    data, _ = media.click(next(b for b in at.get("download_button") if b.label == "Download visits (CSV)"))
    assert data.startswith("\ufeffDate,".encode())  # UTF-8 with a byte-order mark, for spreadsheets
    at.switch_page("pages/cohort.py").run()
    data, _ = media.click(next(b for b in at.get("download_button") if b.label == "Swimmer as HTML"))
    assert b"<html" in data[:200].lower()  # the swimmer as a page of its own
    exports = [e for e in _entries(trail)[before:] if e["action"] == "export"]
    key = _key(key_path)
    assert [(e["page"], e["file"]) for e in exports] == [("patient", "visits CSV"), ("cohort", "swimmer HTML")]
    assert exports[0]["patients"] == [audit.patient_token("CML-03", key)] and exports[0]["user"] == USER["email"]
    assert len(exports[1]["patients"]) == 21 and audit.patient_token("CML-03", key) in exports[1]["patients"]
    assert audit.verify(trail, key, key_path).ok


def test_the_app_refuses_to_go_on_with_a_trail_of_another_key(monkeypatch, db, audit_trail):
    trail, key_path = audit_trail
    audit.append(trail, audit.load_key(key_path, trail), key_path, "a@h", "view", "patient", ["CML-01"])
    key_path.write_text(bytes(32).hex())  # a new key replaces the one the trail was written with
    before = trail.read_bytes()
    for page in ("pages/cohort.py", "pages/patient.py", "pages/patients.py"):
        at = _app(monkeypatch, db, patient="CML-03")
        at.switch_page(page).run()
        assert not at.exception
        assert "audit trail cannot be continued" in at.error[0].value and "another key" in at.error[0].value
        assert not at.get("plotly_chart") and not at.dataframe
    assert trail.read_bytes() == before


def test_a_key_kept_beside_the_trail_is_refused(monkeypatch, db, audit_trail):
    trail, _ = audit_trail
    monkeypatch.setenv("CMLTRACK_AUDIT_KEY", str(trail.with_name("audit.key")))
    at = _app(monkeypatch, db)
    assert "beside the trail" in at.error[0].value and not at.get("plotly_chart")
