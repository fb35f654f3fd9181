"""Registry of the roster rules (hard first, then soft) and evaluation of a given schedule."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from optimizer.roster.constraints import HARD_RULES
from optimizer.roster.model import RosterModel
from optimizer.roster.objectives import SOFT_TERMS
from optimizer.roster.problem import RosterProblem
from optimizer.roster.rule import Matches, Rule

RULES: tuple[Rule, ...] = HARD_RULES + SOFT_TERMS
"""All rules, hard first, then soft."""
RULE_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


def select_rules(rule_ids: Iterable[str] | None = None) -> tuple[Rule, ...]:
    """The registered rules with the given ids (all when ``None``), in registry order.

    Raises
    ------
    ValueError
        ``rule_ids: unknown rule ...`` for an id not in the registry.
    """
    if rule_ids is None:
        return RULES
    wanted = set(rule_ids)
    unknown = wanted - set(RULE_BY_ID)
    if unknown:
        raise ValueError(f"rule_ids: unknown rule(s) {sorted(unknown)}")
    return tuple(rule for rule in RULES if rule.id in wanted)


@dataclass(frozen=True)
class Evaluation:
    """A schedule judged by the evaluators.

    Attributes
    ----------
    objective : int
        Sum of the soft terms' points.
    term_totals : dict of str to int
        Points per soft term id.
    violations : dict of str to int
        Violations per hard rule id.
    matches : dict of str to Matches
        Per rule id, where it is broken or charges points.
    """

    objective: int
    term_totals: dict[str, int] = field(default_factory=dict)
    violations: dict[str, int] = field(default_factory=dict)
    matches: dict[str, Matches] = field(default_factory=dict)

    @property
    def is_feasible(self) -> bool:
        """No hard rule broken."""
        return not any(self.violations.values())


def check_schedule(problem: RosterProblem, schedule: np.ndarray) -> np.ndarray:
    """Validate the shape and dtype of a schedule; return it as int64 [E, D].

    Raises
    ------
    ValueError
        ``schedule: ...`` on a wrong shape or non-integer values.
    """
    arr = np.asarray(schedule)
    if arr.shape != (problem.num_staff, problem.num_days):
        raise ValueError(f"schedule: expected shape {(problem.num_staff, problem.num_days)}, got {arr.shape}")
    if arr.size and arr.dtype.kind not in "iu":
        raise ValueError(f"schedule: expected integer values, got {arr.dtype}")
    return arr.astype(np.int64)


def evaluate_schedule(
    problem: RosterProblem, schedule: np.ndarray, *, rule_ids: Iterable[str] | None = None
) -> Evaluation:
    """Evaluate every (selected) rule on ``schedule`` ([E, D] shift index or -1).

    Out-of-range shift values are reported by ``one_shift_per_day`` and treated as off by the other rules.
    """
    schedule = check_schedule(problem, schedule)
    bad = (schedule < -1) | (schedule >= problem.num_shifts)
    clean = np.where(bad, -1, schedule)
    terms: dict[str, int] = {}
    violations: dict[str, int] = {}
    matches: dict[str, Matches] = {}
    for rule in select_rules(rule_ids):
        found = rule.evaluate(problem, schedule if rule.id == "one_shift_per_day" else clean)
        matches[rule.id] = found
        if rule.hard:
            violations[rule.id] = len(found)
        else:
            terms[rule.id] = found.total
    return Evaluation(objective=int(sum(terms.values())), term_totals=terms, violations=violations, matches=matches)


def build_model(problem: RosterProblem, *, rule_ids: Iterable[str] | None = None) -> RosterModel:
    """The CP-SAT model of ``problem`` with the (selected) rules added and the objective installed."""
    m = RosterModel(problem)
    for rule in select_rules(rule_ids):
        rule.add(m)
    m.finish_objective()
    return m
