"""Values from a URL, a file or the database never become markdown links or images: hostile link parameters,
patient IDs, names, adverse-event terms, drug names, CTCAE versions and uploaded file names are shown as text on
every page, and as text (not Plotly HTML) in the figures and the exported HTML page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cmltrack.registry import write_database
from tests.app.opening import open_page
from tests.conftest import subset

LINK = "[Session expired - sign in again](https://evil.example/login)"
IMAGE = "![x](http://beacon.example/b.png)"
HTML_LINK = '<a href="https://evil.example/login">sign in</a>'
#: What a markdown body must not hold once values are escaped: a link or image target, a bare URL (autolinked).
UNSAFE = re.compile(r"\]\(|!\[|https?://|www\.")


def _texts(at: AppTest) -> list[str]:
    """Every markdown body the run drew: text, captions, alerts, in the page and the sidebar, and widget labels."""
    bodies = [e.value for kind in ("markdown", "caption", "error", "warning", "info", "success")
              for e in getattr(at, kind)]
    bodies += [e.value for kind in ("markdown", "caption", "error", "warning", "info", "success")
               for e in getattr(at.sidebar, kind)]
    bodies += [getattr(w, "label", "") or "" for w in at.get("download_button") + list(at.button)]
    return bodies


def _assert_plain(at: AppTest) -> None:
    assert not at.exception, at.exception
    unsafe = [b for b in _texts(at) if UNSAFE.search(b)]
    assert not unsafe, unsafe


def _app(monkeypatch, db: Path, page: str, params: dict[str, str] | None = None) -> AppTest:
    return open_page(monkeypatch, db, page, params, timeout=90, check=False)


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory, frames) -> Path:
    """CML-03 and CML-12 renamed and relabelled with hostile text in every free-text column."""
    out = subset(frames, ["CML-03", "CML-12"])
    ids = {"CML-03": LINK, "CML-12": IMAGE}
    for name, frame in out.items():
        out[name] = frame.assign(patient_id=frame["patient_id"].map(ids))
    out["patients"] = out["patients"].assign(display_name=[IMAGE, HTML_LINK], mrn=["[m](https://evil.example)",
                                                                                   "www.evil.example"])
    aes = out["adverse_events"]
    out["adverse_events"] = aes.assign(term=LINK, meddra_pt=HTML_LINK, ctcae_version=IMAGE)
    out["treatments"] = out["treatments"].assign(reason_stopped=LINK)
    return write_database(tmp_path_factory.mktemp("hostile") / "hostile.duckdb", out, source=LINK)


@pytest.mark.parametrize("value", [LINK.replace("again", "now"), IMAGE.replace("x", "y"), "www.evil.example/login",
                                   "x](https://evil.example)"])
def test_a_hostile_link_parameter_is_shown_as_text(monkeypatch, hostile_db, value):
    at = _app(monkeypatch, hostile_db, "pages/patient.py", {"patient": value})
    assert at.error and "No patient with ID" in at.error[0].value
    _assert_plain(at)


@pytest.mark.parametrize("page", ["pages/cohort.py", "pages/patient.py", "pages/patients.py", "pages/outcomes.py",
                                  "pages/safety.py", "pages/import.py"])
def test_hostile_values_in_the_database_are_shown_as_text_on_every_page(monkeypatch, hostile_db, page):
    at = _app(monkeypatch, hostile_db, page, {"patient": LINK} if page == "pages/patient.py" else None)
    if page == "pages/patient.py":
        assert any("Session expired" in m.value for m in at.markdown)  # the card shows the ID, as text
    _assert_plain(at)


def test_figures_show_hostile_data_as_text_not_html(monkeypatch, hostile_db):
    pages = (("pages/cohort.py", None), ("pages/patient.py", {"patient": IMAGE}), ("pages/safety.py", None))
    for page, params in pages:
        at = _app(monkeypatch, hostile_db, page, params)
        charts = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
        assert charts, page
        assert not [c for c in charts if "<a href" in json.dumps(c["data"]) + json.dumps(c["layout"])], page
        _assert_plain(at)


def test_the_exported_html_page_is_titled_with_the_patient_as_text(monkeypatch, hostile_db):
    import plotly.graph_objects as go

    from cmltrack.figures.export import html
    from tests.app.downloads import Media

    media = Media(monkeypatch)
    at = _app(monkeypatch, hostile_db, "pages/patient.py", {"patient": IMAGE})
    page, _ = media.click(next(b for b in at.get("download_button") if b.label == "HTML"))
    assert re.search(r"<title>(.*?)</title>", page.decode()).group(1) == f"{IMAGE}: course"  # not "treatment: ..."
    title = re.search(r"<title>(.*?)</title>", html(go.Figure(), f"{HTML_LINK}: course").decode()).group(1)
    assert "<" not in title and title.startswith("&lt;a href=")


def test_an_uploaded_file_name_is_shown_as_text(monkeypatch, hostile_db):
    at = _app(monkeypatch, hostile_db, "pages/import.py")
    at.get("file_uploader")[0].upload(f"{LINK}.csv", b"a,b\n1,2\n", "text/csv").run()
    assert not at.exception
    assert any("not imported" in c.value for c in at.caption)
    _assert_plain(at)
