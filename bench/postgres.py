"""Benchmark: the same Cohort-page path on PostgreSQL and on DuckDB, in one run, and the migration that gets it there.

    python -m bench.postgres --to postgresql://user@host/scratch [--sizes 1000 10000 100000] [--repeat 5]

For each synthetic cohort of bench/run.py (built once in --dir): `migrate` it into the scratch database (copied in
one transaction, row counts verified; timed, with the rows per second), then time bench/run.py's "ours" path (count,
filter, order, first page of lanes, its segments and events, swimmer, JSON) on the DuckDB file and on the server,
and print the ratio PostgreSQL / DuckDB (median of --repeat runs after one warm-up). The scratch database is
overwritten.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.run import database, ours
from cmltrack.db.connection import cursor_for, open_readonly
from cmltrack.db.target import migrate_database


def _timed(page_run: Callable[[], contextlib.AbstractContextManager], repeat: int) -> float:
    """Median seconds of the Cohort page's path, each run in its own ``page_run()`` as the app does it (a DuckDB
    cursor; on PostgreSQL one pooled connection in a REPEATABLE READ, READ ONLY snapshot)."""
    with page_run() as con:
        ours(con)  # warm-up: query plans, imports, the server's caches
    times = []
    for _ in range(repeat):
        with page_run() as con:
            times.append(sum(ours(con)[:2]))
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--to", required=True, help="a scratch PostgreSQL database (overwritten)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/cmltrack-bench"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    print(f"{'N':>7} | {'migrate':>8} {'rows':>9} {'rows/s':>8} | {'DuckDB':>7} {'PostgreSQL':>10} | {'PG/DuckDB':>9}")
    results = []
    for n in args.sizes:
        file = database(args.dir, n)
        started = time.perf_counter()
        counts = migrate_database(file, args.to, replace=True)
        migrate_s = time.perf_counter() - started
        rows = sum(counts.values())
        with open_readonly(file) as duck:
            on_duckdb = _timed(lambda: contextlib.nullcontext(cursor_for(duck)), args.repeat)
        with open_readonly(args.to) as pg:
            on_postgres = _timed(pg.snapshot, args.repeat)
        row = {"n": n, "migrate_s": migrate_s, "rows": rows, "duckdb_s": on_duckdb, "postgres_s": on_postgres,
               "ratio": on_postgres / on_duckdb}
        results.append(row)
        print(f"{n:>7} | {migrate_s:>7.1f}s {rows:>9} {rows / migrate_s:>8.0f} | {on_duckdb:>6.3f}s "
              f"{on_postgres:>9.3f}s | {on_postgres / on_duckdb:>8.2f}x", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
