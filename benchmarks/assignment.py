"""Case-assignment benchmarks: a province batch and a nation batch, end to end.

    python -m benchmarks.assignment [--which province nation] [--seed N] [--time-limit S]

Each batch runs in its own child process, so peak memory (max RSS) is its own. Timed: encode + compile + solve +
plan (scenario generation and the LP reference solve are not timed). Printed: one JSON line per batch with
seconds, peak MB, objective, the solver's bound, the LP relaxation bound of the same model, and gaps.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

BATCHES = ("province", "nation")


def run_batch(which: str, seed: int, time_limit_s: float) -> dict[str, object]:
    from models.policy import PolicySet
    from models.service import assign
    from optimizer.assignment.solve import lp_relaxation
    from optimizer.stop import Stop
    from scenarios.generator import generate, inner_mongolia_two_weeks, nation_batch

    spec = inner_mongolia_two_weeks(seed) if which == "province" else nation_batch(seed)
    scenario = generate(spec)
    policy = PolicySet.from_dict(scenario.policy)
    as_of = scenario.cases["received_date"].max().date()
    start = time.perf_counter()
    outcome = assign(scenario.cases, scenario.providers, policy, as_of, seed=seed,
                     stop=Stop(time_limit_s=time_limit_s, rel_gap=1e-3), with_explanations=False)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lp_value, _ = lp_relaxation(outcome.compiled.problem)
    r = outcome.result
    return {
        "batch": which,
        "cases": len(scenario.cases),
        "providers": len(scenario.providers),
        "arcs": outcome.compiled.problem.num_arcs,
        "assigned": int((r.job_arc >= 0).sum()),
        "seconds": round(seconds, 2),
        "stage_seconds": {k: round(v, 2) for k, v in outcome.seconds.items()},
        "peak_mb": round(peak_mb),
        "status": r.status.value,
        "objective": r.objective,
        "bound": r.bound,
        "gap_pct": round(100 * r.gap, 3),
        "lp_bound": round(lp_value, 1),
        "gap_to_lp_pct": round(100 * (r.objective - lp_value) / max(1.0, abs(r.objective)), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--which", nargs="+", choices=BATCHES, default=list(BATCHES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=None, help="solver seconds (default 1.7 province, 18 nation)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        which = args.which[0]
        limit = args.time_limit or (1.7 if which == "province" else 18.0)
        print(json.dumps(run_batch(which, args.seed, limit)))
        return 0
    for which in args.which:
        cmd = [sys.executable, "-m", "benchmarks.assignment", "--child", "--which", which, "--seed", str(args.seed)]
        if args.time_limit:
            cmd += ["--time-limit", str(args.time_limit)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
        if out.returncode != 0 or not lines:
            print(json.dumps({"batch": which, "error": out.stderr.strip()[-2000:]}))
            continue
        print(lines[-1], flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
