"""Responses derived from every patient's labs under each ELN guideline, and the ELN assessments (tables
``responses`` where source = 'derived', and ``eln_assessments``).

The labs of the whole cohort are classified at once (clinical.visits.classify_visits, vectorised); only the state
machine of each patient's confirmations and losses, and the picking of each milestone's results, run per patient
(clinical.timeline.course_events and Course), in chunks, in forked worker processes for large cohorts.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable

import numpy as np
import pandas as pd

from cmltrack.clinical.genetics import Finding
from cmltrack.clinical.milestones import GUIDELINES, SAME_RULES_AS
from cmltrack.clinical.timeline import Course, course_events, karyotype_dates
from cmltrack.clinical.visits import VisitClass, classify_visits

log = logging.getLogger("cmltrack")

ASSESSMENT_COLUMNS: tuple[str, ...] = (
    "patient_id", "guideline", "milestone", "date", "months", "category", "bcr_abl1_is_pct", "ph_pos_pct", "chr",
)
EVENT_COLUMNS: tuple[str, ...] = ("patient_id", "date", "kind", "source", "guideline")
TKIS: tuple[str, ...] = ("imatinib", "dasatinib", "nilotinib", "bosutinib", "ponatinib", "asciminib")
#: Patients per chunk of the derivation; above PARALLEL_FROM patients, chunks run in worker processes.
CHUNK_PATIENTS = 5000
PARALLEL_FROM = 20_000

#: One chunk's input: (patient id, first and last row in ``items``) per patient, the classified visits, each
#: patient's TKI line start and genetic findings.
Chunk = tuple[list[tuple[str, int, int]], list[VisitClass], dict[str, dt.date], dict[str, list[Finding]]]


def tki_line_start(treatments: pd.DataFrame) -> pd.Series:
    """Start of each patient's current TKI line: the first start of the TKI begun last."""
    tki = treatments[treatments["drug"].isin(TKIS)]
    if tki.empty:
        return pd.Series(dtype="datetime64[us]")
    tki = tki.assign(start_date=pd.to_datetime(tki["start_date"]))  # dates and timestamps mix after an import adds
    first = tki.groupby(["patient_id", "drug"])["start_date"].min().reset_index()
    return pd.to_datetime(first.sort_values("start_date").groupby("patient_id")["start_date"].last())


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


def classified_visits(labs: pd.DataFrame) -> tuple[np.ndarray, list[VisitClass]]:
    """The labs in patient and date order, classified: (patient id of each visit, the visits)."""
    labs = labs.sort_values(["patient_id", "date"], kind="stable")
    dates = pd.to_datetime(labs["date"]).dt.date
    c = classify_visits(labs)

    def objects(values: pd.Series) -> list:
        return values.astype(object).where(values.notna(), None).tolist()

    columns = [dates.tolist(), objects(c["chr"]), c["ph_positive"].tolist(), objects(c["cyto"]),
               objects(c["ph_value"]), objects(c["bcr"]), objects(c["depth"]), objects(c["phase"])]
    return labs["patient_id"].to_numpy(), list(map(VisitClass._make, zip(*columns)))


def derive_patients(patients: list[tuple[str, int, int]], items: list[VisitClass], line_start: dict[str, dt.date],
                    genetics: dict[str, list[Finding]]) -> tuple[list[tuple], list[tuple]]:
    """Derived event rows and assessment rows of the given patients (``items[a:b]`` are each one's visits)."""
    events, assessments = [], []
    for pid, a, b in patients:
        visits = items[a:b]
        start, found = line_start.get(pid), genetics.get(pid, ())
        course = None if start is None else Course(visits, start)
        karyotypes = karyotype_dates(found, start) if found else {}
        done: dict[str, tuple[list, list]] = {}
        for guideline in GUIDELINES:
            same = SAME_RULES_AS.get(guideline)
            if same in done:  # the same rules to the letter: the same results, labelled with this guideline
                derived, assessed = done[same]
            else:
                derived = course_events(visits, guideline, karyotypes)
                assessed = [] if course is None else course.assess(guideline, derived, found)
                done[guideline] = derived, assessed
            events += [(pid, date, kind, "derived", guideline) for date, kind in derived]
            assessments += [(pid, guideline, x.milestone, x.date, x.months, x.category, x.bcr_abl1_is_pct,
                             x.ph_pos_pct, x.chr) for x in assessed]
    return events, assessments


def _chunks(ids: np.ndarray, items: list[VisitClass], line_start: dict[str, dt.date],
            genetics: dict[str, list[Finding]]) -> list[Chunk]:
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


def _in_workers(chunks: list[Chunk], progress: Callable[[float], None] | None) -> list[tuple[list, list]]:
    """The chunks derived in forked worker processes (the caller checks that this process runs no other thread)."""
    from concurrent.futures import ProcessPoolExecutor

    results = []
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(os.cpu_count() or 1, 8), mp_context=context) as pool:
        futures = [pool.submit(derive_patients, *chunk) for chunk in chunks]
        for i, future in enumerate(futures):
            results.append(future.result())
            if progress is not None:
                progress((i + 1) / len(chunks))
    return results


def derived_responses_and_assessments(frames: dict[str, pd.DataFrame], progress: Callable[[float], None] | None = None,
                                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Responses derived from each patient's labs under every guideline, and the ELN assessments.

    Patients are derived in chunks (in worker processes for large cohorts when this process runs a single
    thread); ``progress`` hears the share done.
    """
    from concurrent.futures.process import BrokenProcessPool

    line_start = {pid: d.date() for pid, d in tki_line_start(frames["treatments"]).items() if not pd.isna(d)}
    ids, items = classified_visits(frames["labs"])
    chunks = _chunks(ids, items, line_start, genetic_findings(frames))
    patients = sum(len(c[0]) for c in chunks)
    results: list[tuple[list, list]] = []
    # Workers are forked, and only from a process with no other thread (the CLI): forking a threaded server is
    # unsafe, and spawn/forkserver workers re-run the parent's __main__ (in a Streamlit server, Streamlit itself).
    if patients >= PARALLEL_FROM and (os.cpu_count() or 1) > 1 and threading.active_count() == 1:
        try:
            results = _in_workers(chunks, progress)
        except BrokenProcessPool as exc:  # a worker died (memory, a signal): the same work, in this process
            log.warning("worker processes failed (%s); deriving in one process", exc)
            results = []
    if not results:
        for i, chunk in enumerate(chunks):
            results.append(derive_patients(*chunk))
            if progress is not None:
                progress((i + 1) / len(chunks))
    events = [e for r in results for e in r[0]]
    assessments = [a for r in results for a in r[1]]
    derived = pd.DataFrame(events, columns=list(EVENT_COLUMNS))
    return derived.drop_duplicates(), pd.DataFrame(assessments, columns=list(ASSESSMENT_COLUMNS))
