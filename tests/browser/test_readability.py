"""Readability on a 1080p screen (issue 20), measured in Chromium: what a hematologist sees without scrolling."""

from __future__ import annotations

import pytest

from scripts.harness import wait_for_plot

pytestmark = pytest.mark.timeout(180)
SCREEN = {"width": 1920, "height": 1080}


def _open(browser, url: str, requests: list[str] | None = None):
    page = browser.new_page(viewport=SCREEN)
    if requests is not None:
        page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    wait_for_plot(page)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(800)  # the last rerun's chart has drawn
    return page


def _boxes(page, selector: str) -> list[dict]:
    return [b for b in (loc.bounding_box() for loc in page.locator(selector).all()) if b]


def _on_first_screen(boxes: list[dict]) -> bool:
    return bool(boxes) and all(b["y"] >= 0 and b["y"] + b["height"] <= SCREEN["height"] and
                               b["x"] >= 0 and b["x"] + b["width"] <= SCREEN["width"] for b in boxes)


def _scrolled(page) -> int:
    return page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollTop + window.scrollY")


@pytest.mark.parametrize("path", ["/", "/?status=Resistant"])  # 13 lanes: the legend used to outgrow the lanes
def test_cohort_shows_time_axis_and_whole_legend_on_the_first_screen(browser, server, path):
    requests: list[str] = []
    page = _open(browser, server + path, requests)
    chart = ".st-key-swimmer .js-plotly-plot"
    ticks = _boxes(page, f"{chart} .xaxislayer-above .xtick text, {chart} .xaxislayer-above .x2tick text")
    shown = [b for b in ticks if b["y"] + b["height"] <= SCREEN["height"]]
    assert len(shown) >= 4, ticks  # a time axis whose tick labels are read without scrolling
    entries = _boxes(page, f"{chart} .legend .traces")
    assert len(entries) >= 15 and _on_first_screen(entries), entries  # every legend entry, whole
    assert not _boxes(page, f"{chart} .legend .scrollbar")  or \
        all(b["height"] == 0 for b in _boxes(page, f"{chart} .legend .scrollbar"))
    assert _scrolled(page) == 0
    # nothing is fetched from outside this server (the favicon included: no font CDN)
    outside = [u for u in requests if not u.startswith((server, "data:", "blob:"))]
    assert not outside, outside
    icon = page.locator("link[rel*='icon']").first.get_attribute("href")
    assert icon and (icon.startswith("/") or icon.startswith(server) or icon.startswith("./")), icon
    page.close()


def test_patient_course_shows_bcr_abl1_panel_its_time_axis_and_whole_legend_on_the_first_screen(browser, server):
    page = _open(browser, server + "/patient?patient=CML-03")
    chart = ".st-key-patient_timeline .js-plotly-plot"
    panel = _boxes(page, f"{chart} .draglayer .x3y3 .nsewdrag")
    assert _on_first_screen(panel) and panel[0]["height"] >= 180, panel  # the chart read first, tall enough
    y_ticks = _boxes(page, f"{chart} .yaxislayer-above .y3tick text")
    assert len(y_ticks) >= 6 and _on_first_screen(y_ticks), y_ticks
    x_ticks = _boxes(page, f"{chart} .xaxislayer-above .x3tick text")
    assert len(x_ticks) >= 4 and _on_first_screen(x_ticks), x_ticks  # the panel's own time axis
    entries = _boxes(page, f"{chart} .legend .traces")
    assert len(entries) >= 10 and _on_first_screen(entries), entries
    assert _scrolled(page) == 0
    page.close()


def test_a_click_on_a_patients_table_row_opens_that_patient(browser, server):
    page = browser.new_page(viewport=SCREEN)
    page.goto(server + "/patients")
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.wait_for(timeout=60_000)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(800)
    cells = page.locator("[data-testid='stDataFrame'] table [role='gridcell'], "
                         "[data-testid='stDataFrame'] table td")  # glide's accessible copy of the canvas
    row3 = cells.filter(has_text="CML-").nth(2).inner_text().strip()
    box = grid.bounding_box()
    # the third data row (header 35 px, rows 35 px), in the Patient column (right of the tick column)
    page.mouse.click(box["x"] + 90, box["y"] + 35 + 2 * 35 + 17)
    page.wait_for_url(f"**/patient?patient={row3}**", timeout=30_000)
    page.get_by_text(row3, exact=True).first.wait_for(timeout=30_000)
    page.close()
