"""Generalized-assignment benchmark instances: reading, writing and seeded generation.

Two formats (see docs/formats.md, "GAP benchmark instances"), chosen by content:

- OR-Library GAP text: whitespace-separated integers. ``P`` then, per problem, ``m n``, the cost matrix
  (``m`` rows of ``n``: cost of job ``j`` on agent ``i``), the weight matrix (same shape) and ``m`` capacities.
  A file holding one problem may omit ``P`` (it then holds exactly ``2 + 2mn + m`` integers).
- Sparse JSON: ``{"sense", "agents": [{"capacity"}...], "jobs", "arcs": [[job, agent, cost, weight]...],
  "assign_all", "unassigned_cost"}``.

Generators follow the published rules of the classic hard types (Chu & Beasley 1997; Laguna et al. 1995):

- C: weights U[5, 25], costs U[10, 50], capacity 0.8 * sum of weights / m;
- D: weights U[1, 100], cost 111 - weight + U[-10, 10], same capacity;
- E: weight 1 - 10 ln U(0, 1], cost 1000 / weight - 10 U[0, 1], same capacity;

and a large sparse family shaped like the case-assignment engine's batches (``sparse_instance``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class InstanceError(ValueError):
    """A benchmark file that cannot be read; the message names the file and the reason."""


@dataclass(frozen=True)
class GapInstance:
    """One GAP problem in sparse form, in the file's own sense (min or max).

    Attributes
    ----------
    name : str
        File stem.
    problem : int
        1-based index of the problem within its file.
    sense : {"min", "max"}
    num_jobs : int
    capacity : int64 array (num_agents,)
    arc_job, arc_agent : int64 arrays (num_arcs,)
    arc_cost : float64 array (num_arcs,)
        Cost (min) or profit (max) of each arc, as in the file.
    arc_weight : int64 array (num_arcs,)
    assign_all : bool
        When false a job may stay out at ``unassigned_cost``.
    unassigned_cost : float
    """

    name: str
    problem: int
    sense: str
    num_jobs: int
    capacity: np.ndarray
    arc_job: np.ndarray
    arc_agent: np.ndarray
    arc_cost: np.ndarray
    arc_weight: np.ndarray
    assign_all: bool = True
    unassigned_cost: float = 0.0

    @property
    def num_agents(self) -> int:
        return int(self.capacity.shape[0])

    @property
    def num_arcs(self) -> int:
        return int(self.arc_job.shape[0])

    def objective(self, job_agent: list[int | None] | np.ndarray) -> tuple[float, bool]:
        """Objective (in the file's sense) and feasibility of one agent (or None) per job."""
        agent = np.array([-1 if a is None else int(a) for a in job_agent], dtype=np.int64)
        if agent.shape != (self.num_jobs,):
            return float("nan"), False
        key = self.arc_job * (self.num_agents + 1) + self.arc_agent
        order = np.argsort(key, kind="stable")
        assigned = agent >= 0
        want = np.flatnonzero(assigned) * (self.num_agents + 1) + agent[assigned]
        pos = np.searchsorted(key[order], want)
        pos = np.minimum(pos, max(0, key.size - 1))
        found = key.size > 0 and bool(np.all(key[order][pos] == want)) if want.size else True
        if not found:
            return float("nan"), False
        arcs = order[pos]
        load = np.bincount(self.arc_agent[arcs], weights=self.arc_weight[arcs], minlength=self.num_agents)
        feasible = bool(np.all(load <= self.capacity)) and (bool(np.all(assigned)) or not self.assign_all)
        value = float(self.arc_cost[arcs].sum()) + float(self.unassigned_cost) * int((~assigned).sum())
        return value, feasible


def read_instances(path: str | Path) -> list[GapInstance]:
    """All problems in ``path`` (format chosen by content: JSON if it starts with ``{``, else OR-Library text).

    Raises
    ------
    InstanceError
        Naming the file and what is wrong with it.
    """
    path = Path(path)
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise InstanceError(f"{path}: cannot read ({exc.strerror})") from exc
    stem = path.stem
    if text.lstrip()[:1] == b"{":
        return [_read_json(text, stem, path)]
    return _read_orlib(text, stem, path)


def _read_orlib(text: bytes, stem: str, path: Path) -> list[GapInstance]:
    try:
        values = np.array(text.split(), dtype=np.int64)
    except ValueError as exc:
        raise InstanceError(f"{path}: OR-Library GAP files hold whitespace-separated integers only ({exc})") from exc
    if values.size < 3:
        raise InstanceError(f"{path}: too short to hold a GAP problem ({values.size} integers)")
    m, n = int(values[0]), int(values[1])
    if m > 0 and n > 0 and values.size == 2 + 2 * m * n + m:
        return [_dense(values, 0, stem, 1, path)]
    count = int(values[0])
    if count < 1:
        raise InstanceError(f"{path}: first integer (number of problems) must be >= 1, got {count}")
    out: list[GapInstance] = []
    pos = 1
    for k in range(1, count + 1):
        if pos + 2 > values.size:
            raise InstanceError(f"{path}: problem {k}: file ends before its 'm n' line")
        inst = _dense(values, pos, stem, k, path)
        out.append(inst)
        pos += 2 + 2 * inst.num_agents * inst.num_jobs + inst.num_agents
    if pos != values.size:
        raise InstanceError(f"{path}: {values.size - pos} integers left after {count} problems")
    return out


def _dense(values: np.ndarray, pos: int, stem: str, k: int, path: Path) -> GapInstance:
    m, n = int(values[pos]), int(values[pos + 1])
    if m < 1 or n < 1:
        raise InstanceError(f"{path}: problem {k}: m and n must be >= 1, got m={m} n={n}")
    need = 2 + 2 * m * n + m
    if pos + need > values.size:
        raise InstanceError(f"{path}: problem {k}: needs {need} integers for m={m} n={n}, file has {values.size - pos}")
    body = values[pos + 2: pos + need]
    cost = body[: m * n].reshape(m, n)
    weight = body[m * n: 2 * m * n].reshape(m, n)
    capacity = body[2 * m * n:].copy()
    if np.any(weight < 0):
        raise InstanceError(f"{path}: problem {k}: weights must be >= 0")
    if np.any(capacity < 0):
        raise InstanceError(f"{path}: problem {k}: capacities must be >= 0")
    return GapInstance(
        name=stem, problem=k, sense="min", num_jobs=n, capacity=capacity,
        arc_job=np.repeat(np.arange(n, dtype=np.int64), m), arc_agent=np.tile(np.arange(m, dtype=np.int64), n),
        arc_cost=cost.T.ravel().astype(np.float64), arc_weight=weight.T.ravel().copy(),
    )


_ARCS = re.compile(rb'"arcs"\s*:\s*\[')


def _read_json(text: bytes, stem: str, path: Path) -> GapInstance:
    """Sparse JSON; the (large) arcs array is parsed by numpy, the rest by ``json``."""
    match = _ARCS.search(text)
    if match is None:
        raise InstanceError(f"{path}: arcs: missing (a list of [job, agent, cost, weight])")
    end = text.find(b"]]", match.end())
    if end < 0:
        empty = re.match(rb"\s*\]", text[match.end():])
        if empty is None:
            raise InstanceError(f"{path}: arcs: not a list of [job, agent, cost, weight]")
        end = match.end() + empty.end() - 1
        arcs = np.zeros((0, 4))
        rest = text[: match.start()] + b'"arcs": []' + text[end + 1:]
    else:
        inner = text[match.end(): end + 1]
        flat = inner.translate(None, b"[]").replace(b",", b" ")
        try:
            numbers = np.array(flat.split(), dtype=np.float64)
        except ValueError as exc:
            raise InstanceError(f"{path}: arcs: every entry must be [job, agent, cost, weight] numbers ({exc})") from exc
        if numbers.size % 4 or inner.count(b"[") != numbers.size // 4:
            raise InstanceError(f"{path}: arcs: every entry must have exactly 4 numbers [job, agent, cost, weight]")
        arcs = numbers.reshape(-1, 4)
        rest = text[: match.start()] + b'"arcs": []' + text[end + 2:]
    try:
        doc = json.loads(rest)
    except json.JSONDecodeError as exc:
        raise InstanceError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    sense = doc.get("sense", "min")
    if sense not in ("min", "max"):
        raise InstanceError(f"{path}: sense: must be 'min' or 'max', got {sense!r}")
    agents = doc.get("agents")
    if not isinstance(agents, list) or not all(isinstance(a, dict) and "capacity" in a for a in agents):
        raise InstanceError(f"{path}: agents: must be a list of {{\"capacity\": int}}")
    capacity = np.array([a["capacity"] for a in agents], dtype=np.int64)
    jobs = doc.get("jobs")
    if not isinstance(jobs, int) or jobs < 0:
        raise InstanceError(f"{path}: jobs: must be a non-negative integer, got {jobs!r}")
    job, agent = arcs[:, 0].astype(np.int64), arcs[:, 1].astype(np.int64)
    if np.any(arcs[:, :2] != np.floor(arcs[:, :2])):
        raise InstanceError(f"{path}: arcs: job and agent must be integers")
    if job.size and (job.min() < 0 or job.max() >= jobs):
        raise InstanceError(f"{path}: arcs: job index must lie in [0, {jobs})")
    if agent.size and (agent.min() < 0 or agent.max() >= capacity.size):
        raise InstanceError(f"{path}: arcs: agent index must lie in [0, {capacity.size})")
    weight = arcs[:, 3]
    if np.any(weight != np.floor(weight)) or np.any(weight < 0):
        raise InstanceError(f"{path}: arcs: weight must be a non-negative integer")
    assign_all = doc.get("assign_all", True)
    if not isinstance(assign_all, bool):
        raise InstanceError(f"{path}: assign_all: must be true or false")
    unassigned = doc.get("unassigned_cost", 0.0)
    if not isinstance(unassigned, int | float):
        raise InstanceError(f"{path}: unassigned_cost: must be a number")
    return GapInstance(
        name=stem, problem=1, sense=sense, num_jobs=jobs, capacity=capacity, arc_job=job, arc_agent=agent,
        arc_cost=arcs[:, 2].copy(), arc_weight=weight.astype(np.int64), assign_all=assign_all,
        unassigned_cost=float(unassigned),
    )


def write_orlib(path: str | Path, problems: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> None:
    """Write ``(cost[m, n], weight[m, n], capacity[m])`` problems as an OR-Library GAP file (with P first)."""
    lines = [str(len(problems))]
    for cost, weight, capacity in problems:
        m, n = cost.shape
        lines.append(f"{m} {n}")
        lines += [" ".join(map(str, row)) for row in np.asarray(cost, dtype=np.int64)]
        lines += [" ".join(map(str, row)) for row in np.asarray(weight, dtype=np.int64)]
        lines.append(" ".join(map(str, np.asarray(capacity, dtype=np.int64))))
    Path(path).write_text("\n".join(lines) + "\n")


def write_json(path: str | Path, instance: GapInstance) -> None:
    """Write ``instance`` in the sparse JSON format."""
    cost = instance.arc_cost
    cost_txt = cost.astype(np.int64).astype(str) if np.all(cost == np.round(cost)) else np.char.mod("%.6g", cost)
    arcs = ",".join(
        f"[{j},{a},{c},{w}]" for j, a, c, w in zip(instance.arc_job.tolist(), instance.arc_agent.tolist(),
                                                     cost_txt.tolist(), instance.arc_weight.tolist(), strict=True)
    )
    head = json.dumps({
        "sense": instance.sense, "agents": [{"capacity": int(c)} for c in instance.capacity],
        "jobs": instance.num_jobs, "assign_all": instance.assign_all, "unassigned_cost": instance.unassigned_cost,
    })
    Path(path).write_text(head[:-1] + ', "arcs": [' + arcs + "]}\n")


def classic_instance(kind: str, m: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(cost[m, n], weight[m, n], capacity[m])`` of type C, D or E by the published rules (minimisation)."""
    rng = np.random.default_rng(seed)
    if kind == "C":
        weight = rng.integers(5, 26, size=(m, n))
        cost = rng.integers(10, 51, size=(m, n))
    elif kind == "D":
        weight = rng.integers(1, 101, size=(m, n))
        cost = 111 - weight + rng.integers(-10, 11, size=(m, n))
    elif kind == "E":
        u = 1.0 - rng.random(size=(m, n))  # U(0, 1]
        weight = np.floor(1 - 10 * np.log(u)).astype(np.int64)
        cost = np.floor(1000 / weight - 10 * rng.random(size=(m, n))).astype(np.int64)
    else:
        raise ValueError(f"kind: must be C, D or E, got {kind!r}")
    capacity = np.floor(0.8 * weight.sum(axis=1) / m).astype(np.int64)
    return cost.astype(np.int64), weight.astype(np.int64), capacity


def sparse_instance(
    num_jobs: int = 20_000, num_agents: int = 2_000, *, arcs_per_job: int = 30, seed: int = 0,
    slack: float = 1.25, penalty: float = 10.0,
) -> GapInstance:
    """A large sparse instance shaped like a nation-day of case assignment.

    Agents and jobs are points in a 1,000 x 1,000 km square, jobs clustered around agents' towns; each job has
    arcs to ``arcs_per_job`` agents drawn from its 3 * ``arcs_per_job`` nearest. Cost = rounded distance in km
    plus U[0, 20] (a preference noise); weight U{1, 2, 3} per arc (agent-dependent); capacity of each agent =
    ``slack`` x the average load per agent (mean arc weight x jobs / agents), jittered +-25%. Jobs are optional at
    ``penalty`` x the largest arc cost.
    """
    rng = np.random.default_rng(seed)
    agent_xy = rng.random((num_agents, 2)) * 1000.0
    near = rng.integers(0, num_agents, size=num_jobs)
    job_xy = agent_xy[near] + rng.normal(0.0, 40.0, size=(num_jobs, 2))
    pool = 3 * arcs_per_job
    arc_agent = np.empty((num_jobs, arcs_per_job), dtype=np.int64)
    dist = np.empty((num_jobs, arcs_per_job))
    block = 2_000
    for lo in range(0, num_jobs, block):  # blocks of jobs x all agents: bounded memory
        d = np.linalg.norm(job_xy[lo: lo + block, None, :] - agent_xy[None, :, :], axis=2)
        nearest = np.argpartition(d, pool, axis=1)[:, :pool]
        pick = np.argsort(rng.random(nearest.shape), axis=1)[:, :arcs_per_job]
        chosen = np.take_along_axis(nearest, pick, axis=1)
        arc_agent[lo: lo + block] = chosen
        dist[lo: lo + block] = np.take_along_axis(d, chosen, axis=1)
    cost = np.round(dist + rng.random(dist.shape) * 20.0).ravel()
    weight = rng.integers(1, 4, size=num_jobs * arcs_per_job)
    average_load = weight.mean() * num_jobs / num_agents
    capacity = np.floor(slack * average_load * rng.uniform(0.75, 1.25, size=num_agents)).astype(np.int64)
    return GapInstance(
        name=f"sparse{num_jobs}x{num_agents}s{seed}", problem=1, sense="min", num_jobs=num_jobs, capacity=capacity,
        arc_job=np.repeat(np.arange(num_jobs, dtype=np.int64), arcs_per_job), arc_agent=arc_agent.ravel(),
        arc_cost=cost, arc_weight=weight.astype(np.int64), assign_all=False,
        unassigned_cost=float(penalty * cost.max()),
    )
