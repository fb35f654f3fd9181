"""What a roster solve returns: status, objective, bound, schedule and per-term totals."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from optimizer.result import Status, relative_gap

__all__ = ["RosterResult", "Status"]


@dataclass(frozen=True, eq=False)
class RosterResult:
    """Result of :func:`optimizer.roster.solve`.

    Attributes
    ----------
    status : Status
        ``optimal`` (objective equals bound), ``feasible``, ``infeasible`` (proven) or ``no_solution``.
    objective : float
        Total penalty points of ``schedule`` as evaluated by the numpy evaluators (``inf`` without one).
    bound : float
        Valid lower bound on the optimum (see ``bound_source``); ``-inf`` if none is known.
    runtime_s : float
        Wall-clock seconds of the solve.
    seed : int
        Seed the solve used.
    schedule : int64 array [E, D]
        Shift index worked by each staff member on each day, -1 off. All -1 without a solution.
    term_totals : dict of str to int
        Points of each soft term (by term id) in ``schedule``; they add up to ``objective``.
    violations : dict of str to int
        Number of violations of each hard rule (by rule id) in ``schedule``; all zero for a feasible roster.
        Only fixed assignments that contradict a hard rule can make them non-zero.
    bound_source : str
        Where ``bound`` comes from, e.g. ``"cp-sat full model"``, ``"cp-sat per component"``, ``"none"``.
    stats : dict of str to float
        Solver statistics (LNS rounds, improvements, components, variables, ...).
    """

    status: Status
    objective: float
    bound: float
    runtime_s: float
    seed: int
    schedule: np.ndarray
    term_totals: dict[str, int] = field(default_factory=dict)
    violations: dict[str, int] = field(default_factory=dict)
    bound_source: str = "none"
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """Relative gap (objective - bound) / max(1, |objective|); ``inf`` without objective or bound."""
        return relative_gap(self.objective, self.bound)

    @property
    def is_feasible(self) -> bool:
        """A schedule exists and breaks no hard rule."""
        return self.status in (Status.OPTIMAL, Status.FEASIBLE) and not any(self.violations.values())
