"""The PostgreSQL backend: the same query results as DuckDB, frame for frame; imports and migrations in one
transaction (all or nothing, row counts verified); one writer at a time; read-only app connections."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import psycopg
import pytest

from cmltrack.cohorts.synthetic import synthetic_frames
from cmltrack.db import postgres
from cmltrack.db import queries as q
from cmltrack.db.connection import DEMO_SOURCE, open_readonly, schema_version
from cmltrack.db.lock import DatabaseBusy, writer_lock
from cmltrack.db.schema import SCHEMA_VERSION
from cmltrack.db.store import migrate_database, read_frames, upgrade_database, write_database
from cmltrack.filters import CohortFilter
from cmltrack.ingest.plan import check_sources, import_sources
from cmltrack.ingest.problems import ImportRejected
from tests.conftest import fingerprint
from tests.unit.test_import_errors import CORPUS, _write

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def registry(new_registry, frames) -> str:
    """A new PostgreSQL registry holding the demo cohort."""
    return write_database(new_registry("unit"), frames, source=DEMO_SOURCE)


def _patients(url: str) -> int:
    with open_readonly(url) as con:
        return con.execute("SELECT count(*) FROM patients").fetchone()[0]


def _every_query(con, ids: list[str]) -> dict[str, pd.DataFrame]:
    """Each read query of cmltrack.db.queries, with filters, guidelines and anchors that exercise its SQL."""
    out = {}
    for name, f in (("all", CohortFilter()), ("filtered", CohortFilter(status=("resistant",), sex=("F",),
                                                                        age=(30, 70), best=("CCYR", "CHR"))),
                    ("arm", CohortFilter(arm=("Placebo",)))):
        out[f"lanes_{name}"] = q.cohort_lanes(con, f, "ELN2013")
        out[f"count_{name}"] = pd.DataFrame([q.count_patients(con, f)])
        for anchor in ("thal_start_date", "first_treatment_date", "diagnosis_date"):
            out[f"overview_{name}_{anchor}"] = q.cohort_overview(con, f, anchor)
    out["treatments"] = q.treatments_for(con, ids)
    for guideline in ("ELN2006", "ELN2013", "ELN2020"):
        out[f"events_{guideline}"] = q.events_for(con, ids, guideline)
        out[f"comparable_{guideline}"] = q.comparable_responses(con, ids, guideline)
    out["adverse_events"] = q.adverse_events_for(con, ids)
    out["labs"] = q.labs_for(con, ids)
    out["patient"] = q.patient(con, ids[0])
    out["unknown_patient"] = q.patient(con, "nobody")
    out["time_to_event"] = q.time_to_event_for(con, ids)
    out["medications"] = q.medications_for(con, ids)
    out["arms"] = pd.DataFrame({"arm": q.arms(con)})
    out["choices"] = q.patient_choices(con)
    out["none"] = q.events_for(con, [])
    out["scalars"] = pd.DataFrame([{"source": q.database_source(con), "ages": q.age_bounds(con),
                                    "ids": sorted(q.patient_ids(con)), "tki": q.tki_line_start(con, ids[0])}])
    return out


def _trial(tmp_path: Path) -> dict[str, pd.DataFrame]:
    """A trial as imported: pharmaverseadam ADSL (arms, deaths) and ADAE, pharmaversesdtm EX, SDTM LB and CM."""
    from tests.realdata import REALDATA
    from tests.trialfiles import cm_frame, lb_frame

    lb_frame().to_csv(tmp_path / "lb.csv", index=False)
    cm_frame().to_csv(tmp_path / "cm.csv", index=False)
    plan = check_sources([REALDATA / "pharmaverseadam/adsl.rda", REALDATA / "pharmaverseadam/adae.rda",
                          REALDATA / "pharmaversesdtm/ex.rda", tmp_path / "lb.csv", tmp_path / "cm.csv"])
    assert plan.ok, plan.problems[:3]
    return plan.frames


@pytest.mark.parametrize("cohort", ["demo", "synthetic", "trial"])
def test_every_query_gives_the_same_frame_on_both_engines(cohort, frames, new_registry, tmp_path):
    data = {"demo": lambda: frames, "synthetic": lambda: synthetic_frames(300, seed=7),
            "trial": lambda: _trial(tmp_path)}[cohort]()
    file = write_database(tmp_path / "same.duckdb", data, source="test")
    url = write_database(new_registry("parity"), data, source="test")
    with open_readonly(file) as duck, open_readonly(url) as pg:
        ids = sorted(q.patient_ids(duck))
        on_duckdb, on_postgres = _every_query(duck, ids), _every_query(pg, ids)
    assert on_duckdb.keys() == on_postgres.keys()
    for name, expected in on_duckdb.items():
        pd.testing.assert_frame_equal(on_postgres[name], expected, obj=name)  # values and dtypes
    assert len(on_duckdb["lanes_all"]) == len(ids) > 0 and len(on_duckdb["labs"]) > 0
    if cohort == "trial":
        assert len(on_duckdb["medications"]) == 4 and len(on_duckdb["lanes_arm"]) == 86


def test_facts_read_back_from_the_server_equal_the_files(frames, new_registry, tmp_path):
    file = write_database(tmp_path / "same.duckdb", frames, source="clinic")
    url = write_database(new_registry("facts"), frames, source="clinic")
    (from_file, source_file), (from_server, source_server) = read_frames(file), read_frames(url)
    assert source_file == source_server == "clinic"
    for table, expected in from_file.items():
        pd.testing.assert_frame_equal(from_server[table], expected, obj=table)


def test_migrate_copies_every_table_and_verifies_the_counts(demo_db, new_registry):
    url = new_registry("migrate")
    run = subprocess.run([sys.executable, "-m", "cmltrack", "migrate", "--db", str(demo_db), "--to", url],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "row counts verified on the server" in run.stdout and "patients 21" in run.stdout
    with open_readonly(demo_db) as duck:
        expected = {t: duck.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in postgres.ALL_TABLES}
    assert postgres.row_counts(url) == expected
    assert expected["labs"] > 500 and expected["eln_assessments"] > 0
    with open_readonly(url) as pg:
        assert schema_version(pg) == SCHEMA_VERSION and q.database_source(pg) == DEMO_SOURCE
    # a registry that holds patients is overwritten only when asked, and then replaced rather than added to
    again = subprocess.run([sys.executable, "-m", "cmltrack", "migrate", "--db", str(demo_db), "--to", url],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert again.returncode == 1 and "already holds a registry of 21 patients" in again.stderr
    assert migrate_database(demo_db, url, replace=True) == expected == postgres.row_counts(url)


def test_migrate_refuses_what_it_cannot_copy(tmp_path, new_registry):
    url = new_registry("refuse")
    missing = subprocess.run([sys.executable, "-m", "cmltrack", "migrate", "--db", str(tmp_path / "none.duckdb"),
                              "--to", url], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1 and "no database file at" in missing.stderr
    with pytest.raises(ValueError, match="postgresql:// URL"):
        migrate_database(tmp_path / "none.duckdb", str(tmp_path / "other.duckdb"))


def test_a_failure_mid_copy_leaves_the_server_exactly_as_it_was(registry, frames, monkeypatch):
    before = fingerprint(registry)
    real = postgres._copy_table

    def fail_at_labs(src, conn, table, columns, scratch):
        if table == "labs":
            raise OSError("disk full (simulated)")
        real(src, conn, table, columns, scratch)

    monkeypatch.setattr(postgres, "_copy_table", fail_at_labs)
    fewer = {name: f[f["patient_id"] != "CML-21"].reset_index(drop=True) for name, f in frames.items()}
    with pytest.raises(OSError, match="disk full"):
        write_database(registry, fewer, source="half")
    assert fingerprint(registry) == before


@pytest.mark.parametrize("kind", list(CORPUS))
def test_malformed_source_is_refused_and_the_registry_is_unchanged(kind, registry, tmp_path):
    files, (file, row, column, words) = CORPUS[kind]
    before = fingerprint(registry)
    with pytest.raises(ImportRejected) as caught:
        import_sources(registry, _write(tmp_path / "src", files))
    assert any((p.file, p.row, p.column) == (file, row, column) and words in p.message for p in caught.value.problems)
    assert fingerprint(registry) == before


def test_import_adds_then_replaces_in_one_transaction_each(registry, tmp_path):
    before = fingerprint(registry)
    (tmp_path / "patients.csv").write_text("patient_id,sex\nNEW-1,F\nNEW-2,M\n")
    import_sources(registry, [tmp_path / "patients.csv"])
    assert _patients(registry) == 23 and fingerprint(registry)[0] != before[0]  # a new generation
    with open_readonly(registry) as con:
        assert q.database_source(con) == f"{DEMO_SOURCE} + import: patients.csv"
    import_sources(registry, [tmp_path / "patients.csv"], mode="replace")
    assert _patients(registry) == 2


def test_readers_see_the_old_registry_until_the_write_commits(registry, frames, monkeypatch):
    reached, release = threading.Event(), threading.Event()
    real = postgres._copy_table

    def pause_after_patients(src, conn, table, columns, scratch):
        real(src, conn, table, columns, scratch)
        if table == "patients":  # old rows deleted, new patients copied, nothing committed
            reached.set()
            release.wait(30)

    monkeypatch.setattr(postgres, "_copy_table", pause_after_patients)
    fewer = {name: f[f["patient_id"] != "CML-21"].reset_index(drop=True) for name, f in frames.items()}
    writer = threading.Thread(target=write_database, args=(registry, fewer), kwargs={"source": "fewer"})
    writer.start()
    try:
        assert reached.wait(60)
        with open_readonly(registry) as reader:
            assert reader.execute("SELECT count(*) FROM patients").fetchone()[0] == 21
            assert q.cohort_lanes(reader, CohortFilter()).shape[0] == 21
    finally:
        release.set()
        writer.join()
    assert _patients(registry) == 20


def test_a_second_writer_is_told_the_registry_is_busy(registry, tmp_path):
    before = fingerprint(registry)
    (tmp_path / "patients.csv").write_text("patient_id,sex\nNEW-1,F\n")
    with writer_lock(registry):  # another import, on any replica, is writing
        run = subprocess.run([sys.executable, "-m", "cmltrack", "import", "--db", registry,
                              str(tmp_path / "patients.csv")], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert run.returncode == 1 and "database busy" in run.stderr
        with pytest.raises(DatabaseBusy):
            with postgres.writer_lock(registry):
                pass
    assert fingerprint(registry) == before
    import_sources(registry, [tmp_path / "patients.csv"])  # the lock is free again
    assert _patients(registry) == 22


def test_app_connections_are_read_only(registry):
    with open_readonly(registry) as con:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            con.execute("DELETE FROM patients")
        assert con.execute("SELECT count(*) FROM patients").fetchone()[0] == 21


@pytest.mark.parametrize("hostile", ["CML-01' OR '1'='1", "'; DROP TABLE patients; --", "CML-01\x00", "%s %(x)s ?",
                                     "ü" * 500])
def test_values_are_bound_on_the_server_too(registry, hostile):
    with open_readonly(registry) as con:
        assert q.treatments_for(con, [hostile]).empty and q.patient(con, hostile).empty
        assert q.events_for(con, [hostile]).empty
        assert q.count_patients(con, CohortFilter()) == (21, 21)


def test_placeholders_are_translated_outside_quoted_text_only():
    assert postgres.to_pg_sql("SELECT '?', \"a?\" FROM t WHERE x = ? AND y LIKE '5%'") == (
        "SELECT '?', \"a?\" FROM t WHERE x = %s AND y LIKE '5%%'")


def test_an_older_registry_is_upgraded_in_place(registry):
    with psycopg.connect(registry, autocommit=True) as conn:
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    run = subprocess.run([sys.executable, "-m", "cmltrack", "upgrade", "--db", registry], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    with open_readonly(registry) as con:
        assert schema_version(con) == SCHEMA_VERSION and q.count_patients(con, CohortFilter()) == (21, 21)


def test_addresses_never_show_a_password():
    from cmltrack.config import database_label

    secret = "postgresql://clinic:s3cret@db.hospital.example:5433/registry"
    assert postgres.redacted(secret) == "postgresql://clinic@db.hospital.example:5433/registry"
    assert database_label(secret) == postgres.redacted(secret)
    run = subprocess.run([sys.executable, "-m", "cmltrack", "import", "-h"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, env={**os.environ, "CMLTRACK_DB": secret})
    assert "s3cret" not in run.stdout and "clinic@db.hospital.example" in run.stdout
    unreachable = "postgresql://clinic:s3cret@127.0.0.1:9/registry"
    run = subprocess.run([sys.executable, "-m", "cmltrack", "upgrade", "--db", unreachable], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and "error:" in run.stderr and "s3cret" not in run.stderr + run.stdout


def test_the_setting_can_live_in_secrets_toml(monkeypatch, tmp_path):
    from cmltrack import config

    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[cmltrack]\ndb = "postgresql://clinic@db.hospital.example/registry"\n')
    monkeypatch.setattr(config, "SECRETS", secrets)
    monkeypatch.delenv("CMLTRACK_DB", raising=False)
    assert config.database_path() == "postgresql://clinic@db.hospital.example/registry"
    monkeypatch.setenv("CMLTRACK_DB", str(tmp_path / "local.duckdb"))  # the environment wins
    assert config.database_path() == tmp_path / "local.duckdb"
    monkeypatch.delenv("CMLTRACK_DB")
    secrets.unlink()
    assert config.database_path() == config.DEFAULT_DB


def test_another_thread_of_the_same_process_is_a_second_writer(registry):
    """Two sessions of one app server importing at once: the second is refused, not let in as 'nested'."""
    entered, release, outcome = threading.Event(), threading.Event(), {}

    def first() -> None:
        with writer_lock(registry):
            with writer_lock(registry):  # nested in the same thread: allowed
                entered.set()
                release.wait(30)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert entered.wait(30)
        try:
            with writer_lock(registry):
                outcome["second"] = "entered"
        except DatabaseBusy:
            outcome["second"] = "busy"
    finally:
        release.set()
        thread.join()
    assert outcome == {"second": "busy"}
    with writer_lock(registry):  # released by the first thread
        pass


def _database(admin: str, name: str, options: str) -> str:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" {options}')
    return admin.rsplit("/", 1)[0] + "/" + name


@pytest.fixture()
def odd_databases(pg_admin):
    made: list[str] = []

    def make(name: str, options: str) -> str:
        made.append(name)
        return _database(pg_admin, name, options)

    yield make
    with psycopg.connect(pg_admin, autocommit=True) as conn:
        for name in made:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_latin1_database_with_a_linguistic_collation_reads_as_duckdb_does(odd_databases, frames, tmp_path):
    """Non-ASCII text survives a server in another encoding, and ids sort bytewise as in DuckDB."""
    url = odd_databases("cmltrack_latin1", "TEMPLATE template0 ENCODING 'LATIN1' LOCALE_PROVIDER icu "
                                           "ICU_LOCALE 'en-US' LOCALE 'C'")
    ids = {"CML-01": "Zürich-1", "CML-02": "a-1", "CML-03": "A2", "CML-04": "_x", "CML-05": "b-2"}
    data = {name: f.assign(patient_id=f["patient_id"].replace(ids)) for name, f in frames.items()}
    data["patients"] = data["patients"].assign(display_name=data["patients"]["display_name"] + " Müller-Lüdenscheidt")
    file = write_database(tmp_path / "same.duckdb", data, source="Zürich")
    write_database(url, data, source="Zürich")
    with open_readonly(file) as duck, open_readonly(url) as pg:
        pd.testing.assert_frame_equal(q.patient_choices(pg), q.patient_choices(duck))
        pd.testing.assert_frame_equal(q.cohort_lanes(pg, CohortFilter()), q.cohort_lanes(duck, CohortFilter()))
        assert q.patient(pg, "Zürich-1").shape[0] == 1 and q.database_source(pg) == "Zürich"


def test_options_in_the_address_are_kept_for_readers_and_writers(odd_databases, frames):
    url = odd_databases("cmltrack_schema", "")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA clinic")
    in_schema = url + "?options=-csearch_path%3Dclinic"
    write_database(in_schema, frames, source="test")
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('public.meta'), to_regclass('clinic.meta') IS NOT NULL").fetchone() \
            == (None, True)
    with open_readonly(in_schema) as con:
        assert postgres.generation(con) is not None and q.count_patients(con, CohortFilter()) == (21, 21)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            con.execute("DELETE FROM patients")


def test_a_page_run_sees_one_version_even_when_a_write_commits_during_it(registry, frames):
    fewer = {name: f[f["patient_id"] != "CML-21"].reset_index(drop=True) for name, f in frames.items()}
    with open_readonly(registry) as reader:
        with reader.snapshot() as run:
            token = postgres.generation(run)
            assert q.count_patients(run, CohortFilter()) == (21, 21)
            write_database(registry, fewer, source="meanwhile")  # another replica's import commits
            assert postgres.generation(run) == token and q.count_patients(run, CohortFilter()) == (21, 21)
        assert q.count_patients(reader, CohortFilter()) == (20, 20)  # the next run


def test_pooled_connections_survive_a_server_side_disconnect(registry, pg_admin):
    with open_readonly(registry) as reader:
        assert reader.execute("SELECT count(*) FROM patients").fetchone()[0] == 21
        with psycopg.connect(pg_admin, autocommit=True) as admin:
            dbname = registry.rsplit("/", 1)[1]
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [dbname])
        assert reader.execute("SELECT count(*) FROM patients").fetchone()[0] == 21  # a checked, new connection


def test_an_unparseable_address_is_refused_without_echoing_it():
    bad = "postgresql://alice:100%sure@127.0.0.1:9/registry"
    run = subprocess.run([sys.executable, "-m", "cmltrack", "upgrade", "--db", bad], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 1 and "not a valid postgresql:// URL" in run.stderr
    assert "100%sure" not in run.stderr + run.stdout


def test_every_spelling_of_a_postgresql_address_is_read_as_one(tmp_path):
    assert postgres.database_target("PostgreSQL://clinic@db/registry") == "postgresql://clinic@db/registry"
    assert postgres.database_target("postgres://clinic@db/registry") == "postgresql://clinic@db/registry"
    assert postgres.database_target("postgresql+psycopg://clinic@db/registry") == "postgresql://clinic@db/registry"
    assert postgres.database_target(str(tmp_path / "a.duckdb")) == tmp_path / "a.duckdb"
    assert postgres.database_target("~/a.duckdb") == Path("~/a.duckdb").expanduser()
    with pytest.raises(ValueError, match="mysql://") as caught:
        postgres.database_target("mysql://clinic:s3cret@db/registry")
    assert "s3cret" not in str(caught.value)


def test_an_address_of_another_kind_is_refused_by_the_cli_without_echoing_it_or_making_folders(tmp_path):
    other = "mysql://clinic:s3cret@db.hospital.example/registry"
    run = subprocess.run([sys.executable, "-m", "cmltrack", "upgrade", "--db", other], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 2 and "mysql:// is not supported" in run.stderr
    assert "s3cret" not in run.stderr + run.stdout and list(tmp_path.iterdir()) == []
    run = subprocess.run([sys.executable, "-m", "cmltrack", "import", "-h"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, env={**os.environ, "CMLTRACK_DB": other})
    assert run.returncode == 1 and "CMLTRACK_DB" in run.stderr and "s3cret" not in run.stderr + run.stdout
    spelled = "PostgreSQL://clinic:s3cret@db.hospital.example/registry"
    run = subprocess.run([sys.executable, "-m", "cmltrack", "import", "-h"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, env={**os.environ, "CMLTRACK_DB": spelled})
    assert "postgresql://clinic@db.hospital.example/registry" in run.stdout and "s3cret" not in run.stdout


def test_percent_signs_and_comments_reach_the_server_as_written(registry):
    with open_readonly(registry) as con:
        assert con.execute("SELECT 7 % 4, '5%'").fetchone() == (3, "5%")  # no parameters
        assert con.execute("SELECT 7 % ?, '5%'", [4]).fetchone() == (3, "5%")
        assert con.execute("SELECT ? -- it's the first ?\n, ?", [1, 2]).fetchone() == (1, 2)


def test_a_schema_upgrade_waits_for_page_runs_then_says_busy(registry, monkeypatch):
    """Recreated tables would be empty to a page run that started before the commit: with page runs reading, the
    upgrade gives up after UPGRADE_LOCK_WAIT_S and changes nothing; once they end it goes through."""
    with psycopg.connect(registry, autocommit=True) as conn:
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    before = fingerprint(registry)
    monkeypatch.setattr(postgres, "UPGRADE_LOCK_WAIT_S", 1)
    with open_readonly(registry) as reader, reader.snapshot() as run:
        assert postgres.generation(run) is not None  # a page run has begun on another replica
        with pytest.raises(DatabaseBusy, match="stop the app replicas"):
            upgrade_database(registry)
    assert fingerprint(registry) == before
    upgrade_database(registry)
    with open_readonly(registry) as con:
        assert schema_version(con) == SCHEMA_VERSION and q.count_patients(con, CohortFilter()) == (21, 21)


def test_a_server_encoding_that_cannot_store_the_data_is_refused_and_nothing_is_written(odd_databases, frames):
    url = odd_databases("cmltrack_latin1_strict", "TEMPLATE template0 ENCODING 'LATIN1' LOCALE 'C'")
    write_database(url, frames, source="test")
    before = fingerprint(url)
    curly = dict(frames, patients=frames["patients"].assign(display_name="O’Brien Testperson"))  # U+2019
    with pytest.raises(ValueError, match="ENCODING 'UTF8'") as caught:
        write_database(url, curly, source="test")
    assert "table patients" in str(caught.value) and "Brien" not in str(caught.value)
    assert fingerprint(url) == before


KILLED_WRITER = """
import sys, time
from cmltrack.db import postgres
from cmltrack.db.store import write_database
from cmltrack.cohorts.demo import demo_frames

real = postgres._copy_table

def copy_then_hang(src, conn, table, columns, scratch):
    real(src, conn, table, columns, scratch)
    if table == "labs":  # old rows deleted, meta to labs copied, nothing committed
        print("copying", flush=True)
        time.sleep(120)

postgres._copy_table = copy_then_hang
frames = demo_frames()
write_database(sys.argv[1], {n: f[f["patient_id"] != "CML-21"] for n, f in frames.items()}, source="killed")
"""


def test_a_writer_killed_mid_copy_leaves_the_registry_as_it_was_and_the_lock_free(registry):
    before = fingerprint(registry)
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, registry], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert writer.stdout.readline().strip() == "copying"
        with pytest.raises(DatabaseBusy):  # it holds the writer lock
            with writer_lock(registry):
                pass
    finally:
        writer.kill()
        writer.wait(30)
    with writer_lock(registry, wait_s=30):  # the server ends the dead writer's session: its lock goes with it
        pass
    assert fingerprint(registry) == before
    write_database(registry, read_frames(registry)[0], source="after")  # the next write goes through
    assert _patients(registry) == 21
