"""Province-month duty roster and nightly repair targets.

Usage::

    python -m benchmarks.roster_province [--seed N] [--time-limit 120] [--repair-time-limit 5]
                                         [--lawyers 3000] [--days 31] [--min-days-off N]
                                         [--min-consecutive-days N] [--full-model-max-vars N]
                                         [--no-lp-bound] [--no-check]

Prints two JSON lines:

1. ``province_month``: the roster of Inner Mongolia's duty stations (``scenarios.duty.province_month``: a court
   and a procuratorate workstation per county plus the city level, a detention centre in every county, the
   12348 hotline pools; 3,000 duty lawyers; 31 days) planned with the product's defaults. ``seconds`` is the
   wall time of compile + solve + decode; ``hard_violations`` as counted by the core's evaluators and by the
   independent checker ``tests/duty_checker.py`` (when importable); ``objective``, ``bound`` and ``gap_pct``
   from the solver (the target: gap to the solver's bound at most 2%). ``lp_bound`` is a second, independent
   lower bound computed here with HiGHS (see :func:`flow_lp_bound`) and ``gap_to_lp_pct`` the gap to it, to
   show how far the roster really is from optimal when the solver's own bound is weak; ``objective_evaluated``
   is the roster's objective by the core's evaluators (also when the solver reports no objective).
2. ``nightly_repair``: the month's roster is published, then the lawyer with the most shifts in the first
   week drops out for that week; the nightly job of the next day repairs it. ``seconds`` is the wall time of
   the whole nightly run (compile, solve, decode, writing every output file); ``changed_assignments`` the
   number of (lawyer, day) assignments changed on published days (the change report's rows).

Targets (issue 5): at most 120 s, no hard violation, gap at most 2%; repair at most 10 s with the number of
changed assignments reported.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from models.duty.io import write_inputs
from models.duty.nightly import nightly, publish
from models.duty.service import plan_roster
from models.schema import csv_bytes
from optimizer.highs import new_highs
from optimizer.roster import RosterParams, RosterProblem, evaluate_schedule
from scenarios.duty import generate_duty, province_month


def flow_lp_bound(problem: RosterProblem) -> float:
    """A valid lower bound on the optimum of a problem without fixed cells or reference: the LP relaxation of
    the cover part, solved with HiGHS.

    Kept: one shift per (staff, day), each staff member's maximum total shifts, eligibility, unavailability,
    seats (``cover_max``), budgets, and the cover hinges (under the minimum, short of the ideal, over the
    ideal) plus the per-assignment weights. Dropped: every other rule (a relaxation) and every other soft term
    (all are non-negative). So the LP optimum is at most the roster optimum.
    """
    import highspy

    p = problem
    D, S = p.num_days, p.num_shifts
    cand = (~p.is_unavailable[:, :, None] & (p.is_allowed & (p.max_shifts_per_type > 0))[:, None, :]
            & (p.cover_max[None, :, :] > 0))
    e, d, s = np.nonzero(cand)
    V, R = e.size, D * S
    ar = np.arange(V)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    count = 0

    def add(r: np.ndarray, c: np.ndarray, v: np.ndarray, low: np.ndarray, high: np.ndarray) -> None:
        nonlocal count
        rows.append(count + r)
        cols.append(c)
        vals.append(v)
        lo.append(low.astype(np.float64))
        hi.append(high.astype(np.float64))
        count += low.size

    ones = np.ones(V)
    _, cell = np.unique(e * D + d, return_inverse=True)
    n_cell = int(cell.max()) + 1 if V else 0
    add(cell, ar, ones, np.full(n_cell, -np.inf), np.ones(n_cell))
    staff, per = np.unique(e, return_inverse=True)
    add(per, ar, ones, np.full(staff.size, -np.inf), p.max_total_shifts[staff])
    ds = d * S + s
    slack = np.arange(R)
    both_r, both_c = np.concatenate([ds, slack]), np.concatenate([ar, V + slack])
    add(both_r, both_c, np.ones(V + R), p.cover_min.reshape(-1), np.full(R, np.inf))  # x + under >= min
    add(both_r, np.concatenate([ar, V + R + slack]), np.ones(V + R), p.cover_ideal.reshape(-1), np.full(R, np.inf))
    add(both_r, np.concatenate([ar, V + 2 * R + slack]), np.concatenate([ones, -np.ones(R)]), np.full(R, -np.inf),
        p.cover_ideal.reshape(-1))  # x - over <= ideal
    add(ds, ar, ones, np.full(R, -np.inf), np.minimum(p.cover_max.reshape(-1), 1e9))
    G = p.num_budget_groups
    g = p.budget_group[s]
    m = g >= 0
    if G:
        add(g[m], ar[m], p.shift_cost[s[m]].astype(np.float64), np.full(G, -np.inf), p.group_budget)
    n = V + 3 * R
    A = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(count, n)).tocsc()
    cost = np.concatenate([p.assign_weight[e, s], p.under_weight.reshape(-1), p.ideal_short_weight.reshape(-1),
                           p.over_weight.reshape(-1)]).astype(np.float64)
    h = new_highs()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, count
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.concatenate([np.ones(V), np.full(3 * R, np.inf)])
    lp.row_lower_, lp.row_upper_ = np.concatenate(lo), np.concatenate(hi)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = A.indptr, A.indices, A.data
    h.passModel(lp)
    h.run()
    return float(h.getInfo().objective_function_value)


def _finite(row: dict[str, Any]) -> dict[str, Any]:
    """Non-finite floats as ``null`` (strict JSON)."""
    return {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in row.items()}


def _checker_count(inputs: Any, roster: pd.DataFrame, folder: Path, **kw: Any) -> int | None:
    try:
        from tests.duty_checker import check
    except ImportError:  # pragma: no cover - run outside the repository root
        return None
    write_inputs(inputs, folder)
    (folder / "roster.csv").write_bytes(csv_bytes(roster))
    return len(check(folder, folder / "roster.csv", **kw))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=120.0, help="solver seconds of the month plan")
    ap.add_argument("--repair-time-limit", type=float, default=5.0,
                    help="solver seconds of the nightly run (repair + re-plan)")
    ap.add_argument("--rel-gap", type=float, default=0.02, help="stop once the solver's gap is below this")
    ap.add_argument("--lawyers", type=int, default=3000)
    ap.add_argument("--days", type=int, default=31)
    ap.add_argument("--frozen-days", type=int, default=7)
    ap.add_argument("--min-days-off", type=int, default=None,
                    help="Settings.min_days_off_in_row (default: the product's, 1 = no minimum)")
    ap.add_argument("--min-consecutive-days", type=int, default=None,
                    help="Settings.min_consecutive_days (default: the product's, 1 = no minimum)")
    ap.add_argument("--no-replan", action="store_true", help="nightly: repair step only (no re-plan step)")
    ap.add_argument("--full-model-max-vars", type=int, default=None,
                    help="RosterParams.full_model_max_vars (default: the core's); smaller skips CP-SAT on the full "
                         "model and starts the large-neighbourhood search from the greedy roster")
    ap.add_argument("--no-lp-bound", action="store_true", help="skip the HiGHS LP bound")
    ap.add_argument("--no-check", action="store_true", help="skip the independent checker")
    args = ap.parse_args(argv)

    spec = dataclasses.replace(province_month(args.seed), num_lawyers=args.lawyers, num_days=args.days)
    inputs = generate_duty(spec)
    changed = {name: value for name, value in (("min_days_off_in_row", args.min_days_off),
                                               ("min_consecutive_days", args.min_consecutive_days))
               if value is not None}
    if changed:
        inputs = dataclasses.replace(inputs, settings=dataclasses.replace(inputs.settings, **changed))
    t0 = time.perf_counter()
    params = RosterParams() if args.full_model_max_vars is None else RosterParams(
        full_model_max_vars=args.full_model_max_vars)
    plan = plan_roster(inputs, time_limit_s=args.time_limit, rel_gap=args.rel_gap, seed=args.seed, params=params)
    seconds = time.perf_counter() - t0
    r = plan.result
    summary = plan.summary()
    # the roster judged by the core's evaluators whatever the status says (a schedule may come with status
    # no_solution when no bound is known)
    evaluated = evaluate_schedule(plan.compiled.problem, r.schedule, rule_ids=plan.compiled.core_ids)
    row: dict[str, Any] = {
        "target": "province_month", "seed": args.seed, "stations": len(inputs.stations),
        "min_days_off_in_row": inputs.settings.min_days_off_in_row,
        "min_consecutive_days": inputs.settings.min_consecutive_days,
        "shift_types": plan.compiled.problem.num_shifts, "lawyers": len(inputs.lawyers), "days": args.days,
        "variables": int(r.stats.get("variables", 0)), "seconds": round(seconds, 2), "status": r.status.value,
        "hard_violations": int(sum(r.violations.values())), "objective": r.objective,
        "objective_evaluated": evaluated.objective, "feasible_evaluated": evaluated.is_feasible, "bound": r.bound,
        "gap_pct": round(100 * r.gap, 3) if np.isfinite(r.gap) else None, "bound_source": r.bound_source,
        "required": summary["required"], "uncovered": summary["uncovered"],
        "uncovered_by_reason": plan.explanations["uncovered_by_reason"],
        "solver_stats": {k: (round(v, 3) if isinstance(v, float) and np.isfinite(v) else None if isinstance(v, float)
                             else v) for k, v in r.stats.items()},
    }
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_check:
            row["checker_violations"] = _checker_count(inputs, plan.roster, Path(tmp) / "check")
        if not args.no_lp_bound:
            t1 = time.perf_counter()
            lp = flow_lp_bound(plan.compiled.problem)
            row["lp_bound"] = round(lp, 1)
            obj = float(evaluated.objective)
            row["gap_to_lp_pct"] = round(100 * (obj - lp) / max(1.0, abs(obj)), 3)
            row["lp_seconds"] = round(time.perf_counter() - t1, 2)
        print(json.dumps(_finite(row), ensure_ascii=False, allow_nan=False), flush=True)

        state = Path(tmp) / "state"
        start = inputs.settings.start_date
        publish(state, plan.roster, first_date=start, num_days=args.days)
        night = start + dt.timedelta(days=1)
        week = plan.roster[(plan.roster["date"] >= night.isoformat())
                           & (plan.roster["date"] < (night + dt.timedelta(days=args.frozen_days)).isoformat())]
        gone = str(week["lawyer_id"].value_counts().index[0])
        end = night + dt.timedelta(days=args.frozen_days - 1)
        dropouts = pd.DataFrame({"lawyer_id": [gone], "start_date": [pd.Timestamp(night)], "end_date": [pd.Timestamp(end)],
                                 "reason": ["ill"]})
        t2 = time.perf_counter()
        out = nightly(state, night, inputs, dropouts=dropouts, frozen_days=args.frozen_days,
                      time_limit_s=args.repair_time_limit, seed=args.seed, replan=not args.no_replan)
        repair_seconds = time.perf_counter() - t2
        rep: dict[str, Any] = {
            "target": "nightly_repair", "seed": args.seed, "seconds": round(repair_seconds, 2),
            "dropped_lawyer": gone, "lost_shifts": int((week["lawyer_id"] == gone).sum()),
            "changed_assignments": out.num_changed, "lawyers_to_notify": out.info.get("lawyers_to_notify"),
            "hard_violations": out.info.get("hard_violations"), "step": out.info.get("step"),
            "repair_solve_seconds": out.info.get("repair_seconds"), "replan_seconds": out.info.get("replan_seconds"),
            "objective_before": float(evaluated.objective), "objective_after": out.info.get("objective"),
        }
        if not args.no_check:
            drop_csv = Path(tmp) / "dropouts.csv"
            drop_csv.write_bytes(csv_bytes(dropouts))
            rep["checker_violations"] = _checker_count(
                inputs, out.roster, Path(tmp) / "check2", history_csv=out.run_dir / "base.csv",
                dropouts_csv=drop_csv, start_date=night.isoformat())
        print(json.dumps(_finite(rep), ensure_ascii=False, allow_nan=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
