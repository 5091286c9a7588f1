"""Opening a page under AppTest as a visitor does: the app on a database, the landing page, then the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def open_page(monkeypatch: Any, db: Path | str, page: str, params: dict[str, str] | None = None,
              timeout: float = 120, check: bool = True) -> AppTest:
    """``page`` (e.g. "pages/patient.py") of the app on ``db``, with the URL's query ``params``, reached from the
    landing page; with ``check``, the run must end without an exception."""
    monkeypatch.setenv("CMLTRACK_DB", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page).run()
    if check:
        assert not at.exception, at.exception
    return at
