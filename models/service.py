"""Assignment services: load inputs, assign a batch, explain, recommend, and replace a declined provider.

These are what the command line, the HTTP API and the simulations call.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.arrays import Encoded, encode
from models.case import CASE_COLUMNS, check_case_rows
from models.compile import Compiled, CompileParams, compile_batch
from models.decode import explain, plan_frame, rank_providers
from models.policy import PolicySet
from models.provider import PROVIDER_COLUMNS
from models.region import Regions, load_regions
from models.schema import InputError, csv_bytes, read_table, write_files_atomically
from models.terms import terms_with_weights
from optimizer.assignment import AssignmentParams, solve
from optimizer.result import Result
from optimizer.stop import Stop


@dataclass(frozen=True)
class Inputs:
    cases: pd.DataFrame
    providers: pd.DataFrame
    policy: PolicySet


@dataclass
class Outcome:
    """A solved batch: the plan, explanations, the solver result and timings."""

    plan: pd.DataFrame
    explanations: list[dict[str, Any]]
    result: Result
    compiled: Compiled
    seconds: dict[str, float] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)
    declined: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        r = self.result
        assigned = int((r.job_arc >= 0).sum())
        return {
            "status": r.status.value,
            "objective": r.objective,
            "bound": r.bound,
            "gap_pct": round(100 * r.gap, 4),
            "cases": int(r.job_arc.size),
            "assigned": assigned,
            "arcs": self.compiled.problem.num_arcs,
            "term_totals": r.term_totals,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def load_inputs(cases_csv: str | Path, providers_csv: str | Path, policy_json: str | Path | None,
                regions: Regions | None = None) -> Inputs:
    """Read and validate the three input files (errors name file, line, column and reason)."""
    regions = regions or load_regions()
    providers = read_table(providers_csv, PROVIDER_COLUMNS, regions.adcode)
    cases = read_table(cases_csv, CASE_COLUMNS, regions.adcode)
    check_case_rows(cases, str(cases_csv))
    known = set(providers["provider_id"])
    pinned = cases["pinned_provider"].to_numpy(object)
    bad = np.flatnonzero((pinned != "") & ~np.isin(pinned, list(known)))
    if bad.size:
        raise InputError(str(cases_csv), int(bad[0]) + 2, "pinned_provider", f"{pinned[bad[0]]!r} is not in {providers_csv}")
    policy = PolicySet.read(policy_json) if policy_json else PolicySet()
    return Inputs(cases=cases, providers=providers, policy=policy)


def assign(
    cases: pd.DataFrame,
    providers: pd.DataFrame,
    policy: PolicySet,
    as_of: dt.date,
    *,
    regions: Regions | None = None,
    weights: dict[str, float] | None = None,
    compile_params: CompileParams | None = None,
    stop: Stop | None = None,
    seed: int = 0,
    with_explanations: bool = True,
) -> Outcome:
    """Assign a batch of cases on ``as_of``; every assignment passes every hard rule."""
    regions = regions or load_regions()
    t0 = time.perf_counter()
    enc = encode(cases, providers, regions, policy, as_of)
    t1 = time.perf_counter()
    compiled = compile_batch(enc, params=compile_params, terms=terms_with_weights(weights))
    t2 = time.perf_counter()
    result = solve(compiled.problem, params=AssignmentParams(), stop=stop or Stop(time_limit_s=30.0), seed=seed)
    t3 = time.perf_counter()
    plan = plan_frame(compiled, result)
    explanations = explain(compiled, result) if with_explanations else []
    t4 = time.perf_counter()
    return Outcome(
        plan=plan,
        explanations=explanations,
        result=result,
        compiled=compiled,
        seconds={"encode": t1 - t0, "compile": t2 - t1, "solve": t3 - t2, "decode": t4 - t3, "total": t4 - t0},
    )


def recommend(enc: Encoded, case_id: str, *, top: int = 5, weights: dict[str, float] | None = None) -> list[dict[str, Any]]:
    """Rank the ``top`` best eligible providers for one case, with reasons."""
    matches = np.flatnonzero(enc.cases.ids == case_id)
    if matches.size == 0:
        raise ValueError(f"case_id: {case_id!r} is not in the batch")
    if top < 1:
        raise ValueError("top: must be >= 1")
    return rank_providers(enc, int(matches[0]), terms_with_weights(weights), top)


def decline(outcome: Outcome, case_id: str, provider_id: str, *, change_penalty: int = 1000,
            stop: Stop | None = None, seed: int = 0) -> Outcome:
    """Re-solve after a recipient declines a provider (Legal Aid Law 2022 Art 55), changing few other cases.

    The declined pair is removed; every other case pays ``change_penalty`` points for leaving its current
    assignment, so the new plan moves as few other cases as the replacement needs.
    """
    compiled, prev = outcome.compiled, outcome.result
    enc, prob = compiled.enc, compiled.problem
    jobs = np.flatnonzero(enc.cases.ids == case_id)
    if jobs.size == 0:
        raise ValueError(f"case_id: {case_id!r} is not in the batch")
    j = int(jobs[0])
    if prev.job_arc[j] < 0 or enc.providers.ids[compiled.arc_provider[prev.job_arc[j]]] != provider_id:
        raise ValueError(f"provider_id: {provider_id!r} is not the provider assigned to case {case_id!r}")
    declined = [*outcome.declined, (case_id, provider_id)]
    arc_case_ids = enc.cases.ids[prob.arc_job]
    arc_provider_ids = enc.providers.ids[compiled.arc_provider]
    drop = np.zeros(prob.num_arcs, dtype=bool)
    for c_id, p_id in declined:
        drop |= (arc_case_ids == c_id) & (arc_provider_ids == p_id)
    reduced, kept = prob.without_arcs(drop)
    arc_job = reduced.arc_job
    old_arc_of_job = prev.job_arc
    is_current = kept == old_arc_of_job[arc_job]
    was_assigned = old_arc_of_job >= 0
    others = np.arange(reduced.num_jobs) != j
    penalty = np.where(~is_current & was_assigned[arc_job] & others[arc_job], change_penalty, 0)
    stable = reduced.replace(
        cost=reduced.cost + penalty,
        unassigned_cost=reduced.unassigned_cost + np.where(was_assigned & others, change_penalty, 0),
        term_cost=None,
    )
    result = solve(stable, stop=stop or Stop(time_limit_s=30.0), seed=seed)
    new_arc = np.where(result.job_arc >= 0, kept[np.maximum(result.job_arc, 0)], -1)
    # Report in the original problem's terms (true costs, no change penalties).
    true_result = Result(
        status=result.status,
        objective=float(prob.evaluate(new_arc)[0]),
        bound=float("nan"),
        runtime_s=result.runtime_s,
        seed=seed,
        job_arc=new_arc,
        job_agent=np.where(new_arc >= 0, prob.agent_idx[np.maximum(new_arc, 0)], -1),
        term_totals={},
        stats=result.stats,
    )
    changed = [str(enc.cases.ids[k]) for k in np.flatnonzero(new_arc != old_arc_of_job) if k != j]
    return Outcome(
        plan=plan_frame(compiled, true_result),
        explanations=explain(compiled, true_result),
        result=true_result,
        compiled=compiled,
        seconds={"solve": result.runtime_s},
        changed=changed,
        declined=declined,
    )


POLICY_VARIANTS: dict[str, dict[str, tuple[str, ...]]] = {
    "county only": {"allowed_tiers": ("home",), "scarce_allowed_tiers": ("home",)},
    "city pooling": {"allowed_tiers": ("home", "city"), "scarce_allowed_tiers": ("home", "city")},
    "policy as given": {},
    "province pooling": {"allowed_tiers": ("home", "city", "province"), "scarce_allowed_tiers": ("home", "city", "province")},
    "province + remote": {
        "allowed_tiers": ("home", "city", "province", "remote"),
        "scarce_allowed_tiers": ("home", "city", "province", "remote"),
    },
}


def compare_policies(cases: pd.DataFrame, providers: pd.DataFrame, policy: PolicySet, as_of: dt.date,
                     *, variants: dict[str, dict[str, tuple[str, ...]]] | None = None,
                     regions: Regions | None = None) -> pd.DataFrame:
    """Assign the same batch under several pooling policies (default tiers changed); one row per policy."""
    regions = regions or load_regions()
    rows = []
    for name, change in (variants or POLICY_VARIANTS).items():
        pol = policy.with_default(**change) if change else policy
        outcome = assign(cases, providers, pol, as_of, regions=regions, with_explanations=False)
        plan = outcome.plan
        done = plan[plan["provider_id"] != ""]
        rows.append({
            "policy": name,
            "assigned_pct": 100.0 * len(done) / max(1, len(plan)),
            "cross_county_pct": 100.0 * float((done["tier"] != "home").mean()) if len(done) else 0.0,
            "mean_travel_km": float(done["travel_km"].mean()) if len(done) else 0.0,
            "objective": outcome.result.objective,
            "gap_pct": 100.0 * outcome.result.gap,
        })
    return pd.DataFrame(rows).set_index("policy")


def write_outputs(directory: str | Path, outcome: Outcome, extra: dict[str, bytes] | None = None) -> list[Path]:
    """Write plan.csv and explanations.json (and extra files) all at once or not at all."""
    d = Path(directory)
    files = [
        (d / "plan.csv", csv_bytes(outcome.plan)),
        (d / "explanations.json", json.dumps(outcome.explanations, ensure_ascii=False, indent=1).encode("utf-8")),
    ]
    files += [(d / name, data) for name, data in (extra or {}).items()]
    write_files_atomically(files)
    return [p for p, _ in files]
