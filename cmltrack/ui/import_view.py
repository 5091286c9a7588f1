"""Streamlit glue of the Import page: uploaded files to disk, the validation report, the confirmed import."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from cmltrack.ingest.plan import ImportPlan, Source, check_sources
from cmltrack.ingest.problems import Problem
from cmltrack.spreadsheet import spreadsheet_csv

_DIR = "_import_dir"


def save_uploads(files: list) -> list[Source]:
    """Write the uploaded files to this session's scratch folder (names kept for messages); return the sources."""
    digest = hashlib.sha256("".join(f"{f.name}:{f.size}:{f.file_id}" for f in files).encode()).hexdigest()[:16]
    old = st.session_state.get(_DIR)
    if old and Path(old).name.endswith(digest) and Path(old).exists():
        folder = Path(old)
    else:
        if old:
            shutil.rmtree(old, ignore_errors=True)
        folder = Path(tempfile.mkdtemp(prefix="cmltrack-import-", suffix=f"-{digest}"))
        st.session_state[_DIR] = str(folder)
    sources: list[Source] = []
    for i, f in enumerate(files):
        path = folder / f"{i:03d}" / Path(f.name).name  # a folder each: two uploads may share a name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(f.getvalue())
        sources.append((path, f.name))
    return sources


_PLAN = "_import_plan"


def checked(sources: list[Source], existing: set[str], db_key: tuple[str, int]) -> ImportPlan:
    """The check of these uploads against this database version, run once: choosing add or replace reruns the page,
    and re-reading every file each time would double the wait (the import itself checks again under the lock)."""
    key = (st.session_state.get(_DIR), tuple(str(s[0]) for s in sources), db_key)
    cached = st.session_state.get(_PLAN)
    if cached is None or cached[0] != key:
        cached = (key, check_sources(sources, existing))
        st.session_state[_PLAN] = cached
    return cached[1]


def forget_uploads() -> None:
    """Delete this session's scratch copies of uploaded files (after an import; a new check writes them again)."""
    st.session_state.pop(_PLAN, None)
    folder = st.session_state.pop(_DIR, None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


def _table(problems: list[Problem], what: str) -> pd.DataFrame:
    return pd.DataFrame([{"File": p.file, "Row": p.row, "Column": p.column or "", what: p.message}
                         for p in problems])


def show_report(plan: ImportPlan) -> None:
    """What each file was read as, the notes, and every problem (file, row, column)."""
    st.dataframe(pd.DataFrame([{"File": d.label, "Read as": d.table or "not imported", "Records": d.records,
                                "Rows to import": d.rows} for d in plan.datasets]),
                 hide_index=True, width="stretch")
    for note in plan.notes:
        st.caption(f":material/info: {note}")
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
        st.download_button("Errors as CSV", spreadsheet_csv(errors), file_name="import_errors.csv",
                           mime="text/csv", on_click="ignore", icon=":material/download:")
