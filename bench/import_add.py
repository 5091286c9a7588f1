"""Benchmark: adding patients to a large registry (Registry.append, what an import in add mode runs) against
rebuilding the whole registry with them (the baseline: what add mode did before), in one run.

    python -m bench.import_add [--registry /tmp/cmltrack-bench/synthetic_100000.duckdb] [--postgres URL]
                               [--skip-rebuild]

The registry is built once beforehand (`python -m cmltrack demo --patients 100000 --seed 0 --out FILE`) and copied
to a scratch file for each write, so the original is never changed. The 21 demo patients are added to the copy;
the baseline reads the registry's facts and writes the union whole (derivation of every patient and every table).
With ``--postgres`` the registry is first migrated to that (scratch) PostgreSQL database and both writes go there.
Prints wall and CPU seconds of each and the ratio baseline / append, with the machine's load.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd

from cmltrack.cohorts.demo import demo_frames
from cmltrack.db.connection import read_frames
from cmltrack.db.target import migrate_database
from cmltrack.registry import registry, write_database


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def _timed(what: str, action) -> tuple[float, float]:  # noqa: ANN001
    wall, cpu = time.perf_counter(), _cpu()
    action()
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    print(f"{what:<48} {wall:>8.2f} s wall {cpu:>8.2f} s CPU", flush=True)
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--registry", type=Path, default=Path("/tmp/cmltrack-bench/synthetic_100000.duckdb"))
    parser.add_argument("--postgres", help="a scratch postgresql:// database (its registry is overwritten)")
    parser.add_argument("--skip-rebuild", action="store_true", help="time the append only (no baseline)")
    args = parser.parse_args(argv)
    if not args.registry.exists():
        parser.error(f"no registry at {args.registry}: build it with `python -m cmltrack demo --patients 100000 "
                     f"--seed 0 --out {args.registry}`")
    added = demo_frames()
    print(f"load average before: {os.getloadavg()}, cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory(prefix="cmltrack-import-add-", dir=args.registry.parent) as scratch:
        def fresh() -> Path | str:
            if args.postgres:
                migrate_database(args.registry, args.postgres, replace=True)
                return args.postgres
            copy = Path(scratch) / "registry.duckdb"
            shutil.copyfile(args.registry, copy)
            return copy

        target = fresh()
        patients = len(registry(target).patient_ids())
        append = _timed(f"append 21 patients to {patients:,}", lambda: registry(target).append(added, "bench"))
        assert len(registry(target).patient_ids()) == patients + 21
        if args.skip_rebuild:
            return 0
        target = fresh()

        def rebuild() -> None:
            facts, _ = read_frames(target)
            union = {t: pd.concat([facts[t], added[t]], ignore_index=True) if t in added else facts[t] for t in facts}
            write_database(target, union, source="bench")

        whole = _timed(f"rebuild {patients + 21:,} patients (baseline)", rebuild)
    print(f"ratio baseline / append: wall {whole[0] / append[0]:.1f}x, CPU {whole[1] / append[1]:.1f}x")
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
