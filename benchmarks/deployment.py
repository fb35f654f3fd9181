"""Deployment ("1+1") benchmark runner.

    python -m benchmarks.deployment [--time-limit SECONDS] [--seed N] [--solutions DIR] FILE...
        One JSON line per instance on stdout, exactly
        {"instance", "feasible", "objective", "bound", "gap_pct", "seconds"}
        (instance = file stem; seconds = read + compile + solve + decode, wall clock; bound null when none; an
        unreadable or invalid file gives feasible false, nulls, and the reason on stderr, exit status 2).
        With --solutions DIR the plan is written to DIR/<stem>.json (docs/deployment.md, solution format) so that
        a checker outside the project can verify it against the instance file alone.

    python -m benchmarks.deployment --compare [--time-limit SECONDS] [--seed N] FILE...
        Engine against the greedy baseline (neediest counties first, first volunteer that fits): one JSON line
        per instance {"instance", "engine": {...}, "greedy": {...}} with need-weighted coverage, first-choice
        rate, empty no-lawyer counties, objective and seconds of each.

    python -m benchmarks.deployment --generate OUT.json [--seed N] [--small]
        Write the generated national cohort (600 volunteers, 300 counties, 13 provinces; --small: 40 and 20)
        as a benchmark instance.

The time limit defaults to 30 s; HiGHS's seed is --seed (default 0).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

#: Seconds of the time limit kept for compiling and decoding (the solver gets the rest).
DECODE_MARGIN_S = 0.5


def _round(x: float) -> float | None:
    return None if not np.isfinite(x) else float(x)


def run_instance(path: Path, *, time_limit_s: float, seed: int, solutions: Path | None) -> dict[str, Any]:
    """Plan one instance file with the engine; returns the output line (and writes the solution file)."""
    from models.deployment.decode import solution_dict
    from models.deployment.io import read_instance
    from models.deployment.service import plan_deployment
    from optimizer.stop import Stop

    start = time.perf_counter()
    instance = read_instance(path)
    # the solver gets what is left of the budget after reading, less a margin for compiling and decoding
    budget = max(0.5, time_limit_s - (time.perf_counter() - start) - DECODE_MARGIN_S)
    plan = plan_deployment(instance, stop=Stop(time_limit_s=budget, rel_gap=1e-4), seed=seed)
    seconds = time.perf_counter() - start
    if solutions is not None:
        solutions.mkdir(parents=True, exist_ok=True)
        (solutions / f"{path.stem}.json").write_text(
            json.dumps(solution_dict(plan, instance_name=path.stem), ensure_ascii=False) + "\n", encoding="utf-8")
    gap = 100.0 * plan.gap if np.isfinite(plan.gap) else None
    return {
        "instance": path.stem,
        "feasible": not plan.violations,
        "objective": plan.objective,
        "bound": _round(plan.bound),
        "gap_pct": None if gap is None else round(gap, 4),
        "seconds": round(seconds, 2),
    }


def compare_instance(path: Path, *, time_limit_s: float, seed: int) -> dict[str, Any]:
    """Engine and greedy baseline on one instance: headline metrics of each."""
    from models.deployment.decode import metrics
    from models.deployment.io import read_instance
    from models.deployment.service import plan_deployment, plan_greedy
    from optimizer.stop import Stop

    instance = read_instance(path)
    out: dict[str, Any] = {"instance": path.stem}
    for name in ("engine", "greedy"):
        start = time.perf_counter()
        budget = max(0.5, time_limit_s - DECODE_MARGIN_S)
        plan = (plan_deployment(instance, stop=Stop(time_limit_s=budget, rel_gap=1e-4), seed=seed)
                if name == "engine" else plan_greedy(instance))
        m = metrics(plan)
        out[name] = {
            "feasible": not plan.violations,
            "objective": plan.objective,
            "bound": _round(plan.bound),
            "need_coverage_pct": m["need_coverage_pct"],
            "first_choice_pct": m["first_choice_pct"],
            "empty_no_lawyer": m["empty_no_lawyer"],
            "counties_served": m["counties_served"],
            "volunteers_placed": m["volunteers_placed"],
            "seconds": round(time.perf_counter() - start, 2),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.deployment", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE", help="benchmark instance JSON files")
    parser.add_argument("--time-limit", type=float, default=30.0, help="solver seconds per instance (default 30)")
    parser.add_argument("--seed", type=int, default=0, help="solver seed; generator seed with --generate")
    parser.add_argument("--solutions", type=Path, default=None, help="directory for <stem>.json plans")
    parser.add_argument("--compare", action="store_true", help="engine against the greedy baseline")
    parser.add_argument("--generate", type=Path, default=None, metavar="OUT.json", help="write a generated instance")
    parser.add_argument("--small", action="store_true", help="with --generate: 40 volunteers, 20 counties")
    args = parser.parse_args(argv)
    if args.time_limit <= 0:
        parser.error("--time-limit: must be > 0")
    if args.generate is not None:
        from scenarios.volunteers import VolunteerSpec, small_spec, write_benchmark_instance

        spec = small_spec(args.seed) if args.small else VolunteerSpec(seed=args.seed)
        instance = write_benchmark_instance(args.generate, spec)
        print(json.dumps({"generated": str(args.generate), "volunteers": len(instance.volunteers),
                          "counties": len(instance.counties),
                          "provinces": len({c.province for c in instance.counties})}, ensure_ascii=False))
        return 0
    if not args.files:
        parser.error("FILE: give at least one instance file (or --generate OUT.json)")
    status = 0
    for path in args.files:
        start = time.perf_counter()
        try:
            if args.compare:
                line = compare_instance(path, time_limit_s=args.time_limit, seed=args.seed)
            else:
                line = run_instance(path, time_limit_s=args.time_limit, seed=args.seed, solutions=args.solutions)
        except (OSError, ValueError) as exc:  # unreadable or invalid instance: still one line for it
            print(f"{path}: {exc}", file=sys.stderr)
            status = 2
            line = {"instance": path.stem, "feasible": False, "objective": None, "bound": None, "gap_pct": None,
                    "seconds": round(time.perf_counter() - start, 2)}
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
