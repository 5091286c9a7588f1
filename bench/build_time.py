"""Benchmark: building a synthetic registry with its derived tables, this checkout against a baseline, in one run.

    python -m bench.build_time --baseline-rev 66850a9 [--patients 1000 10000 100000] [--repeat 2]
    python -m bench.build_time --baseline-src /tmp/main-src ...
    python -m bench.build_time --patients 100000 --repeat 1      (this checkout alone)

Each round builds the same cohort (`python -m cmltrack demo --patients N --seed 0`) once with this checkout and once
with the baseline source tree (``--baseline-rev``: extracted from git with `git archive`; 66850a9 is main before
issue 17's derivation), alternating which goes first, in fresh interpreters. Prints each wall and CPU time (CPU time,
the build's and its workers', is the steadier figure on a shared machine), then a table of the medians and the
ratios this / baseline, with the machine (cores, processor, load average before and after: other work on the
machine inflates wall times, not CPU times).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _build(src: Path, patients: int, out: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the build and its worker processes)."""
    start, cpu = time.perf_counter(), _cpu()
    subprocess.run([sys.executable, "-m", "cmltrack", "demo", "--patients", str(patients), "--seed", "0", "--out",
                    str(out)], cwd=src, check=True, capture_output=True, text=True)
    out.unlink()
    return time.perf_counter() - start, _cpu() - cpu


def machine() -> str:
    """Cores, processor and load average, in one line."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, load average {load}"


def main(argv: list[str] | None = None) -> int:
    """Run the rounds and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    base = parser.add_mutually_exclusive_group()
    base.add_argument("--baseline-src", type=Path, help="a source tree of the baseline version")
    base.add_argument("--baseline-rev", help="a git revision of this repository to use as the baseline")
    parser.add_argument("--patients", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    print(f"machine: {machine()}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="cmltrack-build-") as tmp:
        baseline = args.baseline_src
        if baseline is None and args.baseline_rev:
            baseline = Path(tmp) / "baseline"
            baseline.mkdir()
            archive = subprocess.run(["git", "archive", args.baseline_rev], cwd=HERE, check=True, capture_output=True)
            subprocess.run(["tar", "-x", "-C", str(baseline)], input=archive.stdout, check=True)
        for n in args.patients:
            times: dict[str, list[tuple[float, float]]] = {"this": [], "baseline": []}
            for i in range(args.repeat):
                order = [("this", HERE), ("baseline", baseline)] if baseline is not None else [("this", HERE)]
                for name, src in order if i % 2 == 0 else reversed(order):
                    wall, cpu = _build(src, n, Path(tmp) / f"{name}-{n}-{i}.duckdb")
                    times[name].append((wall, cpu))
                    print(f"{n} patients, round {i + 1}: {name:8s} wall {wall:6.1f} s, CPU {cpu:6.1f} s", flush=True)
            medians = {name: [statistics.median(t[k] for t in times[name]) for k in (0, 1)] for name in times
                       if times[name]}
            rows.append((n, *medians["this"], *medians.get("baseline", (float("nan"), float("nan")))))
    print(f"\nmachine after: {machine()}")
    print(f"medians of {args.repeat} rounds; ratio = this / baseline")
    print(f"{'patients':>9} | {'wall this':>9} | {'wall base':>9} | {'ratio':>5} | {'CPU this':>8} | "
          f"{'CPU base':>8} | {'ratio':>5}")
    for n, wall, cpu, base_wall, base_cpu in rows:
        print(f"{n:>9} | {wall:8.1f}s | {base_wall:8.1f}s | {wall / base_wall:5.2f} | {cpu:7.1f}s | "
              f"{base_cpu:7.1f}s | {cpu / base_cpu:5.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
