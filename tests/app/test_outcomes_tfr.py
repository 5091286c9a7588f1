"""Outcomes draws the Kaplan-Meier of remaining in treatment-free remission for the patients passing the filters."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.opening import open_page


@pytest.fixture(scope="module")
def tfr_db(tmp_path_factory) -> Path:
    """200 synthetic patients, 9 of whom stopped a TKI for treatment-free remission."""
    from cmltrack.cohorts.synthetic import SOURCE, synthetic_frames
    from cmltrack.registry import write_database

    path = tmp_path_factory.mktemp("tfr") / "synthetic_200.duckdb"
    return write_database(path, synthetic_frames(200, seed=0), source=f"{SOURCE} (n=200, seed=0)")


def _stops(at: AppTest) -> int | None:
    """The number of TFR stops the curve's caption counts (None without the curve)."""
    titles = [json.loads(c.proto.spec)["layout"].get("title", {}).get("text", "") for c in at.get("plotly_chart")]
    if not any("treatment-free remission" in t for t in titles):
        return None
    said = next(c.value for c in at.caption if "Kaplan-Meier of remaining in TFR" in c.value)
    return int(re.search(r"(\d+) stops", said).group(1))


def test_the_tfr_curve_follows_the_filters(monkeypatch, tfr_db):
    at = open_page(monkeypatch, tfr_db, "pages/outcomes.py")
    everyone = _stops(at)
    assert everyone == 9
    at.run()  # a rerun: the same curve
    assert _stops(at) == everyone
    at.button_group(key="sex").set_value(["F"]).run()
    women = _stops(at)
    at.button_group(key="sex").set_value(["M"]).run()
    men = _stops(at)
    assert (women or 0) + (men or 0) == everyone and 0 < (women or 0) < everyone
