"""Responses derived from every patient's labs under each ELN guideline, and the ELN assessments (tables
``responses`` where source = 'derived', and ``eln_assessments``).

The labs of the whole cohort are classified at once (clinical.visits.classify_visits, vectorised); only the state
machine of each patient's confirmations and losses runs per patient, over those classifications
(clinical.timeline.course_events); the ELN assessments are then made for the whole cohort at once
(clinical.assessments.Cohort). One process: at 100,000 patients the per-patient part is a few seconds, less than
worker processes would spend receiving the visits and sending the events back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd

from cmltrack.clinical.genetics import Finding
from cmltrack.clinical.milestones import GUIDELINES, SAME_RULES_AS
from cmltrack.clinical.timeline import course_events, karyotype_dates
from cmltrack.clinical.visits import VisitClass
from cmltrack.derive.assessments import Cohort
from cmltrack.derive.lines import current_line_starts, tki_lines
from cmltrack.derive.visits import classify_visits

ASSESSMENT_COLUMNS: tuple[str, ...] = (
    "patient_id", "guideline", "milestone", "date", "months", "category", "bcr_abl1_is_pct", "ph_pos_pct", "chr",
)
EVENT_COLUMNS: tuple[str, ...] = ("patient_id", "date", "kind", "source", "guideline")
#: Patients per chunk of the events (progress is reported after each).
CHUNK_PATIENTS = 5000

#: The guidelines whose rules are derived (a guideline with another's rules to the letter takes its results).
RULE_SETS: tuple[str, ...] = tuple(g for g in GUIDELINES if g not in SAME_RULES_AS)


def _rules(guideline: str) -> str:
    return SAME_RULES_AS.get(guideline, guideline)


#: One chunk's input: (patient id, first and last row in ``items``) per patient, the classified visits, each
#: patient's TKI line start and genetic findings.
Chunk = tuple[list[tuple[str, int, int]], list[VisitClass], dict[str, dt.date], dict[str, list[Finding]]]


def tki_line_start(treatments: pd.DataFrame) -> dict[str, dt.date]:
    """Start of each patient's current TKI line (derive.lines: the first start of the TKI begun last)."""
    return current_line_starts(tki_lines(treatments))


def genetic_findings(frames: dict[str, pd.DataFrame]) -> dict[str, list[Finding]]:
    """Each patient's mutation and karyotype findings (tables ``mutations`` and ``karyotypes``), in date order."""
    out: dict[str, list[Finding]] = {}
    parts = [(frames.get("mutations"), "mutation", "mutation"), (frames.get("karyotypes"), "karyotype", "finding")]
    for frame, test, column in parts:
        if frame is None or frame.empty:
            continue
        ph = frame["ph_positive"] if "ph_positive" in frame else pd.Series(True, index=frame.index)
        for pid, date, value, positive in zip(frame["patient_id"], pd.to_datetime(frame["date"]).dt.date,
                                              frame[column], ph.fillna(True)):
            out.setdefault(pid, []).append(Finding(date, test, str(value), bool(positive)))
    return {pid: sorted(found, key=lambda f: (f.date, f.test, f.value)) for pid, found in out.items()}


def classified_visits(labs: pd.DataFrame) -> pd.DataFrame:
    """The labs in patient and date order, classified (visits.classify_visits) beside patient_id and date."""
    labs = labs.sort_values(["patient_id", "date"], kind="stable")
    return classify_visits(labs).assign(patient_id=labs["patient_id"].to_numpy(dtype=object),
                                        date=pd.to_datetime(labs["date"]).to_numpy("datetime64[D]"))


def _floats(values: pd.Series) -> list:
    """Floats as Python floats, None where missing."""
    x = values.to_numpy(dtype=float)
    return np.where(np.isnan(x), None, x).tolist()


def _visit_items(visits: pd.DataFrame) -> list[VisitClass]:
    """The visits as VisitClass fields (plain tuples: course_events reads them by position)."""
    dates = visits["date"].to_numpy("datetime64[D]").astype(object)  # datetime.date
    columns = [dates.tolist(), visits["chr"].tolist(), visits["ph_positive"].tolist(),
               visits["cyto"].tolist(), _floats(visits["ph_value"]), _floats(visits["bcr"]),
               visits["depth"].tolist(), visits["phase"].tolist()]
    return list(zip(*columns))


def derive_patients(patients: list[tuple[str, int, int]], items: list[VisitClass], line_start: dict[str, dt.date],
                    genetics: dict[str, list[Finding]]) -> dict[str, list[tuple]]:
    """The derived events of the given patients (``items[a:b]`` are each one's visits): rule set -> (patient,
    date, kind) rows, each patient's in course_events order."""
    events: dict[str, list[tuple]] = {g: [] for g in RULE_SETS}
    for pid, a, b in patients:
        visits, found = items[a:b], genetics.get(pid, ())
        karyotypes = karyotype_dates(found, line_start.get(pid)) if found else {}
        for guideline in RULE_SETS:
            events[guideline] += [(pid, date, kind) for date, kind in course_events(visits, guideline, karyotypes)]
    return events


def _chunks(visits: pd.DataFrame, line_start: dict[str, dt.date],
            genetics: dict[str, list[Finding]]) -> list[Chunk]:
    ids = visits["patient_id"].to_numpy()
    items = _visit_items(visits)
    firsts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if len(ids) else np.array([], dtype=int)
    bounds = [*firsts.tolist(), len(ids)]
    patients = [(str(ids[a]), a, b) for a, b in zip(bounds[:-1], bounds[1:])]
    out = []
    for k in range(0, len(patients), CHUNK_PATIENTS):
        part = patients[k:k + CHUNK_PATIENTS]
        a, b = part[0][1], part[-1][2]
        out.append(([(pid, x - a, y - a) for pid, x, y in part], items[a:b],
                    {pid: line_start[pid] for pid, _, _ in part if pid in line_start},
                    {pid: genetics[pid] for pid, _, _ in part if pid in genetics}))
    return out


def derived_responses_and_assessments(frames: dict[str, pd.DataFrame], progress: Callable[[float], None] | None = None,
                                      line_start: dict[str, dt.date] | None = None,
                                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Responses derived from each patient's labs under every guideline, and the ELN assessments: each patient's
    events in chunks, then the assessments of the whole cohort at once; ``progress`` hears the share done.
    ``line_start``: each patient's current TKI line start (computed from the treatments when None)."""
    report = progress or (lambda done: None)
    if line_start is None:
        line_start = tki_line_start(frames["treatments"])
    genetics = genetic_findings(frames)
    visits = classified_visits(frames["labs"])
    chunks = _chunks(visits, line_start, genetics)
    report(0.2)
    results = []
    for i, chunk in enumerate(chunks):
        results.append(derive_patients(*chunk))
        report(0.2 + 0.5 * (i + 1) / len(chunks))
    events = {g: pd.DataFrame([e for r in results for e in r[g]], columns=["patient_id", "date", "kind"])
              for g in RULE_SETS}
    cohort = Cohort(visits, line_start)
    assessed = {g: cohort.assess(g, events[g], genetics) for g in RULE_SETS}
    report(0.95)
    derived = pd.concat([events[_rules(g)].assign(source="derived", guideline=g) for g in GUIDELINES],
                        ignore_index=True)
    assessments = pd.concat([assessed[_rules(g)].assign(guideline=g) for g in GUIDELINES], ignore_index=True)
    report(1.0)
    return derived.drop_duplicates().reset_index(drop=True), assessments.loc[:, list(ASSESSMENT_COLUMNS)]
