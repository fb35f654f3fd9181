"""LP-guided search pieces: the column-generation LP equals the full LP; the search never returns worse than
its start and keeps side constraints."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from benchmarks.gap import to_problem
from benchmarks.gap_io import GapInstance, classic_instance, sparse_instance
from optimizer.assignment import AssignmentParams, solve
from optimizer.problem import AssignmentProblem
from optimizer.stop import Stop

core = importlib.import_module("optimizer.assignment.solve")


def _dense(kind: str, m: int, n: int, seed: int) -> AssignmentProblem:
    cost, weight, cap = classic_instance(kind, m, n, seed)
    inst = GapInstance(name="t", problem=1, sense="min", num_jobs=n, capacity=cap,
                       arc_job=np.repeat(np.arange(n), m), arc_agent=np.tile(np.arange(m), n),
                       arc_cost=cost.T.ravel().astype(float), arc_weight=weight.T.ravel())
    return to_problem(inst, maximize=False)[0]


@pytest.mark.parametrize("problem", [
    _dense("C", 5, 60, 1), _dense("D", 8, 80, 2), _dense("E", 6, 70, 3),
    to_problem(sparse_instance(400, 40, arcs_per_job=8, seed=4), maximize=False)[0],
], ids=["C", "D", "E", "sparse"])
def test_column_generation_lp_equals_full_lp(problem: AssignmentProblem) -> None:
    """Pricing from 2 arcs per job (tight capacities need the artificial slack) reaches the full LP's value, and
    its reduced costs are >= 0 on every arc at zero (LP optimality; arcs at their upper bound 1 may be < 0)."""
    jobs = np.arange(problem.num_jobs)
    arcs, local_job = core._block_arcs(problem, jobs)
    priced = core._lp_by_pricing(problem, jobs, arcs, local_job, float("inf"), 0, AssignmentParams(pricing_arcs=2))
    assert priced is not None
    value, x, reduced = priced
    full, _ = core.lp_relaxation(problem)
    assert value == pytest.approx(full, rel=1e-9, abs=1e-6)
    assert reduced[x < 1e-9].min() >= -1e-6
    load = np.bincount(problem.agent_idx[arcs], weights=problem.weight[arcs] * x, minlength=problem.num_agents)
    assert np.all(load <= problem.capacity + 1e-6)


def test_column_generation_declines_blocks_with_conflict_groups() -> None:
    """Conflict-group rows have duals the pricing does not model: it hands over to the full LP."""
    problem = _dense("C", 3, 10, 0)
    problem = problem.replace(group_idx=np.r_[np.zeros(2, dtype=np.int64), np.full(8, -1)])
    jobs = np.arange(problem.num_jobs)
    arcs, local_job = core._block_arcs(problem, jobs)
    assert core._lp_by_pricing(problem, jobs, arcs, local_job, float("inf"), 0, AssignmentParams()) is None


def test_lp_guided_path_keeps_groups_and_pins_and_bounds() -> None:
    """Forcing every block down the LP-guided path: pinned arcs kept, one job per group and agent, bound <= objective."""
    problem = _dense("D", 6, 90, 5)
    pinned = np.full(problem.num_jobs, -1, dtype=np.int64)
    pinned[0] = problem.job_ptr[0] + 2
    group = np.full(problem.num_jobs, -1, dtype=np.int64)
    group[1:5] = 0
    problem = problem.replace(pinned_arc=pinned, group_idx=group)
    result = solve(problem, params=AssignmentParams(direct_mip_arcs=0), stop=Stop(time_limit_s=2.0), seed=1)
    assert result.status.value in ("optimal", "feasible")
    objective, feasible = problem.evaluate(result.job_arc)
    assert feasible and objective == result.objective and result.bound <= objective
    assert result.job_arc[0] == pinned[0]
    agents = result.job_agent[1:5]
    assert np.unique(agents).size == agents.size
