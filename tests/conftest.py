"""Shared fixtures: demo frames and databases of 0, 1, 21 and ~1,000 patients, as DuckDB files and, for the db,
import and app tiers (BOTH_BACKENDS), also as PostgreSQL registries on $CMLTRACK_TEST_PG."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from cmltrack.cohorts.demo import DEMO_SOURCE, demo_frames
from cmltrack.db.connection import open_readonly
from cmltrack.registry import write_database


def replicate(frames: dict[str, pd.DataFrame], copies: int) -> dict[str, pd.DataFrame]:
    """The demo cohort repeated ``copies`` times under new patient ids (a large cohort for app tests)."""
    out = {}
    for name, frame in frames.items():
        parts = []
        for k in range(copies):
            part = frame.copy()
            part["patient_id"] = part["patient_id"] + f"-{k:03d}"
            if name == "patients":
                part["mrn"] = part["mrn"] + f"-{k:03d}"
            parts.append(part)
        out[name] = pd.concat(parts, ignore_index=True)
    return out


def subset(frames: dict[str, pd.DataFrame], ids: list[str]) -> dict[str, pd.DataFrame]:
    """Only the given patients."""
    return {name: f[f["patient_id"].isin(ids)].reset_index(drop=True) for name, f in frames.items()}


#: Test modules (or folders) run on DuckDB and again on PostgreSQL: every test there that uses a database fixture.
BOTH_BACKENDS = ("tests/app/", "tests/unit/test_queries.py", "tests/unit/test_demo_abstract.py",
                 "tests/unit/test_outcomes_safety.py", "tests/unit/test_synthetic_and_overview.py",
                 "tests/unit/test_import_realdata.py", "tests/unit/test_import_add.py",
                 "tests/unit/test_import_trials.py", "tests/unit/test_worklist_queries.py",
                 "tests/unit/test_stored_rules.py")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    where = metafunc.definition.path.relative_to(Path(__file__).resolve().parents[1]).as_posix()
    if "backend" in metafunc.fixturenames and where.startswith(BOTH_BACKENDS):
        metafunc.parametrize("backend", ["duckdb", "postgresql"], indirect=True, scope="session")


@pytest.fixture(scope="session")
def backend(request) -> str:
    """Where the database fixtures live: 'duckdb' (files), or 'postgresql' (BOTH_BACKENDS tests, second run)."""
    return getattr(request, "param", "duckdb")


@pytest.fixture(scope="session")
def pg_admin() -> str:
    """$CMLTRACK_TEST_PG: a PostgreSQL server where the tests create databases (scripts/test.sh starts one)."""
    url = os.environ.get("CMLTRACK_TEST_PG")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CMLTRACK_TEST_PG is not set: run the tests through scripts/test.sh, which starts PostgreSQL")
        pytest.skip("no PostgreSQL for the tests (set CMLTRACK_TEST_PG, or run scripts/test.sh)")
    return url


@pytest.fixture(scope="session")
def new_registry(request):
    """Make an empty PostgreSQL database on the test server and return its URL (dropped after the session)."""
    import uuid

    import psycopg

    admin = request.getfixturevalue("pg_admin")
    made: list[str] = []

    def make(name: str) -> str:
        dbname = f"cmltrack_{name}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{dbname}"')
        made.append(dbname)
        return admin.rsplit("/", 1)[0] + "/" + dbname

    yield make
    with psycopg.connect(admin, autocommit=True) as conn:
        for dbname in made:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def _target(backend: str, request, tmp_path_factory, name: str) -> Path | str:
    """Where a fixture database goes: a new file, or a new database on the test server."""
    if backend == "postgresql":
        return request.getfixturevalue("new_registry")(name)
    return tmp_path_factory.mktemp("db") / f"{name}.duckdb"


def fingerprint(db: Path | str) -> object:
    """What changes whenever a database is written: a file's bytes, a registry's generation and every row."""
    import hashlib

    if isinstance(db, Path):
        return hashlib.sha256(db.read_bytes()).hexdigest()
    from cmltrack.db.postgres import ALL_TABLES, generation

    with open_readonly(db) as con:
        rows = {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in ALL_TABLES}  # noqa: S608
        return generation(con), hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.fixture(autouse=True)
def audit_trail(tmp_path_factory, monkeypatch) -> tuple[Path, Path]:
    """Every test's audit trail and key in a folder of their own, apart from each other (never the project's)."""
    folder = tmp_path_factory.mktemp("audit")
    trail, key = folder / "trail" / "audit.jsonl", folder / "key" / "audit.key"
    monkeypatch.setenv("CMLTRACK_AUDIT", str(trail))
    monkeypatch.setenv("CMLTRACK_AUDIT_KEY", str(key))
    return trail, key


@pytest.fixture(scope="session")
def frames() -> dict[str, pd.DataFrame]:
    return demo_frames()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory, frames, backend, request) -> Path | str:
    return write_database(_target(backend, request, tmp_path_factory, "demo"), frames, source=DEMO_SOURCE)


@pytest.fixture(scope="session")
def empty_db(tmp_path_factory, frames, backend, request) -> Path | str:
    return write_database(_target(backend, request, tmp_path_factory, "empty"), subset(frames, []), source="test")


@pytest.fixture(scope="session")
def one_db(tmp_path_factory, frames, backend, request) -> Path | str:
    return write_database(_target(backend, request, tmp_path_factory, "one"), subset(frames, ["CML-02"]), source="test")


@pytest.fixture(scope="session")
def large_db(tmp_path_factory, frames, backend, request) -> Path | str:
    return write_database(_target(backend, request, tmp_path_factory, "large"), replicate(frames, 48), source="test")


@pytest.fixture()
def con(demo_db):
    connection = open_readonly(demo_db)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def no_labs_db(tmp_path_factory, frames, backend, request) -> Path | str:
    """The demo cohort with CML-05's visits removed (a patient known only from the record)."""
    trimmed = dict(frames, labs=frames["labs"][frames["labs"]["patient_id"] != "CML-05"])
    return write_database(_target(backend, request, tmp_path_factory, "nolabs"), trimmed, source="test")


@pytest.fixture(scope="session")
def trial_db(tmp_path_factory, backend, request) -> Path | str:
    """A real public CDISC trial (pharmaversesdtm: DM, EX, AE, RS) imported into its own database."""
    from cmltrack.ingest.plan import import_sources
    from tests.realdata import REALDATA

    if not REALDATA.exists() and not os.environ.get("CI"):  # in CI a missing ../shared is a failure
        pytest.skip(f"real CDISC datasets not found at {REALDATA}")
    path = _target(backend, request, tmp_path_factory, "trial")
    import_sources(path, [REALDATA / "pharmaversesdtm" / f"{n}.rda" for n in ("dm", "ex", "ae", "rs_onco")],
                   mode="replace")
    return path
