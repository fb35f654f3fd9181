"""Deployment core: one MIP of the whole problem, solved by HiGHS; the greedy plan is the fallback.

Method
------
1. Columns: one binary per arc (agent, site), then the helper columns each rule and site term adds
   (:mod:`optimizer.deployment.constraints`, :mod:`optimizer.deployment.objectives`). Rows are built vectorised
   as COO triplets by each rule's model face and assembled into one sparse matrix.
2. Small problems (at most ``params.direct_mip_arcs`` arcs) go to HiGHS branch and cut as one MIP; its dual
   bound is the reported bound.
3. Larger problems: the LP relaxation of the whole model is solved first (its value is a proven bound); then a
   MIP over a restricted arc set (arcs the LP uses, the ``params.restricted_arcs`` arcs of lowest reduced cost,
   the greedy plan's arcs). A plan using a left-out arc costs at least LP value + its reduced cost, so the bound
   of the whole problem is max(LP value, min(restricted MIP bound, LP value + least left-out reduced cost)).
   While the gap is above the target and more than 40 % of the time is left, the restricted set is doubled.
4. Every plan is re-evaluated by :meth:`DeploymentProblem.evaluate`; the greedy plan
   (:mod:`optimizer.deployment.greedy`) is kept when nothing better is found.

No MIP start is given to HiGHS: with highspy 1.16 a user solution can be mapped wrongly into the presolved
space (the start was reported at a better objective than its own and returned unchanged as "optimal"), which
would also make the dual bound unsafe.

The plan with no agent placed is always feasible, so a result always exists.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import highspy
import numpy as np
import scipy.sparse as sp

from optimizer.deployment import constraints as cons
from optimizer.deployment import objectives as obj
from optimizer.deployment.greedy import greedy
from optimizer.deployment.params import DeploymentParams
from optimizer.deployment.problem import DeploymentProblem
from optimizer.highs import new_highs
from optimizer.result import Status, relative_gap
from optimizer.stop import Stop

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeploymentResult:
    """What a deployment solve returns.

    Attributes
    ----------
    status : Status
        ``optimal`` when objective and bound meet (integer points: differ by < 1), else ``feasible``.
    objective : float
        Points of the plan (minimisation).
    bound : float
        Proven lower bound of the optimum of this model (HiGHS dual bound; -inf without one).
    runtime_s : float
        Wall-clock seconds of the solve.
    seed : int
    agent_arc : int64 array
        Arc taken by each agent, -1 when not placed.
    agent_site : int64 array
        Site of each agent, -1 when not placed.
    group_leader : int64 array
        Leader agent of each group, -1 for none.
    term_totals : dict
        Points per arc term, plus ``coverage`` and ``no_lead``; they sum to ``objective``.
    stats : dict
        Model size and solver figures (rows, columns, nodes, greedy objective, LP bound when computed).
    """

    status: Status
    objective: float
    bound: float
    runtime_s: float
    seed: int
    agent_arc: np.ndarray
    agent_site: np.ndarray
    group_leader: np.ndarray
    term_totals: dict[str, float] = field(default_factory=dict)
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """Relative gap (objective - bound) / max(1, |objective|); 0 when proven optimal."""
        return relative_gap(self.objective, self.bound)

    @property
    def is_feasible(self) -> bool:
        return self.status in (Status.OPTIMAL, Status.FEASIBLE)


@dataclass(frozen=True)
class Model:
    """The assembled MIP and where each rule's helper columns start."""

    lp: highspy.HighsLp
    block_first_col: dict[str, int]
    num_rows: int
    num_cols: int


def build_model(problem: DeploymentProblem) -> Model:
    """Assemble the MIP of ``problem``: arc columns, then each rule's and site term's block."""
    p = problem
    ctx = cons.Context.of(p)
    blocks: list[tuple[str, cons.Block]] = []
    first_row, first_col = 0, p.num_arcs
    firsts: dict[str, int] = {}
    builders = [(c.id, c.model) for c in cons.CONSTRAINTS
                if c.id in cons.STRUCTURAL_CONSTRAINTS or c.id in p.constraints]
    builders += [(obj.COVERAGE, obj.model_coverage), (obj.NO_LEAD, obj.model_no_lead)]
    for name, build in builders:
        block = build(p, ctx, first_row, first_col)
        firsts[name] = first_col
        blocks.append((name, block))
        first_row += block.num_rows
        first_col += block.num_cols
    bl = [b for _, b in blocks]
    matrix = sp.csc_matrix(
        (np.concatenate([b.vals for b in bl]), (np.concatenate([b.rows for b in bl]), np.concatenate([b.cols for b in bl]))),
        shape=(first_row, first_col),
    )
    matrix.sum_duplicates()
    lp = highspy.HighsLp()
    lp.num_col_ = first_col
    lp.num_row_ = first_row
    lp.col_cost_ = np.concatenate([p.arc_cost.astype(np.float64)] + [b.col_cost for b in bl])
    lp.col_lower_ = np.concatenate([np.zeros(p.num_arcs)] + [b.col_lower for b in bl])
    lp.col_upper_ = np.concatenate([np.ones(p.num_arcs)] + [b.col_upper for b in bl])
    lp.row_lower_ = np.concatenate([b.row_lower for b in bl]) if bl else np.zeros(0)
    lp.row_upper_ = np.concatenate([b.row_upper for b in bl]) if bl else np.zeros(0)
    lp.offset_ = float(sum(b.offset for b in bl))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(np.float64)
    integer = np.concatenate([np.ones(p.num_arcs, dtype=bool)] + [b.col_integer for b in bl])
    lp.integrality_ = [highspy.HighsVarType.kInteger if f else highspy.HighsVarType.kContinuous for f in integer]
    return Model(lp=lp, block_first_col=firsts, num_rows=first_row, num_cols=first_col)


def _highs(time_limit_s: float, seed: int, threads: int) -> highspy.Highs:
    h = new_highs(threads=threads)
    h.setOptionValue("time_limit", float(max(0.05, time_limit_s)))
    h.setOptionValue("random_seed", int(seed) % 2_147_483_647)
    return h


def lp_relaxation(problem: DeploymentProblem, *, time_limit_s: float = 120.0, seed: int = 0) -> float:
    """Optimal value of the LP relaxation of the same MIP (HiGHS); a valid lower bound (-inf if not solved)."""
    model = build_model(problem)
    lp = model.lp
    lp.integrality_ = []
    h = _highs(time_limit_s, seed, 1)
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return -np.inf
    return float(h.getInfo().objective_function_value)


def solve(
    problem: DeploymentProblem,
    *,
    params: DeploymentParams | None = None,
    stop: Stop | None = None,
    seed: int = 0,
) -> DeploymentResult:
    """Place agents at sites (minimisation) within ``stop``.

    Parameters
    ----------
    problem : DeploymentProblem
    params : DeploymentParams, optional
        Backend and HiGHS settings (default: HiGHS, one thread; see :class:`DeploymentParams`).
    stop : Stop, optional
        Time limit and target relative gap (default 30 s, 1e-4).
    seed : int
        HiGHS random seed; same seed and inputs give the same plan when no time limit is hit.

    Returns
    -------
    DeploymentResult
        ``bound`` is proven for the whole problem (see the module docstring).
    """
    params = params or DeploymentParams()
    stop = stop or Stop()
    start = time.perf_counter()
    # keep back a little for building models and evaluating after the last solver call (seen: 0.8 s over 30 s)
    deadline = stop.deadline(start) - min(1.5, 0.05 * stop.time_limit_s)
    g_arc, g_leader = greedy(problem)
    g_eval = problem.evaluate(g_arc, g_leader)
    stats: dict[str, float] = {"greedy_objective": float(g_eval.objective), "arcs": float(problem.num_arcs)}
    if params.backend == "greedy" or problem.num_arcs == 0:
        bound = -np.inf if problem.num_arcs else float(g_eval.objective)
        return _finish(problem, g_arc, g_leader, bound, start, seed, stats)
    best_arc, best_leader, best_obj = g_arc, g_leader, float(g_eval.objective)
    if problem.num_arcs <= params.direct_mip_arcs:
        found = _mip(problem, deadline - time.perf_counter(), stop.rel_gap, seed, params)
        stats.update(found.stats)
        bound = found.bound
        if found.plan is not None and found.objective < best_obj:
            best_arc, best_leader = found.plan
        return _finish(problem, best_arc, best_leader, bound, start, seed, stats)

    # 1. LP relaxation of the whole model: a proven bound and reduced costs.
    lp_value, x, reduced = _lp(problem, (deadline - time.perf_counter()) * params.lp_time_share, seed)
    stats["lp_bound"] = lp_value
    if not np.isfinite(lp_value):  # LP not solved in time: try the MIP on the whole problem
        found = _mip(problem, deadline - time.perf_counter(), stop.rel_gap, seed, params)
        stats.update(found.stats)
        if found.plan is not None and found.objective < best_obj:
            best_arc, best_leader = found.plan
        return _finish(problem, best_arc, best_leader, found.bound, start, seed, stats)
    bound = lp_value
    # 2. MIP over the arcs the LP uses, the arcs of lowest reduced cost, and the greedy plan's arcs.
    k = min(params.restricted_arcs, problem.num_arcs)
    while True:
        tau = np.partition(reduced, k - 1)[k - 1] if k < problem.num_arcs else np.inf
        keep = (x > 1e-9) | (reduced <= tau)
        keep[g_arc[g_arc >= 0]] = True
        sub, kept = problem.without_arcs(~keep)
        found = _mip(sub, deadline - time.perf_counter(), stop.rel_gap, seed, params)
        stats.update({f"restricted_{key}": v for key, v in found.stats.items()})
        stats["restricted_arcs"] = float(sub.num_arcs)
        if found.plan is not None and found.objective < best_obj:
            sub_arc, best_leader = found.plan
            best_arc = np.where(sub_arc >= 0, kept[np.maximum(sub_arc, 0)], -1)
            best_obj = found.objective
        # Any plan using a left-out arc a costs at least lp_value + reduced[a] (LP duality; all reduced costs of
        # columns at their lower bound are >= 0, at their upper bound <= 0), so the whole problem's bound is the
        # smaller of the restricted MIP's bound and that.
        left_out = reduced[~keep]
        outside = lp_value + float(left_out.min()) if left_out.size else np.inf
        bound = max(bound, min(found.bound, outside))
        gap = (best_obj - bound) / max(1.0, abs(best_obj))
        remaining = deadline - time.perf_counter()
        if gap <= stop.rel_gap or k >= problem.num_arcs or remaining < 0.4 * stop.time_limit_s:
            break
        k = min(problem.num_arcs, 2 * k)  # widen the restricted set while time allows
    return _finish(problem, best_arc, best_leader, bound, start, seed, stats)


@dataclass(frozen=True)
class _Found:
    """What one MIP run gives: plan (agent arcs, leaders) or None, its objective, HiGHS's dual bound, stats."""

    plan: tuple[np.ndarray, np.ndarray] | None
    objective: float
    bound: float
    stats: dict[str, float]


def _lp(problem: DeploymentProblem, time_limit_s: float, seed: int) -> tuple[float, np.ndarray, np.ndarray]:
    """LP relaxation (dual simplex without presolve: faster here): value, arc values, arc reduced costs."""
    model = build_model(problem)
    lp = model.lp
    lp.integrality_ = []
    h = _highs(time_limit_s, seed, 1)
    h.setOptionValue("presolve", "off")
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return -np.inf, np.zeros(problem.num_arcs), np.zeros(problem.num_arcs)
    sol = h.getSolution()
    value = float(h.getInfo().objective_function_value)
    x = np.asarray(sol.col_value)[: problem.num_arcs]
    reduced = np.asarray(sol.col_dual)[: problem.num_arcs]
    # numerical safety: a bound a hair below the LP value
    return value - 1e-7 * max(1.0, abs(value)), x, reduced


def _mip(problem: DeploymentProblem, time_limit_s: float, rel_gap: float, seed: int,
         params: DeploymentParams) -> _Found:
    model = build_model(problem)
    h = _highs(time_limit_s, seed, params.threads)
    h.setOptionValue("mip_rel_gap", float(rel_gap))
    h.setOptionValue("mip_abs_gap", 0.999)  # integer points: closer than 1 is optimal
    h.setOptionValue("mip_heuristic_effort", float(params.mip_heuristic_effort))
    if not params.probing:
        h.setOptionValue("presolve_rule_off", 32768)  # probing: slow on large assignment models
    h.passModel(model.lp)
    h.run()
    info = h.getInfo()
    bound = float(info.mip_dual_bound)
    bound = bound if np.isfinite(bound) else -np.inf
    stats = {"rows": float(model.num_rows), "columns": float(model.num_cols), "nodes": float(info.mip_node_count),
             "mip_bound": bound}
    if info.primal_solution_status != 2:  # kSolutionStatusFeasible
        log.warning("deployment: HiGHS found no plan in time")
        return _Found(None, np.inf, bound, stats)
    agent_arc, group_leader = _decode(problem, model, np.asarray(h.getSolution().col_value))
    ev = problem.evaluate(agent_arc, group_leader)
    if not ev.feasible:
        log.warning("deployment: HiGHS plan breaks %s; ignored", sorted(ev.violations))
        return _Found(None, np.inf, bound, stats)
    return _Found((agent_arc, group_leader), float(ev.objective), bound, stats)


def _decode(problem: DeploymentProblem, model: Model, col: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Agent arcs and group leaders from MIP column values."""
    p = problem
    x = col[: p.num_arcs] > 0.5
    agent_arc = np.full(p.num_agents, -1, dtype=np.int64)
    arcs = np.flatnonzero(x)
    agent_arc[p.arc_agent[arcs]] = arcs
    group_leader = np.full(p.num_groups, -1, dtype=np.int64)
    if cons.GROUP_LEADER in p.constraints:
        cand_agent, cand_group = cons.leader_candidates(p, cons.Context.of(p))
        first = model.block_first_col[cons.GROUP_LEADER] + p.num_groups
        on = col[first:first + cand_agent.size] > 0.5
        group_leader[cand_group[on]] = cand_agent[on]
    else:
        for arc in agent_arc[agent_arc >= 0]:
            g = int(p.site_group[p.site_idx[arc]])
            agent = int(p.arc_agent[arc])
            if group_leader[g] < 0 and p.agent_can_lead[agent]:
                group_leader[g] = agent
    return agent_arc, group_leader


def _finish(problem: DeploymentProblem, agent_arc: np.ndarray, group_leader: np.ndarray, bound: float,
            start: float, seed: int, stats: dict[str, float]) -> DeploymentResult:
    ev = problem.evaluate(agent_arc, group_leader)
    objective = float(ev.objective)
    if np.isfinite(bound):
        bound = min(float(np.ceil(bound - 1e-6)), objective)
    status = Status.OPTIMAL if np.isfinite(bound) and objective - bound < 1 else Status.FEASIBLE
    if not ev.feasible:
        status = Status.NO_SOLUTION
    agent_site = np.where(agent_arc >= 0, problem.site_idx[np.maximum(agent_arc, 0)] if problem.num_arcs else -1, -1)
    return DeploymentResult(
        status=status,
        objective=objective,
        bound=float(bound),
        runtime_s=time.perf_counter() - start,
        seed=seed,
        agent_arc=agent_arc,
        agent_site=np.asarray(agent_site, dtype=np.int64),
        group_leader=group_leader,
        term_totals={k: float(v) for k, v in ev.term_totals.items()},
        stats=stats,
    )


def solve_greedy(problem: DeploymentProblem, *, seed: int = 0) -> DeploymentResult:
    """The greedy baseline through the same result type (no bound)."""
    return solve(problem, params=DeploymentParams(backend="greedy"), seed=seed)
