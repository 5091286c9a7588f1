"""Shared fixtures: demo frames and databases of 0, 1, 21 and ~1,000 patients."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from cmltrack.db.connection import DEMO_SOURCE, open_readonly
from cmltrack.db.store import write_database
from cmltrack.demo import demo_frames


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


@pytest.fixture(scope="session")
def frames() -> dict[str, pd.DataFrame]:
    return demo_frames()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory, frames) -> Path:
    return write_database(tmp_path_factory.mktemp("db") / "demo.duckdb", frames, source=DEMO_SOURCE)


@pytest.fixture(scope="session")
def empty_db(tmp_path_factory, frames) -> Path:
    return write_database(tmp_path_factory.mktemp("db") / "empty.duckdb", subset(frames, []), source="test")


@pytest.fixture(scope="session")
def one_db(tmp_path_factory, frames) -> Path:
    return write_database(tmp_path_factory.mktemp("db") / "one.duckdb", subset(frames, ["CML-02"]), source="test")


@pytest.fixture(scope="session")
def large_db(tmp_path_factory, frames) -> Path:
    return write_database(tmp_path_factory.mktemp("db") / "large.duckdb", replicate(frames, 48), source="test")


@pytest.fixture()
def con(demo_db):
    connection = open_readonly(demo_db)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def no_labs_db(tmp_path_factory, frames) -> Path:
    """The demo cohort with CML-05's visits removed (a patient known only from the record)."""
    trimmed = dict(frames, labs=frames["labs"][frames["labs"]["patient_id"] != "CML-05"])
    return write_database(tmp_path_factory.mktemp("db") / "nolabs.duckdb", trimmed, source="test")


@pytest.fixture(scope="session")
def trial_db(tmp_path_factory) -> Path:
    """A real public CDISC trial (pharmaversesdtm: DM, EX, AE, RS) imported into its own database."""
    from cmltrack.ingest.plan import import_sources
    from tests.realdata import REALDATA

    if not REALDATA.exists() and not os.environ.get("CI"):  # in CI a missing ../shared is a failure
        pytest.skip(f"real CDISC datasets not found at {REALDATA}")
    path = tmp_path_factory.mktemp("trial") / "trial.duckdb"
    import_sources(path, [REALDATA / "pharmaversesdtm" / f"{n}.rda" for n in ("dm", "ex", "ae", "rs_onco")],
                   mode="replace")
    return path
