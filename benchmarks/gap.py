"""Generalized-assignment benchmark runner: published GAP sets and large sparse instances, one core.

    python -m benchmarks.gap [--time-limit SECONDS] [--seed N] [--maximize] [--solutions DIR] FILE...

Reads OR-Library GAP text files (one or several problems) and sparse JSON files (see docs/formats.md), solves
each problem with the same ``optimizer.assignment.solve`` the case-assignment engine calls, and prints one JSON
line per problem::

    {"instance": STEM, "problem": K, "feasible": bool, "objective": x, "bound": y, "gap_pct": z, "seconds": s}

``bound`` is a proven bound in the problem's own sense (a lower bound when minimising, an upper bound when
maximising): the LP relaxation or the MIP dual bound the core reports. ``seconds`` is wall-clock for the problem,
including its share of reading the file. ``--time-limit`` is per problem and includes reading. With
``--solutions DIR``, writes ``DIR/STEM.K.json``: for each job the 0-based agent index, or null when left out.
A last line (not JSON) sums up.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.gap_io import GapInstance, InstanceError, read_instances
from optimizer.assignment.params import AssignmentParams
from optimizer.assignment.solve import solve
from optimizer.problem import AssignmentProblem
from optimizer.stop import Stop

#: Seconds kept back from the time limit for building the problem and writing the answer.
SAFETY_S = 0.2


def cost_scale(values: np.ndarray) -> int:
    """Smallest power of ten (up to 10^6) that makes every value an integer."""
    for digits in range(7):
        scale = 10**digits
        scaled = values * scale
        if np.all(np.abs(scaled - np.round(scaled)) < 1e-6):
            return scale
    return 10**6


def to_problem(inst: GapInstance, *, maximize: bool) -> tuple[AssignmentProblem, int, np.ndarray]:
    """The core's minimisation problem for ``inst``: integer costs (scaled), sorted by job.

    Arcs heavier than their agent's capacity can never be used and are dropped; of two arcs with the same job and
    agent the better one is kept. Returns the problem, the cost scale, and the original index of each kept arc.
    """
    sign = -1.0 if maximize else 1.0
    scale = cost_scale(np.concatenate([inst.arc_cost, [inst.unassigned_cost]]))
    cost = np.round(sign * inst.arc_cost * scale).astype(np.int64)
    usable = inst.arc_weight <= inst.capacity[inst.arc_agent]
    order = np.lexsort((cost, inst.arc_agent, inst.arc_job))
    order = order[usable[order]]
    job, agent = inst.arc_job[order], inst.arc_agent[order]
    first = np.ones(order.size, dtype=bool)
    first[1:] = (job[1:] != job[:-1]) | (agent[1:] != agent[:-1])
    order = order[first]
    counts = np.bincount(inst.arc_job[order], minlength=inst.num_jobs)
    n = inst.num_jobs
    problem = AssignmentProblem(
        job_ptr=np.concatenate([[0], np.cumsum(counts)]),
        agent_idx=inst.arc_agent[order],
        cost=cost[order],
        weight=inst.arc_weight[order],
        capacity=inst.capacity,
        is_optional=np.full(n, not inst.assign_all),
        unassigned_cost=np.full(n, int(round(sign * inst.unassigned_cost * scale)), dtype=np.int64),
        group_idx=np.full(n, -1, dtype=np.int64),
        pinned_arc=np.full(n, -1, dtype=np.int64),
    )
    return problem, scale, order


def run_problem(inst: GapInstance, *, maximize: bool, time_limit_s: float, seed: int, started: float,
                ) -> tuple[dict[str, object], list[int | None]]:
    """Solve one problem; ``started`` is when its clock began (reading included)."""
    problem, scale, _ = to_problem(inst, maximize=maximize)
    left = time_limit_s - (time.perf_counter() - started) - SAFETY_S
    result = solve(problem, params=AssignmentParams(), stop=Stop(time_limit_s=max(0.05, left), rel_gap=1e-6),
                   seed=seed)
    job_agent: list[int | None] = [None if a < 0 else int(a) for a in result.job_agent]
    sign = -1.0 if maximize else 1.0
    feasible = result.status.value in ("optimal", "feasible")
    if feasible:
        objective, feasible = inst.objective(job_agent)
    else:
        objective = math.nan
    bound = sign * result.bound / scale if math.isfinite(result.bound) else (math.inf if maximize else -math.inf)
    if feasible and math.isfinite(bound):
        gap = abs(objective - bound) / max(abs(objective), 1e-9) * 100.0
    else:
        gap = math.nan
    row = {
        "instance": inst.name, "problem": inst.problem, "feasible": bool(feasible),
        "objective": _num(objective), "bound": _num(bound), "gap_pct": _num(round(gap, 4) if math.isfinite(gap) else gap),
        "seconds": round(time.perf_counter() - started, 3),
    }
    return row, job_agent


def _num(x: float) -> float | int | None:
    if not math.isfinite(x):
        return None
    return int(x) if float(x).is_integer() else float(x)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gap", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", metavar="FILE", type=Path)
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per problem, reading included (10)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--maximize", action="store_true", help="profit instances (OR-Library gap1-gap12)")
    parser.add_argument("--solutions", type=Path, default=None, metavar="DIR")
    args = parser.parse_args(argv)
    if not args.time_limit > 0:
        parser.error("--time-limit: must be > 0")
    logging.basicConfig(level=logging.WARNING)
    if args.solutions:
        args.solutions.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, object]] = []
    failed = 0
    for path in args.files:
        read_start = time.perf_counter()
        try:
            problems = read_instances(path)
        except InstanceError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
            continue
        read_share = (time.perf_counter() - read_start) / max(1, len(problems))
        for inst in problems:
            if args.maximize and inst.sense == "min" and path.read_bytes().lstrip()[:1] == b"{":
                inst = inst.__class__(**{**inst.__dict__, "sense": "max"})
            maximize = args.maximize or inst.sense == "max"
            started = time.perf_counter() - read_share
            row, job_agent = run_problem(inst, maximize=maximize, time_limit_s=args.time_limit, seed=args.seed,
                                         started=started)
            print(json.dumps(row), flush=True)
            rows.append(row)
            if args.solutions:
                (args.solutions / f"{inst.name}.{inst.problem}.json").write_text(json.dumps(job_agent) + "\n")
    gaps = [float(r["gap_pct"]) for r in rows if r["gap_pct"] is not None]  # type: ignore[arg-type]
    feasible = sum(bool(r["feasible"]) for r in rows)
    summary = (f"summary: {len(rows)} problems, {feasible} feasible, mean gap to own bound "
               f"{np.mean(gaps) if gaps else float('nan'):.3f}%, max {max(gaps) if gaps else float('nan'):.3f}%")
    print(summary + (f", {failed} files unreadable" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
