"""Solver result: status, objective, bound, gap, and the chosen arcs."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np


class Status(StrEnum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    NO_SOLUTION = "no_solution"


def relative_gap(objective: float, bound: float) -> float:
    """(objective - bound) / max(1, |objective|), at least 0; ``inf`` without a finite objective and bound.
    The one definition of "gap" shared by every engine's result."""
    if not np.isfinite(objective) or not np.isfinite(bound):
        return float("inf")
    return max(0.0, (objective - bound) / max(1.0, abs(objective)))


@dataclass(frozen=True)
class Result:
    """What a solve returns.

    Attributes
    ----------
    status : Status
    objective : float
        Cost of the solution (inf without one).
    bound : float
        Valid lower bound on the optimum (LP or MIP dual bound).
    runtime_s : float
        Wall-clock seconds.
    seed : int
    job_arc : int64 array
        Arc chosen per job, -1 where unassigned.
    job_agent : int64 array
        Agent chosen per job, -1 where unassigned.
    term_totals : dict
        Sum of each named cost term over the chosen arcs, plus ``unassigned``.
    """

    status: Status
    objective: float
    bound: float
    runtime_s: float
    seed: int
    job_arc: np.ndarray
    job_agent: np.ndarray
    term_totals: dict[str, float] = field(default_factory=dict)
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """Relative gap (objective - bound) / max(1, |objective|); 0 when proven optimal."""
        return relative_gap(self.objective, self.bound)

    @property
    def is_feasible(self) -> bool:
        return self.status in (Status.OPTIMAL, Status.FEASIBLE)
