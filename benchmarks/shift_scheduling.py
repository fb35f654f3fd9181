"""Curtois & Qu shift-scheduling benchmark runner (the roster core the product uses).

    python -m benchmarks.shift_scheduling [--time-limit SECONDS] [--seed N] [--solutions DIR] FILE...

Prints one JSON line per instance::

    {"instance", "feasible", "objective", "best_known", "gap_pct", "seconds"}

``instance`` is the file stem; ``best_known`` is the ``upper_bound`` of ``best_known.csv`` beside the instances
directory (null when missing); ``gap_pct`` = 100 * (objective - best_known) / best_known; ``feasible`` is
judged by the core's own evaluators (check solutions independently with ``tests/roster_checker.py``).
With ``--solutions DIR`` each roster is written to ``DIR/<file stem>.csv`` with header
``employee,day,shift`` (employee and shift ids as in the instance file, day an integer index from 0, one row
per worked day). A last line, not JSON, summarises the run. The core runs in wall-clock mode (not
deterministic time) with 2 CP-SAT workers.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

from benchmarks.curtois import read_instance, write_solution
from optimizer.roster import RosterParams, solve
from optimizer.stop import Stop


def read_best_known(instance_path: Path) -> dict[str, float]:
    """``upper_bound`` per instance from ``best_known.csv`` in the parent of the instances directory."""
    for candidate in (instance_path.parent.parent / "best_known.csv", instance_path.parent / "best_known.csv"):
        if candidate.is_file():
            with open(candidate, newline="", encoding="utf-8") as fh:
                return {row["instance"]: float(row["upper_bound"]) for row in csv.DictReader(fh)
                        if row.get("upper_bound")}
    return {}


def run_instance(path: Path, *, time_limit_s: float, seed: int, solutions: Path | None,
                 params: RosterParams | None = None) -> dict[str, object]:
    """Solve one instance file and return its JSON row (timing covers parsing, solving and writing); ``params``
    default to the runner's (wall-clock mode, 2 workers)."""
    start = time.perf_counter()
    instance = read_instance(path)
    params = params or RosterParams(deterministic=False, num_workers=2)
    result = solve(instance.problem, params=params, stop=Stop(time_limit_s=time_limit_s, rel_gap=0.0), seed=seed)
    if solutions is not None and result.is_feasible:
        solutions.mkdir(parents=True, exist_ok=True)
        write_solution(solutions / f"{path.stem}.csv", instance, result.schedule)
    seconds = time.perf_counter() - start
    best = read_best_known(path).get(path.stem)
    feasible = bool(result.is_feasible)
    objective = int(result.objective) if feasible else None
    gap = round(100.0 * (objective - best) / abs(best), 3) if objective is not None and best else None
    return {
        "instance": path.stem,
        "feasible": feasible,
        "objective": objective,
        "best_known": int(best) if best is not None else None,
        "gap_pct": gap,
        "seconds": round(seconds, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.shift_scheduling", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance (default 60)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--solutions", type=Path, default=None, help="write DIR/<stem>.csv rosters")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    if not args.time_limit > 0:
        parser.error("--time-limit: must be > 0")
    rows: list[dict[str, object]] = []
    gaps: list[float] = []
    total = 0.0
    for path in args.files:
        row = run_instance(path, time_limit_s=args.time_limit, seed=args.seed, solutions=args.solutions)
        rows.append(row)
        print(json.dumps(row), flush=True)
        if isinstance(row["gap_pct"], float):
            gaps.append(row["gap_pct"])
        total += float(str(row["seconds"]))
    feasible = sum(bool(r["feasible"]) for r in rows)
    mean_gap = f"{sum(gaps) / len(gaps):.3f}%" if gaps else "n/a"
    print(f"summary: {len(rows)} instances, {feasible} feasible, mean gap {mean_gap}, {total:.1f} s in all",
          file=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
