"""The app never rewrites a database it did not build as the demo: a newer schema, a file that is not a cmltrack
registry and an imported registry in an older schema are left byte-for-byte as they were, with a page that says
what the file is; the app's own demo in an older schema is upgraded with a backup. (Sessions arriving together:
tests/browser/test_reliability.py, on a real server.)"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from cmltrack.db.connection import DEMO_SOURCE
from cmltrack.db.schema import SCHEMA_VERSION
from cmltrack.db.store import write_database
from tests.markdown import shown

ROOT = Path(__file__).resolve().parents[2]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def default_db(tmp_path, monkeypatch) -> Path:
    """The app's default database path, moved into a temporary folder (no CMLTRACK_DB)."""
    path = tmp_path / "data" / "cmltrack.duckdb"
    monkeypatch.delenv("CMLTRACK_DB", raising=False)
    monkeypatch.setattr("cmltrack.config.DEFAULT_DB", path)
    monkeypatch.setattr("cmltrack.ui.session.DEFAULT_DB", path, raising=False)  # where older code kept it
    return path


def _app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception, at.exception
    return at


def _set_schema(path: Path, version: int, source: str | None = None) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(version)])
        if source is not None:
            con.execute("UPDATE meta SET value = ? WHERE key = 'source'", [source])


def _left_alone(path: Path, before: str) -> None:
    assert _digest(path) == before
    assert not list(path.parent.glob(f"{path.name}.bak-*"))
    assert not list(path.parent.glob(f".{path.name}.*"))  # no half-built replacement either


def test_a_database_from_a_newer_cmltrack_is_never_rewritten(default_db, frames):
    write_database(default_db, frames, source="import: registry.csv")
    _set_schema(default_db, 99)
    with duckdb.connect(str(default_db)) as con:  # a column this version does not know
        con.execute("ALTER TABLE patients ADD COLUMN transplant_date DATE")
    before = _digest(default_db)
    at = _app()
    message = shown(at.error[0].value)
    assert "newer cmltrack" in message and "schema 99" in message and str(default_db) in message
    assert not at.get("plotly_chart")
    _left_alone(default_db, before)


def test_a_duckdb_file_that_is_not_a_registry_is_named_and_left_alone(default_db):
    default_db.parent.mkdir(parents=True)
    with duckdb.connect(str(default_db)) as con:
        con.execute("CREATE TABLE orders (id INTEGER, item VARCHAR)")
        con.execute("INSERT INTO orders VALUES (1, 'pipettes')")
    before = _digest(default_db)
    at = _app()
    message = shown(at.error[0].value)
    assert "not a cmltrack" in message and "orders" in message
    _left_alone(default_db, before)


def test_a_file_that_is_not_a_database_says_what_it_is(default_db):
    default_db.parent.mkdir(parents=True)
    default_db.write_bytes(b"SQLite format 3\x00" + b"\x00" * 4000)
    before = _digest(default_db)
    at = _app()
    message = shown(at.error[0].value)
    assert "an SQLite database" in message and "left as it is" in message
    assert "CMLTRACK_DB to use the demo" not in message and "set CMLTRACK_DB to the path" in message  # not set
    _left_alone(default_db, before)


def test_an_imported_registry_in_an_older_schema_is_upgraded_only_from_the_command_line(default_db, frames):
    write_database(default_db, frames, source="import: patients.csv")
    _set_schema(default_db, SCHEMA_VERSION - 1)
    before = _digest(default_db)
    at = _app()
    message = shown(at.error[0].value)
    assert "older cmltrack" in message and f"python -m cmltrack upgrade --db {default_db}" in message
    _left_alone(default_db, before)


def test_the_apps_own_demo_in_an_older_schema_is_upgraded_keeping_a_backup(default_db, frames):
    write_database(default_db, frames, source=DEMO_SOURCE)
    _set_schema(default_db, SCHEMA_VERSION - 1)
    before = _digest(default_db)
    at = _app()
    assert not at.error and any("Showing 21 of 21" in m.value for m in at.sidebar.markdown)
    backup = default_db.with_name(f"{default_db.name}.bak-{SCHEMA_VERSION - 1}")
    assert _digest(backup) == before
    with duckdb.connect(str(default_db), read_only=True) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)
    assert (default_db.stat().st_mode & 0o777) == 0o640


def test_a_registry_from_a_newer_cmltrack_on_the_server_is_read_by_no_one_and_written_by_no_one(
        monkeypatch, new_registry, frames, tmp_path):
    import psycopg

    from cmltrack.db.guard import NewerSchema
    from cmltrack.ingest.plan import import_sources
    from tests.conftest import fingerprint

    url = write_database(new_registry("newer"), frames, source="import: x")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    before = fingerprint(url)
    monkeypatch.setenv("CMLTRACK_DB", url)
    at = _app()
    assert "newer cmltrack" in shown(at.error[0].value) and not at.get("plotly_chart")
    (tmp_path / "patients.csv").write_text("patient_id,sex\nNEW-1,F\n")
    with pytest.raises(NewerSchema):
        import_sources(url, [tmp_path / "patients.csv"], mode="replace")
    assert fingerprint(url) == before
