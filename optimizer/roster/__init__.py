"""Generic shift-scheduling (roster) core: staff x days x shift types, solved with OR-Tools CP-SAT.

Public interface::

    from optimizer.roster import RosterProblem, RosterParams, solve, evaluate_schedule
    result = solve(problem, params=RosterParams(), stop=Stop(time_limit_s=60), seed=0)

The rules (hard first, then soft) are listed in ``RULES``; each has an id, default weight, unit, source,
a CP-SAT model face and a numpy evaluator.
"""

from optimizer.roster.evaluate import RULE_BY_ID, RULES, Evaluation, build_model, evaluate_schedule
from optimizer.roster.params import RosterParams
from optimizer.roster.problem import FREE, NO_LIMIT, OFF, UNKNOWN, RosterProblem
from optimizer.roster.result import RosterResult, Status
from optimizer.roster.rule import Matches, Rule
from optimizer.roster.solve import solve

__all__ = [
    "FREE",
    "NO_LIMIT",
    "OFF",
    "RULES",
    "RULE_BY_ID",
    "UNKNOWN",
    "Evaluation",
    "Matches",
    "RosterParams",
    "RosterProblem",
    "RosterResult",
    "Rule",
    "Status",
    "build_model",
    "evaluate_schedule",
    "solve",
]
