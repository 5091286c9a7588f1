"""DuckDB schema: one row = one fact, dates as DATE, constraints that reject impossible rows."""

from __future__ import annotations

import re

import duckdb

from cmltrack.clinical.milestones import GUIDELINES
from cmltrack.clinical.responses import ALL_KINDS

# 5: labs neutrophils and FISH, mutations, karyotypes (issue 16)
# 6: trial imports (arm, death, AE relatedness and unknown onsets, concomitant medications; issue 15)
# 7: treatment-free remission courses (derived table tfr_courses; issue 19)
# 8: which responses are shown (responses.family_measured, responses.shown) and the TKI lines (derived table
#    tki_lines), stored when written instead of recomputed by each query (issue 18)
SCHEMA_VERSION = 8

#: CML therapies the app knows by name (hydroxyurea and interferon before or between TKIs). Other drug names are
#: accepted (trial datasets: study drug, placebo), stored lower case, and drawn in neutral colours.
KNOWN_DRUGS: tuple[str, ...] = (
    "imatinib", "thalidomide", "hydroxyurea", "interferon alfa", "dasatinib", "nilotinib", "bosutinib",
    "ponatinib", "asciminib",
)
#: The one drug name whose daily dose may be 0 mg (a blinded placebo arm).
PLACEBO = "placebo"
_KINDS_SQL = ",".join(f"'{k}'" for k in ALL_KINDS)
_GUIDELINES_SQL = ",".join(f"'{g}'" for g in GUIDELINES)

DDL: tuple[str, ...] = (
    """CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)""",
    """CREATE TABLE patients (
        patient_id VARCHAR PRIMARY KEY,
        mrn VARCHAR UNIQUE,
        display_name VARCHAR,
        sex VARCHAR NOT NULL CHECK (sex IN ('F', 'M', 'U')),
        birth_date DATE,
        diagnosis_date DATE,
        phase_at_diagnosis VARCHAR CHECK (phase_at_diagnosis IN ('CP', 'AP', 'BP')),
        im_status VARCHAR CHECK (im_status IN ('resistant', 'intolerant')),
        spleen_cm DOUBLE PRECISION CHECK (spleen_cm >= 0),
        platelets DOUBLE PRECISION CHECK (platelets >= 0),
        blasts_pct DOUBLE PRECISION CHECK (blasts_pct BETWEEN 0 AND 100),
        basophils_pct DOUBLE PRECISION CHECK (basophils_pct BETWEEN 0 AND 100),
        eosinophils_pct DOUBLE PRECISION CHECK (eosinophils_pct BETWEEN 0 AND 100),
        age_at_entry INTEGER CHECK (age_at_entry BETWEEN 0 AND 130),  -- when no birth date is known (CDISC AGE)
        last_contact_date DATE,                                        -- last known alive (CDISC LSTALVDT)
        -- schema 6, trial imports: the arm as randomised (ARM, TRT01P) and as treated (ACTARM, TRT01A); death
        -- (DTHFL, NULL = not recorded; DTHDTC/DTHDT)
        arm VARCHAR,
        actual_arm VARCHAR,
        died BOOLEAN,
        death_date DATE,
        CHECK (death_date IS NULL OR birth_date IS NULL OR death_date >= birth_date),
        CHECK (death_date IS NULL OR died),
        -- end of schema 6 additions
        CHECK (diagnosis_date IS NULL OR birth_date IS NULL OR diagnosis_date >= birth_date)
    )""",
    f"""CREATE TABLE treatments (
        patient_id VARCHAR NOT NULL REFERENCES patients (patient_id),
        drug VARCHAR NOT NULL CHECK (drug <> '' AND drug = lower(trim(drug))),
        dose_mg DOUBLE PRECISION NOT NULL CHECK (dose_mg > 0 OR (dose_mg = 0 AND drug = '{PLACEBO}')),
        start_date DATE NOT NULL,
        end_date DATE CHECK (end_date IS NULL OR end_date >= start_date),
        reason_stopped VARCHAR,
        dates_imputed BOOLEAN NOT NULL DEFAULT FALSE,  -- a partial source date was completed (README: import rules)
        PRIMARY KEY (patient_id, drug, start_date)
    )""",
    """CREATE TABLE labs (
        patient_id VARCHAR NOT NULL REFERENCES patients (patient_id),
        date DATE NOT NULL,
        wbc DOUBLE PRECISION CHECK (wbc >= 0),
        hb DOUBLE PRECISION CHECK (hb >= 0),
        platelets DOUBLE PRECISION CHECK (platelets >= 0),
        blasts_pct DOUBLE PRECISION CHECK (blasts_pct BETWEEN 0 AND 100),
        promyelocytes_pct DOUBLE PRECISION CHECK (promyelocytes_pct BETWEEN 0 AND 100),
        -- promyelocytes + myelocytes + metamyelocytes
        immature_granulocytes_pct DOUBLE PRECISION CHECK (immature_granulocytes_pct BETWEEN 0 AND 100),
        basophils_pct DOUBLE PRECISION CHECK (basophils_pct BETWEEN 0 AND 100),
        spleen_cm DOUBLE PRECISION CHECK (spleen_cm >= 0),
        bcr_abl1_is_pct DOUBLE PRECISION CHECK (bcr_abl1_is_pct >= 0),
        abl1_copies BIGINT CHECK (abl1_copies >= 0),
        ph_pos_pct DOUBLE PRECISION CHECK (ph_pos_pct BETWEEN 0 AND 100),
        metaphases INTEGER CHECK (metaphases >= 0),
        -- schema 5 (issue 16): absolute neutrophils (x10^9/L, CTCAE grade) and interphase FISH (CCyR: < 1% of
        -- >= 200 nuclei)
        neutrophils DOUBLE PRECISION CHECK (neutrophils >= 0),
        fish_pct DOUBLE PRECISION CHECK (fish_pct BETWEEN 0 AND 100),
        fish_nuclei INTEGER CHECK (fish_nuclei >= 0),
        PRIMARY KEY (patient_id, date)
    )""",
    # recorded responses have guideline 'none'; derived ones name the ELN rule set that derived them
    f"""CREATE TABLE responses (
        patient_id VARCHAR NOT NULL REFERENCES patients (patient_id),
        date DATE NOT NULL,
        kind VARCHAR NOT NULL CHECK (kind IN ({_KINDS_SQL})),
        source VARCHAR NOT NULL CHECK (source IN ('recorded', 'derived')),
        guideline VARCHAR NOT NULL DEFAULT 'none' CHECK (guideline IN ('none', {_GUIDELINES_SQL})),
        date_imputed BOOLEAN NOT NULL DEFAULT FALSE,
        -- schema 8, derived when written (cmltrack.derive.summary.with_shown): the patient's labs measure the
        -- response's family; the row is shown (derived where the labs measure the family, recorded elsewhere)
        family_measured BOOLEAN NOT NULL DEFAULT FALSE,
        shown BOOLEAN NOT NULL DEFAULT FALSE,
        CHECK ((source = 'recorded') = (guideline = 'none')),
        PRIMARY KEY (patient_id, date, kind, source, guideline)
    )""",
    """CREATE TABLE adverse_events (
        patient_id VARCHAR NOT NULL REFERENCES patients (patient_id),
        term VARCHAR NOT NULL,
        meddra_pt VARCHAR,
        ctcae_grade INTEGER NOT NULL CHECK (ctcae_grade BETWEEN 1 AND 5),
        ctcae_version VARCHAR,
        -- 'CTCAE': a toxicity grade was recorded; 'severity': mapped from mild/moderate/severe (CDISC AESEV)
        grade_source VARCHAR NOT NULL DEFAULT 'CTCAE' CHECK (grade_source IN ('CTCAE', 'severity')),
        onset_date DATE,                    -- schema 6: NULL = onset unknown (counted and listed, never placed in time)
        end_date DATE CHECK (end_date IS NULL OR onset_date IS NULL OR end_date >= onset_date),
        serious BOOLEAN,                    -- schema 6: NULL = seriousness not recorded
        attributed_drug VARCHAR CHECK (attributed_drug IS NULL OR attributed_drug = lower(trim(attributed_drug))),
        dates_imputed BOOLEAN NOT NULL DEFAULT FALSE,
        -- schema 6, trial imports: relatedness as recorded (CDISC AEREL); how much of the onset the source gave
        relatedness VARCHAR,
        onset_precision VARCHAR CHECK (onset_precision IN ('day', 'month', 'year'))
    )""",
    # schema 6: concomitant medications (CDISC CM), drawn as a lane of the patient course
    """CREATE TABLE concomitant_medications (
        patient_id VARCHAR NOT NULL REFERENCES patients (patient_id),
        term VARCHAR NOT NULL,              -- as reported (CMTRT)
        decoded VARCHAR,                    -- standardised name (CMDECOD)
        indication VARCHAR,                 -- CMINDC
        start_date DATE,                    -- NULL = start unknown
        end_date DATE CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date),
        dates_imputed BOOLEAN NOT NULL DEFAULT FALSE
    )""",
    # time-to-event endpoints as analysed by a trial (CDISC ADTTE), kept as delivered
    """CREATE TABLE time_to_event (
        patient_id VARCHAR NOT NULL REFERENCES patients (patient_id),
        parameter VARCHAR NOT NULL,
        label VARCHAR,
        start_date DATE,
        days DOUBLE PRECISION NOT NULL CHECK (days >= 0),
        event_date DATE,
        censored BOOLEAN NOT NULL,
        PRIMARY KEY (patient_id, parameter)
    )""",
    # schema 5 (issue 16): BCR::ABL1 kinase-domain mutation tests, one row per mutation found ('NONE': the test
    # found none), and karyotype findings, one row per abnormality ('none': no ACA); cmltrack.clinical.genetics
    """CREATE TABLE mutations (
        patient_id VARCHAR NOT NULL REFERENCES patients (patient_id),
        date DATE NOT NULL,
        method VARCHAR,
        mutation VARCHAR NOT NULL CHECK (mutation <> '' AND mutation = upper(mutation)),
        PRIMARY KEY (patient_id, date, mutation)
    )""",
    """CREATE TABLE karyotypes (
        patient_id VARCHAR NOT NULL REFERENCES patients (patient_id),
        date DATE NOT NULL,
        finding VARCHAR NOT NULL CHECK (finding <> ''),
        ph_positive BOOLEAN NOT NULL DEFAULT TRUE,  -- the abnormality is in Ph+ cells (else in Ph- cells)
        PRIMARY KEY (patient_id, date, finding, ph_positive)
    )""",
    # Derived per patient by cmltrack.derive (clinical rules in Python) each time the database is written,
    # so that filters run in SQL at registry scale. Never edited by hand.
    # ELN classification at each milestone visit and at the latest visit, per guideline (cmltrack.clinical.timeline)
    f"""CREATE TABLE eln_assessments (
        patient_id VARCHAR NOT NULL REFERENCES patients (patient_id),
        guideline VARCHAR NOT NULL CHECK (guideline IN ({_GUIDELINES_SQL})),
        milestone VARCHAR NOT NULL CHECK (milestone IN ('3', '6', '12', '18', 'latest')),
        date DATE NOT NULL,
        months DOUBLE PRECISION NOT NULL CHECK (months >= 0),
        category VARCHAR NOT NULL CHECK (category IN ('optimal', 'warning', 'suboptimal', 'failure')),
        bcr_abl1_is_pct DOUBLE PRECISION,
        ph_pos_pct DOUBLE PRECISION,
        chr BOOLEAN,
        PRIMARY KEY (patient_id, guideline, milestone)
    )""",
    """CREATE TABLE patient_summary (
        patient_id VARCHAR PRIMARY KEY REFERENCES patients (patient_id),
        first_treatment_date DATE,
        im_start_date DATE,
        thal_start_date DATE,
        last_visit_date DATE,
        age_years INTEGER CHECK (age_years >= 0),
        age_at_diagnosis INTEGER CHECK (age_at_diagnosis >= 0),
        months_im_before_thal DOUBLE PRECISION,
        followup_months DOUBLE PRECISION,
        thal_months DOUBLE PRECISION CHECK (thal_months >= 0),
        on_thalidomide BOOLEAN NOT NULL,
        sokal_score DOUBLE PRECISION,
        sokal_group VARCHAR NOT NULL CHECK (sokal_group IN ('low', 'intermediate', 'high', 'unknown')),
        hasford_score DOUBLE PRECISION,
        hasford_group VARCHAR NOT NULL CHECK (hasford_group IN ('low', 'intermediate', 'high', 'unknown')),
        eutos_score DOUBLE PRECISION,
        eutos_group VARCHAR NOT NULL CHECK (eutos_group IN ('low', 'high', 'unknown')),
        elts_score DOUBLE PRECISION,
        elts_group VARCHAR NOT NULL CHECK (elts_group IN ('low', 'intermediate', 'high', 'unknown')),
        phase_at_thal VARCHAR NOT NULL CHECK (phase_at_thal IN ('CP', 'AP', 'BP', 'unknown')),
        evaluable BOOLEAN NOT NULL,
        -- which response families the patient's labs measure (derived events replace recorded ones only there)
        labs_hematologic BOOLEAN NOT NULL,
        labs_cytogenetic BOOLEAN NOT NULL,
        labs_molecular BOOLEAN NOT NULL,
        labs_phase BOOLEAN NOT NULL,
        best_response VARCHAR NOT NULL,
        best_response_rank INTEGER NOT NULL
    )""",
    # schema 7: treatment-free remission, one row per TKI stop for TFR (cmltrack.derive.tfr)
    """CREATE TABLE tfr_courses (
        patient_id VARCHAR NOT NULL REFERENCES patients (patient_id),
        drug VARCHAR NOT NULL,                -- the TKI stopped
        start_date DATE NOT NULL,             -- first day off the TKI
        recurrence_date DATE CHECK (recurrence_date >= start_date),  -- molecular recurrence: loss of MMR
        recurrence_pct DOUBLE PRECISION CHECK (recurrence_pct > 0.1),
        restart_date DATE CHECK (restart_date >= start_date),        -- a TKI taken again
        restart_drug VARCHAR,
        PRIMARY KEY (patient_id, start_date)
    )""",
    # schema 8: the TKI lines, each TKI from its first start, numbered in the order begun (cmltrack.derive.lines)
    """CREATE TABLE tki_lines (
        patient_id VARCHAR NOT NULL REFERENCES patients (patient_id),
        line INTEGER NOT NULL CHECK (line >= 1),
        drug VARCHAR NOT NULL,
        start_date DATE NOT NULL,             -- the TKI's first start
        PRIMARY KEY (patient_id, line)
    )""",
)

TABLES: tuple[str, ...] = ("patients", "treatments", "labs", "responses", "adverse_events", "time_to_event",
                           "mutations", "karyotypes", "concomitant_medications")


#: Tables computed from the facts (cmltrack.derive) each time patients are written, in the order written.
DERIVED: tuple[str, ...] = ("eln_assessments", "patient_summary", "tfr_courses", "tki_lines")

#: Every registry table, meta first, each after the tables it references (deleted in the reverse order).
ALL_TABLES: tuple[str, ...] = ("meta", *TABLES, *DERIVED)


def _columns() -> dict[str, tuple[str, ...]]:
    """Each table's columns in DDL order, read from an empty database built with DDL (the one home of the list)."""
    with duckdb.connect(":memory:") as con:
        for statement in DDL:
            con.execute(statement)
        return {table: tuple(r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
            [table]).fetchall()) for table in ALL_TABLES if table != "meta"}


#: Column order of each table as written (also the order the importer and the cohorts produce).
COLUMNS: dict[str, tuple[str, ...]] = _columns()


#: A table-level PRIMARY KEY clause closing a CREATE TABLE statement of DDL (after a comma and maybe a comment).
_TABLE_KEY = re.compile(r",[ \t]*(?:--[^\n]*)?\s*PRIMARY KEY \(([^)]*)\)\s*\)\s*$")


def _table_keys() -> dict[str, tuple[str, ...]]:
    keys = {}
    for statement in DDL:
        found = _TABLE_KEY.search(statement)
        if found:
            table = statement.split("(", 1)[0].split()[-1]
            keys[table] = tuple(c.strip() for c in found.group(1).split(","))
    return keys


#: The tables whose primary key spans several columns, and its columns (``create_schema(con, keys=False)`` leaves
#: these keys for ``add_key`` to add after a bulk load).
TABLE_KEYS: dict[str, tuple[str, ...]] = _table_keys()


def create_schema(con: duckdb.DuckDBPyConnection, keys: bool = True) -> None:
    """Create every table on an empty database. With ``keys`` False, the TABLE_KEYS primary keys are left out: a
    bulk load then adds each with ``add_key`` once its rows are in (DuckDB builds a key's index over loaded rows in
    a fraction of the time it takes to grow it row by row); every other constraint is there from the start."""
    for statement in DDL:
        con.execute(statement if keys else _TABLE_KEY.sub("\n)", statement))
    con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])


def add_key(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Add ``table``'s TABLE_KEYS primary key (left out by ``create_schema(con, keys=False)``); a
    duckdb.ConstraintException when its rows hold a duplicate key."""
    con.execute(f"ALTER TABLE {table} ADD PRIMARY KEY ({', '.join(TABLE_KEYS[table])})")
