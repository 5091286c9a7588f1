"""Writers never replace what they must not: a file that is not a cmltrack registry, or a registry written by a
newer cmltrack; an older registry is kept as PATH.bak-<version> before it is rewritten. Building the demo database
is safe when several callers arrive at once."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from cmltrack.db.connection import ensure_database
from cmltrack.db.guard import NewerSchema, NotARegistry, describe_file
from cmltrack.db.schema import SCHEMA_VERSION
from cmltrack.db.store import read_frames, upgrade_database, write_database
from cmltrack.ingest.plan import import_sources

ROOT = Path(__file__).resolve().parents[2]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cmltrack", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=180)


def _set_schema(path: Path, version: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(version)])


@pytest.fixture()
def foreign(tmp_path) -> Path:
    path = tmp_path / "lab_orders.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE orders AS SELECT 1 AS id, 'pipettes' AS item")
    return path


def test_six_callers_at_once_build_the_demo_once_and_none_fails(tmp_path):
    target = tmp_path / "data" / "cmltrack.duckdb"
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def call() -> None:
        start.wait()
        try:
            ensure_database(target, default=target)
        except BaseException as exc:  # noqa: BLE001 (collected for the assertion)
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM patients").fetchone() == (21,)


def test_upgrade_refuses_a_newer_registry_and_leaves_it_alone(tmp_path, frames):
    db = write_database(tmp_path / "registry.duckdb", frames, source="import: x")
    _set_schema(db, 99)
    before = _digest(db)
    run = _cli("upgrade", "--db", str(db))
    assert run.returncode == 1 and "newer cmltrack" in run.stderr and "schema 99" in run.stderr
    assert _digest(db) == before and not list(tmp_path.glob("*.bak-*"))


def test_upgrade_refuses_a_file_that_is_not_a_registry(foreign):
    before = _digest(foreign)
    run = _cli("upgrade", "--db", str(foreign))
    assert run.returncode == 1 and "not a cmltrack registry" in run.stderr and "orders" in run.stderr
    assert _digest(foreign) == before


def test_upgrade_keeps_the_old_file_as_a_backup(tmp_path, frames):
    db = write_database(tmp_path / "registry.duckdb", frames, source="clinic export")
    _set_schema(db, SCHEMA_VERSION - 1)
    before = _digest(db)
    run = _cli("upgrade", "--db", str(db))
    assert run.returncode == 0, run.stderr
    backup = tmp_path / f"registry.duckdb.bak-{SCHEMA_VERSION - 1}"
    assert str(backup) in run.stdout and _digest(backup) == before
    assert (backup.stat().st_mode & 0o777) == 0o640
    _set_schema(db, SCHEMA_VERSION - 1)  # a second upgrade never overwrites the first backup
    assert upgrade_database(db) == tmp_path / f"registry.duckdb.bak-{SCHEMA_VERSION - 1}.1"
    assert _digest(backup) == before


def test_an_import_never_replaces_a_file_that_is_not_a_registry(tmp_path, foreign):
    before = _digest(foreign)
    (tmp_path / "patients.csv").write_text("patient_id,sex\nNEW-1,F\n")
    run = _cli("import", "--replace", "--db", str(foreign), str(tmp_path / "patients.csv"))
    assert run.returncode == 1 and "not a cmltrack registry" in run.stderr
    assert _digest(foreign) == before
    with pytest.raises(NotARegistry):
        write_database(foreign, {}, source="test")
    assert _digest(foreign) == before


def test_an_import_into_a_newer_registry_is_refused_before_reading_it(tmp_path, frames):
    db = write_database(tmp_path / "registry.duckdb", frames, source="import: x")
    _set_schema(db, SCHEMA_VERSION + 1)
    before = _digest(db)
    (tmp_path / "patients.csv").write_text("patient_id,sex\nNEW-1,F\n")
    with pytest.raises(NewerSchema, match="newer cmltrack"):
        import_sources(db, [tmp_path / "patients.csv"])
    with pytest.raises(NewerSchema):
        read_frames(db)
    assert _digest(db) == before


def test_database_files_are_not_readable_by_others(tmp_path, frames):
    db = write_database(tmp_path / "registry.duckdb", frames, source="test")
    assert (db.stat().st_mode & 0o777) == 0o640


@pytest.mark.parametrize("content, said", [
    (b"", "an empty file"), (b"SQLite format 3\x00" + bytes(100), "an SQLite database"),
    (b"patient_id,sex\nCML-01,F\n", "a text file of 24 bytes"), (bytes(range(256)) * 4, "not a database")])
def test_a_file_that_duckdb_cannot_open_is_described(tmp_path, content, said):
    path = tmp_path / "x.duckdb"
    path.write_bytes(content)
    assert said in describe_file(path)
