"""Where the database lives: $CMLTRACK_DB, else data/cmltrack.duckdb in the project."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "data" / "cmltrack.duckdb"
ENV_VAR = "CMLTRACK_DB"


def database_path() -> Path:
    """The database file the app and the CLI use."""
    value = os.environ.get(ENV_VAR, "").strip()
    return Path(value).expanduser() if value else DEFAULT_DB
