"""Reading a file that an import replaces: new connections see the new file, open ones keep their snapshot."""

from __future__ import annotations

from cmltrack.db.connection import cursor_for, open_readonly
from cmltrack.registry import write_database


def test_a_replaced_file_is_seen_by_new_connections(tmp_path, frames):
    fewer = {name: f[f["patient_id"] != "CML-21"] for name, f in frames.items()}
    db = write_database(tmp_path / "registry.duckdb", frames, source="v1")
    old = open_readonly(db)
    old_cursor = cursor_for(old)
    write_database(db, fewer, source="v2")  # an import renames a new file over the old one
    new = open_readonly(db)
    count = "SELECT count(*) FROM patients"
    # DuckDB's instance cache would hand a plain duckdb.connect(path) the old contents here
    assert new.execute(count).fetchone() == (20,)
    assert cursor_for(new).execute(count).fetchone() == (20,)
    assert old.execute(count).fetchone() == (21,) and old_cursor.execute(count).fetchone() == (21,)
    old.close()
    new.close()
