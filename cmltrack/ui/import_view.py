"""Streamlit glue of the Import page: uploaded files on disk only while they are read, the validation report."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import streamlit as st

from cmltrack.ingest.plan import ImportPlan, Source, check_sources
from cmltrack.ingest.problems import Problem
from cmltrack.spreadsheet import spreadsheet_csv
from cmltrack.ui import downloads
from cmltrack.ui.escape import md

_PLAN = "_import_plan"


@contextlib.contextmanager
def on_disk(files: list) -> Iterator[list[Source]]:
    """The uploaded files written to a private scratch folder (mode 700) for the readers that need a path (names
    kept for messages), deleted as soon as the block ends, however it ends: an upload never outlives the check or
    the import that reads it. (Streamlit keeps the uploads themselves in memory, for the session.)"""
    folder = Path(tempfile.mkdtemp(prefix="cmltrack-import-"))
    try:
        sources: list[Source] = []
        for i, f in enumerate(files):
            path = folder / f"{i:03d}" / Path(f.name).name  # a folder each: two uploads may share a name
            path.parent.mkdir()
            path.write_bytes(f.getvalue())
            sources.append((path, f.name))
        yield sources
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def checked(files: list, existing: set[str], db_key: tuple[str, int]) -> ImportPlan:
    """The check of these uploads against this database version, run once: choosing add or replace reruns the page,
    and re-reading every file each time would double the wait (the import itself checks again under the lock)."""
    key = (tuple((f.file_id, f.name, f.size) for f in files), db_key)
    cached = st.session_state.get(_PLAN)
    if cached is None or cached[0] != key:
        with on_disk(files) as sources:
            cached = (key, check_sources(sources, existing))
        st.session_state[_PLAN] = cached
    return cached[1]


def forget_check() -> None:
    """Drop the cached check (after an import: the database it was made against is gone)."""
    st.session_state.pop(_PLAN, None)


def _table(problems: list[Problem], what: str) -> pd.DataFrame:
    return pd.DataFrame([{"File": p.file, "Row": p.row, "Column": p.column or "", what: p.message}
                         for p in problems])


def show_report(plan: ImportPlan) -> None:
    """What each file was read as, the notes, and every problem (file, row, column)."""
    st.dataframe(pd.DataFrame([{"File": d.label, "Read as": d.table or "not imported", "Records": d.records,
                                "Rows to import": d.rows} for d in plan.datasets]),
                 hide_index=True, width="stretch")
    for note in plan.notes:
        st.caption(f":material/info: {md(note)}")
    if plan.warnings:
        st.warning(f"**{len(plan.warnings)} warning(s)**: values that are possible but unlikely. They do not stop "
                   "the import; check them.", icon=":material/warning:")
        st.dataframe(_table(plan.warnings, "Warning"), hide_index=True, width="stretch",
                     height=min(320, 38 + 35 * len(plan.warnings)))
    if plan.problems:
        errors = _table(plan.problems, "Problem")
        st.error(f"**{len(plan.problems)} error(s): nothing can be imported until they are fixed.** Each names the "
                 "file, the row (spreadsheet line; record number in SAS/R datasets) and the column.",
                 icon=":material/error:")
        st.dataframe(errors, hide_index=True, width="stretch", height=min(420, 38 + 35 * len(errors)))
        st.download_button("Errors as CSV", downloads.on_demand(lambda: spreadsheet_csv(errors), "import",
                                                                 "errors CSV", [], errors=len(errors)),
                           file_name="import_errors.csv",
                           mime="text/csv", on_click="ignore", icon=":material/download:")
