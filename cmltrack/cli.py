"""Command line: `python -m cmltrack demo --out PATH`, `python -m cmltrack upgrade --db PATH`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cmltrack.config import database_path


def _demo(args: argparse.Namespace) -> int:
    from cmltrack.db.connection import DEMO_SOURCE
    from cmltrack.db.store import write_database
    from cmltrack.demo import demo_frames

    out = write_database(args.out, demo_frames(), source=DEMO_SOURCE)
    print(f"wrote the 21-patient demo cohort to {out}")
    return 0


def _upgrade(args: argparse.Namespace) -> int:
    from cmltrack.db.store import upgrade_database

    print(f"rewrote {upgrade_database(args.db)} in the current schema")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `python -m cmltrack`."""
    parser = argparse.ArgumentParser(prog="python -m cmltrack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="build the demo database (replaces the file atomically)")
    demo.add_argument("--out", type=Path, default=database_path(), help="database file (default: %(default)s)")
    demo.set_defaults(func=_demo)
    upgrade = sub.add_parser("upgrade", help="rewrite a database in the current schema (facts kept, derived "
                                             "tables recomputed; atomic)")
    upgrade.add_argument("--db", type=Path, default=database_path(), help="database file (default: %(default)s)")
    upgrade.set_defaults(func=_upgrade)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
