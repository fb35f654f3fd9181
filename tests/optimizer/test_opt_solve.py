"""Tests of the assignment core (optimizer/problem.py, optimizer/assignment/).

The solver is compared with an exhaustive enumeration written here. Feasibility (capacity, conflict groups,
pinned arcs, mandatory jobs) and the objective are re-implemented in plain Python in this file; nothing of the
optimizer is used to judge the optimizer's answers.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.assignment import AssignmentParams, solve
from optimizer.problem import AssignmentProblem
from optimizer.result import Result, Status
from optimizer.stop import Stop

EXACT = Stop(time_limit_s=10, rel_gap=0.0)
GREEDY = AssignmentParams(backend="greedy")
LP_FIX = AssignmentParams(direct_mip_arcs=0)  # every block goes through LP-and-fix
NOT_FOUND = (Status.INFEASIBLE, Status.NO_SOLUTION)


# --------------------------------------------------------------------------------------------- own model


@dataclass(frozen=True)
class Instance:
    """A small problem as plain Python lists: ``arcs[j]`` is a list of ``(agent, cost, weight)``."""

    arcs: tuple[tuple[tuple[int, int, int], ...], ...]
    capacity: tuple[int, ...]
    optional: tuple[bool, ...]
    unassigned_cost: tuple[int, ...]
    group: tuple[int, ...]
    pinned: tuple[int, ...]  # position inside the job's arcs, -1 for none

    @property
    def num_jobs(self) -> int:
        return len(self.arcs)

    def first_arc(self, j: int) -> int:
        return sum(len(a) for a in self.arcs[:j])

    def to_problem(self, with_terms: bool = False) -> AssignmentProblem:
        flat = [arc for job in self.arcs for arc in job]
        ptr = [0]
        for job in self.arcs:
            ptr.append(ptr[-1] + len(job))
        cost = [c for _, c, _ in flat]
        term_cost = None
        names: tuple[str, ...] = ()
        if with_terms:
            term_cost = np.array([[c // 2, c - c // 2] for c in cost], dtype=np.int64).reshape(len(flat), 2)
            names = ("half", "rest")
        return AssignmentProblem(
            job_ptr=np.array(ptr, dtype=np.int64),
            agent_idx=np.array([a for a, _, _ in flat], dtype=np.int64),
            cost=np.array(cost, dtype=np.int64),
            weight=np.array([w for _, _, w in flat], dtype=np.int64),
            capacity=np.array(self.capacity, dtype=np.int64),
            is_optional=np.array(self.optional, dtype=bool),
            unassigned_cost=np.array(self.unassigned_cost, dtype=np.int64),
            group_idx=np.array(self.group, dtype=np.int64),
            pinned_arc=np.array(
                [self.first_arc(j) + p if p >= 0 else -1 for j, p in enumerate(self.pinned)], dtype=np.int64
            ),
            term_cost=term_cost,
            term_names=names,
        )


def own_check(inst: Instance, choice: list[int | None]) -> tuple[bool, int]:
    """Feasibility and cost of a choice (position inside each job's arcs, or None for unassigned)."""
    if len(choice) != inst.num_jobs:
        return False, 0
    load = [0] * len(inst.capacity)
    taken: set[tuple[int, int]] = set()
    total = 0
    for j, pos in enumerate(choice):
        if pos is None:
            if not inst.optional[j] or inst.pinned[j] >= 0:
                return False, 0
            total += inst.unassigned_cost[j]
            continue
        if not 0 <= pos < len(inst.arcs[j]):
            return False, 0
        if inst.pinned[j] >= 0 and pos != inst.pinned[j]:
            return False, 0
        agent, cost, weight = inst.arcs[j][pos]
        load[agent] += weight
        total += cost
        if inst.group[j] >= 0:
            key = (inst.group[j], agent)
            if key in taken:
                return False, 0
            taken.add(key)
    if any(ld > cap for ld, cap in zip(load, inst.capacity, strict=True)):
        return False, 0
    return True, total


def exhaustive(inst: Instance) -> int | None:
    """Optimal objective by enumeration of every choice, or None when no choice is feasible."""
    options: list[list[int | None]] = []
    for j in range(inst.num_jobs):
        if inst.pinned[j] >= 0:
            options.append([inst.pinned[j]])
        else:
            opts: list[int | None] = list(range(len(inst.arcs[j])))
            if inst.optional[j]:
                opts.append(None)
            options.append(opts)
    best: int | None = None
    for choice in itertools.product(*options):
        ok, total = own_check(inst, list(choice))
        if ok and (best is None or total < best):
            best = total
    return best


def decode(inst: Instance, job_arc: np.ndarray) -> list[int | None]:
    """Solver arcs (global indices, -1) as positions inside each job's arcs (out-of-range stays invalid)."""
    out: list[int | None] = []
    for j, a in enumerate(np.asarray(job_arc).tolist()):
        out.append(None if a < 0 else a - inst.first_arc(j))
    return out


@st.composite
def instances(draw: st.DrawFn) -> Instance:
    num_jobs = draw(st.integers(2, 6))
    num_agents = draw(st.integers(1, 4))
    optional = tuple(draw(st.lists(st.booleans(), min_size=num_jobs, max_size=num_jobs)))
    arcs = []
    for j in range(num_jobs):
        # mandatory jobs mostly have arcs (a mandatory job without arcs is tested by hand below)
        k = draw(st.integers(0 if optional[j] or draw(st.integers(0, 9)) == 0 else 1, min(3, num_agents)))
        agents = draw(st.lists(st.integers(0, num_agents - 1), min_size=k, max_size=k))
        arcs.append(tuple((a, draw(st.integers(0, 20)), draw(st.integers(0, 4))) for a in agents))
    capacity = tuple(draw(st.lists(st.integers(0, 8), min_size=num_agents, max_size=num_agents)))
    unassigned = tuple(draw(st.lists(st.integers(0, 40), min_size=num_jobs, max_size=num_jobs)))
    group = tuple(draw(st.lists(st.integers(-1, 1), min_size=num_jobs, max_size=num_jobs)))
    pinned = [-1] * num_jobs
    with_arcs = [j for j in range(num_jobs) if arcs[j]]
    if with_arcs and draw(st.booleans()):
        j = draw(st.sampled_from(with_arcs))
        pinned[j] = draw(st.integers(0, len(arcs[j]) - 1))
    return Instance(tuple(arcs), capacity, optional, unassigned, group, tuple(pinned))


# --------------------------------------------------------------------------------------------- validation


def base_fields() -> dict[str, object]:
    """A valid problem: 2 jobs, 2 agents, 3 arcs (job 0: arcs 0, 1; job 1: arc 2)."""
    return {
        "job_ptr": np.array([0, 2, 3]),
        "agent_idx": np.array([0, 1, 1]),
        "cost": np.array([5, 7, 3]),
        "weight": np.array([1, 2, 1]),
        "capacity": np.array([3, 3]),
        "is_optional": np.array([False, True]),
        "unassigned_cost": np.array([0, 50]),
        "group_idx": np.array([-1, -1]),
        "pinned_arc": np.array([-1, -1]),
        "term_cost": np.array([[2, 3], [7, 0], [1, 2]]),
        "term_names": ("a", "b"),
    }


def test_base_problem_is_valid() -> None:
    """The fixture problem used by the validation tests is itself accepted, with the expected sizes."""
    p = AssignmentProblem(**base_fields())  # type: ignore[arg-type]
    assert (p.num_jobs, p.num_agents, p.num_arcs) == (2, 2, 3)
    assert p.arc_job.tolist() == [0, 0, 1]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("job_ptr", np.array([1, 2, 3])),  # does not start at 0
        ("job_ptr", np.array([0, 3, 2])),  # decreasing
        ("job_ptr", np.array([0.5, 2.0, 3.0])),  # not integral
        ("agent_idx", np.array([0, 1, 2])),  # agent 2 does not exist
        ("agent_idx", np.array([0, -1, 1])),  # negative agent
        ("agent_idx", np.array([0, 1])),  # wrong length
        ("agent_idx", np.array([[0, 1, 1]])),  # 2-d
        ("cost", np.array([5, 7])),  # wrong length
        ("cost", np.array([5.5, 7.0, 3.0])),  # not integral
        ("weight", np.array([1, -1, 1])),  # negative weight
        ("capacity", np.array([3, -2])),  # negative capacity
        ("is_optional", np.array([True])),  # one per job
        ("unassigned_cost", np.array([0, 1, 2])),  # one per job
        ("group_idx", np.array([-2, 0])),  # below -1
        ("pinned_arc", np.array([2, -1])),  # arc 2 belongs to job 1
        ("pinned_arc", np.array([-1, 0])),  # arc 0 belongs to job 0
        ("pinned_arc", np.array([-1, 3])),  # beyond the arcs
        ("pinned_arc", np.array([-3, -1])),  # below -1
        ("term_cost", np.array([[2, 3], [7, 0], [1, 1]])),  # last row sums to 2, cost is 3
        ("term_cost", np.array([[5], [7], [3]])),  # one column, two names
    ],
)
def test_malformed_field_raises_naming_it(field: str, value: object) -> None:
    """Each malformed field raises ValueError whose message names that field."""
    fields = base_fields()
    fields[field] = value
    with pytest.raises(ValueError, match=field):
        AssignmentProblem(**fields)  # type: ignore[arg-type]


def test_replace_validates_again() -> None:
    """replace() re-validates: an out-of-range agent is rejected there too."""
    p = AssignmentProblem(**base_fields())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="agent_idx"):
        p.replace(agent_idx=np.array([0, 5, 1]))


def test_without_arcs_keeps_mapping_and_unpins_dropped_pinned_arc() -> None:
    """without_arcs returns the kept arcs' old indices (fields follow them); a dropped pinned arc unpins its
    job, a kept pinned arc is re-indexed, other jobs keep their flags."""
    # job 0: arcs 0, 1, 2 (pinned 1); job 1: arcs 3, 4 (pinned 4); job 2: arc 5
    p = AssignmentProblem(
        job_ptr=np.array([0, 3, 5, 6]),
        agent_idx=np.array([0, 1, 2, 0, 2, 1]),
        cost=np.array([10, 11, 12, 13, 14, 15]),
        weight=np.array([1, 2, 3, 4, 0, 1]),
        capacity=np.array([9, 9, 9]),
        is_optional=np.array([False, False, True]),
        unassigned_cost=np.array([100, 200, 300]),
        group_idx=np.array([0, 0, -1]),
        pinned_arc=np.array([1, 4, -1]),
        term_cost=np.array([[10, 0], [1, 10], [2, 10], [3, 10], [4, 10], [5, 10]]),
        term_names=("x", "y"),
    )
    drop = np.array([False, True, False, True, False, False])
    q, kept = p.without_arcs(drop)
    assert kept.tolist() == [0, 2, 4, 5]
    assert q.job_ptr.tolist() == [0, 2, 3, 4]
    assert q.agent_idx.tolist() == p.agent_idx[kept].tolist()
    assert q.cost.tolist() == p.cost[kept].tolist()
    assert q.weight.tolist() == p.weight[kept].tolist()
    assert q.term_cost is not None and p.term_cost is not None
    assert q.term_cost.tolist() == p.term_cost[kept].tolist()
    assert q.arc_job.tolist() == p.arc_job[kept].tolist()
    assert q.pinned_arc[0] == -1  # its pinned arc 1 was dropped
    assert q.pinned_arc[1] == 2 and kept[q.pinned_arc[1]] == 4  # still pinned to the same old arc
    assert q.pinned_arc[2] == -1
    assert q.is_optional[1:].tolist() == [False, True]
    assert q.unassigned_cost.tolist() == [100, 200, 300]
    assert q.group_idx.tolist() == [0, 0, -1]
    assert q.capacity.tolist() == [9, 9, 9]
    # the original is unchanged
    assert p.pinned_arc.tolist() == [1, 4, -1] and p.num_arcs == 6


def test_without_arcs_rejects_wrong_mask_length() -> None:
    """The drop mask needs one flag per arc."""
    p = AssignmentProblem(**base_fields())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="drop"):
        p.without_arcs(np.array([True]))


# --------------------------------------------------------------------------------------------- properties


def _check_result_consistency(inst: Instance, problem: AssignmentProblem, res: Result) -> tuple[bool, int]:
    """A returned solution is valid by the own check, its objective is the own cost, job_agent matches."""
    choice = decode(inst, res.job_arc)
    ok, total = own_check(inst, choice)
    assert ok, f"solver returned an infeasible solution {choice} for {inst}"
    assert res.objective == total
    expected_agent = [-1 if pos is None else inst.arcs[j][pos][0] for j, pos in enumerate(choice)]
    assert res.job_agent.tolist() == expected_agent
    return ok, total


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances(), with_terms=st.booleans())
def test_highs_matches_exhaustive_enumeration(inst: Instance, with_terms: bool) -> None:
    """On random small instances the MIP finds the exhaustive optimum exactly, reports infeasible instances as
    infeasible / no_solution, returns a solution feasible by the own check, and bound <= objective (equal
    within 1 when optimal). Term totals plus the unassigned cost add up to the objective."""
    problem = inst.to_problem(with_terms=with_terms)
    best = exhaustive(inst)
    res = solve(problem, stop=EXACT, seed=0)
    if best is None:
        assert res.status in NOT_FOUND
        assert not res.is_feasible
        return
    assert res.status == Status.OPTIMAL, (res.status, inst)
    _, total = _check_result_consistency(inst, problem, res)
    assert total == best
    assert res.bound <= res.objective
    assert res.objective - res.bound < 1
    if with_terms:
        assert sum(res.term_totals.values()) == pytest.approx(res.objective)
        assert set(res.term_totals) == {"half", "rest", "unassigned"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances())
def test_greedy_is_feasible_and_never_beats_optimum(inst: Instance) -> None:
    """The greedy backend, when it returns a solution, returns one feasible by the own check whose objective is
    at least the exhaustive optimum; it never claims a solution on an infeasible instance."""
    problem = inst.to_problem()
    best = exhaustive(inst)
    res = solve(problem, params=GREEDY, stop=EXACT, seed=0)
    if not res.is_feasible:
        assert res.status in NOT_FOUND
        return
    assert best is not None, f"greedy claims a solution of an infeasible instance {inst}"
    _, total = _check_result_consistency(inst, problem, res)
    assert total >= best
    assert res.bound <= res.objective


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances())
def test_lp_and_fix_is_feasible_with_valid_bound(inst: Instance) -> None:
    """LP-and-fix (forced on every block): a returned solution is feasible by the own check and not better than
    the exhaustive optimum, the bound never exceeds the optimum, and 'optimal' means the optimum."""
    problem = inst.to_problem()
    best = exhaustive(inst)
    res = solve(problem, params=LP_FIX, stop=EXACT, seed=0)
    if best is None:
        assert res.status in NOT_FOUND
        return
    assert res.is_feasible, (res.status, inst)
    _, total = _check_result_consistency(inst, problem, res)
    assert total >= best
    assert res.bound <= best
    if res.status == Status.OPTIMAL:
        assert total == best


# --------------------------------------------------------------------------------------------- side constraints


def _problem(
    job_arcs: list[list[tuple[int, int, int]]],
    capacity: list[int],
    *,
    optional: list[bool] | None = None,
    unassigned_cost: list[int] | None = None,
    group: list[int] | None = None,
    pinned: list[int] | None = None,
) -> tuple[Instance, AssignmentProblem]:
    n = len(job_arcs)
    inst = Instance(
        arcs=tuple(tuple(a) for a in job_arcs),
        capacity=tuple(capacity),
        optional=tuple(optional or [False] * n),
        unassigned_cost=tuple(unassigned_cost or [0] * n),
        group=tuple(group or [-1] * n),
        pinned=tuple(pinned or [-1] * n),
    )
    return inst, inst.to_problem()


BACKENDS = [pytest.param(AssignmentParams(), id="highs"), pytest.param(GREEDY, id="greedy")]


@pytest.mark.parametrize("params", BACKENDS)
def test_capacity_forces_second_job_elsewhere(params: AssignmentParams) -> None:
    """Agent 0 is cheapest for both jobs but holds only one of them: the other goes to agent 1."""
    inst, problem = _problem([[(0, 1, 1), (1, 10, 1)], [(0, 1, 1), (1, 10, 1)]], [1, 5])
    res = solve(problem, params=params, stop=EXACT)
    assert res.is_feasible
    assert sorted(res.job_agent.tolist()) == [0, 1]
    assert res.objective == 11
    assert own_check(inst, decode(inst, res.job_arc)) == (True, 11)


@pytest.mark.parametrize("params", BACKENDS)
def test_conflict_group_forces_different_agents(params: AssignmentParams) -> None:
    """Two jobs of one conflict group never share an agent even when the agent has room for both."""
    inst, problem = _problem([[(0, 1, 1), (1, 10, 1)], [(0, 1, 1), (1, 10, 1)]], [9, 9], group=[3, 3])
    res = solve(problem, params=params, stop=EXACT)
    assert res.is_feasible
    assert sorted(res.job_agent.tolist()) == [0, 1]
    assert res.objective == 11
    # without the group both go to agent 0
    free = solve(problem.replace(group_idx=np.array([-1, -1])), params=params, stop=EXACT)
    assert free.job_agent.tolist() == [0, 0] and free.objective == 2


@pytest.mark.parametrize("params", BACKENDS)
def test_pinned_arc_is_taken_even_when_more_expensive(params: AssignmentParams) -> None:
    """A pinned arc is chosen although a cheaper arc exists."""
    inst, problem = _problem([[(0, 1, 1), (1, 50, 1)]], [5, 5], pinned=[1])
    res = solve(problem, params=params, stop=EXACT)
    assert res.is_feasible
    assert res.job_arc.tolist() == [1]
    assert res.job_agent.tolist() == [1]
    assert res.objective == 50


@pytest.mark.parametrize("params", BACKENDS)
def test_optional_job_stays_out_when_every_arc_costs_more(params: AssignmentParams) -> None:
    """An optional job whose arcs all cost more than leaving it out stays unassigned; the other is assigned."""
    inst, problem = _problem(
        [[(0, 30, 1), (1, 40, 1)], [(0, 5, 1)]], [5, 5], optional=[True, True], unassigned_cost=[20, 100]
    )
    res = solve(problem, params=params, stop=EXACT)
    assert res.is_feasible
    assert res.job_arc.tolist() == [-1, 2]
    assert res.objective == 25
    assert res.term_totals.get("unassigned") == 20


@pytest.mark.parametrize("params", BACKENDS)
def test_mandatory_job_without_arcs_is_infeasible(params: AssignmentParams) -> None:
    """A mandatory job with no arc makes the problem infeasible (status infeasible, no objective)."""
    _, problem = _problem([[(0, 1, 1)], []], [5])
    res = solve(problem, params=params, stop=EXACT)
    assert res.status == Status.INFEASIBLE
    assert not res.is_feasible
    assert res.objective == float("inf")


def test_optional_job_without_arcs_stays_out() -> None:
    """An optional job with no arc is simply unassigned at its cost (and counted in the bound)."""
    _, problem = _problem([[(0, 4, 1)], []], [5], optional=[False, True], unassigned_cost=[0, 9])
    res = solve(problem, stop=EXACT)
    assert res.status == Status.OPTIMAL
    assert res.job_arc.tolist() == [0, -1]
    assert res.objective == 13 and res.bound == 13


def test_capacity_makes_mandatory_jobs_infeasible() -> None:
    """Two mandatory jobs, one agent with room for one: no solution is reported."""
    _, problem = _problem([[(0, 1, 1)], [(0, 1, 1)]], [1])
    res = solve(problem, stop=EXACT)
    assert res.status in NOT_FOUND
    assert (res.job_arc == -1).all()


# --------------------------------------------------------------------------------------------- medium instance


def random_instance(seed: int, num_jobs: int = 300, num_agents: int = 40, arcs_per_job: int = 8) -> AssignmentProblem:
    """A random GAP: distinct agents per job, binding capacities, co-defendant-like groups of 2-3 jobs."""
    rng = np.random.default_rng(seed)
    agents = np.stack([rng.choice(num_agents, size=arcs_per_job, replace=False) for _ in range(num_jobs)])
    weight = np.repeat(rng.integers(1, 6, size=(num_jobs, 1)), arcs_per_job, axis=1)  # effort of the job
    cost = rng.integers(0, 200, size=(num_jobs, arcs_per_job))
    capacity = rng.integers(15, 35, size=num_agents)  # total about 1000 vs demand about 900: binding locally
    group = np.full(num_jobs, -1)
    for g, start in enumerate(range(0, 60, 3)):
        group[start : start + rng.integers(2, 4)] = g
    pinned = np.full(num_jobs, -1)
    if num_jobs > 100:
        pinned[100] = 100 * arcs_per_job + 3
    return AssignmentProblem(
        job_ptr=np.arange(num_jobs + 1) * arcs_per_job,
        agent_idx=agents.ravel(),
        cost=cost.ravel(),
        weight=weight.ravel(),
        capacity=capacity,
        is_optional=np.ones(num_jobs, dtype=bool),
        unassigned_cost=rng.integers(100, 600, size=num_jobs),
        group_idx=group,
        pinned_arc=pinned,
    )


def vector_check(p: AssignmentProblem, job_arc: np.ndarray) -> tuple[bool, int]:
    """Own vectorised feasibility check and cost of a solution of a problem (used for the medium instance)."""
    job_arc = np.asarray(job_arc)
    ptr = p.job_ptr
    jobs = np.arange(p.num_jobs)
    assigned = job_arc >= 0
    ok = bool(np.all(assigned | p.is_optional))
    ok &= bool(np.all((job_arc[assigned] >= ptr[jobs[assigned]]) & (job_arc[assigned] < ptr[jobs[assigned] + 1])))
    pinned = p.pinned_arc >= 0
    ok &= bool(np.all(job_arc[pinned] == p.pinned_arc[pinned]))
    arcs = job_arc[assigned]
    load = np.zeros(p.num_agents, dtype=np.int64)
    np.add.at(load, p.agent_idx[arcs], p.weight[arcs])
    ok &= bool(np.all(load <= p.capacity))
    grouped = assigned & (p.group_idx >= 0)
    pairs = list(zip(p.group_idx[grouped].tolist(), p.agent_idx[job_arc[grouped]].tolist(), strict=True))
    ok &= len(pairs) == len(set(pairs))
    total = int(p.cost[arcs].sum()) + int(p.unassigned_cost[~assigned].sum())
    return ok, total


MEDIUM_STOP = Stop(time_limit_s=20, rel_gap=1e-3)


@pytest.fixture(scope="module")
def medium() -> AssignmentProblem:
    return random_instance(seed=11)


@pytest.fixture(scope="module")
def medium_mip(medium: AssignmentProblem) -> Result:
    return solve(medium, stop=MEDIUM_STOP, seed=0)


def test_medium_instance_feasible_with_small_gap(medium: AssignmentProblem, medium_mip: Result) -> None:
    """300 jobs x 40 agents x 8 arcs: the solution passes the own check, objective is its own cost, bound <=
    objective and the relative gap is small; the pinned job takes its arc."""
    res = medium_mip
    assert res.is_feasible
    ok, total = vector_check(medium, res.job_arc)
    assert ok
    assert res.objective == total
    assert res.bound <= res.objective
    assert res.gap <= 0.01
    assert res.job_arc[100] == medium.pinned_arc[100]
    # the side constraints bind: the optimum costs more than each job's cheapest option taken alone
    cheapest = np.minimum(medium.cost.reshape(medium.num_jobs, -1).min(axis=1), medium.unassigned_cost)
    assert res.bound > cheapest.sum()


def test_medium_instance_greedy_feasible_and_not_better(medium: AssignmentProblem, medium_mip: Result) -> None:
    """Greedy gives a solution feasible by the own check, never cheaper than the MIP's bound."""
    exact = medium_mip
    res = solve(medium, params=GREEDY, stop=EXACT)
    assert res.is_feasible
    ok, total = vector_check(medium, res.job_arc)
    assert ok and res.objective == total
    assert res.objective >= exact.bound


def test_medium_instance_lp_and_fix(medium: AssignmentProblem, medium_mip: Result) -> None:
    """LP-and-fix on the medium instance: feasible by the own check; its LP bound is at most the MIP objective
    and its objective at least the MIP bound."""
    exact = medium_mip
    res = solve(medium, params=AssignmentParams(direct_mip_arcs=500), stop=MEDIUM_STOP)
    assert res.is_feasible
    ok, total = vector_check(medium, res.job_arc)
    assert ok and res.objective == total
    assert res.bound <= res.objective
    assert res.bound <= exact.objective
    assert res.objective >= exact.bound
    assert res.gap <= 0.02


def test_same_seed_gives_identical_solution(medium: AssignmentProblem) -> None:
    """Solving the same problem twice with the same seed gives the identical job_arc (and objective)."""
    a = solve(medium, stop=MEDIUM_STOP, seed=5)
    b = solve(medium, stop=MEDIUM_STOP, seed=5)
    assert np.array_equal(a.job_arc, b.job_arc)
    assert a.objective == b.objective
    small = random_instance(seed=3, num_jobs=40, num_agents=8, arcs_per_job=4)
    assert np.array_equal(solve(small, stop=EXACT, seed=1).job_arc, solve(small, stop=EXACT, seed=1).job_arc)


def test_chunked_blocks_give_the_same_optimum() -> None:
    """Packing components into many small blocks (chunk_arcs=1) does not change the optimum of a problem made
    of independent components, and the summed block bounds still prove it."""
    parts = [random_instance(seed=s, num_jobs=12, num_agents=4, arcs_per_job=3) for s in range(4)]
    # shift each part onto its own agents so the parts are independent components
    ptr, agent, cost, weight, cap, opt, unc, grp, pin = [0], [], [], [], [], [], [], [], []
    for k, q in enumerate(parts):
        base_arc, base_agent = ptr[-1], 4 * k
        ptr += (q.job_ptr[1:] + base_arc).tolist()
        agent += (q.agent_idx + base_agent).tolist()
        cost += q.cost.tolist()
        weight += q.weight.tolist()
        cap += q.capacity.tolist()
        opt += q.is_optional.tolist()
        unc += q.unassigned_cost.tolist()
        grp += np.where(q.group_idx >= 0, q.group_idx + 100 * k, -1).tolist()
        pin += [-1] * q.num_jobs
    whole = AssignmentProblem(
        job_ptr=np.array(ptr), agent_idx=np.array(agent), cost=np.array(cost), weight=np.array(weight),
        capacity=np.array(cap), is_optional=np.array(opt), unassigned_cost=np.array(unc),
        group_idx=np.array(grp), pinned_arc=np.array(pin),
    )
    one = solve(whole, stop=EXACT)
    many = solve(whole, params=AssignmentParams(chunk_arcs=1), stop=EXACT)
    parts_sum = sum(solve(q.replace(pinned_arc=np.full(q.num_jobs, -1)), stop=EXACT).objective for q in parts)
    assert one.status == many.status == Status.OPTIMAL
    assert one.objective == many.objective == parts_sum
    assert many.stats["blocks"] >= 4 and one.stats["blocks"] == 1
    assert vector_check(whole, many.job_arc) == (True, int(many.objective))


def test_greedy_takes_pinned_arc_of_optional_job_dearer_than_waiting() -> None:
    """A pinned optional job must take its arc even when leaving it out would be cheaper (the pinned arc is the
    only feasible choice), so the greedy backend must return that solution (regression: greedy used to leave
    the job out and the solve reported no_solution)."""
    inst, problem = _problem([[(0, 50, 1)]], [5], optional=[True], unassigned_cost=[10], pinned=[0])
    assert exhaustive(inst) == 50
    assert solve(problem, stop=EXACT).objective == 50  # the MIP gets it right
    res = solve(problem, params=GREEDY, stop=EXACT)
    assert res.is_feasible and res.job_arc.tolist() == [0]


def test_lp_and_fix_keeps_a_pinned_arc_of_zero_weight_at_zero_capacity() -> None:
    """Regression (found by the property test above): LP-and-fix's pricing LP left pins out, so a job pinned to an
    agent of capacity 0 by an arc of weight 0, with leaving it out as cheap, came back unassigned and the solve
    reported no solution although pinning it is feasible and optimal."""
    inst = Instance(arcs=((), ((0, 0, 0),), (), ()), capacity=(0,), optional=(True, True, True, True),
                    unassigned_cost=(0, 0, 0, 0), group=(0, -1, 0, 0), pinned=(-1, 0, -1, -1))
    assert exhaustive(inst) == 0
    res = solve(inst.to_problem(), params=LP_FIX, stop=EXACT, seed=0)
    assert res.is_feasible and res.status == Status.OPTIMAL
    assert res.objective == 0
    _check_result_consistency(inst, inst.to_problem(), res)
