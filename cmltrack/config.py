"""Where the database lives: $CMLTRACK_DB, else ``db`` under [cmltrack] in .streamlit/secrets.toml, else
data/cmltrack.duckdb in the project. A value starting postgresql:// (or postgres://, postgresql+psycopg://) names a
PostgreSQL registry instead of a file."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "data" / "cmltrack.duckdb"
ENV_VAR = "CMLTRACK_DB"
SECRETS = PROJECT_ROOT / ".streamlit" / "secrets.toml"


def _from_secrets(name: str = "db") -> str:
    try:
        with SECRETS.open("rb") as fh:
            value = tomllib.load(fh).get("cmltrack", {}).get(name, "")
    except FileNotFoundError:
        return ""
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{SECRETS} is not valid TOML: {exc}") from exc
    return str(value).strip()


#: The audit trail and its key: environment variables, and the defaults (the key apart from the trail).
AUDIT_ENV, AUDIT_KEY_ENV = "CMLTRACK_AUDIT", "CMLTRACK_AUDIT_KEY"
DEFAULT_AUDIT = PROJECT_ROOT / "data" / "audit.jsonl"
DEFAULT_AUDIT_KEY = PROJECT_ROOT / ".streamlit" / "audit.key"


def audit_paths(key_file: str | None = None) -> tuple[Path, Path]:
    """The audit trail ($CMLTRACK_AUDIT, else data/audit.jsonl) and its key ($CMLTRACK_AUDIT_KEY, else
    ``key_file``, the app's audit_key_file under [cmltrack] in its secrets, else that setting in
    .streamlit/secrets.toml, else .streamlit/audit.key)."""
    trail = os.environ.get(AUDIT_ENV, "").strip() or DEFAULT_AUDIT
    key = (os.environ.get(AUDIT_KEY_ENV, "").strip() or (key_file or "").strip() or _from_secrets("audit_key_file")
           or DEFAULT_AUDIT_KEY)
    return Path(trail), Path(key)


def database_path() -> Path | str:
    """The database the app and the CLI use: a DuckDB file (Path) or a PostgreSQL URL (str). ValueError for an
    address of another kind (mysql://...), naming only its scheme."""
    from cmltrack.db.postgres import database_target

    value = os.environ.get(ENV_VAR, "").strip() or _from_secrets()
    if not value:
        return DEFAULT_DB
    try:
        return database_target(value)
    except ValueError as exc:
        raise ValueError(f"{ENV_VAR} (or db under [cmltrack] in {SECRETS.name}): {exc}") from None


def configured_by() -> str | None:
    """Which setting names the database: 'CMLTRACK_DB', 'db under [cmltrack] in secrets.toml', or None (the
    default path)."""
    if os.environ.get(ENV_VAR, "").strip():
        return ENV_VAR
    return f"db under [cmltrack] in {SECRETS.name}" if _from_secrets() else None


def database_label(target: Path | str | None = None) -> str:
    """The database as shown to users and in logs: a server address never shows its password."""
    from cmltrack.db.postgres import is_postgres, redacted

    target = database_path() if target is None else target
    return redacted(target) if is_postgres(target) else str(target)
