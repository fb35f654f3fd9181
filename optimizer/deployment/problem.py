"""Solver-facing deployment problem: agents placed at sites along eligible arcs (CSR), numpy arrays only.

The core knows agents, sites, classes, groups and cover attributes; it knows nothing of volunteers, counties or
provinces. Model (minimisation, integer points)::

    minimise   sum_a cost[a] x[a]                                      (arc terms)
             - sum_s site_weight[s] * f(units[s])                      (concave coverage, slopes non-increasing)
             + sum_s site_no_lead_penalty[s] * [no lead-class agent at s]

    f(u) = sum_t coverage_slopes[t] * clip(u - start_t, 0, width_t),   start_0 = 0, breaks = coverage_breaks
    units[s] = sum of class_units[class(agent)] over the agents placed at s

subject to the structural rules (each agent at one site at most; places per site and class) and the optional
rules listed in :data:`optimizer.deployment.constraints.OPTIONAL_CONSTRAINTS` that are in ``constraints``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from optimizer.deployment import constraints as cons
from optimizer.deployment import objectives as obj


def _as(name: str, value: object, dtype: type, ndim: int = 1) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-d array, got shape {arr.shape}")
    if arr.size and not np.can_cast(arr.dtype, dtype, casting="same_kind"):
        raise ValueError(f"{name}: expected {np.dtype(dtype).name} values, got {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=dtype)


@dataclass(frozen=True)
class Evaluation:
    """Objective, per-term totals and hard-rule violations of one solution.

    Attributes
    ----------
    objective : int
        Total points (sum of ``term_totals``).
    term_totals : dict of str to int
        Arc terms by name, then ``coverage`` (<= 0) and ``no_lead`` (>= 0).
    violations : dict of str to int
        Number of violating entities per constraint id (only ids with at least one).
    """

    objective: int
    term_totals: dict[str, int]
    violations: dict[str, int]

    @property
    def feasible(self) -> bool:
        return not self.violations


@dataclass(frozen=True)
class DeploymentProblem:
    """Agents to sites with classes, places, pairing, cover and group leaders (minimisation).

    Attributes
    ----------
    agent_class : int64 array, shape (num_agents,)
        Class of each agent in ``[0, num_classes)``.
    agent_ptr : int64 array, shape (num_agents + 1,)
        CSR offsets: agent ``i`` may take arcs ``agent_ptr[i]:agent_ptr[i+1]``.
    site_idx : int64 array, shape (num_arcs,)
        Site of each arc; within an agent's arcs sites are strictly increasing.
    arc_term_cost : int64 array, shape (num_arcs, num_terms)
        Cost of each arc broken down into named terms (points); the arc cost is the row sum.
    term_names : tuple of str
        Names of the columns of ``arc_term_cost``.
    site_group : int64 array, shape (num_sites,)
        Group (team) of each site in ``[0, num_groups)``.
    site_places : int64 array, shape (num_sites, num_classes)
        Places per site and class, >= 0.
    site_weight : int64 array, shape (num_sites,)
        Coverage weight of each site (points per unit of slope), >= 0.
    class_units : int64 array, shape (num_classes,)
        Coverage units one agent of each class brings, >= 0.
    coverage_breaks : int64 array, shape (num_segments - 1,)
        Unit counts where the coverage slope changes; strictly increasing, > 0.
    coverage_slopes : int64 array, shape (num_segments,)
        Points per unit (times ``site_weight``) on each segment; non-increasing, >= 0 (concavity).
    site_no_lead_penalty : int64 array, shape (num_sites,)
        Points charged when no lead-class agent is placed at the site, >= 0.
    is_lead_class, is_partner_class : bool arrays, shape (num_classes,)
        Classes that lead a pair and classes that partner a lead (disjoint).
    site_cover : int64 array, shape (num_sites,)
        Cover attribute a site needs (bit index in ``agent_cover_bits``), -1 for none.
    agent_cover_bits : int64 array, shape (num_agents,)
        Bit ``k`` set when the agent has cover attribute ``k`` (0 <= k < 63).
    agent_can_lead : bool array, shape (num_agents,)
        Agents who may be a group's leader.
    num_groups : int
        Number of groups.
    constraints : frozenset of str
        Optional constraints in force (ids of :data:`~optimizer.deployment.constraints.OPTIONAL_CONSTRAINTS`).
    pairing_keys : int64 array or None
        Sorted keys ``agent * num_sites + site`` of the partner-class agents that count as "could be had" for
        a site in ``lead_with_partner``; None (default) means the partner arcs themselves. A problem restricted
        to fewer arcs keeps the full list so the rule keeps its meaning.
    """

    agent_class: np.ndarray
    agent_ptr: np.ndarray
    site_idx: np.ndarray
    arc_term_cost: np.ndarray
    term_names: tuple[str, ...]
    site_group: np.ndarray
    site_places: np.ndarray
    site_weight: np.ndarray
    class_units: np.ndarray
    coverage_breaks: np.ndarray
    coverage_slopes: np.ndarray
    site_no_lead_penalty: np.ndarray
    is_lead_class: np.ndarray
    is_partner_class: np.ndarray
    site_cover: np.ndarray
    agent_cover_bits: np.ndarray
    agent_can_lead: np.ndarray
    num_groups: int
    constraints: frozenset[str] = field(default_factory=lambda: frozenset(cons.OPTIONAL_CONSTRAINTS))
    pairing_keys: np.ndarray | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        for name in ("agent_class", "agent_ptr", "site_idx", "site_group", "site_weight", "class_units",
                     "coverage_breaks", "coverage_slopes", "site_no_lead_penalty", "site_cover", "agent_cover_bits"):
            set_(self, name, _as(name, getattr(self, name), np.int64))
        set_(self, "arc_term_cost", _as("arc_term_cost", self.arc_term_cost, np.int64, ndim=2))
        set_(self, "site_places", _as("site_places", self.site_places, np.int64, ndim=2))
        for name in ("is_lead_class", "is_partner_class", "agent_can_lead"):
            set_(self, name, _as(name, getattr(self, name), np.bool_))
        set_(self, "term_names", tuple(self.term_names))
        set_(self, "constraints", frozenset(self.constraints))
        if self.pairing_keys is not None:
            set_(self, "pairing_keys", _as("pairing_keys", self.pairing_keys, np.int64))
        self._validate()

    # ---------------------------------------------------------------------------------------------------------
    # validation and sizes
    # ---------------------------------------------------------------------------------------------------------

    def _validate(self) -> None:
        n, s, c, a = self.num_agents, self.num_sites, self.num_classes, self.num_arcs
        ptr = self.agent_ptr
        if ptr.size < 1 or ptr[0] != 0 or np.any(np.diff(ptr) < 0):
            raise ValueError("agent_ptr: must start at 0 and be non-decreasing")
        if self.agent_class.shape != (n,) or (n and (self.agent_class.min() < 0 or self.agent_class.max() >= c)):
            raise ValueError(f"agent_class: expected {n} values in [0, {c})")
        if self.site_idx.shape != (a,) or (a and (self.site_idx.min() < 0 or self.site_idx.max() >= s)):
            raise ValueError(f"site_idx: expected {a} values in [0, {s})")
        if a:
            step = np.diff(self.site_idx)
            first = np.zeros(a, dtype=bool)
            first[ptr[:-1][np.diff(ptr) > 0]] = True
            if np.any((step <= 0) & ~first[1:]):
                raise ValueError("site_idx: sites of one agent must be strictly increasing")
        if self.arc_term_cost.shape != (a, len(self.term_names)):
            raise ValueError(f"arc_term_cost: expected shape ({a}, {len(self.term_names)})")
        if len(set(self.term_names)) != len(self.term_names) or {"coverage", "no_lead"} & set(self.term_names):
            raise ValueError("term_names: must be distinct and must not use the reserved names coverage, no_lead")
        if self.num_groups < 0:
            raise ValueError("num_groups: must be >= 0")
        if self.site_group.shape != (s,) or (s and (self.site_group.min() < 0 or self.site_group.max() >= self.num_groups)):
            raise ValueError(f"site_group: expected {s} values in [0, {self.num_groups})")
        if np.any(self.site_places < 0):
            raise ValueError("site_places: must be >= 0")
        for name in ("site_weight", "site_no_lead_penalty"):
            arr = getattr(self, name)
            if arr.shape != (s,) or np.any(arr < 0):
                raise ValueError(f"{name}: expected {s} values >= 0")
        if self.class_units.shape != (c,) or np.any(self.class_units < 0):
            raise ValueError(f"class_units: expected {c} values >= 0")
        if self.coverage_slopes.shape != (self.coverage_breaks.size + 1,):
            raise ValueError("coverage_slopes: expected one more entry than coverage_breaks")
        if np.any(self.coverage_slopes < 0) or np.any(np.diff(self.coverage_slopes) > 0):
            raise ValueError("coverage_slopes: must be >= 0 and non-increasing (concave coverage)")
        if self.coverage_breaks.size and (self.coverage_breaks[0] <= 0 or np.any(np.diff(self.coverage_breaks) <= 0)):
            raise ValueError("coverage_breaks: must be > 0 and strictly increasing")
        for name in ("is_lead_class", "is_partner_class"):
            if getattr(self, name).shape != (c,):
                raise ValueError(f"{name}: expected {c} flags (one per class)")
        if np.any(self.is_lead_class & self.is_partner_class):
            raise ValueError("is_partner_class: a class cannot be both lead and partner")
        if self.site_cover.shape != (s,) or np.any(self.site_cover < -1) or np.any(self.site_cover >= 63):
            raise ValueError(f"site_cover: expected {s} values in [-1, 63)")
        if self.agent_cover_bits.shape != (n,) or np.any(self.agent_cover_bits < 0):
            raise ValueError(f"agent_cover_bits: expected {n} values >= 0")
        if self.agent_can_lead.shape != (n,):
            raise ValueError(f"agent_can_lead: expected {n} flags")
        if a and np.any(self.site_places[self.site_idx, self.agent_class[self.arc_agent]] <= 0):
            raise ValueError("site_idx: an arc goes to a site with no place for the agent's class")
        if self.pairing_keys is not None and self.pairing_keys.size:
            keys = self.pairing_keys
            if np.any(np.diff(keys) <= 0) or keys[0] < 0 or keys[-1] >= n * max(s, 1):
                raise ValueError("pairing_keys: must be sorted, unique and lie in [0, num_agents * num_sites)")
            if not np.all(self.is_partner_class[self.agent_class[keys // max(s, 1)]]):
                raise ValueError("pairing_keys: every key must name a partner-class agent")
        unknown = self.constraints - set(cons.OPTIONAL_CONSTRAINTS)
        if unknown:
            raise ValueError(f"constraints: unknown id(s) {sorted(unknown)}; known: {', '.join(cons.OPTIONAL_CONSTRAINTS)}")

    @property
    def num_agents(self) -> int:
        return int(self.agent_ptr.shape[0] - 1)

    @property
    def num_sites(self) -> int:
        return int(self.site_group.shape[0])

    @property
    def num_classes(self) -> int:
        return int(self.class_units.shape[0])

    @property
    def num_arcs(self) -> int:
        return int(self.agent_ptr[-1])

    @property
    def arc_agent(self) -> np.ndarray:
        """Agent of each arc (int64, length num_arcs)."""
        return np.repeat(np.arange(self.num_agents, dtype=np.int64), np.diff(self.agent_ptr))

    @property
    def arc_cost(self) -> np.ndarray:
        """Total cost of each arc (int64)."""
        return self.arc_term_cost.sum(axis=1)

    @property
    def arc_class(self) -> np.ndarray:
        return self.agent_class[self.arc_agent]

    @property
    def arc_covers(self) -> np.ndarray:
        """Whether the agent of each arc has the cover attribute its site needs (True where none is needed)."""
        need = self.site_cover[self.site_idx]
        bits = self.agent_cover_bits[self.arc_agent]
        return (need < 0) | ((bits >> np.maximum(need, 0)) & 1).astype(bool)

    @property
    def partner_keys(self) -> np.ndarray:
        """Keys ``agent * num_sites + site`` of the partners that count for ``lead_with_partner`` (sorted)."""
        if self.pairing_keys is not None:
            return self.pairing_keys
        arc_agent = self.arc_agent
        partner = self.is_partner_class[self.agent_class[arc_agent]]
        return arc_agent[partner] * np.int64(max(self.num_sites, 1)) + self.site_idx[partner]

    def without_arcs(self, drop: np.ndarray) -> tuple[DeploymentProblem, np.ndarray]:
        """A copy without the arcs where ``drop`` is true (the pairing list is kept whole), and the old index
        of each kept arc."""
        drop = np.asarray(drop, dtype=bool)
        if drop.shape != (self.num_arcs,):
            raise ValueError("drop: expected one flag per arc")
        keep = np.flatnonzero(~drop)
        counts = np.bincount(self.arc_agent[keep], minlength=self.num_agents)
        ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        sub = dataclasses.replace(self, agent_ptr=ptr, site_idx=self.site_idx[keep],
                                  arc_term_cost=self.arc_term_cost[keep], pairing_keys=self.partner_keys)
        return sub, keep

    def replace(self, **changes: object) -> DeploymentProblem:
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def arc_of(self, agent_site: np.ndarray) -> np.ndarray:
        """Arc index of each agent's site (-1 where the agent has no site).

        Raises
        ------
        ValueError
            When an agent is given a site it has no arc to.
        """
        agent_site = np.asarray(agent_site, dtype=np.int64)
        if agent_site.shape != (self.num_agents,):
            raise ValueError(f"agent_site: expected {self.num_agents} entries")
        stride = np.int64(max(self.num_sites, 1))
        arc_key = self.arc_agent * stride + self.site_idx  # strictly increasing (agent-major, sites sorted)
        placed = np.flatnonzero(agent_site >= 0)
        key = placed * stride + agent_site[placed]
        pos = np.minimum(np.searchsorted(arc_key, key), max(self.num_arcs - 1, 0))
        found = (self.num_arcs > 0) & (arc_key[pos] == key) if self.num_arcs else np.zeros(placed.size, dtype=bool)
        if not np.all(found):
            bad = int(placed[np.argmin(found)])
            raise ValueError(f"agent_site: agent {bad} has no arc to site {int(agent_site[bad])}")
        out = np.full(self.num_agents, -1, dtype=np.int64)
        out[placed] = pos
        return out

    # ---------------------------------------------------------------------------------------------------------
    # objective
    # ---------------------------------------------------------------------------------------------------------

    def coverage_value(self, units: np.ndarray) -> np.ndarray:
        """f(units) per site: the concave piecewise-linear coverage before ``site_weight`` (int64)."""
        return obj.coverage_value(self, units)

    def site_counts(self, agent_arc: np.ndarray) -> np.ndarray:
        """Agents per site and class, shape (num_sites, num_classes)."""
        chosen = np.asarray(agent_arc, dtype=np.int64)
        chosen = chosen[chosen >= 0]
        counts = np.zeros((self.num_sites, self.num_classes), dtype=np.int64)
        np.add.at(counts, (self.site_idx[chosen], self.agent_class[self.arc_agent[chosen]]), 1)
        return counts

    def evaluate(self, agent_arc: np.ndarray, group_leader: np.ndarray) -> Evaluation:
        """Objective, term totals and violations of a solution.

        Parameters
        ----------
        agent_arc : int64 array, shape (num_agents,)
            Arc taken by each agent, -1 for none.
        group_leader : int64 array, shape (num_groups,)
            Leader agent of each group, -1 for none.
        """
        agent_arc = np.asarray(agent_arc, dtype=np.int64)
        group_leader = np.asarray(group_leader, dtype=np.int64)
        if agent_arc.shape != (self.num_agents,):
            raise ValueError(f"agent_arc: expected {self.num_agents} entries")
        if group_leader.shape != (self.num_groups,):
            raise ValueError(f"group_leader: expected {self.num_groups} entries")
        violations: dict[str, int] = {}
        bad_arc = cons.violations_one_site_per_agent(self, agent_arc, group_leader, np.zeros((0, 0)))
        if bad_arc:
            violations[cons.ONE_SITE_PER_AGENT] = bad_arc
            own = (agent_arc >= self.agent_ptr[:-1]) & (agent_arc < self.agent_ptr[1:])
            agent_arc = np.where(own, agent_arc, -1)
        counts = self.site_counts(agent_arc)
        for rule in cons.CONSTRAINTS:
            if rule.id == cons.ONE_SITE_PER_AGENT:
                continue
            if rule.id in cons.STRUCTURAL_CONSTRAINTS or rule.id in self.constraints:
                num = int(rule.violations(self, agent_arc, group_leader, counts))
                if num:
                    violations[rule.id] = num
        chosen = agent_arc[agent_arc >= 0]
        totals = {name: int(v) for name, v in zip(self.term_names, self.arc_term_cost[chosen].sum(axis=0), strict=True)}
        totals[obj.COVERAGE] = obj.total_coverage(self, counts)
        totals[obj.NO_LEAD] = obj.total_no_lead(self, counts)
        return Evaluation(objective=int(sum(totals.values())), term_totals=totals, violations=violations)
