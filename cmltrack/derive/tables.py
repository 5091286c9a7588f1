"""Every derived table at once, for the whole registry or only some of its patients.

A patient's derived rows (derived responses, ELN assessments, summary, treatment-free remission courses) depend on
that patient's facts alone, so an import derives only the patients it adds or replaces and appends their rows
(`derived_tables(frames, patient_ids)`), instead of deriving the registry again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import pandas as pd

from cmltrack.derive.lines import current_line_starts, tki_lines
from cmltrack.derive.responses import derived_responses_and_assessments
from cmltrack.derive.summary import measured_families, patient_summary, with_shown
from cmltrack.derive.tfr import tfr_courses

#: The tables written from the facts by the clinical rules (``responses`` holds recorded and derived rows, each
#: marked shown or not).
DERIVED_TABLES: tuple[str, ...] = ("responses", "eln_assessments", "patient_summary", "tfr_courses", "tki_lines")


def only_patients(frames: dict[str, pd.DataFrame], patient_ids: Iterable[str]) -> dict[str, pd.DataFrame]:
    """Each table's rows of the given patients."""
    wanted = pd.Index(list(patient_ids), dtype=object)
    return {name: frame[wanted.get_indexer(frame["patient_id"].to_numpy(dtype=object)) >= 0]
            if "patient_id" in frame else frame for name, frame in frames.items()}


def derived_tables(frames: dict[str, pd.DataFrame], patient_ids: Iterable[str] | None = None,
                   progress: Callable[[float], None] | None = None) -> dict[str, pd.DataFrame]:
    """``responses`` (the recorded ones kept, the derived ones computed under every guideline; each marked shown or
    not), ``eln_assessments``, ``patient_summary``, ``tfr_courses`` and ``tki_lines`` of the patients named (every
    patient of ``frames`` when None).

    ``frames``: the fact tables, with dates as datetime.date (db.store.with_plain_dates); they may hold other
    patients, whose rows are not read.
    """
    out: dict[str, pd.DataFrame] = {}
    for part in derived_in_turn(frames, patient_ids, progress):
        out.update(part)
    return out


def derived_in_turn(frames: dict[str, pd.DataFrame], patient_ids: Iterable[str] | None = None,
                    progress: Callable[[float], None] | None = None) -> Iterator[dict[str, pd.DataFrame]]:
    """derived_tables' tables as soon as each is made: ``responses`` and ``eln_assessments``, then
    ``tki_lines``, then ``patient_summary``, then ``tfr_courses`` (a writer stores each while the next are derived)."""
    if patient_ids is not None:
        frames = only_patients(frames, patient_ids)
    recorded = frames["responses"]
    if "source" in recorded:  # a source without the column (an import) records every row
        recorded = recorded[recorded["source"].fillna("recorded") == "recorded"]
    recorded = recorded.assign(source="recorded", guideline="none")
    recorded = recorded.drop(columns=["family_measured", "shown"], errors="ignore")  # read back: marked again
    lines = tki_lines(frames["treatments"])
    derived, assessments = derived_responses_and_assessments(frames, progress, current_line_starts(lines))
    responses = pd.concat([recorded, derived], ignore_index=True) if len(derived) else recorded
    families = measured_families(frames["labs"], pd.Index(frames["patients"]["patient_id"], dtype=object))
    responses = with_shown(responses, families)
    yield {"responses": responses, "eln_assessments": assessments, "tki_lines": lines}
    yield {"patient_summary": patient_summary(frames, responses, families)}
    yield {"tfr_courses": tfr_courses(frames)}
