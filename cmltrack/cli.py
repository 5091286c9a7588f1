"""Command line: `python -m cmltrack demo|import|validate|upgrade|migrate|audit ...` (see `python -m cmltrack -h`).

Every --db (and demo's --out) takes a DuckDB file or a postgresql:// URL; the default is $CMLTRACK_DB, else
[cmltrack] db in .streamlit/secrets.toml, else data/cmltrack.duckdb."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from cmltrack.config import DEFAULT_DB, audit_paths, database_label, database_path
from cmltrack.db.postgres import ServerError, database_target, is_postgres, without_password

if TYPE_CHECKING:
    from cmltrack.ingest.plan import ImportPlan


def _demo(args: argparse.Namespace) -> int:
    import time

    from cmltrack.cohorts.demo import demo_frames
    from cmltrack.db.connection import DEMO_SOURCE
    from cmltrack.db.store import write_database

    if args.patients is None:
        out = write_database(args.out, demo_frames(), source=DEMO_SOURCE)
        print(f"wrote the 21-patient demo cohort to {database_label(out)}")
        return 0
    from cmltrack.cohorts.synthetic import SOURCE, synthetic_frames

    started = time.perf_counter()
    frames = synthetic_frames(args.patients, seed=args.seed, visits=args.visits)
    generated = time.perf_counter() - started
    out = write_database(args.out, frames, source=f"{SOURCE} (n={args.patients}, seed={args.seed})")
    print(f"wrote {args.patients} synthetic patients ({len(frames['labs'])} visits) to {database_label(out)}: "
          f"generated in {generated:.1f} s, written with the derived tables in {time.perf_counter() - started:.1f} s")
    return 0


def _target(value: str) -> str | Path:
    """A --db value: a postgresql:// URL, else a file path (another scheme:// is refused without echoing it)."""
    try:
        return database_target(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None  # argparse would echo the value of a ValueError


def _migrate(args: argparse.Namespace) -> int:
    from cmltrack.db.connection import ensure_database
    from cmltrack.db.store import migrate_database

    counts = migrate_database(ensure_database(args.db, default=DEFAULT_DB), args.to, replace=args.replace)
    rows = ", ".join(f"{table} {n}" for table, n in counts.items())
    print(f"copied {database_label(args.db)} to {database_label(args.to)}; row counts verified on the server: {rows}")
    return 0


def _upgrade(args: argparse.Namespace) -> int:
    from cmltrack.db.store import upgrade_database

    backup = upgrade_database(args.db)
    kept = f"; the old file is kept as {backup}" if backup is not None else ""
    print(f"rewrote {database_label(args.db)} in the current schema{kept}")
    return 0


def _audit_verify(args: argparse.Namespace) -> int:
    from cmltrack.privacy.audit import read_key, verify

    if not args.trail.exists():
        print(f"no audit trail at {args.trail} (nothing written yet)")
        return 0
    verdict = verify(args.trail, read_key(args.key), args.key)
    if verdict.ok:
        print(f"audit trail {args.trail}: {verdict.lines} lines, intact ({verdict.signed} signed and chained"
              + (f", {verdict.lines - verdict.signed} written before the chain and sealed by it" if
                 verdict.lines > verdict.signed else "") + ")")
        return 0
    print(f"audit trail {args.trail}: line {verdict.broken_line} is broken: {verdict.reason}", file=sys.stderr)
    return 1


def _report(plan: ImportPlan) -> None:
    for d in plan.datasets:
        what = f"-> {d.table}: {d.rows} rows" if d.table else "-> not imported"
        print(f"  {d.label}: {d.records} records {what}")
    for note in plan.notes:
        print(f"  note: {note}")
    for warning in plan.warnings[:200]:
        print(f"  warning: {warning}")
    if len(plan.warnings) > 200:
        print(f"  ... and {len(plan.warnings) - 200} more warnings")


def _problems(problems: list, limit: int = 200) -> None:
    for p in problems[:limit]:
        print(f"  {p}", file=sys.stderr)
    if len(problems) > limit:
        print(f"  ... and {len(problems) - limit} more", file=sys.stderr)


def _validate(args: argparse.Namespace) -> int:
    from cmltrack.db.connection import exists
    from cmltrack.db.store import read_frames
    from cmltrack.ingest.plan import check_sources

    existing: set[str] = set()
    if args.db is not None and exists(args.db):
        existing = set(read_frames(args.db, upgrading=True)[0]["patients"]["patient_id"])  # as import reads it
    plan = check_sources(args.sources, existing)
    _report(plan)
    if plan.problems:
        print(f"{len(plan.problems)} error(s):", file=sys.stderr)
        _problems(plan.problems)
        return 1
    counts = ", ".join(f"{n} {t}" for t, n in plan.counts.items() if n)
    print(f"valid: would import {counts or 'nothing'}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from cmltrack.ingest.plan import import_sources
    from cmltrack.ingest.problems import ImportRejected

    try:
        plan = import_sources(args.db, args.sources, mode="replace" if args.replace else "add")
    except ImportRejected as exc:
        print(f"import refused, {len(exc.problems)} error(s); {database_label(args.db)} was not changed:",
              file=sys.stderr)
        _problems(exc.problems)
        return 1
    _report(plan)
    counts = ", ".join(f"{n} {t}" for t, n in plan.counts.items() if n)
    print(f"imported {counts or 'nothing'} into {database_label(args.db)}")
    return 0


def build_parser(default: Path | str | None = None) -> argparse.ArgumentParser:
    """The argument parser of `python -m cmltrack`; ``default`` is the configured database (read when not given)."""
    parser = argparse.ArgumentParser(prog="python -m cmltrack", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    default = database_path() if default is None else default
    shown = database_label(default)  # help shows a server address without its password
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="build the demo database (replaces the file atomically)")
    demo.add_argument("--out", type=_target, default=default, help=f"database file or URL (default: {shown})")
    demo.add_argument("--patients", type=int, help="a synthetic cohort of this many patients with the demo's "
                                                   "distributions, instead of the 21-patient demo")
    demo.add_argument("--seed", type=int, default=0, help="random seed of the synthetic cohort (default: 0)")
    demo.add_argument("--visits", type=int, default=40, help="visits per synthetic patient (default: 40)")
    demo.set_defaults(func=_demo)
    upgrade = sub.add_parser("upgrade", help="rewrite a database in the current schema (facts kept, derived "
                                             "tables recomputed; atomic)")
    upgrade.add_argument("--db", type=_target, default=default, help=f"database file or URL (default: {shown})")
    upgrade.set_defaults(func=_upgrade)
    sources_help = ("files: the project's layout (patients.csv, treatments.csv, labs.csv, responses.csv, "
                    "adverse_events.csv, or one .xlsx with those sheets) or CDISC ADaM/SDTM datasets (ADSL/DM, "
                    "ADEX/EX, ADRS/RS, ADAE/AE, ADTTE) as .xpt, .rda/.RData, .csv or .parquet")
    imp = sub.add_parser("import", help="check sources, then add them to a database in one atomic write")
    imp.add_argument("--db", type=_target, default=default, help=f"database file or URL (default: {shown})")
    imp.add_argument("--replace", action="store_true",
                     help="the database will hold only these sources (default: add their patients to it)")
    imp.add_argument("sources", nargs="+", type=Path, help=sources_help)
    imp.set_defaults(func=_import)
    val = sub.add_parser("validate", help="check sources and report what an import would do; writes nothing")
    val.add_argument("--db", type=_target, help="also check against the patients already in this database")
    val.add_argument("sources", nargs="+", type=Path, help=sources_help)
    val.set_defaults(func=_validate)
    mig = sub.add_parser("migrate", help="copy a DuckDB registry into PostgreSQL in one transaction and verify "
                                         "every table's row count")
    mig.add_argument("--db", type=_target, required=True,
                     help=f"DuckDB file to copy (the embedded demo database, built if missing: {DEFAULT_DB})")
    mig.add_argument("--to", type=_target, required=True,
                     help="postgresql://user@host:port/dbname (a password is better kept in ~/.pgpass or $PGPASSWORD "
                          "than on the command line)")
    mig.add_argument("--replace", action="store_true",
                     help="overwrite a registry that already holds patients (default: refuse)")
    mig.set_defaults(func=_migrate)
    trail, key = audit_paths()
    audit = sub.add_parser("audit", help="the audit trail of views and exports (with login on)")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    check = audit_commands.add_parser("verify", help="check every line of the audit trail (chain, signatures, "
                                                     "key, end) and name the first broken line; exit 1 if any")
    check.add_argument("--trail", type=Path, default=trail, help=f"the trail (default: {trail})")
    check.add_argument("--key", type=Path, default=key, help=f"its key (default: {key})")
    check.set_defaults(func=_audit_verify)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit code."""
    try:
        configured = database_path()
    except ValueError as exc:  # the setting names no database cmltrack can read
        print(f"error: {exc}", file=sys.stderr)
        return 1
    args = build_parser(configured).parse_args(argv)
    try:
        return args.func(args)
    except (OSError, ValueError, RuntimeError, ServerError, duckdb.Error) as exc:
        message = str(exc)
        for value in (getattr(args, "db", None), getattr(args, "to", None), getattr(args, "out", None), configured):
            if is_postgres(value):  # a server's message never repeats a password given on the command line
                message = without_password(message, value)
        print(f"error: {message}", file=sys.stderr)
        return 1
