"""Generalized assignment with side constraints: decomposition into connected components + HiGHS MIP.

Method
------
1. Jobs and agents linked by arcs form a bipartite graph; its connected components are independent problems
   (a pooling policy that stays inside cities makes hundreds of them). Components are packed into blocks of
   about ``params.chunk_arcs`` arcs.
2. Each block is a MIP (binary arc variables, a slack per optional job, capacity rows only where binding,
   one row per (conflict group, agent) pair that could take two jobs), solved by HiGHS with a share of the
   time budget. HiGHS's dual bound of each block adds up to a valid bound of the whole problem.
3. A block without a MIP solution in time falls back to a greedy construction (cheapest feasible arc, jobs
   with the fewest arcs first), so a result always exists when one is easy to find.
"""

from __future__ import annotations

import logging
import time

import highspy
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from optimizer.assignment.constraints import (
    assign_each_job_once,
    one_job_per_group_and_agent,
    respect_capacity,
)
from optimizer.assignment.params import AssignmentParams
from optimizer.problem import AssignmentProblem
from optimizer.result import Result, Status
from optimizer.stop import Stop

log = logging.getLogger(__name__)


def solve(
    problem: AssignmentProblem,
    *,
    params: AssignmentParams | None = None,
    stop: Stop | None = None,
    seed: int = 0,
) -> Result:
    """Solve ``problem`` (minimisation) within ``stop``.

    Parameters
    ----------
    problem : AssignmentProblem
    params : AssignmentParams, optional
    stop : Stop, optional
        Time limit and target relative gap (default 30 s, 1e-4).
    seed : int
        Seed passed to HiGHS; same seed and inputs give the same result when no time limit is hit.

    Returns
    -------
    Result
        ``status`` is ``optimal`` only when objective and bound meet (integer costs: differ by < 1).
    """
    params = params or AssignmentParams()
    stop = stop or Stop()
    start = time.perf_counter()
    deadline = stop.deadline(start)
    n = problem.num_jobs
    job_arc = np.full(n, -1, dtype=np.int64)
    counts = np.diff(problem.job_ptr)
    if np.any((counts == 0) & ~problem.is_optional):
        return _finish(problem, job_arc, -np.inf, Status.INFEASIBLE, start, seed, {"reason_job": float(np.argmax((counts == 0) & ~problem.is_optional))})

    blocks, num_components = _blocks(problem, params.chunk_arcs)
    bound = float(problem.unassigned_cost[counts == 0].sum())  # isolated optional jobs stay out
    all_proven = True
    total_arcs = max(1, problem.num_arcs)
    arcs_left = total_arcs
    stats = {"components": float(num_components), "blocks": float(len(blocks)), "greedy_blocks": 0.0}
    for jobs in blocks:
        block_arcs = int(counts[jobs].sum())
        remaining = max(0.0, deadline - time.perf_counter())
        share = max(params.min_block_time_s, remaining * block_arcs / max(1, arcs_left))
        arcs_left -= block_arcs
        if params.backend == "greedy":
            chosen, block_bound, proven = _greedy_block(problem, jobs), -np.inf, False
        else:
            method = _mip_block if block_arcs <= params.direct_mip_arcs else _lp_fix_block
            chosen, block_bound, proven = method(problem, jobs, share, stop.rel_gap, seed)
            if chosen is None:
                stats["greedy_blocks"] += 1
                chosen = _greedy_block(problem, jobs)
                proven = False
        if chosen is None:
            return _finish(problem, job_arc, -np.inf, Status.NO_SOLUTION, start, seed, stats)
        job_arc[jobs] = chosen
        bound += block_bound
        all_proven &= proven
    objective, feasible = problem.evaluate(job_arc)
    if not feasible:
        return _finish(problem, np.full(n, -1, dtype=np.int64), bound, Status.NO_SOLUTION, start, seed, stats)
    bound = min(float(np.ceil(bound - 1e-6)), float(objective)) if np.isfinite(bound) else bound
    status = Status.OPTIMAL if (objective - bound < 1 and all_proven) or objective == bound else Status.FEASIBLE
    return _finish(problem, job_arc, bound, status, start, seed, stats)


def _finish(
    problem: AssignmentProblem, job_arc: np.ndarray, bound: float, status: Status, start: float, seed: int,
    stats: dict[str, float],
) -> Result:
    assigned = job_arc >= 0
    if status in (Status.OPTIMAL, Status.FEASIBLE):
        objective = float(problem.evaluate(job_arc)[0])
    else:
        objective = float("inf")
    totals: dict[str, float] = {}
    if problem.term_cost is not None and status in (Status.OPTIMAL, Status.FEASIBLE):
        sums = problem.term_cost[job_arc[assigned]].sum(axis=0)
        totals = {name: float(v) for name, v in zip(problem.term_names, sums, strict=True)}
    if status in (Status.OPTIMAL, Status.FEASIBLE):
        totals["unassigned"] = float(problem.unassigned_cost[~assigned].sum())
    job_agent = np.where(assigned, problem.agent_idx[np.maximum(job_arc, 0)] if problem.num_arcs else -1, -1)
    return Result(
        status=status,
        objective=objective,
        bound=float(bound),
        runtime_s=time.perf_counter() - start,
        seed=seed,
        job_arc=job_arc,
        job_agent=np.asarray(job_agent, dtype=np.int64),
        term_totals=totals,
        stats=stats,
    )


def _blocks(problem: AssignmentProblem, chunk_arcs: int) -> tuple[list[np.ndarray], int]:
    """Jobs of each MIP block: connected components packed greedily up to ``chunk_arcs`` arcs."""
    n, m = problem.num_jobs, problem.num_agents
    counts = np.diff(problem.job_ptr)
    arc_job = problem.arc_job
    graph = sp.coo_matrix(
        (np.ones(problem.num_arcs, dtype=np.int8), (arc_job, n + problem.agent_idx)), shape=(n + m, n + m)
    ).tocsr()
    num_comp, labels = connected_components(graph, directed=False)
    job_label = labels[:n]
    has_arcs = counts > 0
    comp_arcs = np.bincount(job_label[has_arcs], weights=counts[has_arcs], minlength=num_comp)
    order = np.argsort(job_label, kind="stable")
    order = order[has_arcs[order]]
    sorted_labels = job_label[order]
    comps = np.unique(sorted_labels)
    splits = np.searchsorted(sorted_labels, comps)
    comp_jobs = np.split(order, splits[1:]) if comps.size else []
    blocks: list[np.ndarray] = []
    current: list[np.ndarray] = []
    current_arcs = 0.0
    for label, jobs in zip(comps, comp_jobs, strict=True):
        arcs = comp_arcs[label]
        if current and current_arcs + arcs > chunk_arcs:
            blocks.append(np.sort(np.concatenate(current)))
            current, current_arcs = [], 0.0
        current.append(jobs)
        current_arcs += arcs
    if current:
        blocks.append(np.sort(np.concatenate(current)))
    return blocks, int(comps.size)


def _block_arcs(problem: AssignmentProblem, jobs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Global arc indices of ``jobs`` and the local job index of each."""
    starts = problem.job_ptr[jobs]
    lens = problem.job_ptr[jobs + 1] - starts
    local_job = np.repeat(np.arange(jobs.size), lens)
    offsets = np.arange(local_job.size) - np.repeat(np.cumsum(lens) - lens, lens)
    arcs = np.repeat(starts, lens) + offsets
    return arcs.astype(np.int64), local_job.astype(np.int64)


def _block_model(problem: AssignmentProblem, jobs: np.ndarray, capacity: np.ndarray | None = None,
                 ) -> tuple[highspy.HighsLp, np.ndarray, np.ndarray]:
    """The MIP of a block: columns are its arcs then one slack per job; returns (model, arcs, local job)."""
    arcs, local_job = _block_arcs(problem, jobs)
    agents, local_agent = np.unique(problem.agent_idx[arcs], return_inverse=True)
    cap = problem.capacity if capacity is None else capacity
    nj, na = jobs.size, arcs.size
    weight = problem.weight[arcs]
    parts = []
    row = 0
    for builder in (
        lambda r: assign_each_job_once(local_job, nj, na, r),
        lambda r: respect_capacity(local_agent, weight, cap[agents], r),
        lambda r: one_job_per_group_and_agent(problem.group_idx[jobs][local_job], local_agent, agents.size, r),
    ):
        part = builder(row)
        parts.append(part)
        row += part[3].shape[0]
    rows = np.concatenate([p[0] for p in parts])
    cols = np.concatenate([p[1] for p in parts])
    vals = np.concatenate([p[2] for p in parts])
    matrix = sp.csc_matrix((vals, (rows, cols)), shape=(row, na + nj))
    optional = problem.is_optional[jobs]
    col_lower = np.zeros(na + nj)
    pinned = problem.pinned_arc[jobs]
    if np.any(pinned >= 0):
        pos = np.searchsorted(arcs, pinned[pinned >= 0])
        col_lower[pos] = 1.0
    lp = highspy.HighsLp()
    lp.num_col_ = na + nj
    lp.num_row_ = row
    lp.col_cost_ = np.concatenate([problem.cost[arcs], problem.unassigned_cost[jobs]]).astype(np.float64)
    lp.col_lower_ = col_lower
    lp.col_upper_ = np.concatenate([np.ones(na), optional.astype(np.float64)])
    lp.row_lower_ = np.concatenate([p[3] for p in parts]).astype(np.float64)
    lp.row_upper_ = np.concatenate([p[4] for p in parts]).astype(np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data
    return lp, arcs, local_job


def _highs(time_limit_s: float, seed: int) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(max(0.05, time_limit_s)))
    h.setOptionValue("random_seed", int(seed) % 2_147_483_647)
    h.setOptionValue("threads", 1)
    return h


def lp_relaxation(problem: AssignmentProblem, *, time_limit_s: float = 600.0, seed: int = 0) -> tuple[float, np.ndarray]:
    """Optimal value and arc values of the LP relaxation of the whole problem (HiGHS); a valid lower bound."""
    jobs = np.arange(problem.num_jobs)
    lp, arcs, _ = _block_model(problem, jobs)
    h = _highs(time_limit_s, seed)
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return -np.inf, np.zeros(arcs.size)
    x = np.asarray(h.getSolution().col_value)
    return float(h.getInfo().objective_function_value), x[: arcs.size]


def _mip_block(
    problem: AssignmentProblem, jobs: np.ndarray, time_limit_s: float, rel_gap: float, seed: int,
) -> tuple[np.ndarray | None, float, bool]:
    lp, arcs, local_job = _block_model(problem, jobs)
    na, nj = arcs.size, jobs.size
    lp.integrality_ = [highspy.HighsVarType.kInteger] * na + [highspy.HighsVarType.kContinuous] * nj
    h = _highs(time_limit_s, seed)
    h.setOptionValue("mip_rel_gap", float(rel_gap))
    h.setOptionValue("mip_abs_gap", 0.999)  # integer costs: closer than 1 is optimal
    h.passModel(lp)
    h.run()
    info = h.getInfo()
    bound = float(info.mip_dual_bound)
    if not np.isfinite(bound):
        bound = -np.inf
    if info.primal_solution_status != 2:  # kSolutionStatusFeasible
        return None, bound, False
    x = np.asarray(h.getSolution().col_value)[:na]
    take = x > 0.5
    chosen = np.full(nj, -1, dtype=np.int64)
    chosen[local_job[take]] = arcs[take]
    objective = float(info.objective_function_value)
    proven = objective - bound < 1 - 1e-6
    return chosen, bound, proven


def _lp_fix_block(
    problem: AssignmentProblem, jobs: np.ndarray, time_limit_s: float, rel_gap: float, seed: int,
    neighbourhood: bool = True,
) -> tuple[np.ndarray | None, float, bool]:
    """LP relaxation, keep the jobs the LP assigns integrally, then a MIP over the fractional jobs only; then,
    with the time left, a MIP over a wider neighbourhood (the fractional jobs plus the jobs on the agents they
    could use), kept when it improves.

    The LP value is the block's bound. With loose capacities GAP relaxations are nearly integral, so the MIPs
    left over are small.
    """
    deadline = time.perf_counter() + time_limit_s
    lp, arcs, local_job = _block_model(problem, jobs)
    na = arcs.size
    h = _highs(time_limit_s * 0.6, seed)
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return _mip_block(problem, jobs, max(0.05, deadline - time.perf_counter()), rel_gap, seed)
    bound = float(h.getInfo().objective_function_value)
    values = np.asarray(h.getSolution().col_value)
    x, slack = values[:na], values[na:]
    one = x > 1 - 1e-6
    lp_chosen = np.full(jobs.size, -1, dtype=np.int64)
    lp_chosen[local_job[one]] = arcs[one]
    settled = (lp_chosen >= 0) | (slack > 1 - 1e-6)

    def objective(chosen: np.ndarray) -> float:
        return float(problem.cost[chosen[chosen >= 0]].sum() + problem.unassigned_cost[jobs[chosen < 0]].sum())

    best = _reoptimise(problem, jobs, lp_chosen, ~settled, max(0.05, (deadline - time.perf_counter()) * 0.5), rel_gap, seed)
    if best is None:
        return _mip_block(problem, jobs, max(0.05, deadline - time.perf_counter()), rel_gap, seed)
    if neighbourhood and np.any(~settled) and deadline - time.perf_counter() > 0.05:
        frac_arcs, _ = _block_arcs(problem, jobs[~settled])
        touched = np.zeros(problem.num_agents, dtype=bool)
        touched[problem.agent_idx[frac_arcs]] = True
        free = ~settled | ((best >= 0) & touched[problem.agent_idx[np.maximum(best, 0)]])
        wider = _reoptimise(problem, jobs, best, free, max(0.05, deadline - time.perf_counter()), rel_gap, seed)
        if wider is not None and objective(wider) < objective(best):
            best = wider
    return best, bound, objective(best) - bound < 1 - 1e-6


def _reoptimise(
    problem: AssignmentProblem, jobs: np.ndarray, chosen: np.ndarray, free: np.ndarray, time_limit_s: float,
    rel_gap: float, seed: int,
) -> np.ndarray | None:
    """Keep the jobs of ``jobs`` not ``free`` as in ``chosen``; solve a MIP over the free ones (residual capacity,
    group conflicts with the kept jobs respected). Returns the full choice for ``jobs`` or None."""
    out = chosen.copy()
    out[free] = -1
    open_jobs = jobs[free]
    if open_jobs.size == 0:
        return out
    keep = (~free) & (out >= 0)
    fixed = out[keep]
    residual = problem.capacity - np.bincount(problem.agent_idx[fixed], weights=problem.weight[fixed],
                                              minlength=problem.num_agents).astype(np.int64)
    drop = np.zeros(problem.num_arcs, dtype=bool)
    fixed_jobs = jobs[keep]
    grouped = problem.group_idx[fixed_jobs] >= 0
    if np.any(grouped):
        stride = np.int64(problem.num_agents + 1)
        used = problem.group_idx[fixed_jobs[grouped]] * stride + problem.agent_idx[fixed[grouped]]
        open_arcs, _ = _block_arcs(problem, open_jobs)
        group = problem.group_idx[problem.arc_job[open_arcs]]
        drop[open_arcs] = (group >= 0) & np.isin(group * stride + problem.agent_idx[open_arcs], used)
    sub, kept = problem.replace(capacity=np.maximum(residual, 0), term_cost=None).without_arcs(drop)
    sub_chosen, _, _ = _mip_block(sub, open_jobs, time_limit_s, rel_gap, seed)
    if sub_chosen is None:
        sub_chosen = _greedy_block(sub, open_jobs)
    if sub_chosen is None:
        return None
    out[free] = np.where(sub_chosen >= 0, kept[np.maximum(sub_chosen, 0)], -1)
    return out


def _greedy_block(problem: AssignmentProblem, jobs: np.ndarray) -> np.ndarray | None:
    """Cheapest feasible arc per job; pinned jobs first, then jobs with the fewest arcs."""
    counts = problem.job_ptr[jobs + 1] - problem.job_ptr[jobs]
    order = np.lexsort((counts, problem.pinned_arc[jobs] < 0))
    load = np.zeros(problem.num_agents, dtype=np.int64)
    taken: set[tuple[int, int]] = set()
    chosen = np.full(jobs.size, -1, dtype=np.int64)
    for k in order:
        j = int(jobs[k])
        lo, hi = int(problem.job_ptr[j]), int(problem.job_ptr[j + 1])
        group = int(problem.group_idx[j])
        cand = np.arange(lo, hi) if problem.pinned_arc[j] < 0 else np.array([problem.pinned_arc[j]])
        agents = problem.agent_idx[cand]
        ok = load[agents] + problem.weight[cand] <= problem.capacity[agents]
        if group >= 0 and taken:
            ok &= np.array([(group, int(a)) not in taken for a in agents], dtype=bool)
        pinned = problem.pinned_arc[j] >= 0
        if problem.is_optional[j] and not pinned:
            ok &= problem.cost[cand] < problem.unassigned_cost[j]
        if not np.any(ok):
            if problem.is_optional[j] and not pinned:
                continue
            return None
        best = cand[ok][np.argmin(problem.cost[cand[ok]])]
        chosen[k] = best
        a = int(problem.agent_idx[best])
        load[a] += problem.weight[best]
        if group >= 0:
            taken.add((group, a))
    return chosen
