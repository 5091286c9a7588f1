"""The database connection (one per file version, shared) and a cursor per browser session."""

from __future__ import annotations

import duckdb
import streamlit as st

from cmltrack.config import database_path
from cmltrack.db.connection import ensure_database, open_readonly


@st.cache_resource(show_spinner="Opening the database...", max_entries=4)
def _connection(path: str, mtime_ns: int) -> duckdb.DuckDBPyConnection:
    """Read-only connection to one version of the file (a replaced file has a new mtime, so a new connection)."""
    return open_readonly(path)


def cursor() -> duckdb.DuckDBPyConnection:
    """This session's cursor on the current database, building the demo database on first start."""
    path = ensure_database(database_path())
    key = (str(path), path.stat().st_mtime_ns)
    if st.session_state.get("_db_key") != key:
        st.session_state["_db_cursor"] = _connection(*key).cursor()
        st.session_state["_db_key"] = key
    return st.session_state["_db_cursor"]
