"""Diving in column generation: fix whole staff rosters one by one, re-price the rest, backtrack on the best LP.

A converged master LP of a rostering problem is very tight (Curtois & Qu instance 8: LP 1,296.6, optimum 1,300),
but rounding it, or fixing the cells on which its columns agree, leaves rosters that the LNS cannot bring down to
it (instance 8 stops at 1,400-1,405: one seat that the LP fills in a way no local move finds). Branch-and-price
closes such gaps by branching on the LP and pricing again at every node (Burke and Curtois 2014, "New approaches to
nurse rostering benchmark instances"; Vanderbeck 2011, "Branching in branch-and-price: a generic scheme").
This module is its primal part, a dive with backtracking:

- at each node column generation runs again (``cg.run``) on the staff not yet fixed, for at most
  ``node_seconds``: the node's LP and a rounded roster (each staff member's heaviest column) follow;
- staff whose heaviest column weighs at least ``fix_weight`` are fixed to it, and so is the staff member whose
  heaviest column is the heaviest among the rest (branching on that column; the next ``width - 1`` columns of that
  staff member, by weight, are kept as open nodes);
- a node whose LP is not below the incumbent (integer objective: by at least one) is cut off, and the dive goes
  on from the open node of least LP (best bound first).
- optionally (``polish``), a node's rounded roster that keeps every rule is improved before it is scored (the
  solve uses two sweeps of staff-wise descent: the rounded columns rarely fit together exactly).

It is a heuristic search, not a proof: node LPs cut short by ``node_seconds`` are not bounds, and the branches on
one staff member's columns do not cover every roster. The solver knows nothing of what a staff member or a shift
is beyond the master's columns; ``objective`` scores a whole roster (``inf`` where it breaks a hard rule).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np

from optimizer.roster.columns import ColumnGeneration

FIX_WEIGHT = 0.6
"""Staff whose heaviest column weighs at least this are fixed to it along with the branching staff member (fewer
nodes per dive: on Curtois & Qu instance 8 a dive takes 20-25 s with 0.8 and 1.5 s per node, and 30 s hold 5-9
dives with 0.6 and 1 s)."""
NODE_SECONDS = 1.0
"""Column generation per node is cut off after this long (the dive's LPs need not be exact)."""
WIDTH = 2
"""Columns of the branching staff member tried, by weight: the heaviest now, the next ones as open nodes."""
TOLERANCE = 0.05
"""Nodes whose LP lies more than this share above the root's are set aside (best first among them, the share
doubling each time none is left below it): the master LP of these problems is within a few tenths of a percent
of the optimum (Curtois & Qu 8: 1,296.6 against 1,300), so a node far above it has taken a wrong turn."""
_ONE = 1.0 - 1e-6
_INF = highspy.kHighsInf


@dataclass
class DiveStats:
    """What a dive did: nodes solved, dives started (from the root or an open node), rosters it improved on."""

    nodes: int = 0
    dives: int = 0
    improved: int = 0
    trail: list[tuple[int, float]] = field(default_factory=list)
    """(node, objective) of each improving roster."""


class ColumnDive:
    """Dive with backtracking over the master of ``cg`` (see the module docstring).

    Parameters
    ----------
    cg : ColumnGeneration
        Column generation whose master has been solved (ideally to convergence); its columns are kept and grown.
    objective : callable
        Objective of a whole roster ``int [E, D]`` (shift or -1), ``inf`` where it breaks a hard rule.
    polish : callable, optional
        Improves a node's rounded roster that keeps every hard rule (e.g. a few sweeps of staff-wise descent)
        before it is scored; returns a roster no worse.
    """

    def __init__(self, cg: ColumnGeneration, objective: Callable[[np.ndarray], float], *,
                 fix_weight: float | None = None, node_seconds: float | None = None, width: int | None = None,
                 tolerance: float | None = None, polish: Callable[[np.ndarray], np.ndarray] | None = None) -> None:
        fix_weight = FIX_WEIGHT if fix_weight is None else fix_weight
        node_seconds = NODE_SECONDS if node_seconds is None else node_seconds
        width = WIDTH if width is None else width
        if not 0.5 < fix_weight <= 1.0:
            raise ValueError(f"fix_weight: must lie in (0.5, 1], not {fix_weight}")
        if node_seconds <= 0:
            raise ValueError(f"node_seconds: must be > 0, not {node_seconds}")
        if width < 1:
            raise ValueError(f"width: must be >= 1, not {width}")
        self.cg = cg
        self.objective = objective
        self.polish = polish
        self.fix_weight = fix_weight
        self.node_seconds = node_seconds
        self.width = width
        self.tolerance = TOLERANCE if tolerance is None else tolerance
        if self.tolerance <= 0:
            raise ValueError(f"tolerance: must be > 0, not {self.tolerance}")
        self.stats = DiveStats()

    def _owner(self) -> np.ndarray:
        return np.fromiter((c[0] for c in self.cg.columns), dtype=np.int64, count=len(self.cg.columns))

    def _apply(self, fixes: dict[int, int]) -> None:
        """Bounds of the master for the node ``fixes`` (staff -> column index); every other column is free."""
        cg = self.cg
        n = len(cg.columns)
        free_cols = np.arange(cg.num_fixed_cols, cg.num_fixed_cols + n, dtype=np.int32)
        cg.h.changeColsBounds(n, free_cols, np.zeros(n), np.full(n, _INF))
        artificial = np.arange(cg.first_column, cg.first_column + cg.E, dtype=np.int32)
        cg.h.changeColsBounds(cg.E, artificial, np.zeros(cg.E), np.full(cg.E, _INF))
        cg.active[:] = True
        if not fixes:
            return
        staff = np.fromiter(fixes.keys(), dtype=np.int64, count=len(fixes))
        chosen = np.fromiter(fixes.values(), dtype=np.int64, count=len(fixes))
        owner = self._owner()
        mine = np.flatnonzero(np.isin(owner, staff))
        cols = np.concatenate([cg.num_fixed_cols + mine, cg.first_column + staff]).astype(np.int32)
        lower = np.zeros(cols.size)
        lower[:mine.size] = np.isin(mine, chosen)
        cg.h.changeColsBounds(cols.size, cols, lower, lower.copy())
        cg.active[staff] = False

    def _heaviest(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per staff member the weight and index of their heaviest column; the column weights and owners."""
        cg = self.cg
        owner = self._owner()
        value = np.asarray(cg.h.getSolution().col_value)[cg.num_fixed_cols:cg.num_fixed_cols + owner.size]
        order = np.lexsort((-value, owner))  # by staff, heaviest first
        first = np.ones(order.size, dtype=bool)
        first[1:] = owner[order][1:] != owner[order][:-1]
        weight = np.full(cg.E, -1.0)
        column = np.full(cg.E, -1, dtype=np.int64)
        weight[owner[order][first]] = value[order][first]
        column[owner[order][first]] = order[first]
        return weight, column, value, owner

    def _rounded(self, column: np.ndarray) -> np.ndarray:
        return np.stack([self.cg.columns[j][1] for j in column.tolist()])

    def run(self, clock: Any, node_clock: Callable[[float], Any], incumbent: float = math.inf
            ) -> tuple[np.ndarray | None, float]:
        """Dive until ``clock.seconds_left()`` runs out or no open node is left; ``node_clock(seconds)`` makes the
        clock of one node's column generation (charged to ``clock`` by the caller's clocks). Returns the best
        roster found below ``incumbent`` (None if none) and its objective. The master is left at the root's bounds."""
        cg = self.cg
        best: np.ndarray | None = None
        best_obj = incumbent
        if not cg.columns or np.unique(self._owner()).size < cg.E:
            return best, best_obj  # a staff member without a roster: nothing to round
        count = 0
        root = cg.lp_value
        tolerance = self.tolerance
        open_nodes: list[tuple[float, int, dict[int, int]]] = [(root, count, {})]
        try:
            while open_nodes and clock.seconds_left() > 0.05:
                lp_open, _, fixes = heapq.heappop(open_nodes)
                if lp_open > best_obj - 1 + 1e-6:
                    continue
                while lp_open > root + tolerance * max(abs(root), 1.0):
                    tolerance *= 2  # nothing left near the root's LP: look further
                limit = min(best_obj - 1, root + tolerance * max(abs(root), 1.0)) + 1e-6
                self.stats.dives += 1
                self._apply(fixes)
                while clock.seconds_left() > 0.05:
                    self.stats.nodes += 1
                    if cg.active.any():
                        cg.run(node_clock(min(self.node_seconds, clock.seconds_left())))
                    else:
                        cg.h.run()
                    if cg.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                        break
                    lp = float(cg.h.getInfo().objective_function_value)
                    if lp > limit:
                        if lp <= best_obj - 1 + 1e-6:
                            count += 1
                            heapq.heappush(open_nodes, (lp, count, fixes))  # again if the tolerance grows
                        break
                    weight, column, value, owner = self._heaviest()
                    roster = self._rounded(column)
                    obj = self.objective(roster)
                    if self.polish is not None and math.isfinite(obj):
                        roster = self.polish(roster)
                        obj = self.objective(roster)
                    if obj < best_obj:
                        best, best_obj = roster, obj
                        self.stats.improved += 1
                        self.stats.trail.append((self.stats.nodes, obj))
                    free = np.flatnonzero(cg.active)
                    if free.size == 0 or np.all(weight[free] >= _ONE):
                        break  # an integer node: its roster was scored above
                    sure = free[weight[free] >= self.fix_weight]
                    unsure = free[weight[free] < self.fix_weight]
                    pick = int(unsure[np.argmax(weight[unsure])]) if unsure.size else int(free[np.argmin(weight[free])])
                    mine = np.flatnonzero((owner == pick) & (value > 1e-6))
                    ranked = mine[np.argsort(-value[mine], kind="stable")]
                    if ranked.size == 0:
                        break
                    fixes = dict(fixes)
                    fixes.update(zip(sure.tolist(), column[sure].tolist(), strict=True))
                    for j in ranked[1:self.width].tolist():
                        count += 1
                        heapq.heappush(open_nodes, (lp, count, {**fixes, pick: j}))
                    fixes[pick] = int(ranked[0])
                    self._apply(fixes)
        finally:
            self._apply({})
            cg.h.run()
            if cg.h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                cg.lp_value = float(cg.h.getInfo().objective_function_value)  # the root's again, not the last node's
        return best, best_obj
