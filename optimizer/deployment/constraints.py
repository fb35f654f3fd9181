"""Hard rules of the deployment core, each with its two faces side by side.

Every rule is a :class:`Constraint` with a stable ``id``, a ``model`` face that adds its rows (and any helper
columns) to the MIP as COO triplets, and a ``violations`` face that counts violating entities of a solution
given as one arc (or -1) per agent. Columns ``0..num_arcs-1`` of the MIP are the arc variables ``x``.

Rules (the domain names them; see models/deployment/rules.py):

- ``one_site_per_agent`` (structural): sum of an agent's arcs <= 1.
- ``site_places`` (structural): agents of class c at site s <= site_places[s, c].
- ``partner_with_lead``: partner-class agents at a site <= lead-class agents there.
- ``lead_with_partner``: lead-class agents at a site <= partner-class agents there, unless no partner can be had
  for the site: its partner places are all taken, or every partner-class agent with an arc to it (or listed in
  ``pairing_keys``) is placed.
  Modelled with binaries ``surplus[s]`` (``leads - partners <= lead places * surplus[s]``) and ``full[s]``
  (``partner places * full[s] <= partners at s``), partner agents grouped by identical site sets, a binary
  ``exhausted[g]`` per group (``exhausted[g] <= placed`` for every agent of g) and
  ``surplus[s] <= exhausted[g] + full[s]`` for every group with an arc to ``s``.
- ``site_cover``: a site that needs a cover attribute and receives agents receives one who has it. Per site:
  agents without the attribute <= (all places - 1) * agents with it; per class c: agents of c without it <=
  site_places[s, c] * agents with it.
- ``group_leader``: every group with agents placed has exactly one leader, an agent who may lead, placed at a
  site of the group. Binary ``active[g]`` (arcs into g <= M active[g]) and ``leader[i, g]`` (sum = active[g],
  leader[i, g] <= arcs of i into g).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from optimizer.deployment.problem import DeploymentProblem

ONE_SITE_PER_AGENT = "one_site_per_agent"
SITE_PLACES = "site_places"
PARTNER_WITH_LEAD = "partner_with_lead"
LEAD_WITH_PARTNER = "lead_with_partner"
SITE_COVER = "site_cover"
GROUP_LEADER = "group_leader"

STRUCTURAL_CONSTRAINTS: tuple[str, ...] = (ONE_SITE_PER_AGENT, SITE_PLACES)
OPTIONAL_CONSTRAINTS: tuple[str, ...] = (PARTNER_WITH_LEAD, LEAD_WITH_PARTNER, SITE_COVER, GROUP_LEADER)

_EMPTY_I = np.zeros(0, dtype=np.int64)
_EMPTY_F = np.zeros(0, dtype=np.float64)


@dataclass(frozen=True)
class Block:
    """Rows (COO, global numbering) and helper columns one rule or term adds to the MIP."""

    rows: np.ndarray = field(default_factory=lambda: _EMPTY_I)
    cols: np.ndarray = field(default_factory=lambda: _EMPTY_I)
    vals: np.ndarray = field(default_factory=lambda: _EMPTY_F)
    row_lower: np.ndarray = field(default_factory=lambda: _EMPTY_F)
    row_upper: np.ndarray = field(default_factory=lambda: _EMPTY_F)
    col_cost: np.ndarray = field(default_factory=lambda: _EMPTY_F)
    col_lower: np.ndarray = field(default_factory=lambda: _EMPTY_F)
    col_upper: np.ndarray = field(default_factory=lambda: _EMPTY_F)
    col_integer: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    offset: float = 0.0

    @property
    def num_rows(self) -> int:
        return int(self.row_lower.shape[0])

    @property
    def num_cols(self) -> int:
        return int(self.col_cost.shape[0])


@dataclass(frozen=True)
class Context:
    """Arrays of the problem every builder needs, computed once per model."""

    arc_agent: np.ndarray
    arc_site: np.ndarray
    arc_class: np.ndarray
    arc_is_lead: np.ndarray
    arc_is_partner: np.ndarray
    arc_covers: np.ndarray

    @classmethod
    def of(cls, p: DeploymentProblem) -> Context:
        arc_agent = p.arc_agent
        arc_class = p.agent_class[arc_agent]
        return cls(
            arc_agent=arc_agent,
            arc_site=p.site_idx,
            arc_class=arc_class,
            arc_is_lead=p.is_lead_class[arc_class],
            arc_is_partner=p.is_partner_class[arc_class],
            arc_covers=p.arc_covers,
        )


def _le(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, upper: np.ndarray, **extra: object) -> Block:
    """A block of ``<= upper`` rows."""
    return Block(rows=rows.astype(np.int64), cols=cols.astype(np.int64), vals=vals.astype(np.float64),
                 row_lower=np.full(upper.shape[0], -np.inf), row_upper=upper.astype(np.float64), **extra)  # type: ignore[arg-type]


def _dense_rows(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique keys and the row number (0..k-1) of each entry."""
    uniq, inverse = np.unique(keys, return_inverse=True)
    return uniq, inverse.astype(np.int64)


# -------------------------------------------------------------------------------------------------------------
# one_site_per_agent
# -------------------------------------------------------------------------------------------------------------


def model_one_site_per_agent(p: DeploymentProblem, ctx: Context, first_row: int, first_col: int) -> Block:
    """Sum of each agent's arcs <= 1 (rows only for agents with two or more arcs)."""
    counts = np.diff(p.agent_ptr)
    uniq, row = _dense_rows(ctx.arc_agent[counts[ctx.arc_agent] >= 2])
    arcs = np.flatnonzero(counts[ctx.arc_agent] >= 2)
    return _le(row + first_row, arcs, np.ones(arcs.size), np.ones(uniq.size))


def violations_one_site_per_agent(p: DeploymentProblem, agent_arc: np.ndarray, group_leader: np.ndarray,
                                  counts: np.ndarray) -> int:
    """Agents given an arc that is not one of theirs (the one-arc-per-agent form allows no other violation)."""
    placed = agent_arc >= 0
    own = (agent_arc >= p.agent_ptr[:-1]) & (agent_arc < p.agent_ptr[1:])
    return int(np.sum(placed & ~own))


# -------------------------------------------------------------------------------------------------------------
# site_places
# -------------------------------------------------------------------------------------------------------------


def model_site_places(p: DeploymentProblem, ctx: Context, first_row: int, first_col: int) -> Block:
    """Agents of class c at site s <= places; rows only where the arcs could exceed the places."""
    key = ctx.arc_site * p.num_classes + ctx.arc_class
    uniq, inverse, num = np.unique(key, return_inverse=True, return_counts=True)
    places = p.site_places.ravel()[uniq]
    binding = num > places
    row_of = np.full(uniq.size, -1, dtype=np.int64)
    row_of[binding] = np.arange(int(binding.sum()))
    arcs = np.flatnonzero(binding[inverse])
    return _le(row_of[inverse[arcs]] + first_row, arcs, np.ones(arcs.size), places[binding])


def violations_site_places(p: DeploymentProblem, agent_arc: np.ndarray, group_leader: np.ndarray,
                           counts: np.ndarray) -> int:
    """(site, class) pairs holding more agents than places."""
    return int(np.sum(counts > p.site_places))


# -------------------------------------------------------------------------------------------------------------
# partner_with_lead
# -------------------------------------------------------------------------------------------------------------


def model_partner_with_lead(p: DeploymentProblem, ctx: Context, first_row: int, first_col: int) -> Block:
    """Partners at a site - leads at the site <= 0 (rows for sites with partner arcs)."""
    arcs = np.flatnonzero(ctx.arc_is_partner | ctx.arc_is_lead)
    has_partner = np.zeros(p.num_sites, dtype=bool)
    has_partner[ctx.arc_site[ctx.arc_is_partner]] = True
    arcs = arcs[has_partner[ctx.arc_site[arcs]]]
    uniq, row = _dense_rows(ctx.arc_site[arcs])
    vals = np.where(ctx.arc_is_partner[arcs], 1.0, -1.0)
    return _le(row + first_row, arcs, vals, np.zeros(uniq.size))


def violations_partner_with_lead(p: DeploymentProblem, agent_arc: np.ndarray, group_leader: np.ndarray,
                                 counts: np.ndarray) -> int:
    """Sites with more partner-class than lead-class agents."""
    leads = counts[:, p.is_lead_class].sum(axis=1)
    partners = counts[:, p.is_partner_class].sum(axis=1)
    return int(np.sum(partners > leads))


# -------------------------------------------------------------------------------------------------------------
# lead_with_partner
# -------------------------------------------------------------------------------------------------------------


def partner_groups(p: DeploymentProblem, ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """Partner-class agents that count for ``lead_with_partner`` grouped by identical site sets.

    Returns
    -------
    agent_group : int64 array, shape (num_agents,)
        Group of each partner-class agent that counts for some site, -1 otherwise.
    group_sites : bool array, shape (num_partner_groups, num_sites)
        Sites each group counts for.
    """
    agent_group = np.full(p.num_agents, -1, dtype=np.int64)
    keys = p.partner_keys
    if keys.size == 0:
        return agent_group, np.zeros((0, p.num_sites), dtype=bool)
    stride = max(p.num_sites, 1)
    agents, local = np.unique(keys // stride, return_inverse=True)
    dense = np.zeros((agents.size, p.num_sites), dtype=bool)
    dense[local, keys % stride] = True
    packed = np.packbits(dense, axis=1)
    _, first, inverse = np.unique(packed, axis=0, return_index=True, return_inverse=True)
    agent_group[agents] = inverse.ravel()
    return agent_group, dense[first]


def model_lead_with_partner(p: DeploymentProblem, ctx: Context, first_row: int, first_col: int) -> Block:
    """Rows (a) leads - partners - lead places * surplus[s] <= 0; (b) partner places * full[s] - partners <= 0;
    (c) surplus[s] - exhausted[g] - full[s] <= 0 for groups g with an arc to s; (d) exhausted[g] - placed(i) <= 0
    for every agent i of g. Columns: surplus, full (one per site with lead arcs each), exhausted (one per group)."""
    s = p.num_sites
    agent_group, group_sites = partner_groups(p, ctx)
    num_g = group_sites.shape[0]
    lead_places = p.site_places[:, p.is_lead_class].sum(axis=1)
    partner_places = p.site_places[:, p.is_partner_class].sum(axis=1)
    has_lead = np.zeros(s, dtype=bool)
    has_lead[ctx.arc_site[ctx.arc_is_lead]] = True
    sites = np.flatnonzero(has_lead)
    k = sites.size
    local = np.full(s, -1, dtype=np.int64)
    local[sites] = np.arange(k)
    col_surplus = first_col + np.arange(k)
    col_full = first_col + k + np.arange(k)
    col_exhausted = first_col + 2 * k + np.arange(num_g)
    pair_arcs = np.flatnonzero((ctx.arc_is_lead | ctx.arc_is_partner) & has_lead[ctx.arc_site])
    partner_arcs = pair_arcs[ctx.arc_is_partner[pair_arcs]]
    # (a)
    rows_a = np.concatenate([local[ctx.arc_site[pair_arcs]], np.arange(k)])
    cols_a = np.concatenate([pair_arcs, col_surplus])
    vals_a = np.concatenate([np.where(ctx.arc_is_lead[pair_arcs], 1.0, -1.0), -lead_places[sites].astype(np.float64)])
    # (b)
    rows_b = k + np.concatenate([np.arange(k), local[ctx.arc_site[partner_arcs]]])
    cols_b = np.concatenate([col_full, partner_arcs])
    vals_b = np.concatenate([partner_places[sites].astype(np.float64), -np.ones(partner_arcs.size)])
    # (c)
    gg, ss = np.nonzero(group_sites[:, sites]) if num_g else (_EMPTY_I, _EMPTY_I)
    nc = gg.size
    rows_c = 2 * k + np.repeat(np.arange(nc), 3)
    cols_c = np.stack([col_surplus[ss], col_exhausted[gg], col_full[ss]], axis=1).ravel()
    vals_c = np.tile([1.0, -1.0, -1.0], nc)
    # (d) one row per counted partner agent: exhausted[g(agent)] - arcs of the agent <= 0
    base_d = 2 * k + nc
    members = np.flatnonzero(agent_group >= 0)
    row_of_member = np.full(p.num_agents, -1, dtype=np.int64)
    row_of_member[members] = np.arange(members.size)
    garcs = np.flatnonzero(row_of_member[ctx.arc_agent] >= 0)
    rows_d = base_d + np.concatenate([row_of_member[ctx.arc_agent[garcs]], np.arange(members.size)])
    cols_d = np.concatenate([garcs, col_exhausted[agent_group[members]]])
    vals_d = np.concatenate([-np.ones(garcs.size), np.ones(members.size)])
    num_cols = 2 * k + num_g
    return _le(
        np.concatenate([rows_a, rows_b, rows_c, rows_d]) + first_row,
        np.concatenate([cols_a, cols_b, cols_c, cols_d]),
        np.concatenate([vals_a, vals_b, vals_c, vals_d]),
        np.zeros(base_d + members.size),
        col_cost=np.zeros(num_cols),
        col_lower=np.zeros(num_cols),
        col_upper=np.ones(num_cols),
        col_integer=np.ones(num_cols, dtype=bool),
    )


def violations_lead_with_partner(p: DeploymentProblem, agent_arc: np.ndarray, group_leader: np.ndarray,
                                 counts: np.ndarray) -> int:
    """Sites with more lead-class than partner-class agents while a partner can be had: a partner place is free
    and a partner-class agent that counts for the site (``partner_keys``) is unplaced."""
    leads = counts[:, p.is_lead_class].sum(axis=1)
    partners = counts[:, p.is_partner_class].sum(axis=1)
    partner_places = p.site_places[:, p.is_partner_class].sum(axis=1)
    surplus = (leads > partners) & (partners < partner_places)
    if not np.any(surplus):
        return 0
    keys = p.partner_keys
    stride = max(p.num_sites, 1)
    unplaced = agent_arc[keys // stride] < 0
    could_have = np.zeros(p.num_sites, dtype=bool)
    could_have[keys[unplaced] % stride] = True
    return int(np.sum(surplus & could_have))


# -------------------------------------------------------------------------------------------------------------
# site_cover
# -------------------------------------------------------------------------------------------------------------


def model_site_cover(p: DeploymentProblem, ctx: Context, first_row: int, first_col: int) -> Block:
    """Per site needing cover: agents without it <= (all places - 1) * agents with it; and per class c:
    agents of c without it <= places[s, c] * agents with it.

    Both are valid for integer plans (with a coverer present, the others take at most the remaining places);
    the per-site row is the strong one for sites of one or two places. Sites of three or more places also get a
    helper column ``cover[s]`` (agents with the attribute there) and one row per arc without it,
    ``x_a <= cover[s]``, so that a fraction of a coverer cannot open several agents in the LP.
    """
    needs = p.site_cover[ctx.arc_site] >= 0
    lacking = np.flatnonzero(needs & ~ctx.arc_covers)
    if lacking.size == 0:
        return Block()
    covering = np.flatnonzero(needs & ctx.arc_covers)
    num_c = p.num_classes
    # row keys: site * (num_classes + 1) + class for per-class rows, + num_classes for the per-site row
    stride = num_c + 1
    keys = np.concatenate([ctx.arc_site[lacking] * stride + ctx.arc_class[lacking], ctx.arc_site[lacking] * stride + num_c])
    uniq, row = _dense_rows(keys)
    lack_rows = row
    lack_cols = np.concatenate([lacking, lacking])
    row_site = uniq // stride
    row_class = uniq % stride
    total_places = p.site_places.sum(axis=1)
    coef = np.where(row_class == num_c, total_places[row_site] - 1,
                    p.site_places[row_site, np.minimum(row_class, num_c - 1)]).astype(np.float64)
    # each covering arc joins every row of its site
    site_rows_ptr = np.searchsorted(row_site, np.arange(p.num_sites + 1))
    start_of = site_rows_ptr[ctx.arc_site[covering]]
    per = site_rows_ptr[ctx.arc_site[covering] + 1] - start_of
    cov_arc = np.repeat(covering, per)
    cov_row = np.repeat(start_of, per) + (np.arange(cov_arc.size) - np.repeat(np.cumsum(per) - per, per))
    rows = [lack_rows, cov_row]
    cols = [lack_cols, cov_arc]
    vals = [np.ones(lack_cols.size), -coef[cov_row]]
    upper = [np.zeros(uniq.size)]
    lower = [np.full(uniq.size, -np.inf)]
    # Sites with three or more places: a helper column cover[s] = agents with the attribute at s, and one row
    # per arc without it: x_a <= cover[s] (the aggregated rows let a fraction of a coverer open several agents).
    big = np.flatnonzero(total_places >= 3)
    big_lacking = lacking[np.isin(ctx.arc_site[lacking], big)]
    num_cols = 0
    if big_lacking.size:
        sites_b = np.unique(ctx.arc_site[big_lacking])
        col_of = np.full(p.num_sites, -1, dtype=np.int64)
        col_of[sites_b] = first_col + np.arange(sites_b.size)
        num_cols = sites_b.size
        base = uniq.size
        # definition rows: cover[s] - sum covering x at s = 0
        cov_b = covering[col_of[ctx.arc_site[covering]] >= 0]
        local = col_of[ctx.arc_site[cov_b]] - first_col
        rows += [base + np.arange(sites_b.size), base + local]
        cols += [col_of[sites_b], cov_b]
        vals += [np.ones(sites_b.size), -np.ones(cov_b.size)]
        lower.append(np.zeros(sites_b.size))
        upper.append(np.zeros(sites_b.size))
        # per-arc rows
        base2 = base + sites_b.size
        k = big_lacking.size
        rows += [base2 + np.arange(k), base2 + np.arange(k)]
        cols += [big_lacking, col_of[ctx.arc_site[big_lacking]]]
        vals += [np.ones(k), -np.ones(k)]
        lower.append(np.full(k, -np.inf))
        upper.append(np.zeros(k))
    return Block(
        rows=np.concatenate(rows).astype(np.int64) + first_row, cols=np.concatenate(cols).astype(np.int64),
        vals=np.concatenate(vals).astype(np.float64), row_lower=np.concatenate(lower), row_upper=np.concatenate(upper),
        col_cost=np.zeros(num_cols), col_lower=np.zeros(num_cols), col_upper=np.full(num_cols, np.inf),
        col_integer=np.zeros(num_cols, dtype=bool),
    )


def violations_site_cover(p: DeploymentProblem, agent_arc: np.ndarray, group_leader: np.ndarray,
                          counts: np.ndarray) -> int:
    """Sites that need a cover attribute, receive agents, and receive none who has it."""
    chosen = agent_arc[agent_arc >= 0]
    covered = np.zeros(p.num_sites, dtype=bool)
    covered[p.site_idx[chosen][p.arc_covers[chosen]]] = True
    receives = counts.sum(axis=1) > 0
    return int(np.sum((p.site_cover >= 0) & receives & ~covered))


# -------------------------------------------------------------------------------------------------------------
# group_leader
# -------------------------------------------------------------------------------------------------------------


def leader_candidates(p: DeploymentProblem, ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """(agent, group) pairs where the agent may lead and has an arc into the group (sorted, unique)."""
    arcs = np.flatnonzero(p.agent_can_lead[ctx.arc_agent])
    key = ctx.arc_agent[arcs] * np.int64(max(p.num_groups, 1)) + p.site_group[ctx.arc_site[arcs]]
    uniq = np.unique(key)
    return uniq // max(p.num_groups, 1), uniq % max(p.num_groups, 1)


def model_group_leader(p: DeploymentProblem, ctx: Context, first_row: int, first_col: int) -> Block:
    """Columns active[g] (one per group) then leader[k] (one per candidate (agent, group)); rows:
    arcs into g - M_g active[g] <= 0; sum_k leader[k] - active[g] = 0; leader[k] - arcs of its agent into g <= 0."""
    g = p.num_groups
    arc_group = p.site_group[ctx.arc_site]
    cand_agent, cand_group = leader_candidates(p, ctx)
    k = cand_agent.size
    col_active = first_col + np.arange(g)
    col_leader = first_col + g + np.arange(k)
    places_g = np.bincount(p.site_group, weights=p.site_places.sum(axis=1), minlength=g)
    agent_group_key = np.unique(ctx.arc_agent * np.int64(max(g, 1)) + arc_group)
    agents_g = np.bincount(agent_group_key % max(g, 1), minlength=g)
    big_m = np.minimum(places_g, agents_g).astype(np.float64)
    # (a) arcs into g <= M_g active[g]
    rows_a = np.concatenate([arc_group, np.arange(g)])
    cols_a = np.concatenate([np.arange(p.num_arcs), col_active])
    vals_a = np.concatenate([np.ones(p.num_arcs), -big_m])
    # (b) sum leader - active = 0
    base_b = g
    rows_b = base_b + np.concatenate([cand_group, np.arange(g)])
    cols_b = np.concatenate([col_leader, col_active])
    vals_b = np.concatenate([np.ones(k), -np.ones(g)])
    # (c) leader[k] - arcs of agent into group <= 0
    base_c = base_b + g
    cand_key = cand_agent * np.int64(max(g, 1)) + cand_group
    arc_key = ctx.arc_agent * np.int64(max(g, 1)) + arc_group
    pos = np.searchsorted(cand_key, arc_key)
    pos_c = np.minimum(pos, max(k - 1, 0))
    match = (k > 0) & (cand_key[pos_c] == arc_key) if k else np.zeros(p.num_arcs, dtype=bool)
    arcs_c = np.flatnonzero(match)
    rows_c = base_c + np.concatenate([np.arange(k), pos_c[arcs_c]])
    cols_c = np.concatenate([col_leader, arcs_c])
    vals_c = np.concatenate([np.ones(k), -np.ones(arcs_c.size)])
    lower = np.concatenate([np.full(g, -np.inf), np.zeros(g), np.full(k, -np.inf)])
    upper = np.zeros(2 * g + k)
    return Block(
        rows=np.concatenate([rows_a, rows_b, rows_c]).astype(np.int64) + first_row,
        cols=np.concatenate([cols_a, cols_b, cols_c]).astype(np.int64),
        vals=np.concatenate([vals_a, vals_b, vals_c]),
        row_lower=lower, row_upper=upper,
        col_cost=np.zeros(g + k), col_lower=np.zeros(g + k), col_upper=np.ones(g + k),
        col_integer=np.ones(g + k, dtype=bool),
    )


def violations_group_leader(p: DeploymentProblem, agent_arc: np.ndarray, group_leader: np.ndarray,
                            counts: np.ndarray) -> int:
    """Groups with agents but no valid leader, or with a leader who may not lead or is not placed in the group."""
    has_agents = np.bincount(p.site_group, weights=counts.sum(axis=1), minlength=p.num_groups) > 0
    leader = group_leader
    named = leader >= 0
    valid = np.zeros(p.num_groups, dtype=bool)
    li = np.clip(leader, 0, max(p.num_agents - 1, 0))
    if p.num_agents:
        arc = agent_arc[li]
        placed_in = (arc >= 0) & (p.site_group[p.site_idx[np.maximum(arc, 0)]] == np.arange(p.num_groups)) \
            if p.num_arcs else np.zeros(p.num_groups, dtype=bool)
        valid = named & p.agent_can_lead[li] & placed_in
    bad = (has_agents & ~valid) | (named & ~valid)
    return int(np.sum(bad))


# -------------------------------------------------------------------------------------------------------------
# registry
# -------------------------------------------------------------------------------------------------------------

ModelFn = Callable[["DeploymentProblem", Context, int, int], Block]
ViolationFn = Callable[["DeploymentProblem", np.ndarray, np.ndarray, np.ndarray], int]


@dataclass(frozen=True)
class Constraint:
    """A hard rule of the core: stable id, model face, violation face."""

    id: str
    model: ModelFn
    violations: ViolationFn


CONSTRAINTS: tuple[Constraint, ...] = (
    Constraint(ONE_SITE_PER_AGENT, model_one_site_per_agent, violations_one_site_per_agent),
    Constraint(SITE_PLACES, model_site_places, violations_site_places),
    Constraint(PARTNER_WITH_LEAD, model_partner_with_lead, violations_partner_with_lead),
    Constraint(LEAD_WITH_PARTNER, model_lead_with_partner, violations_lead_with_partner),
    Constraint(SITE_COVER, model_site_cover, violations_site_cover),
    Constraint(GROUP_LEADER, model_group_leader, violations_group_leader),
)
