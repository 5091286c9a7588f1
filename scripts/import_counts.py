"""Import each public CDISC dataset of ../shared/realdata into a new database and print the rows per table, beside
the records read from each source file.

    python scripts/import_counts.py [--realdata DIR] [--md]

The groups are the ones the import tests use (tests/unit/test_import_realdata.py, tests/unit/test_import_trials.py):
one study per group, ADaM or SDTM. ``--md`` prints Markdown tables.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cmltrack.db.connection import open_readonly  # noqa: E402
from cmltrack.db.schema import TABLES  # noqa: E402
from cmltrack.ingest.plan import import_sources  # noqa: E402
from tests.realdata import REALDATA  # noqa: E402

GROUPS: dict[str, list[str]] = {
    "pharmaverseadam (ADaM)": ["pharmaverseadam/adsl.rda", "pharmaverseadam/adex.rda", "pharmaverseadam/adae.rda",
                               "pharmaverseadam/adrs_onco.rda", "pharmaverseadam/adtte_onco.rda"],
    "pharmaversesdtm (SDTM)": ["pharmaversesdtm/dm.rda", "pharmaversesdtm/ex.rda", "pharmaversesdtm/ae.rda",
                               "pharmaversesdtm/rs_onco.rda"],
    "pharmaversesdtm + pharmaverseadam (SDTM beside its ADaM)": [
        "pharmaverseadam/adsl.rda", "pharmaverseadam/adae.rda", "pharmaversesdtm/dm.rda", "pharmaversesdtm/ae.rda",
        "pharmaversesdtm/ex.rda"],
    "random.cdisc.data (ADaM)": ["random.cdisc.data/cadsl.RData", "random.cdisc.data/cadex.RData",
                                 "random.cdisc.data/cadae.RData", "random.cdisc.data/cadrs.RData",
                                 "random.cdisc.data/cadtte.RData"],
}


def counts(root: Path, files: list[str]) -> tuple[dict[str, int], list[tuple[str, int, str, int]], list[str]]:
    """(rows per table after the import, (file, records, table, rows) per dataset, the notes)."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "counts.duckdb"
        plan = import_sources(db, [root / f for f in files], mode="replace")
        with open_readonly(db) as con:
            rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}  # noqa: S608
    return rows, [(d.label, d.records, d.table or "not imported", d.rows) for d in plan.datasets], plan.notes


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--realdata", type=Path, default=REALDATA)
    parser.add_argument("--md", action="store_true")
    args = parser.parse_args(argv)
    for name, files in GROUPS.items():
        rows, datasets, notes = counts(args.realdata, files)
        print(f"\n{'### ' if args.md else ''}{name}")
        for label, records, table, n in datasets:
            print(f"{'- ' if args.md else '  '}{label}: {records} records -> {table} {n}")
        print(("| " + " | ".join(TABLES) + " |\n|" + "---|" * len(TABLES)) if args.md else "  rows per table:")
        print(("| " + " | ".join(str(rows[t]) for t in TABLES) + " |") if args.md else
              "  " + ", ".join(f"{t} {rows[t]}" for t in TABLES))
        for note in notes:
            print(f"{'- ' if args.md else '  '}note: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
