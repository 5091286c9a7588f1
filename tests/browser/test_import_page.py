"""The Import page in a real browser: upload, read the report, confirm, and the cohort shows the new patients."""

from __future__ import annotations

import re
import shutil

import pytest

from scripts.harness import chromium, streamlit_server, wait_for_plot
from tests.realdata import REALDATA, needs_realdata

pytestmark = [pytest.mark.timeout(240), needs_realdata]


def _upload(page, paths) -> None:
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files([str(p) for p in paths])


@pytest.mark.parametrize("engine", ["duckdb", "postgresql"])
def test_upload_check_confirm_and_see_the_swimmer(tmp_path, demo_db, frames, request, engine):
    if engine == "postgresql":  # the Import page writes the shared registry in one transaction
        from cmltrack.registry import write_database

        db = write_database(request.getfixturevalue("new_registry")("import_page"), frames, source="demo")
    else:
        db = tmp_path / "clinic.duckdb"
        shutil.copy(demo_db, db)
    with streamlit_server(db, log_path=tmp_path / "server.log") as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1600, "height": 1100})
        page.goto(url + "/import")
        page.get_by_text("Files to import").wait_for(timeout=30_000)
        # a treatments file without its patients: every row is named as an error, nothing can be imported
        _upload(page, [REALDATA / "pharmaversesdtm" / "ex.rda"])
        page.get_by_text(re.compile(r"591 error\(s\): nothing can be imported")).wait_for(timeout=60_000)
        assert page.get_by_role("button", name=re.compile("^Import")).count() == 0
        # the whole SDTM set on a fresh page: valid, then imported with a progress bar, then drawn
        page.goto(url + "/import")
        page.get_by_text("Files to import").wait_for(timeout=30_000)
        _upload(page, [REALDATA / "pharmaversesdtm" / f"{n}.rda" for n in ("dm", "ex", "ae", "rs_onco")])
        page.get_by_text(re.compile(r"Valid\. Ready to import 306 patients")).wait_for(timeout=60_000)
        page.get_by_role("button", name="Import 306 patients").click()
        page.get_by_text(re.compile("Imported 306 patients")).wait_for(timeout=120_000)
        page.screenshot(path=str(tmp_path / "import.png"), full_page=True)
        page.goto(url + "/")
        wait_for_plot(page)
        count = page.locator("[data-testid='stSidebar']").get_by_text(re.compile(r"Showing \d+ of \d+ patients"))
        assert count.inner_text() == "Showing 327 of 327 patients"  # 21 demo + 306 imported
        page.close()
