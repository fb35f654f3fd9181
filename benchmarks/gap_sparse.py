"""Large sparse GAP target: within 0.2% of the HiGHS LP bound in at most 3x the LP's own solve time.

    python -m benchmarks.gap_sparse [--seed N] [--jobs 20000] [--agents 2000] [--arcs-per-job 30] [--factor 3]
                                    [--dir DIR]

In one run on one machine: writes the seeded instance (``benchmarks.gap_io.sparse_instance``) as sparse JSON,
times HiGHS solving its LP relaxation alone (dual simplex, one thread; model building timed apart), then runs
``python -m benchmarks.gap --time-limit factor*LP FILE`` in a child process and reports its wall time (reading
the file included), objective, and gap to the LP bound. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gap_sparse", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--agents", type=int, default=2_000)
    parser.add_argument("--arcs-per-job", type=int, default=30)
    parser.add_argument("--factor", type=float, default=3.0, help="time limit as a multiple of the LP solve time")
    parser.add_argument("--dir", type=Path, default=Path("out/gap_sparse"))
    args = parser.parse_args(argv)

    import highspy

    from benchmarks.gap import to_problem
    from benchmarks.gap_io import sparse_instance, write_json
    from optimizer.assignment.solve import _block_model
    from optimizer.highs import new_highs

    args.dir.mkdir(parents=True, exist_ok=True)
    inst = sparse_instance(args.jobs, args.agents, arcs_per_job=args.arcs_per_job, seed=args.seed)
    path = args.dir / f"{inst.name}.json"
    write_json(path, inst)
    problem, scale, _ = to_problem(inst, maximize=False)
    import numpy as np

    t0 = time.perf_counter()
    lp, _, _ = _block_model(problem, np.arange(problem.num_jobs))
    t1 = time.perf_counter()
    h = new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.passModel(lp)
    h.run()
    t2 = time.perf_counter()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    lp_value = h.getInfo().objective_function_value / scale
    lp_seconds = t2 - t1
    limit = args.factor * lp_seconds
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "benchmarks.gap", "--time-limit", f"{limit:.3f}", "--seed",
                          str(args.seed), str(path)], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    row = json.loads(out.stdout.splitlines()[0])
    print(json.dumps({
        "instance": inst.name, "jobs": inst.num_jobs, "agents": inst.num_agents, "arcs": inst.num_arcs,
        "lp_build_s": round(t1 - t0, 2), "lp_solve_s": round(lp_seconds, 2), "time_limit_s": round(limit, 2),
        "runner_seconds": row["seconds"], "child_wall_s": round(wall, 2),
        "ratio_to_lp": round(float(row["seconds"]) / lp_seconds, 2),
        "objective": row["objective"], "lp_bound": round(lp_value, 2),
        "gap_to_lp_pct": round(100 * (float(row["objective"]) - lp_value) / float(row["objective"]), 4),
        "feasible": row["feasible"],
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
