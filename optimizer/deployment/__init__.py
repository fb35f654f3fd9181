"""Deployment engine: place agents (volunteers) at sites (counties) with pairing, cover and group leaders.

Domain-free: it knows agents, sites, classes, groups and cover attributes, never lawyers or counties.
"""

from optimizer.deployment.greedy import greedy
from optimizer.deployment.params import DeploymentParams
from optimizer.deployment.problem import DeploymentProblem, Evaluation
from optimizer.deployment.solve import DeploymentResult, lp_relaxation, solve, solve_greedy

__all__ = [
    "DeploymentParams",
    "DeploymentProblem",
    "DeploymentResult",
    "Evaluation",
    "greedy",
    "lp_relaxation",
    "solve",
    "solve_greedy",
]
