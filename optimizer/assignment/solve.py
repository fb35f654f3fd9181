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
from typing import Literal, overload

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
from optimizer.highs import new_highs
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
            if block_arcs <= params.direct_mip_arcs:
                block_deadline = time.perf_counter() + share
                chosen, block_bound, proven = _mip_block(problem, jobs, share * params.direct_mip_share,
                                                         stop.rel_gap, seed)
                rest = block_deadline - time.perf_counter()
                if chosen is not None and not proven and params.direct_mip_share < 1 and rest > 0.1:
                    # a hard block: the MIP did not close its gap; LP-guided search goes on from its incumbent
                    better, lp_bound, proven = _lp_guided_block(problem, jobs, rest, stop.rel_gap, seed, params,
                                                                incumbent=chosen)
                    chosen, block_bound = better, max(block_bound, lp_bound)
            else:
                chosen, block_bound, proven = _lp_guided_block(problem, jobs, share, stop.rel_gap, seed, params)
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
    h = new_highs(threads=1)
    h.setOptionValue("time_limit", float(max(0.05, time_limit_s)))
    h.setOptionValue("random_seed", int(seed) % 2_147_483_647)
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
    start: np.ndarray | None = None, max_nodes: int | None = None,
) -> tuple[np.ndarray | None, float, bool]:
    """HiGHS MIP over ``jobs``; ``start`` (one arc or -1 per job of ``jobs``) is passed as a first incumbent.

    Returns the chosen arc per job (or None), the MIP dual bound and whether the solution is proven optimal.
    """
    lp, arcs, local_job = _block_model(problem, jobs)
    na, nj = arcs.size, jobs.size
    lp.integrality_ = [highspy.HighsVarType.kInteger] * na + [highspy.HighsVarType.kContinuous] * nj
    h = _highs(time_limit_s, seed)
    h.setOptionValue("mip_rel_gap", float(rel_gap))
    h.setOptionValue("mip_abs_gap", 0.999)  # integer costs: closer than 1 is optimal
    if max_nodes is not None:
        h.setOptionValue("mip_max_nodes", int(max_nodes))
    h.passModel(lp)
    if start is not None:
        values = np.zeros(na + nj)
        on = start >= 0
        values[np.searchsorted(arcs, start[on])] = 1.0
        values[na + np.flatnonzero(~on)] = 1.0
        if not np.all(on):
            # HiGHS 1.16's presolve mis-evaluates a start that sets slack columns (it then returns the start as
            # optimal); without presolve the start is used correctly.
            h.setOptionValue("presolve", "off")
        solution = highspy.HighsSolution()
        solution.col_value = values.tolist()
        h.setSolution(solution)
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


def _load_ratio(problem: AssignmentProblem, arcs: np.ndarray, local_job: np.ndarray, num_jobs: int) -> float:
    """Mean arc weight of each job, summed, over the capacity of the agents the block reaches: about 1 or more
    for tight GAP instances (Chu & Beasley types: 1.25), well below 1 for a day's cases in a pool of lawyers."""
    mean_weight = np.bincount(local_job, weights=problem.weight[arcs], minlength=num_jobs) / np.maximum(
        np.bincount(local_job, minlength=num_jobs), 1)
    capacity = problem.capacity[np.unique(problem.agent_idx[arcs])].sum()
    return float(mean_weight.sum() / max(1, capacity))


def _rank_within_job(key: np.ndarray, local_job: np.ndarray, num_jobs: int) -> np.ndarray:
    """Rank (0 = smallest ``key``) of each arc among the arcs of its job."""
    order = np.lexsort((key, local_job))
    starts = np.searchsorted(local_job[order], np.arange(num_jobs))
    rank = np.empty(key.size, dtype=np.int64)
    rank[order] = np.arange(key.size) - np.repeat(starts, np.diff(np.append(starts, key.size)))
    return rank


def _lp_by_pricing(
    problem: AssignmentProblem, jobs: np.ndarray, arcs: np.ndarray, local_job: np.ndarray, deadline: float,
    seed: int, params: AssignmentParams,
) -> tuple[float, np.ndarray, np.ndarray] | None:
    """LP relaxation of a block by column generation: (value, arc values, reduced costs) for all ``arcs``.

    Starts from each job's ``pricing_arcs`` cheapest arcs (mandatory jobs get an artificial slack at a high cost
    so the restricted LP is feasible), prices every arc with the duals (reduced cost = cost - job dual - weight x
    capacity dual), adds those with negative reduced cost and solves again, until none is left. A pinned job's arc
    is in from the start with lower bound 1, as in the full LP (before, pins were left out here, so a pinned job
    could come back unassigned and the block had no solution). The value is
    then the exact LP optimum, a valid bound. Returns None (the caller solves the full LP) when the block has
    conflict groups, an artificial slack stays positive, or time runs out.
    """
    if np.any(problem.group_idx[jobs] >= 0):
        return None
    na, nj = arcs.size, jobs.size
    cost = problem.cost[arcs].astype(np.float64)
    weight = problem.weight[arcs].astype(np.float64)
    agent = problem.agent_idx[arcs]
    optional = problem.is_optional[jobs]
    could_exceed = np.bincount(agent, weights=weight, minlength=problem.num_agents) > problem.capacity
    active = _rank_within_job(cost, local_job, nj) < params.pricing_arcs
    # a pinned job must take its arc: that arc is in from the start with lower bound 1 (the full LP's rule)
    pinned = problem.pinned_arc[jobs]
    is_pinned_arc = np.zeros(na, dtype=bool)
    is_pinned_arc[np.searchsorted(arcs, pinned[pinned >= 0])] = True
    active |= is_pinned_arc
    artificial = 100.0 * (np.abs(cost).max(initial=0.0) + 1.0)
    slack_cost = np.where(optional, problem.unassigned_cost[jobs].astype(np.float64), artificial)
    for round_ in range(params.pricing_rounds):
        if time.perf_counter() > deadline:
            return None
        log.debug("pricing round %d: %d of %d arcs", round_, int(active.sum()), na)
        cols = np.flatnonzero(active)
        col_agent = agent[cols]
        row_agents = np.unique(col_agent[could_exceed[col_agent]])
        cap_row = np.full(problem.num_agents, -1, dtype=np.int64)
        cap_row[row_agents] = nj + np.arange(row_agents.size)
        on_cap = cap_row[col_agent] >= 0
        rows = np.concatenate([local_job[cols], cap_row[col_agent[on_cap]], np.arange(nj)])
        cidx = np.concatenate([np.arange(cols.size), np.flatnonzero(on_cap), cols.size + np.arange(nj)])
        vals = np.concatenate([np.ones(cols.size), weight[cols][on_cap], np.ones(nj)])
        num_rows = nj + row_agents.size
        matrix = sp.csc_matrix((vals, (rows, cidx)), shape=(num_rows, cols.size + nj))
        lp = highspy.HighsLp()
        lp.num_col_ = cols.size + nj
        lp.num_row_ = num_rows
        lp.col_cost_ = np.concatenate([cost[cols], slack_cost])
        lp.col_lower_ = np.concatenate([is_pinned_arc[cols].astype(np.float64), np.zeros(nj)])
        lp.col_upper_ = np.ones(cols.size + nj)
        lp.row_lower_ = np.concatenate([np.ones(nj), np.full(row_agents.size, -np.inf)])
        lp.row_upper_ = np.concatenate([np.ones(nj), problem.capacity[row_agents].astype(np.float64)])
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
        lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
        lp.a_matrix_.value_ = matrix.data
        h = _highs(max(0.05, deadline - time.perf_counter()), seed)
        h.passModel(lp)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        solution = h.getSolution()
        dual = np.asarray(solution.row_dual)
        cap_dual = np.zeros(problem.num_agents)
        cap_dual[row_agents] = dual[nj:]
        reduced = cost - dual[:nj][local_job] - weight * cap_dual[agent]
        entering = (~active) & (reduced < -1e-7)
        if not np.any(entering):
            values = np.asarray(solution.col_value)
            if np.any(values[cols.size:][~optional] > 1e-7):
                return None
            x = np.zeros(na)
            x[cols] = values[: cols.size]
            return float(h.getInfo().objective_function_value), x, reduced
        active |= entering
    return None


def _lp_guided_block(
    problem: AssignmentProblem, jobs: np.ndarray, time_limit_s: float, rel_gap: float, seed: int,
    params: AssignmentParams, incumbent: np.ndarray | None = None,
) -> tuple[np.ndarray | None, float, bool]:
    """LP-guided search for a block too large for a direct MIP. The LP value is the block's bound.

    1. LP relaxation: bound, arc values and reduced costs. Tight blocks (load at least ``tight_load_ratio`` of
       capacity) with few jobs solve the full LP by interior point with crossover; others by column generation
       (``_lp_by_pricing``), falling back to the full LP by dual simplex.
    2. First solution: keep the jobs the LP assigns integrally; MIP over the fractional jobs (LP-and-fix); or
       ``incumbent`` (one arc or -1 per job of ``jobs``) when given and better.
    3. Core MIP: a MIP over all jobs restricted to the arcs of smallest reduced cost (the LP's own arcs, each
       job's ``core_rank`` best arcs, and the globally cheapest up to ``core_arcs_per_job`` per job), solved to
       ``core_rel_gap`` from the incumbent (jobs it assigns stay assigned); kept when better. Loose blocks only. With loose capacities the optimum lies almost
       entirely in this core.
    4. Large-neighbourhood search until the deadline: free the jobs on a few agents linked by the core (and the
       unassigned jobs that could use them), re-solve that small MIP against the others' residual capacity, keep
       improvements. Neighbourhoods are drawn with ``numpy.random.default_rng(seed)``.
    """
    deadline = time.perf_counter() + time_limit_s
    arcs, local_job = _block_arcs(problem, jobs)
    na = arcs.size
    tight = _load_ratio(problem, arcs, local_job, jobs.size) >= params.tight_load_ratio
    priced = None
    if not (tight and jobs.size <= params.ipm_max_jobs):
        priced = _lp_by_pricing(problem, jobs, arcs, local_job, time.perf_counter() + time_limit_s * 0.5, seed,
                                params)
    if priced is not None:
        bound, x, reduced = priced
    else:
        lp, arcs, local_job = _block_model(problem, jobs)
        h = _highs(max(0.05, (deadline - time.perf_counter()) * 0.8), seed)
        if tight and jobs.size <= params.ipm_max_jobs:
            h.setOptionValue("solver", "ipm")  # with crossover: a basic solution, so exact reduced costs
        h.passModel(lp)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            if incumbent is not None:
                return incumbent, -np.inf, False
            return _mip_block(problem, jobs, max(0.05, deadline - time.perf_counter()), rel_gap, seed)
        bound = float(h.getInfo().objective_function_value)
        solution = h.getSolution()
        x = np.asarray(solution.col_value)[:na]
        reduced = np.asarray(solution.col_dual)[:na]
        del h, lp
    slack = 1.0 - np.bincount(local_job, weights=x, minlength=jobs.size)
    one = x > 1 - 1e-6
    lp_chosen = np.full(jobs.size, -1, dtype=np.int64)
    lp_chosen[local_job[one]] = arcs[one]
    settled = (lp_chosen >= 0) | (slack > 1 - 1e-6)

    def objective(chosen: np.ndarray) -> float:
        return float(problem.cost[chosen[chosen >= 0]].sum() + problem.unassigned_cost[jobs[chosen < 0]].sum())

    def left() -> float:
        return deadline - time.perf_counter()

    def good_enough(chosen: np.ndarray) -> bool:
        value = objective(chosen)
        return value - bound < 1 - 1e-6 or (value - bound) <= rel_gap * max(1.0, abs(value))

    best = _reoptimise(problem, jobs, lp_chosen, ~settled,
                       max(0.05, min(left() * 0.3, left() - 0.05, 2 * params.lns_mip_time_s)), rel_gap, seed)
    if incumbent is not None and (best is None or objective(incumbent) <= objective(best)):
        best = incumbent
    if best is None:
        return _mip_block(problem, jobs, max(0.05, left()), rel_gap, seed)
    if good_enough(best) or left() < 0.1:
        return best, bound, objective(best) - bound < 1 - 1e-6

    # 3. core MIP over the arcs of smallest reduced cost (loose blocks only: on tight blocks such as the
    #    published hard GAP types the core MIP is slow and the neighbourhood search does better with the time)
    order = np.lexsort((reduced, local_job))
    starts = np.searchsorted(local_job[order], np.arange(jobs.size))
    rank = np.empty(na, dtype=np.int64)
    rank[order] = np.arange(na) - np.repeat(starts, np.diff(np.append(starts, na)))
    budget = int(params.core_arcs_per_job * jobs.size)
    threshold = np.partition(reduced, min(budget, na - 1))[min(budget, na - 1)] if na else 0.0
    in_core = (x > 1e-9) | (rank < params.core_rank) | (reduced <= threshold)
    in_core[np.searchsorted(arcs, best[best >= 0])] = True
    if np.count_nonzero(in_core) < na and not tight:
        drop = np.ones(problem.num_arcs, dtype=bool)
        drop[arcs[in_core]] = False
        # Jobs the incumbent assigns stay assigned in the core (a restriction), so the warm start sets no slack
        # column and HiGHS may presolve (see _mip_block).
        mandatory = problem.is_optional.copy()
        mandatory[jobs[best >= 0]] = False
        core, kept = problem.replace(term_cost=None, is_optional=mandatory).without_arcs(drop)
        remap = np.full(problem.num_arcs, -1, dtype=np.int64)
        remap[kept] = np.arange(kept.size)
        start = np.where(best >= 0, remap[np.maximum(best, 0)], -1)
        chosen, _, _ = _mip_block(core, jobs, max(0.05, left() * params.core_share),
                                  max(rel_gap, params.core_rel_gap), seed, start=start)
        if chosen is not None:
            candidate = _lookup(kept, chosen)
            if objective(candidate) < objective(best):
                best = candidate
    if good_enough(best):
        return best, bound, objective(best) - bound < 1 - 1e-6

    # 4. large-neighbourhood search over agent subsets
    rng = np.random.default_rng(seed)
    core_agents = problem.agent_idx[arcs[in_core]]
    core_jobs = local_job[in_core]
    by_agent = np.argsort(core_agents, kind="stable")
    agent_ptr = np.searchsorted(core_agents[by_agent], np.arange(problem.num_agents + 1))
    job_ptr = np.concatenate([[0], np.cumsum(np.bincount(core_jobs, minlength=jobs.size))])
    core_agent_of_job = core_agents  # core arcs are sorted by local job, as ``arcs`` is
    block_agents = np.unique(problem.agent_idx[arcs])
    target = float(params.lns_jobs)
    while left() > params.lns_min_time_s:
        current_agent = np.where(best >= 0, problem.agent_idx[np.maximum(best, 0)], -1)
        jobs_on = np.bincount(current_agent[current_agent >= 0], minlength=problem.num_agents)
        seed_agent = int(block_agents[rng.integers(block_agents.size)])
        chosen_agents = {seed_agent}
        freed = int(jobs_on[seed_agent])
        frontier = [seed_agent]
        while frontier and freed < target and len(chosen_agents) < params.lns_agents:
            a = frontier.pop(int(rng.integers(len(frontier))))
            linked_jobs = core_jobs[by_agent[agent_ptr[a]:agent_ptr[a + 1]]]
            if linked_jobs.size == 0:
                continue
            for j in rng.choice(linked_jobs, size=min(4, linked_jobs.size), replace=False):
                for b in core_agent_of_job[job_ptr[j]:job_ptr[j + 1]]:
                    if freed < target and len(chosen_agents) < params.lns_agents and int(b) not in chosen_agents:
                        chosen_agents.add(int(b))
                        freed += int(jobs_on[b])
                        frontier.append(int(b))
        picked = np.zeros(problem.num_agents, dtype=bool)
        picked[list(chosen_agents)] = True
        free = (current_agent >= 0) & picked[np.maximum(current_agent, 0)]
        out_jobs = np.flatnonzero(current_agent < 0)
        if out_jobs.size:
            free[out_jobs] = np.bincount(core_jobs, weights=picked[core_agents], minlength=jobs.size)[out_jobs] > 0
        if not np.any(free):
            continue
        limit = min(params.lns_mip_time_s, max(0.05, left()))
        moved, closed = _reoptimise(problem, jobs, best, free, limit, 0.0, seed, max_nodes=params.lns_mip_nodes,
                                    report_proven=True)
        # adapt the neighbourhood size: grow while its MIPs close within the node limit, shrink when they do not
        # (a work measure, not a clock one, so the sequence of neighbourhoods depends on the seed only)
        target = target * 1.15 if closed else max(20.0, target * 0.85)
        if moved is not None and objective(moved) < objective(best):
            best = moved
            if good_enough(best):
                break
    return best, bound, objective(best) - bound < 1 - 1e-6


@overload
def _reoptimise(problem: AssignmentProblem, jobs: np.ndarray, chosen: np.ndarray, free: np.ndarray,
                time_limit_s: float, rel_gap: float, seed: int, *, max_nodes: int | None = None,
                report_proven: Literal[False] = False) -> np.ndarray | None: ...


@overload
def _reoptimise(problem: AssignmentProblem, jobs: np.ndarray, chosen: np.ndarray, free: np.ndarray,
                time_limit_s: float, rel_gap: float, seed: int, *, max_nodes: int | None = None,
                report_proven: Literal[True]) -> tuple[np.ndarray | None, bool]: ...


def _reoptimise(
    problem: AssignmentProblem, jobs: np.ndarray, chosen: np.ndarray, free: np.ndarray, time_limit_s: float,
    rel_gap: float, seed: int, *, max_nodes: int | None = None, report_proven: bool = False,
) -> np.ndarray | None | tuple[np.ndarray | None, bool]:
    """Keep the jobs of ``jobs`` not ``free`` as in ``chosen``; solve a MIP over the free ones (residual capacity,
    group conflicts with the kept jobs respected), warm-started from ``chosen``. Returns the full choice for
    ``jobs`` or None."""
    out = chosen.copy()
    out[free] = -1
    open_jobs = jobs[free]
    if open_jobs.size == 0:
        return (out, True) if report_proven else out
    keep = (~free) & (out >= 0)
    fixed = out[keep]
    residual = problem.capacity - np.bincount(problem.agent_idx[fixed], weights=problem.weight[fixed],
                                              minlength=problem.num_agents).astype(np.int64)
    open_arcs, _ = _block_arcs(problem, open_jobs)
    drop = np.ones(problem.num_arcs, dtype=bool)
    drop[open_arcs] = problem.weight[open_arcs] > np.maximum(residual, 0)[problem.agent_idx[open_arcs]]
    fixed_jobs = jobs[keep]
    grouped = problem.group_idx[fixed_jobs] >= 0
    if np.any(grouped):
        stride = np.int64(problem.num_agents + 1)
        used = problem.group_idx[fixed_jobs[grouped]] * stride + problem.agent_idx[fixed[grouped]]
        group = problem.group_idx[problem.arc_job[open_arcs]]
        drop[open_arcs] |= (group >= 0) & np.isin(group * stride + problem.agent_idx[open_arcs], used)
    sub, kept = problem.replace(capacity=np.maximum(residual, 0), term_cost=None).without_arcs(drop)
    start = None
    previous = chosen[free]
    if np.all(previous >= -1):
        remap = np.full(problem.num_arcs, -1, dtype=np.int64)
        remap[kept] = np.arange(kept.size)
        start = np.where(previous >= 0, remap[np.maximum(previous, 0)], -1)
        if np.any((previous >= 0) & (start < 0)) or np.any((start < 0) & ~sub.is_optional[open_jobs]):
            start = None
    sub_chosen, _, proven = _mip_block(sub, open_jobs, time_limit_s, rel_gap, seed, start=start, max_nodes=max_nodes)
    if sub_chosen is None:
        sub_chosen = _greedy_block(sub, open_jobs)
    if sub_chosen is None:
        return (None, False) if report_proven else None
    out[free] = kept[sub_chosen] if kept.size and np.all(sub_chosen >= 0) else _lookup(kept, sub_chosen)
    return (out, proven) if report_proven else out


def _lookup(table: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``table[index]`` where ``index >= 0``, else -1 (``table`` may be empty)."""
    out = np.full(index.shape, -1, dtype=np.int64)
    on = index >= 0
    out[on] = table[index[on]]
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
