"""The "1+1" volunteer deployment: counties in need, volunteers, programme settings, rules, planning.

Flow: :mod:`~models.deployment.domain` (types) -> :mod:`~models.deployment.compile` (to the core problem) ->
:func:`optimizer.deployment.solve` -> :mod:`~models.deployment.decode` (plan, explanations, summaries).
"""

from models.deployment.compile import CompiledDeployment, compile_instance
from models.deployment.decode import DeploymentPlan, explain, metrics, solution_dict
from models.deployment.domain import County, DeploymentInstance, PairingAgreement, Settings, Volunteer
from models.deployment.io import read_instance, write_instance
from models.deployment.rules import HARD_RULES, SOFT_TERMS
from models.deployment.service import compare, plan_deployment, plan_greedy, write_outputs

__all__ = [
    "HARD_RULES",
    "SOFT_TERMS",
    "CompiledDeployment",
    "County",
    "DeploymentInstance",
    "DeploymentPlan",
    "PairingAgreement",
    "Settings",
    "Volunteer",
    "compare",
    "compile_instance",
    "explain",
    "metrics",
    "plan_deployment",
    "plan_greedy",
    "read_instance",
    "solution_dict",
    "write_instance",
    "write_outputs",
]
