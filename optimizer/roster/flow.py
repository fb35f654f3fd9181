"""A min-cost-flow relaxation of the roster problem: a fast valid bound and a cover-optimal guide roster.

Network: source -> staff member (capacity: shifts left under ``max_total_shifts`` and the minutes limit)
-> (staff, day) cell (capacity 1: one shift a day) -> (day, shift) post -> sink. Post -> sink arcs carry the
convex cover penalty piece by piece (each person up to the minimum saves ``under_weight + ideal_short_weight``,
up to the ideal ``ideal_short_weight``; beyond it costs ``over_weight``, up to the seats). Per-cell terms
(requests, assignment weights, changes from the reference) are arc costs; fixed cells are constants.

Dropped, so the optimum is a lower bound of the roster problem: successions, consecutive-day and weekend
rules, per-type maxima, minimum minutes, budgets and the fairness terms (all >= 0). On loosely constrained
problems (many eligible staff, few sequence limits, as duty rosters over a province) the bound is close to
the optimum, and the flow itself (integral) is a good guide for the greedy construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from optimizer.roster import constraints as hard
from optimizer.roster import objectives as soft
from optimizer.roster.constraints import staffed
from optimizer.roster.evaluate import evaluate_schedule, select_rules
from optimizer.roster.problem import FREE, RosterProblem

_PER_CELL = (soft.SHIFT_ON_REQUESTS, soft.SHIFT_OFF_REQUESTS, soft.ASSIGNMENT_WEIGHT, soft.CHANGES_FROM_REFERENCE)
_COVER = (soft.UNDER_COVER, soft.IDEAL_SHORTFALL, soft.OVER_COVER)


@dataclass
class CoverArcs:
    """The candidate (staff, day, shift) arcs of the cover relaxations with their costs.

    ``constant`` + arc costs + cell costs (paid once per worked cell) + the cover pieces of each post
    (``first`` people save ``under + ideal`` weights each, the next ``second`` the ideal weight, ``third`` more
    cost the over weight, up to the seats) is the objective of a roster restricted to the kept terms.
    """

    ae: np.ndarray
    ad: np.ndarray
    as_: np.ndarray
    arc_cost: np.ndarray
    cell_cost: np.ndarray
    constant: int
    first: np.ndarray
    second: np.ndarray
    third: np.ndarray
    uw: np.ndarray
    iw: np.ndarray
    ow: np.ndarray
    cap_staff: np.ndarray
    fixed_sched: np.ndarray
    active: frozenset[str]


def cover_arcs(problem: RosterProblem, *, rule_ids: tuple[str, ...] | None = None) -> CoverArcs:
    """Arcs, per-cell and per-post costs and constants shared by the flow and LP relaxations (fixed cells are
    constants; per-cell terms of free cells become arc or cell costs)."""
    p = problem
    E, D, S = p.num_staff, p.num_days, p.num_shifts
    active = frozenset(r.id for r in select_rules(rule_ids))
    free = p.fixed == FREE
    fixed_sched = np.where(free, -1, p.fixed).astype(np.int64)
    # constants: per-cell terms on fixed cells
    constant = 0
    ev = evaluate_schedule(p, fixed_sched, rule_ids=[t for t in _PER_CELL if t in active])
    for tid in _PER_CELL:
        if tid in ev.matches:
            mt = ev.matches[tid]
            on_fixed = (mt.staff >= 0) & (mt.day >= 0)
            on_fixed[on_fixed] = ~free[mt.staff[on_fixed], mt.day[on_fixed]]
            constant += int(mt.amount[on_fixed].sum())
    # candidate arcs (e, d, s)
    cand = free & ~p.is_unavailable
    ok_es = p.is_allowed & (p.max_shifts_per_type > 0)
    e_idx, d_idx = np.nonzero(cand)
    rep = ok_es[e_idx].sum(axis=1)
    ae = np.repeat(e_idx, rep)
    ad = np.repeat(d_idx, rep)
    as_ = np.nonzero(ok_es[e_idx])[1]
    keep = p.cover_max[ad, as_] > 0
    ae, ad, as_ = ae[keep], ad[keep], as_[keep]
    # per-cell costs
    cell_cost = np.zeros((E, D), dtype=np.int64)  # cost of working at all on (e, d)
    arc_cost = np.zeros(ae.size, dtype=np.int64)
    if soft.ASSIGNMENT_WEIGHT in active:
        arc_cost += p.assign_weight[ae, as_]
    key = (ae * D + ad) * S + as_
    order = np.argsort(key)
    skey = key[order]

    def arc_of(e: np.ndarray, d: np.ndarray, s: np.ndarray) -> np.ndarray:
        k = (e * D + d) * S + s
        pos = np.minimum(np.searchsorted(skey, k), max(skey.size - 1, 0))
        hit = (skey.size > 0) & (skey[pos] == k) if skey.size else np.zeros(k.shape, bool)
        return np.where(hit, order[pos], -1)

    for kind, sign in (("on", -1), ("off", 1)):
        tid = soft.SHIFT_ON_REQUESTS if kind == "on" else soft.SHIFT_OFF_REQUESTS
        if tid not in active:
            continue
        e = getattr(p, f"{kind}_request_staff")
        d = getattr(p, f"{kind}_request_day")
        s = getattr(p, f"{kind}_request_shift")
        w = getattr(p, f"{kind}_request_weight")
        on_free = free[e, d]
        e, d, s, w = e[on_free], d[on_free], s[on_free], w[on_free]
        if kind == "on":
            constant += int(w.sum())  # paid unless granted
        anyshift = s < 0
        np.add.at(cell_cost, (e[anyshift], d[anyshift]), sign * w[anyshift])
        a = arc_of(e[~anyshift], d[~anyshift], s[~anyshift])
        np.add.at(arc_cost, a[a >= 0], sign * w[~anyshift][a >= 0])
    if soft.CHANGES_FROM_REFERENCE in active and p.change_weight:
        w = p.change_weight
        ref = p.reference
        given = (ref != FREE) & free
        e, d = np.nonzero(given & (ref == -1))
        np.add.at(cell_cost, (e, d), w)  # working where the reference was off
        e, d = np.nonzero(given & (ref >= 0))
        constant += w * e.size  # paid unless the same shift is kept
        a = arc_of(e, d, ref[e, d])
        np.add.at(arc_cost, a[a >= 0], -w)
    # cover: constant head-count from fixed cells and the convex penalty of the rest
    const_staffed = staffed(p, fixed_sched)
    uw = p.under_weight if soft.UNDER_COVER in active else np.zeros_like(p.under_weight)
    iw = p.ideal_short_weight if soft.IDEAL_SHORTFALL in active else np.zeros_like(p.ideal_short_weight)
    ow = p.over_weight if soft.OVER_COVER in active else np.zeros_like(p.over_weight)
    need_min = np.maximum(p.cover_min - const_staffed, 0)
    need_ideal = np.maximum(p.cover_ideal - const_staffed, 0)
    constant += int((uw * need_min).sum() + (iw * need_ideal).sum())
    constant += int((ow * np.maximum(const_staffed - p.cover_ideal, 0)).sum())
    seats = np.maximum(p.cover_max - const_staffed, 0) if hard.MAX_COVER in active else np.where(
        p.cover_max > 0, E, 0)
    worked_fixed = (fixed_sched >= 0).sum(axis=1)
    min_len = max(int(p.shift_minutes.min()), 1) if S else 1
    fixed_minutes = np.where(fixed_sched >= 0, p.shift_minutes[np.maximum(fixed_sched, 0)], 0).sum(axis=1)
    cap_staff = np.full(E, D, dtype=np.int64)
    if hard.MAX_TOTAL_SHIFTS in active:
        cap_staff = np.minimum(cap_staff, p.max_total_shifts - worked_fixed)
    if hard.MAX_TOTAL_MINUTES in active:
        cap_staff = np.minimum(cap_staff, (p.max_total_minutes - fixed_minutes) // min_len)
    cap_staff = np.clip(cap_staff, 0, D)
    posts_seats = seats.reshape(-1)
    first = np.minimum(need_min.reshape(-1), posts_seats)
    second = np.minimum(need_ideal.reshape(-1) - first, posts_seats - first).clip(0)
    third = (posts_seats - first - second).clip(0)
    return CoverArcs(ae, ad, as_, arc_cost, cell_cost, constant, first, second, third, uw, iw, ow, cap_staff,
                     fixed_sched, active)


def flow_relaxation(problem: RosterProblem, *, rule_ids: tuple[str, ...] | None = None
                    ) -> tuple[float, np.ndarray]:
    """Lower bound on the optimum and the flow's roster ``[E, D]`` (may break the dropped rules).

    Returns ``(-inf, fixed roster)`` when the flow solver fails.
    """
    p = problem
    E, D, S = p.num_staff, p.num_days, p.num_shifts
    ca = cover_arcs(p, rule_ids=rule_ids)
    ae, ad, as_, arc_cost, cell_cost, constant = ca.ae, ca.ad, ca.as_, ca.arc_cost, ca.cell_cost, ca.constant
    uw, iw, ow, cap_staff, fixed_sched = ca.uw, ca.iw, ca.ow, ca.cap_staff, ca.fixed_sched
    # nodes
    cells = np.unique(ae * D + ad)
    num_cells = cells.size
    src, sink = 0, 1
    staff_node = 2 + np.arange(E)
    cell_node = 2 + E + np.arange(num_cells)
    post_node_base = 2 + E + num_cells
    cell_of_arc = np.searchsorted(cells, ae * D + ad)
    flow = min_cost_flow.SimpleMinCostFlow()
    tails: list[np.ndarray] = []
    heads: list[np.ndarray] = []
    caps: list[np.ndarray] = []
    costs: list[np.ndarray] = []

    def arcs(t: np.ndarray, h: np.ndarray, c: np.ndarray, u: np.ndarray) -> None:
        tails.append(np.asarray(t, np.int64))
        heads.append(np.asarray(h, np.int64))
        caps.append(np.asarray(c, np.int64))
        costs.append(np.asarray(u, np.int64))

    supply = int(cap_staff.sum())
    arcs(np.full(E, src), staff_node, cap_staff, np.zeros(E))
    cell_e, cell_d = np.divmod(cells, D)
    arcs(staff_node[cell_e], cell_node, np.ones(num_cells), cell_cost[cell_e, cell_d])
    arcs(cell_node[cell_of_arc], post_node_base + ad * S + as_, np.ones(ae.size), arc_cost)
    posts = np.arange(D * S)
    pd, ps = np.divmod(posts, S)
    post_nodes = post_node_base + posts
    first, second = ca.first, ca.second
    third = np.minimum(ca.third, supply)
    arcs(post_nodes, np.full(posts.size, sink), first, -(uw + iw).reshape(-1))
    arcs(post_nodes, np.full(posts.size, sink), second, -iw.reshape(-1))
    arcs(post_nodes, np.full(posts.size, sink), third, ow[pd, ps])
    arcs(np.array([src]), np.array([sink]), np.array([supply]), np.array([0]))
    t = np.concatenate(tails)
    h = np.concatenate(heads)
    c = np.concatenate(caps)
    u = np.concatenate(costs)
    nonzero = c > 0
    arc_ids = flow.add_arcs_with_capacity_and_unit_cost(t[nonzero], h[nonzero], c[nonzero], u[nonzero])
    flow.set_node_supply(src, supply)
    flow.set_node_supply(sink, -supply)
    status = flow.solve()
    if status != flow.OPTIMAL:
        return -np.inf, fixed_sched
    bound = float(constant + flow.optimal_cost())
    # the roster carried by the flow
    offset = len(tails[0]) + len(tails[1])
    mask_before = nonzero[: offset + ae.size]
    shift_arcs = np.flatnonzero(nonzero[offset: offset + ae.size])
    ids = arc_ids[int(mask_before[:offset].sum()) + np.arange(shift_arcs.size)]
    used = flow.flows(ids) > 0
    schedule = fixed_sched.copy()
    chosen = shift_arcs[used]
    schedule[ae[chosen], ad[chosen]] = as_[chosen]
    return bound, schedule
