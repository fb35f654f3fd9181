"""Rule descriptors and the matches their evaluators return."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from optimizer.roster.model import RosterModel
    from optimizer.roster.problem import RosterProblem


@dataclass(frozen=True, eq=False)
class Matches:
    """Where a rule is broken or a term charges points, one row per match (all int64 arrays, -1 = n/a).

    Attributes
    ----------
    staff, day, shift, group : int64 arrays [M]
        The entities of each match (``group``: fairness or budget group).
    amount : int64 array [M]
        Points of a soft term, or 1 per violation of a hard rule.
    """

    staff: np.ndarray
    day: np.ndarray
    shift: np.ndarray
    group: np.ndarray
    amount: np.ndarray

    @property
    def total(self) -> int:
        """Sum of ``amount``."""
        return int(self.amount.sum())

    def __len__(self) -> int:
        return int(self.amount.shape[0])


def make_matches(
    amount: np.ndarray,
    *,
    staff: np.ndarray | None = None,
    day: np.ndarray | None = None,
    shift: np.ndarray | None = None,
    group: np.ndarray | None = None,
) -> Matches:
    """Build :class:`Matches`, keeping rows with a non-zero amount; missing entity arrays become -1."""
    amount = np.asarray(amount, dtype=np.int64).reshape(-1)
    keep = amount != 0
    n = amount.shape[0]

    def col(a: np.ndarray | None) -> np.ndarray:
        out = np.full(n, -1, dtype=np.int64) if a is None else np.broadcast_to(np.asarray(a, np.int64), (n,))
        return np.ascontiguousarray(out[keep])

    return Matches(staff=col(staff), day=col(day), shift=col(shift), group=col(group), amount=amount[keep])


@dataclass(frozen=True)
class Rule:
    """A hard rule or soft term of the roster core.

    Attributes
    ----------
    id : str
        Stable identifier shared by API, explanations and tests.
    hard : bool
        Hard rule (violations make a roster infeasible) or soft term (penalty points).
    default_weight : int or None
        Default points per unit of the problem field that weights a soft term; ``None`` for hard rules.
    unit : str
        What one unit of the term or one violation of the rule is.
    source : str
        Law, regulation, benchmark rule or named practice the rule comes from.
    add : callable
        Model face: ``add(model: RosterModel) -> None`` adds the rule to the CP-SAT model.
    evaluate : callable
        Evaluator: ``evaluate(problem, schedule) -> Matches``, vectorised numpy.
    """

    id: str
    hard: bool
    default_weight: int | None
    unit: str
    source: str
    add: Callable[[RosterModel], None]
    evaluate: Callable[[RosterProblem, np.ndarray], Matches]
