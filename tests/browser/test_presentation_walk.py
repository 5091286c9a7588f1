"""Presentation mode walked as a tumour board would, in Debian's Chromium against a real `streamlit run`: lane clicks,
Next, Back, Forward, a reload, an edited URL, every sidebar link and every export. After each step the page text,
the chart text, the URL, the title, the websocket frames the server sent and the downloaded files are searched for
every identifier and calendar date of the database (tests/browser/leaks.py)."""

from __future__ import annotations

import io
import re
import time
import zipfile

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from scripts.harness import free_port, streamlit_server, wait_for_plot
from tests.browser.leaks import Identifiers, file_texts, frame_texts, run_finished

pytestmark = pytest.mark.timeout(420)
SIDEBAR_PAGES = ["Cohort", "Clinic", "Patient", "Patients", "Outcomes", "Safety", "Board", "Import"]


class Walk:
    """One browser tab in presentation mode; every step is searched for identifiers."""

    def __init__(self, browser, ids: Identifiers) -> None:
        self.context = browser.new_context(viewport={"width": 1920, "height": 1080}, accept_downloads=True)
        self.page = self.context.new_page()
        self.ids = ids
        self.frames: list[bytes | str] = []
        self.steps: list[str] = []
        self.sockets = 0
        self.page.on("websocket", self._connected)

    def _connected(self, socket) -> None:
        self.sockets += 1
        socket.on("framereceived", lambda payload: self.frames.append(payload))

    def reconnected(self, before: int) -> None:
        """Wait until the page has opened a new websocket (Streamlit reconnects by itself) and settled."""
        deadline = time.monotonic() + 90
        while self.sockets == before and time.monotonic() < deadline:
            self.page.wait_for_timeout(250)
        assert self.sockets > before, "the page did not reconnect"
        self.settle(ran=False)

    def settle(self, ran: bool = True, quiet: float = 0.5, timeout: float = 90.0) -> None:
        """Wait until the app has finished the run this step started (``ran``: the server said so since the last
        check) and has then sent nothing for ``quiet`` seconds."""
        page = self.page
        deadline = time.monotonic() + timeout
        count, changed = len(self.frames), time.monotonic()
        while time.monotonic() < deadline:
            page.wait_for_timeout(200)
            if len(self.frames) != count:
                count, changed = len(self.frames), time.monotonic()
            elif time.monotonic() - changed > quiet and (not ran or any(map(run_finished, self.frames))):
                return
        raise TimeoutError("the app did not finish its run")

    def check(self, step: str, ran: bool = True) -> str:
        """Search everything the browser holds after ``step``; return the page's text."""
        self.settle(ran)
        self.steps.append(step)
        page = self.page
        text = page.locator("body").inner_text()
        charts = " ".join(page.locator(".js-plotly-plot text").all_text_contents())
        for where, data in ((f"{step}: URL", page.url), (f"{step}: title", page.title()),
                            (f"{step}: page text", text), (f"{step}: chart text", charts)):
            self.ids.scan(where, data)
        frames, self.frames = self.frames, []
        for frame in frames:
            for part in frame_texts(frame):
                self.ids.scan(f"{step}: websocket", part)
        assert not self.ids.found, self.ids.found[:20]
        assert "mode=board" in page.url, (step, page.url)  # the mode shows in the URL whatever the URL was
        return text

    def download(self, step: str, button) -> bytes:
        """Click a download button; search the file's name and content."""
        with self.page.expect_download(timeout=120_000) as info:
            button.click()
        download = info.value
        data = open(download.path(), "rb").read()
        self.ids.scan(f"{step}: file name", download.suggested_filename)
        for where, part in file_texts(download.suggested_filename, data):
            self.ids.scan(f"{step}: {where}", part)
        assert not self.ids.found, self.ids.found[:20]
        return data

    def sidebar(self):
        """The sidebar, opened if it is collapsed (presentation mode starts with it closed)."""
        bar = self.page.locator("[data-testid='stSidebar']")
        if bar.get_attribute("data-collapsed") == "true":
            self.page.locator("[data-testid='stExpandSidebarButton']").click()
            self.page.wait_for_function("document.querySelector('[data-testid=\"stSidebar\"]')"
                                        ".getBoundingClientRect().x >= 0")
        return bar

    def nav(self, name: str) -> None:
        """Follow the sidebar link to page ``name``."""
        self.sidebar().locator("[data-testid='stSidebarNav']").get_by_role("link", name=name, exact=True).click()
        path = "/" if name == "Cohort" else f"/{name.lower()}"
        self.page.wait_for_function(f"location.pathname.endsWith({path!r})", timeout=30_000)

    def click_lane(self, trace: int, point: int, navigate: bool = True) -> None:
        """Click one bar of the swimmer (``trace``: index among the bar traces, -1 the last); with ``navigate`` wait
        for the patient page it opens."""
        page = self.page
        wait_for_plot(page)
        drag = page.locator(".js-plotly-plot .nsewdrag").first
        origin = drag.bounding_box()
        box = page.locator(".js-plotly-plot .barlayer .trace").nth(trace).locator(".point").nth(point).bounding_box()
        left = max(box["x"], origin["x"])  # the part of the bar inside the plot (a bar may start before the view)
        right = min(box["x"] + box["width"], origin["x"] + origin["width"])
        assert left < right, "this bar lies outside the view"
        drag.click(position={"x": (left + right) / 2 - origin["x"],
                             "y": box["y"] + box["height"] / 2 - origin["y"]}, force=True)
        if navigate:
            page.wait_for_function("location.pathname.endsWith('/patient')", timeout=30_000)
            # the card (the patient's pseudonym) is drawn after the page's queries, which can take a pause longer
            # than settle()'s quiet time on a loaded machine
            page.wait_for_function(r"/\bP-\d{3}\b/.test(document.querySelector('[data-testid=stMain]').innerText)",
                                   timeout=60_000)


def _pseudonym(text: str) -> str:
    return re.search(r"\bP-\d{3}\b", text).group(0)


def test_presentation_mode_walk_reveals_no_identifier(browser, server, demo_db):
    walk = Walk(browser, Identifiers.of(demo_db))
    page = walk.page
    page.goto(f"{server}/?mode=board")
    wait_for_plot(page)
    walk.check("cohort")

    walk.click_lane(-1, 0)  # a thalidomide bar
    first = _pseudonym(walk.check("lane click"))
    page.get_by_role("button", name="Next").click()
    page.wait_for_function(f"!document.body.innerText.includes('{first}') || "
                           "document.body.innerText.includes('Presentation mode')")
    second = _pseudonym(walk.check("Next"))
    page.go_back()
    walk.check("Back")
    page.go_forward()
    walk.check("Forward")
    walk.nav("Cohort")
    walk.check("sidebar: Cohort")
    walk.click_lane(1, 3)  # an imatinib bar of another lane
    walk.check("second lane click")
    page.reload()
    walk.check("reload")
    page.goto(f"{server}/patient")  # the URL edited: mode=board dropped
    walk.check("edited URL")
    assert second or first
    for name in SIDEBAR_PAGES:
        walk.nav(name)
        walk.check(f"sidebar: {name}")

    # every export of the patient page: course as PNG, SVG and HTML, and the three tables as CSV
    walk.nav("Patient")
    wait_for_plot(page)
    walk.check("patient for exports")
    main = page.locator("[data-testid='stMain']")
    for label in ("PNG", "SVG", "HTML"):
        walk.download(f"patient {label}", main.get_by_role("button", name=label, exact=True))
    for tab, label in (("Visits and labs", "visits"), ("Adverse events", "adverse events"),
                       ("Treatment", "treatment")):
        main.get_by_role("tab", name=tab).click()
        walk.download(f"patient {label} CSV", main.get_by_role("button", name=f"Download {label} (CSV)"))
    # every export of the cohort page: the swimmer as PNG, SVG and HTML
    walk.nav("Cohort")
    wait_for_plot(page)
    walk.check("cohort for exports")
    main.get_by_text("Export for slides").click()
    for label in ("Swimmer as PNG", "Swimmer as SVG", "Swimmer as HTML"):
        walk.download(label, main.get_by_role("button", name=label))
    walk.check("after the exports", ran=False)

    _run_the_board(walk, server)
    assert not walk.ids.found, walk.ids.found[:20]
    assert len(walk.steps) >= 30
    walk.context.close()


def _run_the_board(walk: Walk, server: str) -> None:
    """The agenda picked from the swimmer, the Patients table and the patient page; presented with Next and
    Previous and an open question; the deck built from it, with its progress shown."""
    page = walk.page
    main = page.locator("[data-testid='stMain']")
    main.get_by_text("adds to the board's agenda").click()
    walk.check("click mode: agenda")
    for trace, point in ((-1, 1), (-1, 6)):  # two thalidomide bars onto the agenda; the page stays
        walk.click_lane(trace, point, navigate=False)
        walk.check(f"lane {point} onto the agenda")
    agenda_labels = [t for t in page.locator(".js-plotly-plot .yaxislayer-above text").all_text_contents()
                     if re.search(r"\[\d\]$", t)]
    assert sorted(label[-3:] for label in agenda_labels) == ["[1]", "[2]"], agenda_labels
    walk.nav("Patients")
    walk.check("Patients")
    main.locator(".st-key-agenda_pick").get_by_role("combobox").press_sequentially("P-")  # typing opens the list
    page.get_by_role("option").nth(4).click(timeout=10_000)  # a pseudonym from the table
    page.keyboard.press("Escape")
    main.get_by_role("button", name=re.compile(r"Add 1 to the board's agenda")).click()
    walk.check("Patients: onto the agenda")
    walk.nav("Patient")
    walk.check("Patient")
    if main.get_by_role("button", name="Add to the agenda").count():
        main.get_by_role("button", name="Add to the agenda").click()
        walk.check("patient page: onto the agenda")
    walk.nav("Board")
    text = walk.check("Board")
    places = re.findall(r"^(\d)\n+(P-\d{3})", text, re.M)
    assert len(places) >= 3, text[:600]
    main.get_by_role("button", name=re.compile(r"Present the \d patients")).click()
    page.wait_for_function("location.pathname.endsWith('/patient')", timeout=30_000)
    wait_for_plot(page)  # the patient page's run: its queries may pause longer than settle()'s quiet time
    text = walk.check("Present")
    _projector_grade(page, "the board's view of a patient")  # dose labels at 18 px, never shrunk into a bar
    total = len(places)
    assert f"1 of {total} on the board's agenda" in text and places[0][1] in text
    question = page.get_by_placeholder(re.compile("Open question for the board"))
    question.fill("Stop thalidomide and start a second-generation TKI?")
    question.press("Enter")
    walk.check("open question")
    assert question.input_value().startswith("Stop thalidomide")
    main.get_by_role("button", name="Next").click()
    text = walk.check("agenda: Next")
    assert f"2 of {total} on the board's agenda" in text and places[1][1] in text
    assert page.get_by_placeholder(re.compile("Open question for the board")).input_value() == ""
    main.get_by_role("button", name="Previous").click()
    assert f"1 of {total} on the board's agenda" in walk.check("agenda: Previous")

    walk.nav("Board")
    walk.check("Board for the deck")
    main.get_by_role("button", name=re.compile("Build the deck")).click()
    page.get_by_text(re.compile(rf"Slide \d of {total + 1} drawn")).first.wait_for(timeout=120_000)  # progress
    deck = walk.download("deck", main.get_by_role("button", name="Download the deck (PowerPoint)"))
    walk.check("deck built", ran=False)
    with zipfile.ZipFile(io.BytesIO(deck)) as pptx:
        slides = sorted(n for n in pptx.namelist() if re.fullmatch(r"ppt/slides/slide\d+\.xml", n))
        assert len(slides) == total + 1  # the cohort swimmer and one slide per patient of the agenda
        text = " ".join(pptx.read(n).decode() for n in slides)
    assert all(pseudonym in text for _, pseudonym in places) and "Stop thalidomide" not in text


def _lane_labels(page) -> list[str]:
    wait_for_plot(page)
    return page.locator(".js-plotly-plot .yaxislayer-above text").all_text_contents()


def test_a_server_restart_keeps_every_pseudonym_or_reloads_and_says_so(browser, demo_db, frames, tmp_path):
    """The browser reconnects to a new server process by itself. With the same patients, each lane keeps its
    pseudonym; with other patients (the database changed), the page reloads with new ones and says so."""
    from cmltrack.registry import write_database

    fewer = write_database(tmp_path / "fewer.duckdb", {name: f[f["patient_id"] != "CML-21"] for name, f in
                                                        frames.items()}, source="test")
    port = free_port()
    walk = Walk(browser, Identifiers.of(demo_db))
    page = walk.page
    with streamlit_server(demo_db, port=port, log_path=tmp_path / "first.log") as url:
        page.goto(f"{url}/?mode=board")
        before = _lane_labels(page)
        walk.check("first server")
    with streamlit_server(demo_db, port=port, log_path=tmp_path / "second.log"):
        walk.reconnected(walk.sockets)
        walk.nav("Patients")  # what the new server session draws, not the screen left from the old one
        walk.check("new server: Patients")
        walk.nav("Cohort")
        walk.check("new server: Cohort")
        assert _lane_labels(page) == before
    with streamlit_server(fewer, port=port, log_path=tmp_path / "third.log"):
        walk.reconnected(walk.sockets)  # the old screen stays until the next click
        sockets = walk.sockets
        walk.nav("Patient")  # the first run of the new session reloads the page with new pseudonyms
        page.get_by_text("New pseudonyms").wait_for(timeout=60_000)
        assert walk.sockets > sockets  # a reload: a new page, a new websocket
        text = walk.check("database changed")
        assert "a P-number seen before this notice means another patient now" in text
        assert _lane_labels(page) != before
    walk.context.close()


#: Every text of the Plotly charts on screen: the size it is drawn at (its font size times any scale Plotly applies
#: to fit it, e.g. a label shrunk into a thin bar), its fill, and whether it sits inside a bar (where Plotly picks
#: black or white against the bar's shade).
_CHART_TEXT = """() => [...document.querySelectorAll('.js-plotly-plot svg text')]
    .filter(t => t.textContent.trim() && getComputedStyle(t).display !== 'none' && t.getBBox().width > 0)
    .map(t => { const m = t.getCTM(); return {text: t.textContent.trim(),
                size: parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b),
                fill: getComputedStyle(t).fill, inBar: t.classList.contains('bartext')}; })"""


def _projector_grade(page, where: str) -> None:
    # the page switch returns before Plotly has drawn: wait for the chart's texts, then measure them
    try:
        page.wait_for_function(f"({_CHART_TEXT})().length > 20", timeout=60_000)
    except PlaywrightTimeout:
        pass  # the assertion below names what was (not) drawn
    texts = page.evaluate(_CHART_TEXT)
    assert len(texts) > 20, where
    small = [(t["text"], t["size"]) for t in texts if t["size"] < 18]
    assert not small, (where, small[:10])
    grey = [(t["text"], t["fill"]) for t in texts if not t["inBar"] and t["fill"] != "rgb(0, 0, 0)"]
    assert not grey, (where, grey[:10])
    scrolled = page.evaluate("[...document.querySelectorAll('.js-plotly-plot .legend .scrollbar')]"
                             ".filter(s => s.getBBox().height > 0).length")
    assert scrolled == 0, f"{where}: the legend scrolls (it is cut)"


def test_presentation_mode_reads_on_a_projector(browser, server, demo_db, large_db):
    """1920x1080: the sidebar starts closed; every chart text is >= 18 px and black; a 25-lane page of the swimmer
    with its axis and whole legend fits the screen; tables show every row, without a scroll box of their own."""
    walk = Walk(browser, Identifiers.of(large_db))
    page = walk.page
    with streamlit_server(large_db) as url:
        page.goto(f"{url}/?mode=board")
        wait_for_plot(page)
        walk.check("cohort, 1,008 patients")
        assert page.locator("[data-testid='stSidebar']").get_attribute("data-collapsed") == "true"
        assert "Lanes 1-25 of 1,008 patients" in page.locator("[data-testid='stMain']").inner_text()
        swimmer = page.locator(".js-plotly-plot").last
        assert len(swimmer.locator(".yaxislayer-above text").all_text_contents()) == 25
        assert swimmer.bounding_box()["height"] <= 1080
        _projector_grade(page, "cohort")
    walk.context.close()
    walk = Walk(browser, Identifiers.of(demo_db))  # a new browser: the cookie holds the other cohort's pseudonyms
    page = walk.page
    page.goto(f"{server}/patients?mode=board")
    page.wait_for_selector("[data-testid='stTable'] tbody tr", timeout=30_000)
    walk.check("patients")
    tables = page.locator("[data-testid='stTable']")
    assert tables.count() >= 1 and not page.locator("[data-testid='stDataFrame']").count()
    assert tables.first.locator("tbody tr").count() == 21  # every row on the page
    boxes = page.evaluate("""[...document.querySelectorAll('[data-testid="stTable"], [data-testid="stTable"] *')]
        .filter(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX)
                     || ['auto', 'scroll'].includes(getComputedStyle(e).overflowY))
        .map(e => [e.scrollWidth - e.clientWidth, e.scrollHeight - e.clientHeight])""")
    assert all(w <= 1 and h <= 1 for w, h in boxes), boxes  # nothing scrolls inside a table: no row or column hidden
    for path in ("/patient", "/outcomes", "/safety"):
        page.goto(f"{server}{path}")  # the cookie keeps the mode
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
        walk.check(path)
        _projector_grade(page, path)
    walk.context.close()
