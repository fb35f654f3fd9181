"""Independent checker for GAP benchmark solutions: reads the instance file itself (shares no code with
``benchmarks/`` or ``optimizer/``) and recomputes feasibility and objective of a solution list."""

from __future__ import annotations

import json
from pathlib import Path


def read_problems(path: Path) -> list[dict]:
    """Problems of an OR-Library text file or a sparse JSON file, as dicts of plain lists."""
    text = path.read_text()
    if text.lstrip().startswith("{"):
        doc = json.loads(text)
        return [{
            "m": len(doc["agents"]), "n": doc["jobs"], "capacity": [a["capacity"] for a in doc["agents"]],
            "arcs": {(int(j), int(a)): (c, int(w)) for j, a, c, w in doc["arcs"]},
            "assign_all": doc.get("assign_all", True), "unassigned_cost": doc.get("unassigned_cost", 0),
        }]
    nums = [int(t) for t in text.split()]
    if len(nums) == 2 + 2 * nums[0] * nums[1] + nums[0]:
        nums = [1, *nums]
    count, pos, out = nums[0], 1, []
    for _ in range(count):
        m, n = nums[pos], nums[pos + 1]
        pos += 2
        cost = [nums[pos + i * n: pos + (i + 1) * n] for i in range(m)]
        pos += m * n
        weight = [nums[pos + i * n: pos + (i + 1) * n] for i in range(m)]
        pos += m * n
        capacity = nums[pos: pos + m]
        pos += m
        arcs = {(j, i): (cost[i][j], weight[i][j]) for i in range(m) for j in range(n)}
        out.append({"m": m, "n": n, "capacity": capacity, "arcs": arcs, "assign_all": True, "unassigned_cost": 0})
    return out


def check(problem: dict, solution: list) -> tuple[bool, float, list[str]]:
    """(feasible, objective, reasons) of ``solution`` (agent index or None per job)."""
    reasons = []
    if len(solution) != problem["n"]:
        return False, float("nan"), [f"solution has {len(solution)} entries, expected {problem['n']}"]
    load = [0] * problem["m"]
    total = 0.0
    for j, a in enumerate(solution):
        if a is None:
            if problem["assign_all"]:
                reasons.append(f"job {j} left out but assign_all")
            total += problem["unassigned_cost"]
            continue
        if (j, a) not in problem["arcs"]:
            reasons.append(f"job {j} on agent {a}: no such arc")
            continue
        c, w = problem["arcs"][(j, a)]
        total += c
        load[a] += w
    for i, (used, cap) in enumerate(zip(load, problem["capacity"], strict=True)):
        if used > cap:
            reasons.append(f"agent {i}: load {used} > capacity {cap}")
    return not reasons, total, reasons
