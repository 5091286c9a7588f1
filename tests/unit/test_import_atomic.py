"""An import is all or nothing: a killed import leaves the old database readable, a second writer is told the
database is busy, and readers keep their snapshot while a new file is swapped in."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from cmltrack.cohorts.demo import demo_frames
from cmltrack.db.connection import open_readonly
from cmltrack.db.target import writer_lock
from cmltrack.ingest.plan import import_sources

ROOT = Path(__file__).resolve().parents[2]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _patients(db: Path) -> int:
    con = open_readonly(db)
    try:
        return con.execute("SELECT count(*) FROM patients").fetchone()[0]
    finally:
        con.close()


def _big_sources(folder: Path, copies: int) -> list[Path]:
    """The demo cohort copied ``copies`` times under new IDs, as the project's CSV layout (slow to derive)."""
    folder.mkdir()
    frames = demo_frames()
    out = []
    for table in ("patients", "treatments", "labs"):
        parts = [frames[table].assign(patient_id=frames[table]["patient_id"] + f"-{i}") for i in range(copies)]
        frame = pd.concat(parts, ignore_index=True)
        if table == "patients":
            frame = frame.assign(mrn=None)
        frame.to_csv(folder / f"{table}.csv", index=False)
        out.append(folder / f"{table}.csv")
    return out


def test_killed_import_leaves_the_old_database_readable(tmp_path, demo_db):
    db = tmp_path / "clinic.duckdb"
    db.write_bytes(demo_db.read_bytes())
    before = _digest(db)
    sources = _big_sources(tmp_path / "src", copies=300)  # about 2 s between the scratch file and its rename
    proc = subprocess.Popen([sys.executable, "-m", "cmltrack", "import", "--db", str(db), *map(str, sources)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while not list(tmp_path.glob(f".{db.name}.*.tmp")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the import finished before it could be interrupted"
    time.sleep(0.3)  # inside the build of the new file
    building = list(tmp_path.glob(f".{db.name}.*.tmp"))  # the rename removes it: still there = not yet installed
    proc.kill()
    assert building, "the import installed its file before it could be killed"
    proc.wait()
    assert _digest(db) == before
    assert _patients(db) == 21
    # the lock died with the process; the next import runs, and clears what the killed one left behind
    (tmp_path / "small").mkdir()
    (tmp_path / "small" / "patients.csv").write_text("patient_id,sex\nNEW-1,F\n")
    import_sources(db, [tmp_path / "small" / "patients.csv"])
    assert _patients(db) == 22
    assert not list(tmp_path.glob(f".{db.name}.*.tmp*"))


def test_a_second_writer_is_told_the_database_is_busy(tmp_path, demo_db):
    db = tmp_path / "clinic.duckdb"
    db.write_bytes(demo_db.read_bytes())
    before = _digest(db)
    (tmp_path / "patients.csv").write_text("patient_id,sex\nNEW-1,F\n")
    with writer_lock(db):  # another import is writing
        run = subprocess.run([sys.executable, "-m", "cmltrack", "import", "--db", str(db),
                              str(tmp_path / "patients.csv")], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert "database busy" in run.stderr
    assert _digest(db) == before


def test_readers_keep_working_during_and_after_an_import(tmp_path, demo_db):
    db = tmp_path / "clinic.duckdb"
    db.write_bytes(demo_db.read_bytes())
    reader = open_readonly(db)
    (tmp_path / "patients.csv").write_text("patient_id,sex\nNEW-1,F\nNEW-2,M\n")
    import_sources(db, [tmp_path / "patients.csv"])
    assert reader.execute("SELECT count(*) FROM patients").fetchone()[0] == 21  # its snapshot, still readable
    reader.close()
    assert _patients(db) == 23
