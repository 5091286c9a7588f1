"""The patient page's tables (cmltrack.ui.tables.record_table): calendar dates normally; in presentation mode no
date, verbatim term, indication or free-text stop reason, only months since thalidomide start."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from cmltrack.privacy.pseudonyms import Pseudonyms
from cmltrack.ui.tables import record_table

THAL, IM = pd.Timestamp("2010-04-01"), pd.Timestamp("2006-06-01")
AES = pd.DataFrame({"patient_id": ["CML-03"], "term": ["tingling in both feet since the wedding"],
                    "meddra_pt": ["Paraesthesia"], "onset_date": [pd.Timestamp("2010-07-01")], "ctcae_grade": [1]})
TREATMENT = pd.DataFrame({"patient_id": ["CML-03"], "drug": ["thalidomide"], "start_date": [THAL],
                          "end_date": [pd.Timestamp("2011-04-01")], "reason_stopped": ["moved to Leeds to be near"]})


def test_normal_mode_shows_calendar_dates_and_the_record_as_it_is():
    shown = record_table(AES, "CML-03", THAL, IM, None)
    assert shown.at[0, "onset_date"] == dt.date(2010, 7, 1) and "tingling" in shown.at[0, "term"]
    assert "patient_id" not in shown


def test_presentation_mode_shows_months_and_no_free_text():
    pseudonyms = Pseudonyms(["CML-03"], seed=7)
    for frame in (AES, TREATMENT):
        shown = record_table(frame, "CML-03", THAL, IM, pseudonyms)
        text = shown.astype(str).to_string()
        assert "2010" not in text and "2011" not in text and "CML-03" not in text
        assert "wedding" not in text and "Leeds" not in text
    shown = record_table(TREATMENT, "CML-03", THAL, IM, pseudonyms)
    assert "term" not in record_table(AES, "CML-03", THAL, IM, pseudonyms)
    assert shown.filter(like="start").iloc[0].astype(float).tolist()[0] == 0.0  # months since thalidomide start


def test_presentation_mode_counts_from_imatinib_without_thalidomide():
    shown = record_table(TREATMENT, "CML-03", pd.NaT, IM, Pseudonyms(["CML-03"], seed=7))
    assert float(shown.filter(like="start").iloc[0, 0]) > 40  # 46 months after imatinib start
