"""Assignment engine: generalized assignment with side constraints."""

from optimizer.assignment.params import AssignmentParams
from optimizer.assignment.solve import solve

__all__ = ["AssignmentParams", "solve"]
