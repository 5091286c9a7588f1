"""The database connection (one per file version, shared) and a cursor per browser session."""

from __future__ import annotations

import duckdb
import streamlit as st

from cmltrack.config import DEFAULT_DB, ENV_VAR, database_path
from cmltrack.db.connection import DatabaseMissing, ensure_database, open_readonly, schema_version
from cmltrack.db.schema import SCHEMA_VERSION


@st.cache_resource(show_spinner="Opening the database...", max_entries=4)
def _connection(path: str, mtime_ns: int) -> duckdb.DuckDBPyConnection:
    """Read-only connection to one version of the file (a replaced file has a new mtime, so a new connection)."""
    return open_readonly(path)


def cursor() -> duckdb.DuckDBPyConnection:
    """This session's cursor on the current database, building the demo database at the default path on first
    start. A configured file that does not exist stops the page with what to do."""
    try:
        path = ensure_database(database_path(), default=DEFAULT_DB)
    except DatabaseMissing as exc:
        st.error(f"**The database is missing:** {exc}. {ENV_VAR} points there. Check the path (a typo, or a drive "
                 f"that is not mounted), or unset {ENV_VAR} to use the demo database.")
        st.stop()
    key = (str(path), path.stat().st_mtime_ns)
    if st.session_state.get("_db_key") != key:
        cur = _connection(*key).cursor()
        version = schema_version(cur)
        if version != SCHEMA_VERSION:
            if path.resolve() == DEFAULT_DB.resolve():  # the embedded database: rewrite it in the current schema
                from cmltrack.db.store import upgrade_database

                upgrade_database(path)
                st.rerun()
            st.error(f"**This database was written by another version of cmltrack** (schema {version}, this app "
                     f"reads schema {SCHEMA_VERSION}): {path}. Upgrade it with `python -m cmltrack upgrade --db "
                     f"{path}` (facts are kept, derived tables recomputed; the file is replaced atomically).")
            st.stop()
        st.session_state["_db_cursor"] = cur
        st.session_state["_db_key"] = key
    return st.session_state["_db_cursor"]
