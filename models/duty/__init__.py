"""Duty-lawyer (值班律师) rosters: stations, duty lawyers, rules, compile, decode, outputs and the nightly job.

Flow: :mod:`models.duty.io` (files) -> :mod:`models.duty.domain` (inputs) -> :func:`compile_roster`
(``RosterProblem`` + index maps, rules of :mod:`models.duty.rules`) -> ``optimizer.roster.solve`` ->
:mod:`models.duty.decode` (roster, explanations) -> :mod:`models.duty.outputs` (station rosters, iCalendar,
change report) -> :func:`models.duty.nightly.nightly` (roll forward, freeze, repair).
"""

from models.duty.compile import Compiled, PublishedRoster, compile_roster
from models.duty.domain import (
    CountyBudget,
    DutyInputs,
    DutyLawyer,
    DutyRequest,
    Settings,
    ShiftDemand,
    Station,
    Weights,
    make_inputs,
)
from models.duty.io import read_inputs, write_inputs
from models.duty.rules import DUTY_RULES, RULE_BY_ID, DutyRule
from models.duty.service import DutyPlan, plan_roster

__all__ = [
    "DUTY_RULES",
    "RULE_BY_ID",
    "Compiled",
    "CountyBudget",
    "DutyInputs",
    "DutyLawyer",
    "DutyPlan",
    "DutyRequest",
    "DutyRule",
    "PublishedRoster",
    "Settings",
    "ShiftDemand",
    "Station",
    "Weights",
    "compile_roster",
    "make_inputs",
    "plan_roster",
    "read_inputs",
    "write_inputs",
]
