"""`python -m cmltrack demo` and first-start building of the database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb

from cmltrack.db.connection import ensure_database

ROOT = Path(__file__).resolve().parents[2]


def test_cli_demo_writes_the_21_patient_database(tmp_path):
    out = tmp_path / "sub" / "demo.duckdb"
    result = subprocess.run([sys.executable, "-m", "cmltrack", "demo", "--out", str(out)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "21-patient demo cohort" in result.stdout
    with duckdb.connect(str(out), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM patients").fetchone() == (21,)
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("1",)


def test_cli_reports_an_unwritable_target(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = subprocess.run([sys.executable, "-m", "cmltrack", "demo", "--out", str(blocker / "db.duckdb")],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and result.stderr.startswith("error:")


def test_missing_database_is_built_on_first_start(tmp_path):
    target = tmp_path / "fresh.duckdb"
    assert ensure_database(target) == target and target.exists()
    stamp = target.stat().st_mtime_ns
    ensure_database(target)
    assert target.stat().st_mtime_ns == stamp  # an existing file is never rebuilt
