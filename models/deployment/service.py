"""Planning services: compile, solve, decode; greedy baseline; what-if comparison; output files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from models.deployment.compile import compile_instance
from models.deployment.decode import (
    DeploymentPlan,
    coverage_by_province,
    coverage_by_quartile,
    decode,
    explain,
    metrics,
    plan_frame,
    solution_dict,
    teams_frame,
)
from models.deployment.domain import DeploymentInstance
from models.schema import csv_bytes, write_files_atomically
from optimizer.deployment import DeploymentParams, solve
from optimizer.stop import Stop


def plan_deployment(
    instance: DeploymentInstance,
    *,
    stop: Stop | None = None,
    seed: int = 0,
    params: DeploymentParams | None = None,
) -> DeploymentPlan:
    """Plan ``instance`` with the engine (HiGHS); see :func:`optimizer.deployment.solve`.

    Raises
    ------
    RuntimeError
        When the decoded plan breaks a hard rule (a bug: the core and the domain rules disagree).
    """
    compiled = compile_instance(instance)
    params = params or DeploymentParams()
    result = solve(compiled.problem, params=params, stop=stop or Stop(), seed=seed)
    plan = decode(compiled, result, method="greedy" if params.backend == "greedy" else "engine")
    if plan.violations:
        raise RuntimeError(f"plan breaks hard rules: {[(m.rule_id, m.entity) for m in plan.violations[:5]]}")
    return plan


def plan_greedy(instance: DeploymentInstance) -> DeploymentPlan:
    """The greedy baseline: neediest counties first, first volunteers that fit (no bound)."""
    return plan_deployment(instance, params=DeploymentParams(backend="greedy"))


def compare(plans: dict[str, DeploymentPlan]) -> pd.DataFrame:
    """Headline metrics and points per term of several plans side by side (one column per plan)."""
    rows: dict[str, dict[str, float]] = {}
    for name, plan in plans.items():
        row = dict(metrics(plan))
        row.update({f"points_{k}": float(v) for k, v in plan.term_totals.items()})
        row["bound"] = plan.bound
        row["gap_pct"] = round(100 * plan.gap, 3) if np.isfinite(plan.gap) else float("nan")
        rows[name] = row
    return pd.DataFrame(rows)


def moved_volunteers(a: DeploymentPlan, b: DeploymentPlan) -> pd.DataFrame:
    """Volunteers whose county differs between two plans of the same volunteers."""
    fa, fb = plan_frame(a), plan_frame(b)
    if not fa["volunteer_id"].equals(fb["volunteer_id"]):
        raise ValueError("plans: the two plans are not of the same volunteers")
    diff = fa["county_id"] != fb["county_id"]
    return pd.DataFrame({
        "volunteer_id": fa.loc[diff, "volunteer_id"], "kind": fa.loc[diff, "kind"],
        "home_province": fa.loc[diff, "home_province"],
        "county_a": fa.loc[diff, "county_id"] + " " + fa.loc[diff, "county"],
        "county_b": fb.loc[diff, "county_id"] + " " + fb.loc[diff, "county"],
    }).reset_index(drop=True)


def output_files(plan: DeploymentPlan, out: Path, *, map_png: bytes | None = None) -> list[tuple[Path, bytes]]:
    """The planner's files: plan.csv, teams_by_province.csv, explanations.json, coverage_by_province.csv,
    coverage_by_quartile.csv, solution.json, and map.png when given."""
    files = [
        (out / "plan.csv", csv_bytes(plan_frame(plan))),
        (out / "teams_by_province.csv", csv_bytes(teams_frame(plan))),
        (out / "explanations.json", (json.dumps(explain(plan), ensure_ascii=False, indent=1) + "\n").encode("utf-8")),
        (out / "coverage_by_province.csv", csv_bytes(coverage_by_province(plan))),
        (out / "coverage_by_quartile.csv", csv_bytes(coverage_by_quartile(plan))),
        (out / "solution.json", (json.dumps(solution_dict(plan), ensure_ascii=False) + "\n").encode("utf-8")),
    ]
    if map_png is not None:
        files.append((out / "map.png", map_png))
    return files


def write_outputs(plan: DeploymentPlan, out: str | Path, *, map_png: bytes | None = None) -> list[Path]:
    """Write :func:`output_files` atomically into ``out`` (created); returns the paths."""
    files = output_files(plan, Path(out), map_png=map_png)
    write_files_atomically(files)
    return [p for p, _ in files]
