"""Files on the server that hold patient data live no longer than they are needed: downloads are built on the
click (nothing waits in Streamlit's media store, which serves anyone who has the address), and uploaded files are
deleted when the check or the import that reads them ends, however it ends."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.downloads import Media
from tests.app.opening import open_page


@pytest.fixture()
def db(tmp_path, frames) -> Path:
    from cmltrack.registry import write_database

    return write_database(tmp_path / "registry.duckdb", frames, source="test")


def _app(monkeypatch, db: Path, page: str, patient: str | None = None) -> AppTest:
    return open_page(monkeypatch, db, page, {"patient": patient} if patient else None)


@pytest.mark.parametrize("page", ["pages/patient.py", "pages/cohort.py"])
def test_no_file_with_patient_data_waits_in_the_media_store(monkeypatch, db, page):
    media = Media(monkeypatch)
    at = _app(monkeypatch, db, page, patient="CML-03")
    buttons = at.get("download_button")
    assert buttons and all(b.proto.deferred_file_id for b in buttons)  # built when clicked
    assert media.downloads() == []  # nothing served to whoever has an address
    label = "Download visits (CSV)" if page == "pages/patient.py" else "Swimmer as HTML"
    data, url = media.click(next(b for b in buttons if b.label == label))
    assert data and media.reachable(url)  # the click's file is served (and swept soon: tests/browser)


@pytest.fixture()
def scratch(tmp_path, monkeypatch) -> Path:
    """The server's temporary folder, watched."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_uploads_are_deleted_when_the_check_ends(monkeypatch, db, scratch):
    at = _app(monkeypatch, db, "pages/import.py")
    at.get("file_uploader")[0].upload("patients.csv", b"patient_id,sex\nNEW-1,F\nNEW-2,M\n", "text/csv").run()
    assert any("Ready to import 2 patients" in s.value for s in at.success)
    assert not list(scratch.iterdir())  # checked, and gone (the import: tests/browser/test_reliability.py)
    at.get("file_uploader")[0].upload("patients.csv", b"patient_id,sex\nNEW-1,X\n", "text/csv").run()
    assert at.error and not list(scratch.iterdir())  # a check that finds errors leaves nothing either
