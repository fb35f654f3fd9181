"""The deployment core (optimizer/deployment): each constraint alone on hand-built problems (satisfied, violated,
boundary, then a solve with only that constraint), the objective's exact value, and optimality against
exhaustive search on random tiny problems."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from optimizer.deployment import DeploymentParams, DeploymentProblem, greedy, lp_relaxation, solve
from optimizer.deployment import constraints as C
from optimizer.result import Status
from optimizer.stop import Stop

LEAD, PARTNER = 0, 1


def problem(agent_class: list[int], arcs: list[list[int]], *, costs: list[list[int]] | None = None,
            places: list[list[int]] | None = None, weight: list[int] | None = None, groups: list[int] | None = None,
            penalty: list[int] | None = None, cover: list[int] | None = None, cover_bits: list[int] | None = None,
            can_lead: list[bool] | None = None, constraints: tuple[str, ...] = ()) -> DeploymentProblem:
    """Agents with their arc sites (sorted), one arc term ``cost``; defaults: 1 lead + 1 partner place per site,
    weight 1, one group, no penalty, no cover, everyone may lead."""
    num_sites = 1 + max((s for a in arcs for s in a), default=0)
    ptr = np.concatenate([[0], np.cumsum([len(a) for a in arcs])])
    cost = [c for row in (costs or [[0] * len(a) for a in arcs]) for c in row]
    return DeploymentProblem(
        agent_class=agent_class, agent_ptr=ptr, site_idx=[s for a in arcs for s in a],
        arc_term_cost=np.array(cost, dtype=np.int64).reshape(-1, 1), term_names=("cost",),
        site_group=groups or [0] * num_sites, site_places=places or [[1, 1]] * num_sites,
        site_weight=weight or [1] * num_sites, class_units=[2, 1], coverage_breaks=[3],
        coverage_slopes=[100, 40], site_no_lead_penalty=penalty or [0] * num_sites,
        is_lead_class=[True, False], is_partner_class=[False, True],
        site_cover=cover or [-1] * num_sites, agent_cover_bits=cover_bits or [0] * len(agent_class),
        agent_can_lead=can_lead if can_lead is not None else [True] * len(agent_class),
        num_groups=1 + max(groups or [0]), constraints=frozenset(constraints),
    )


def at(p: DeploymentProblem, sites: list[int]) -> np.ndarray:
    return p.arc_of(np.array(sites))


def lead(p: DeploymentProblem, *agents: int) -> np.ndarray:
    out = np.full(p.num_groups, -1)
    out[: len(agents)] = agents
    return out


def run(p: DeploymentProblem) -> tuple[np.ndarray, object]:
    r = solve(p, stop=Stop(time_limit_s=5))
    ev = p.evaluate(r.agent_arc, r.group_leader)
    assert ev.feasible and r.is_feasible
    assert ev.objective == r.objective
    return r.agent_site, r


# ---------------------------------------------------------------------------------------------------------------
# objective
# ---------------------------------------------------------------------------------------------------------------


def test_objective_is_arc_cost_minus_concave_coverage_plus_no_lead_penalty():
    """Two leads and two partners at one site (2+2 places): units 6 -> f = 3*100 + 3*40; weight 5."""
    p = problem([LEAD, LEAD, PARTNER, PARTNER], [[0], [0], [0], [0, 1]], costs=[[7], [1], [2], [3, 4]],
                places=[[2, 2], [1, 1]], weight=[5, 9], penalty=[0, 11])
    ev = p.evaluate(at(p, [0, 0, 0, 0]), lead(p, 0))
    assert ev.term_totals == {"cost": 13, "coverage": -5 * (300 + 120), "no_lead": 11}
    assert ev.objective == 13 - 2100 + 11
    # the coverage curve at a few unit counts (boundary at the break, 3 units)
    assert p.coverage_value(np.array([0, 1, 3, 4])).tolist() == [0, 100, 300, 340]


# ---------------------------------------------------------------------------------------------------------------
# one rule at a time
# ---------------------------------------------------------------------------------------------------------------


def test_one_site_per_agent():
    p = problem([LEAD, LEAD], [[0, 1], [0]], places=[[2, 1], [1, 1]])
    assert C.ONE_SITE_PER_AGENT not in p.evaluate(at(p, [1, 0]), lead(p, 0)).violations
    foreign = np.array([2, 2])  # agent 0 given agent 1's arc
    assert p.evaluate(foreign, lead(p, 0)).violations[C.ONE_SITE_PER_AGENT] == 1
    sites, _ = run(p)
    assert sites.tolist() == [0, 0] or sites.tolist() == [1, 0]


def test_site_places():
    p = problem([LEAD, LEAD, LEAD], [[0], [0], [0]], costs=[[5], [1], [3]], places=[[2, 1]])
    assert C.SITE_PLACES not in p.evaluate(at(p, [0, 0, -1]), lead(p, 0)).violations  # boundary: 2 of 2
    assert p.evaluate(at(p, [0, 0, 0]), lead(p, 0)).violations[C.SITE_PLACES] == 1
    sites, _ = run(p)
    assert sites.tolist() == [-1, 0, 0]  # the two cheapest fill the two places


def test_partner_with_lead():
    on = problem([LEAD, PARTNER], [[1], [0]], constraints=(C.PARTNER_WITH_LEAD,))
    assert on.evaluate(at(on, [-1, 0]), lead(on)).violations[C.PARTNER_WITH_LEAD] == 1
    both = problem([LEAD, PARTNER], [[0], [0]], constraints=(C.PARTNER_WITH_LEAD,))
    assert C.PARTNER_WITH_LEAD not in both.evaluate(at(both, [0, 0]), lead(both, 0)).violations  # 1 = 1
    sites, _ = run(on)
    assert sites.tolist() == [1, -1]  # the partner cannot serve alone at site 0
    sites, _ = run(on.replace(constraints=frozenset()))
    assert sites.tolist() == [1, 0]


def test_lead_with_partner():
    """A lead alone only when no partner can be had: here the only partner costs more than it brings."""
    p = problem([LEAD, PARTNER], [[0], [0]], costs=[[0], [150]], constraints=(C.LEAD_WITH_PARTNER,))
    alone = at(p, [0, -1])
    assert p.evaluate(alone, lead(p, 0)).violations[C.LEAD_WITH_PARTNER] == 1
    assert C.LEAD_WITH_PARTNER not in p.evaluate(at(p, [0, 0]), lead(p, 0)).violations
    # the partner placed elsewhere cannot be had: the lead may serve alone
    q = problem([LEAD, PARTNER], [[0], [0, 1]], costs=[[0], [150, 0]], constraints=(C.LEAD_WITH_PARTNER,))
    assert C.LEAD_WITH_PARTNER not in q.evaluate(at(q, [0, 1]), lead(q, 0)).violations
    # partner places full (boundary): a second lead may serve without a second partner
    r = problem([LEAD, LEAD, PARTNER, PARTNER], [[0], [0], [0], [0]], places=[[2, 1]],
                constraints=(C.LEAD_WITH_PARTNER,))
    assert C.LEAD_WITH_PARTNER not in r.evaluate(at(r, [0, 0, 0, -1]), lead(r, 0)).violations
    sites, res = run(p)
    assert sites.tolist() == [0, 0]  # pairing: 200 + 100 - 150 beats the lead alone (not allowed)
    assert res.objective == 150 - 300
    sites, res = run(p.replace(constraints=frozenset()))
    assert sites.tolist() == [0, -1] and res.objective == -200


def test_site_cover():
    p = problem([LEAD, PARTNER, PARTNER], [[0], [0], [0]], costs=[[0], [0], [50]], places=[[1, 1]], cover=[0],
                cover_bits=[0, 0, 1], constraints=(C.SITE_COVER,))
    assert p.evaluate(at(p, [0, 0, -1]), lead(p, 0)).violations[C.SITE_COVER] == 1
    assert C.SITE_COVER not in p.evaluate(at(p, [0, -1, 0]), lead(p, 0)).violations
    assert C.SITE_COVER not in p.evaluate(at(p, [-1, -1, -1]), lead(p)).violations  # nobody placed: nothing to cover
    sites, res = run(p)
    assert sites.tolist() == [0, -1, 0] and res.objective == 50 - 300
    sites, res = run(p.replace(constraints=frozenset()))
    assert sites.tolist() == [0, 0, -1]


def test_group_leader():
    p = problem([LEAD, PARTNER], [[0], [0]], can_lead=[False, True], constraints=(C.GROUP_LEADER,))
    assert p.evaluate(at(p, [0, 0]), lead(p)).violations[C.GROUP_LEADER] == 1  # no leader
    assert p.evaluate(at(p, [0, 0]), lead(p, 0)).violations[C.GROUP_LEADER] == 1  # may not lead
    assert p.evaluate(at(p, [0, -1]), lead(p, 1)).violations[C.GROUP_LEADER] == 1  # leader not placed
    assert C.GROUP_LEADER not in p.evaluate(at(p, [0, 0]), lead(p, 1)).violations
    nobody = problem([LEAD], [[0]], can_lead=[False], constraints=(C.GROUP_LEADER,))
    sites, res = run(nobody)
    assert sites.tolist() == [-1] and res.objective == 0  # a group without a possible leader stays empty
    sites, res = run(p)
    assert sites.tolist() == [0, 0] and res.group_leader.tolist() == [1]


def test_no_lead_penalty():
    p = problem([LEAD, PARTNER], [[0], [0]], costs=[[250], [0]], penalty=[300])
    assert p.evaluate(at(p, [-1, 0]), lead(p)).term_totals["no_lead"] == 300
    assert p.evaluate(at(p, [0, 0]), lead(p)).term_totals["no_lead"] == 0
    sites, res = run(p)
    assert sites.tolist() == [0, 0] and res.objective == 250 - 300


# ---------------------------------------------------------------------------------------------------------------
# validation, bound, greedy, exhaustive search
# ---------------------------------------------------------------------------------------------------------------


def test_validation_names_the_field():
    with pytest.raises(ValueError, match="coverage_slopes"):
        problem([LEAD], [[0]]).replace(coverage_slopes=np.array([10, 40]))
    with pytest.raises(ValueError, match="site_idx"):
        problem([LEAD], [[0]], places=[[0, 1]])  # an arc needs a place of the agent's class
    with pytest.raises(ValueError, match="constraints"):
        problem([LEAD], [[0]]).replace(constraints=frozenset({"nope"}))


def _random(rng: np.random.Generator, n: int, s: int) -> DeploymentProblem:
    cls = rng.integers(0, 2, n)
    arcs = [sorted(rng.choice(s, int(rng.integers(0, s + 1)), replace=False).tolist()) for _ in range(n)]
    return DeploymentProblem(
        agent_class=cls, agent_ptr=np.concatenate([[0], np.cumsum([len(a) for a in arcs])]),
        site_idx=[x for a in arcs for x in a], arc_term_cost=rng.integers(-5, 30, (sum(map(len, arcs)), 2)),
        term_names=("a", "b"), site_group=rng.integers(0, 2, s), site_places=1 + (rng.random((s, 2)) < 0.3),
        site_weight=rng.integers(0, 20, s), class_units=[2, 1], coverage_breaks=[3], coverage_slopes=[10, 4],
        site_no_lead_penalty=rng.integers(0, 30, s), is_lead_class=[True, False], is_partner_class=[False, True],
        site_cover=np.where(rng.random(s) < 0.5, 0, -1), agent_cover_bits=(rng.random(n) < 0.4).astype(int),
        agent_can_lead=rng.random(n) < 0.5, num_groups=2,
        constraints=frozenset(c for c in C.OPTIONAL_CONSTRAINTS if rng.random() < 0.7),
    )


def _exhaustive(p: DeploymentProblem) -> int:
    best = None
    options = [[-1, *range(p.agent_ptr[i], p.agent_ptr[i + 1])] for i in range(p.num_agents)]
    leaders = [[-1, *np.flatnonzero(p.agent_can_lead).tolist()] for _ in range(p.num_groups)]
    for combo in itertools.product(*options):
        for who in itertools.product(*leaders):
            ev = p.evaluate(np.array(combo), np.array(who))
            if ev.feasible and (best is None or ev.objective < best):
                best = ev.objective
    assert best is not None
    return best


def test_solver_matches_exhaustive_search_and_bound_is_valid():
    """On 40 random tiny problems (random subsets of the rules): the MIP optimum equals exhaustive search, the
    bound never exceeds it, the LP relaxation is a lower bound, and the greedy plan is feasible."""
    rng = np.random.default_rng(7)
    for _ in range(40):
        p = _random(rng, int(rng.integers(2, 6)), int(rng.integers(1, 4)))
        best = _exhaustive(p)
        r = solve(p, stop=Stop(time_limit_s=5))
        assert r.objective == best and r.bound <= best and r.status == Status.OPTIMAL
        assert lp_relaxation(p) <= best + 1e-6
        g_arc, g_leader = greedy(p)
        assert p.evaluate(g_arc, g_leader).feasible


def test_restricted_arc_method_keeps_a_valid_bound():
    """Forcing the LP + restricted-MIP path on small problems: plans feasible, bound <= exhaustive optimum."""
    rng = np.random.default_rng(11)
    params = DeploymentParams(direct_mip_arcs=0, restricted_arcs=2)
    for _ in range(25):
        p = _random(rng, int(rng.integers(3, 6)), 3)
        best = _exhaustive(p)
        r = solve(p, params=params, stop=Stop(time_limit_s=5))
        assert p.evaluate(r.agent_arc, r.group_leader).feasible
        assert r.bound <= best + 1e-6 <= r.objective + 1e-6


def test_restricted_problem_keeps_the_pairing_meaning():
    """Dropping a partner's arcs does not let a lead serve alone while that partner stays home."""
    p = problem([LEAD, PARTNER], [[0], [0]], costs=[[0], [150]], constraints=(C.LEAD_WITH_PARTNER,))
    sub, kept = p.without_arcs(np.array([False, True]))
    assert sub.num_arcs == 1 and kept.tolist() == [0]
    ev = sub.evaluate(np.array([0, -1]), np.array([0]))
    assert ev.violations.get(C.LEAD_WITH_PARTNER) == 1
    r = solve(sub, stop=Stop(time_limit_s=5))
    assert r.agent_site.tolist() == [-1, -1]
