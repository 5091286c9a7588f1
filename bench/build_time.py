"""Benchmark: building a synthetic registry with its derived tables, this checkout against a baseline checkout.

    python bench/build_time.py --baseline-src /tmp/main-src [--patients 10000] [--repeat 2]

Each round builds the same cohort (`python -m cmltrack demo --patients N --seed 0`) once with this checkout and once
with the baseline source tree (e.g. `git archive main | tar -x -C /tmp/main-src`), alternating which goes first, in
fresh interpreters. Prints each wall and CPU time (CPU time, the build's and its workers', is the steadier figure
on a shared machine), the medians and the ratios this / baseline. Issue 16 added a fourth guideline
(ELN 2025) and the genetic rules to the derivation; this measures what that costs.
"""

from __future__ import annotations

import argparse
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
    return time.perf_counter() - start, _cpu() - cpu


def main(argv: list[str] | None = None) -> int:
    """Run the rounds and print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline-src", type=Path, required=True, help="a source tree of the baseline version")
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    times: dict[str, list[tuple[float, float]]] = {"this": [], "baseline": []}
    with tempfile.TemporaryDirectory(prefix="cmltrack-build-") as tmp:
        for i in range(args.repeat):
            order = [("this", HERE), ("baseline", args.baseline_src)]
            for name, src in order if i % 2 == 0 else reversed(order):
                wall, cpu = _build(src, args.patients, Path(tmp) / f"{name}-{i}.duckdb")
                times[name].append((wall, cpu))
                print(f"round {i + 1}: {name:8s} wall {wall:6.1f} s, CPU {cpu:6.1f} s", flush=True)
    for what, k in (("wall", 0), ("CPU", 1)):
        this = statistics.median(t[k] for t in times["this"])
        base = statistics.median(t[k] for t in times["baseline"])
        print(f"{args.patients} patients, {what}: this {this:.1f} s, baseline {base:.1f} s, "
              f"ratio this / baseline {this / base:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
