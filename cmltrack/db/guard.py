"""Whether cmltrack may read or replace what is at a database path: its own registry in the current schema, an
older one (upgraded only with a backup), a newer one or a file of something else (never touched).

A database written by a newer cmltrack would lose what this version does not know if it were rewritten; a file
that is not a cmltrack registry would be lost altogether. Both are refused by every reader and writer, naming
what the file is.
"""

from __future__ import annotations

import os
from pathlib import Path

from cmltrack.db.schema import SCHEMA_VERSION

#: Mode of every file cmltrack writes that holds patient data (the database, its backups): owner read-write, group
#: read (a service account in the owner's group may read it), nobody else.
DATA_FILE_MODE = 0o640


class RegistryMismatch(RuntimeError):
    """The database at a path is not one this cmltrack reads as it is."""

    def __init__(self, message: str, version: int | None = None) -> None:
        super().__init__(message)
        self.version = version


class NotARegistry(RegistryMismatch):
    """The file is not a cmltrack registry (another DuckDB database, or not a database at all)."""


class NewerSchema(RegistryMismatch):
    """The registry was written by a newer cmltrack: rewriting it would drop what this version does not know."""


class OlderSchema(RegistryMismatch):
    """The registry was written by an older cmltrack: `python -m cmltrack upgrade` rewrites it (keeping a backup)."""


def check_version(version: int | None, where: str, tables: list[str] | None = None) -> None:
    """Raise NotARegistry, NewerSchema or OlderSchema unless ``version`` is the schema this cmltrack writes.

    ``version`` is what the database's meta table says (None: no cmltrack metadata); ``tables`` are the tables
    it holds, named in the message when it is not a registry."""
    if version is None:
        held = f"it holds the tables {', '.join(tables[:6])}" + (", ..." if len(tables) > 6 else "") if tables \
            else "it holds no tables"
        raise NotARegistry(f"{where} is a database but not a cmltrack registry ({held}); cmltrack leaves it "
                           "as it is")
    if version > SCHEMA_VERSION:
        raise NewerSchema(f"{where} was written by a newer cmltrack (schema {version}; this version reads schema "
                          f"{SCHEMA_VERSION}); update cmltrack to read it. It was not changed", version)
    if version < SCHEMA_VERSION:
        raise OlderSchema(f"{where} was written by an older cmltrack (schema {version}; this version reads schema "
                          f"{SCHEMA_VERSION})", version)


#: The first bytes of file kinds a mistaken path may point at, and what to call them.
_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"SQLite format 3\x00", "an SQLite database"),
    (0, b"PK\x03\x04", "a ZIP archive (or an Excel workbook)"),
    (0, b"%PDF", "a PDF document"),
    (0, b"PAR1", "a Parquet file"),
    (0, b"\x89PNG", "a PNG image"),
)


def describe_file(path: str | Path) -> str:
    """What a file that DuckDB cannot open as a database is, in words ('an empty file', 'an SQLite database')."""
    target = Path(path)
    try:
        size = target.stat().st_size
        with target.open("rb") as fh:
            head = fh.read(64)
    except OSError as exc:
        return f"a file that cannot be read ({exc.strerror or type(exc).__name__})"
    if size == 0:
        return "an empty file"
    if head[8:12] == b"DUCK":
        return f"a DuckDB file of {size:,} bytes that DuckDB cannot open (damaged, or written by another DuckDB)"
    for offset, magic, name in _MAGIC:
        if head[offset:offset + len(magic)] == magic:
            return name
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return f"a file of {size:,} bytes that is not a database"
    return f"a text file of {size:,} bytes, not a database"


def backup_path(path: str | Path, version: int | None) -> Path:
    """Where the file at ``path`` is kept before a rewrite from schema ``version``: PATH.bak-<version>, or
    PATH.bak-<version>.<n> when an earlier backup holds that name."""
    target = Path(path)
    first = target.with_name(f"{target.name}.bak-{version}")
    candidate, n = first, 1
    while candidate.exists():
        candidate = first.with_name(f"{first.name}.{n}")
        n += 1
    return candidate


def keep_backup(path: str | Path, version: int | None) -> Path:
    """Keep the file at ``path`` under its backup name (a hard link: no copy, the same bytes; a copy where the file
    system has no links) and return that name. The caller then renames the new file over ``path``."""
    import shutil

    target = Path(path)
    backup = backup_path(target, version)
    try:
        os.link(target, backup)
    except OSError:
        shutil.copy2(target, backup)
    os.chmod(backup, DATA_FILE_MODE)
    return backup
