"""`python -m cmltrack demo` and first-start building of the database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from cmltrack.db.errors import DatabaseMissing
from cmltrack.db.schema import SCHEMA_VERSION
from cmltrack.registry import ensure_database

ROOT = Path(__file__).resolve().parents[2]


def test_cli_demo_writes_the_21_patient_database(tmp_path):
    out = tmp_path / "sub" / "demo.duckdb"
    result = subprocess.run([sys.executable, "-m", "cmltrack", "demo", "--out", str(out)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "21-patient demo cohort" in result.stdout
    with duckdb.connect(str(out), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM patients").fetchone() == (21,)
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)


def test_cli_reports_an_unwritable_target(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = subprocess.run([sys.executable, "-m", "cmltrack", "demo", "--out", str(blocker / "db.duckdb")],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and result.stderr.startswith("error:")


def test_missing_default_database_is_built_on_first_start(tmp_path):
    target = tmp_path / "fresh.duckdb"
    assert ensure_database(target, default=target) == target and target.exists()
    stamp = target.stat().st_mtime_ns
    ensure_database(target, default=target)
    assert target.stat().st_mtime_ns == stamp  # an existing file is never rebuilt


def test_a_missing_configured_database_is_an_error_not_fake_patients(tmp_path):
    wanted = tmp_path / "registry.duckdb"
    with pytest.raises(DatabaseMissing, match="registry.duckdb"):
        ensure_database(wanted, default=tmp_path / "default.duckdb")
    assert not wanted.exists()


def _age_to_schema_1(path: Path) -> None:
    """Make a current database look like one written by schema 1 (no assessments, no differential columns)."""
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        con.execute("DROP TABLE eln_assessments")
        con.execute("DELETE FROM responses WHERE source = 'derived'")


def test_upgrade_rewrites_an_old_database_keeping_its_facts(tmp_path, frames):
    from cmltrack.registry import write_database

    db = write_database(tmp_path / "old.duckdb", frames, source="clinic export")
    _age_to_schema_1(db)
    result = subprocess.run([sys.executable, "-m", "cmltrack", "upgrade", "--db", str(db)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)
        assert con.execute("SELECT value FROM meta WHERE key = 'source'").fetchone() == ("clinic export",)
        assert con.execute("SELECT count(*) FROM labs").fetchone() == (len(frames["labs"]),)
        assert con.execute("SELECT count(*) FROM eln_assessments").fetchone()[0] > 0
        assert con.execute("SELECT count(*) FROM responses WHERE source = 'recorded'").fetchone() == (
            len(frames["responses"]),)
