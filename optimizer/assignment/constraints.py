"""Constraint rows of the assignment MIP, each built vectorised as COO triplets.

Every function returns ``(rows, cols, vals, lower, upper)`` with row numbers starting at ``first_row``.
Columns are the arcs of the block (0..num_arcs-1) followed by one slack per job (num_arcs + job).
"""

from __future__ import annotations

import numpy as np

Rows = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def assign_each_job_once(arc_job: np.ndarray, num_jobs: int, num_arcs: int, first_row: int) -> Rows:
    """Each job takes exactly one arc or its slack (the slack column is bounded to 0 for mandatory jobs)."""
    rows = np.concatenate([arc_job, np.arange(num_jobs)]) + first_row
    cols = np.concatenate([np.arange(num_arcs), num_arcs + np.arange(num_jobs)])
    vals = np.ones(rows.shape[0])
    ones = np.ones(num_jobs)
    return rows, cols, vals, ones, ones


def respect_capacity(agent: np.ndarray, weight: np.ndarray, capacity: np.ndarray, first_row: int) -> Rows:
    """Sum of weights on an agent at most its capacity; rows only where the agent's arcs could exceed it."""
    num_agents = capacity.shape[0]
    total = np.bincount(agent, weights=weight, minlength=num_agents)
    binding = np.flatnonzero(total > capacity)
    row_of_agent = np.full(num_agents, -1, dtype=np.int64)
    row_of_agent[binding] = np.arange(binding.size)
    keep = row_of_agent[agent] >= 0
    rows = row_of_agent[agent[keep]] + first_row
    cols = np.flatnonzero(keep)
    vals = weight[keep].astype(np.float64)
    cap = capacity[binding].astype(np.float64)
    return rows, cols, vals, np.full(binding.size, -np.inf), cap


def one_job_per_group_and_agent(arc_group: np.ndarray, agent: np.ndarray, num_agents: int, first_row: int) -> Rows:
    """An agent takes at most one job of a conflict group (arcs with group -1 are free)."""
    has = np.flatnonzero(arc_group >= 0)
    if has.size == 0:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty.astype(np.int64), empty, empty, empty
    key = arc_group[has] * np.int64(num_agents) + agent[has]
    uniq, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    shared = counts[inverse] >= 2
    kept_keys = np.flatnonzero(counts >= 2)
    row_of_key = np.full(uniq.size, -1, dtype=np.int64)
    row_of_key[kept_keys] = np.arange(kept_keys.size)
    rows = row_of_key[inverse[shared]] + first_row
    cols = has[shared]
    n = kept_keys.size
    return rows, cols, np.ones(cols.size), np.full(n, -np.inf), np.ones(n)
