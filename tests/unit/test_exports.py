"""Exported files open: PNG dimensions, SVG parses, HTML works offline, PPTX has one slide per patient."""

from __future__ import annotations

import io
import re
import shutil
import struct
import xml.etree.ElementTree as ET

import pytest

from cmltrack.db import queries as q
from cmltrack.db.filters import CohortFilter
from cmltrack.figures.export import html, image, images
from cmltrack.figures.swimmer import build_swimmer, order_lanes
from cmltrack.privacy.pseudonyms import Pseudonyms
from cmltrack.ui.deck import build_deck

needs_chromium = pytest.mark.skipif(not shutil.which("chromium") and not shutil.os.path.exists("/usr/bin/chromium"),
                                    reason="image export needs Debian's chromium")


@pytest.fixture()
def swimmer(con):
    lanes = order_lanes(q.cohort_lanes(con, CohortFilter()))
    ids = lanes["patient_id"].tolist()
    return build_swimmer(lanes, q.treatments_for(con, ids), q.events_for(con, ids))


@needs_chromium
def test_png_has_the_requested_size(swimmer):
    png = image(swimmer, "png", width=1600, height=900, scale=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1600, 900)


@needs_chromium
def test_svg_parses_and_holds_the_lanes(swimmer):
    root = ET.fromstring(image(swimmer, "svg", width=1600, height=900))
    assert root.tag.endswith("svg")
    text = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
    assert "CML-02" in text and "thalidomide start" in text  # the top axis names the start line


def test_html_is_self_contained(swimmer):
    page = html(swimmer, "Cohort swimmer").decode()
    assert "<title>Cohort swimmer</title>" in page
    assert not re.search(r"<script[^>]*\bsrc=", page)  # nothing loaded from outside: it opens offline
    assert len(page) > 3_000_000  # plotly.js is inside


@needs_chromium
@needs_chromium
def test_a_batch_of_images_is_drawn_in_one_browser_and_reports_each(swimmer):
    heard = []
    batch = images([swimmer, swimmer, swimmer], "png", width=800, height=600, scale=1,
                   progress=lambda done, total: heard.append((done, total)))
    assert heard == [(1, 3), (2, 3), (3, 3)]
    assert batch[0] == batch[2] == image(swimmer, "png", width=800, height=600, scale=1)  # the same picture


@needs_chromium
def test_a_lazy_batch_is_drawn_as_its_figures_come_and_reported_in_order(swimmer):
    built: list[int] = []

    def figures():
        for i in range(3):
            built.append(i)
            yield swimmer

    heard = []
    batch = images(figures(), "png", width=800, height=600, scale=1, count=3,
                   progress=lambda done, total: heard.append((done, total)))
    assert built == [0, 1, 2] and heard == [(1, 3), (2, 3), (3, 3)]
    assert len(batch) == 3 and len(set(batch)) == 1  # every tab draws the same picture


@needs_chromium
def test_deck_has_a_slide_per_patient_and_no_identifiers_when_deidentified(con, swimmer):
    from pptx import Presentation

    names = Pseudonyms([f"CML-{i:02d}" for i in range(1, 22)], seed=7)
    heard = []
    data = build_deck(con, swimmer, ["CML-01", "CML-03"], "ELN2020", names, 1.0,
                      progress=lambda done, total: heard.append(f"{done}/{total}"))
    assert heard == ["1/3", "2/3", "3/3"]  # the swimmer and the two patients, each reported
    prs = Presentation(io.BytesIO(data))
    assert len(prs.slides) == 3
    text = " ".join(shape.text_frame.text for slide in prs.slides for shape in slide.shapes if shape.has_text_frame)
    assert names("CML-01") in text and names("CML-03") in text
    assert "CML-0" not in text and "Testperson" not in text and "FAKE-" not in text
    assert all(any(shape.shape_type == 13 for shape in slide.shapes) for slide in prs.slides)  # a picture each
