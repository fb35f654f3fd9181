"""Solver-facing assignment problem: sparse arcs in CSR layout, numpy arrays only.

The optimizer knows jobs, agents, arcs, capacities and groups; it knows nothing of cases or lawyers.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np


def _as(name: str, value: object, dtype: type, ndim: int = 1) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-d array, got shape {arr.shape}")
    if arr.size and not np.can_cast(arr.dtype, dtype, casting="same_kind"):
        raise ValueError(f"{name}: expected {np.dtype(dtype).name} values, got {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=dtype)


@dataclass(frozen=True)
class AssignmentProblem:
    """A generalized assignment problem with side constraints (minimisation).

    Job ``j`` may only take one of its arcs ``job_ptr[j]:job_ptr[j+1]``; arc ``a`` goes to agent
    ``agent_idx[a]`` at ``cost[a]`` and uses ``weight[a]`` of the agent's ``capacity``.

    Attributes
    ----------
    job_ptr : int64 array, shape (num_jobs + 1,)
        CSR offsets of each job's arcs.
    agent_idx : int64 array, shape (num_arcs,)
        Agent of each arc.
    cost : int64 array, shape (num_arcs,)
        Cost of each arc (integer points).
    weight : int64 array, shape (num_arcs,)
        Load of each arc on its agent's capacity, >= 0.
    capacity : int64 array, shape (num_agents,)
        Capacity of each agent, >= 0.
    is_optional : bool array, shape (num_jobs,)
        Jobs that may stay unassigned at ``unassigned_cost``.
    unassigned_cost : int64 array, shape (num_jobs,)
        Cost of leaving an optional job unassigned.
    group_idx : int64 array, shape (num_jobs,)
        Conflict group of each job, -1 for none: an agent takes at most one job of a group.
    pinned_arc : int64 array, shape (num_jobs,)
        Arc a job must take, -1 for none.
    term_cost : int64 array, shape (num_arcs, num_terms), optional
        Breakdown of ``cost`` into named terms; rows sum to ``cost``.
    term_names : tuple of str
        Names of the columns of ``term_cost``.
    """

    job_ptr: np.ndarray
    agent_idx: np.ndarray
    cost: np.ndarray
    weight: np.ndarray
    capacity: np.ndarray
    is_optional: np.ndarray
    unassigned_cost: np.ndarray
    group_idx: np.ndarray
    pinned_arc: np.ndarray
    term_cost: np.ndarray | None = None
    term_names: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "job_ptr", _as("job_ptr", self.job_ptr, np.int64))
        set_(self, "agent_idx", _as("agent_idx", self.agent_idx, np.int64))
        set_(self, "cost", _as("cost", self.cost, np.int64))
        set_(self, "weight", _as("weight", self.weight, np.int64))
        set_(self, "capacity", _as("capacity", self.capacity, np.int64))
        set_(self, "is_optional", _as("is_optional", self.is_optional, np.bool_))
        set_(self, "unassigned_cost", _as("unassigned_cost", self.unassigned_cost, np.int64))
        set_(self, "group_idx", _as("group_idx", self.group_idx, np.int64))
        set_(self, "pinned_arc", _as("pinned_arc", self.pinned_arc, np.int64))
        if self.term_cost is not None:
            set_(self, "term_cost", _as("term_cost", self.term_cost, np.int64, ndim=2))
        self._validate()

    def _validate(self) -> None:
        ptr = self.job_ptr
        if ptr.size < 1 or ptr[0] != 0:
            raise ValueError("job_ptr: must start at 0")
        if np.any(np.diff(ptr) < 0):
            raise ValueError("job_ptr: must be non-decreasing")
        num_jobs, num_arcs = self.num_jobs, int(ptr[-1])
        for name in ("agent_idx", "cost", "weight"):
            if getattr(self, name).shape != (num_arcs,):
                raise ValueError(f"{name}: expected {num_arcs} entries (job_ptr[-1]), got {getattr(self, name).shape[0]}")
        for name in ("is_optional", "unassigned_cost", "group_idx", "pinned_arc"):
            if getattr(self, name).shape != (num_jobs,):
                raise ValueError(f"{name}: expected {num_jobs} entries (one per job), got {getattr(self, name).shape[0]}")
        if num_arcs and (self.agent_idx.min() < 0 or self.agent_idx.max() >= self.num_agents):
            raise ValueError(f"agent_idx: values must lie in [0, {self.num_agents})")
        if np.any(self.weight < 0):
            raise ValueError("weight: must be >= 0")
        if np.any(self.capacity < 0):
            raise ValueError("capacity: must be >= 0")
        if np.any(self.group_idx < -1):
            raise ValueError("group_idx: must be >= -1")
        pinned = self.pinned_arc >= 0
        if np.any(self.pinned_arc < -1):
            raise ValueError("pinned_arc: must be >= -1")
        if np.any(pinned):
            jobs = np.flatnonzero(pinned)
            arcs = self.pinned_arc[pinned]
            if np.any((arcs < ptr[jobs]) | (arcs >= ptr[jobs + 1])):
                raise ValueError("pinned_arc: a pinned arc must belong to its own job")
        if self.term_cost is not None:
            if self.term_cost.shape != (num_arcs, len(self.term_names)):
                raise ValueError("term_cost: expected shape (num_arcs, len(term_names))")
            if not np.array_equal(self.term_cost.sum(axis=1), self.cost):
                raise ValueError("term_cost: rows must sum to cost")

    @property
    def num_jobs(self) -> int:
        return int(self.job_ptr.shape[0] - 1)

    @property
    def num_agents(self) -> int:
        return int(self.capacity.shape[0])

    @property
    def num_arcs(self) -> int:
        return int(self.job_ptr[-1])

    @property
    def arc_job(self) -> np.ndarray:
        """Job of each arc (int64, length num_arcs)."""
        return np.repeat(np.arange(self.num_jobs, dtype=np.int64), np.diff(self.job_ptr))

    def replace(self, **changes: object) -> AssignmentProblem:
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def evaluate(self, job_arc: np.ndarray) -> tuple[int, bool]:
        """Objective and feasibility of a solution given as one arc (or -1) per job."""
        job_arc = np.asarray(job_arc, dtype=np.int64)
        assigned = job_arc >= 0
        feasible = bool(np.all(assigned | self.is_optional))
        arcs = job_arc[assigned]
        jobs = np.flatnonzero(assigned)
        if np.any((arcs < self.job_ptr[jobs]) | (arcs >= self.job_ptr[jobs + 1])):
            return 0, False
        load = np.bincount(self.agent_idx[arcs], weights=self.weight[arcs], minlength=self.num_agents)
        feasible &= bool(np.all(load <= self.capacity + 1e-9))
        pinned = self.pinned_arc >= 0
        feasible &= bool(np.all(job_arc[pinned] == self.pinned_arc[pinned]))
        grouped = assigned & (self.group_idx >= 0)
        if np.any(grouped):
            pairs = self.group_idx[grouped] * (self.num_agents + 1) + self.agent_idx[job_arc[grouped]]
            feasible &= bool(np.unique(pairs).size == pairs.size)
        objective = int(self.cost[arcs].sum() + self.unassigned_cost[~assigned].sum())
        return objective, feasible

    def without_arcs(self, drop: np.ndarray) -> tuple[AssignmentProblem, np.ndarray]:
        """A copy without the arcs where ``drop`` is true, and the old index of each kept arc.

        A pinned arc that is dropped unpins its job.
        """
        drop = np.asarray(drop, dtype=bool)
        if drop.shape != (self.num_arcs,):
            raise ValueError("drop: expected one flag per arc")
        keep = np.flatnonzero(~drop)
        new_index = np.full(self.num_arcs, -1, dtype=np.int64)
        new_index[keep] = np.arange(keep.size)
        counts = np.bincount(self.arc_job[keep], minlength=self.num_jobs)
        ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        pinned = np.where(self.pinned_arc >= 0, new_index[np.maximum(self.pinned_arc, 0)], -1)
        optional = self.is_optional | ((self.pinned_arc >= 0) & (pinned < 0))
        problem = dataclasses.replace(
            self,
            job_ptr=ptr,
            agent_idx=self.agent_idx[keep],
            cost=self.cost[keep],
            weight=self.weight[keep],
            pinned_arc=pinned,
            is_optional=optional,
            term_cost=None if self.term_cost is None else self.term_cost[keep],
        )
        return problem, keep
