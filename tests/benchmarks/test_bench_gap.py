"""The GAP benchmark runner: both file formats, the exact output interface, solutions checked independently."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks import gap
from benchmarks.gap_io import (
    GapInstance,
    InstanceError,
    classic_instance,
    read_instances,
    sparse_instance,
    write_json,
    write_orlib,
)
from tests.gap_checker import check, read_problems

KEYS = ["instance", "problem", "feasible", "objective", "bound", "gap_pct", "seconds"]


def _brute_force(problem: dict, maximize: bool) -> float:
    """Best objective by enumerating every assignment (tiny problems only)."""
    options = [[a for a in range(problem["m"]) if (j, a) in problem["arcs"]] + ([] if problem["assign_all"] else [None])
               for j in range(problem["n"])]
    best = None
    for sol in itertools.product(*options):
        ok, value, _ = check(problem, list(sol))
        if ok and (best is None or (value > best if maximize else value < best)):
            best = value
    assert best is not None
    return best


def _run(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[list[dict], list[str]]:
    assert gap.main(args) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    rows = [json.loads(line) for line in lines[:-1]]
    return rows, lines


def test_orlib_multi_problem_file_maximise_matches_brute_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every problem of a multi-problem OR-Library file gets one JSON line with exactly the interface's keys;
    with --maximize the objective equals the brute-force optimum and the solution file passes the checker."""
    problems = [classic_instance("C", 3, 6, seed=s) for s in range(3)]
    problems = [(50 - c, w, cap) for c, w, cap in problems]  # profits
    path = tmp_path / "tiny.txt"
    write_orlib(path, problems)
    rows, lines = _run(capsys, ["--time-limit", "5", "--maximize", "--solutions", str(tmp_path / "sol"), str(path)])
    assert not lines[-1].startswith("{")
    assert [r["problem"] for r in rows] == [1, 2, 3]
    reference = read_problems(path)
    for row, prob in zip(rows, reference, strict=True):
        assert list(row) == KEYS
        assert row["instance"] == "tiny" and row["feasible"] is True
        solution = json.loads((tmp_path / "sol" / f"tiny.{row['problem']}.json").read_text())
        ok, value, reasons = check(prob, solution)
        assert ok, reasons
        assert value == row["objective"] == _brute_force(prob, maximize=True)
        assert row["bound"] >= row["objective"]  # an upper bound when maximising


def test_single_problem_file_may_omit_the_count(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file with one problem and no leading P reads as that problem; minimising by default."""
    cost, weight, cap = classic_instance("D", 3, 7, seed=4)
    body = "3 7\n" + "\n".join(" ".join(map(str, r)) for r in cost) + "\n"
    body += "\n".join(" ".join(map(str, r)) for r in weight) + "\n" + " ".join(map(str, cap)) + "\n"
    path = tmp_path / "d3x7"
    path.write_text(body)
    rows, _ = _run(capsys, ["--solutions", str(tmp_path), str(path)])
    assert rows[0]["instance"] == "d3x7"
    prob = read_problems(path)[0]
    solution = json.loads((tmp_path / "d3x7.1.json").read_text())
    assert check(prob, solution)[0]
    assert rows[0]["objective"] == _brute_force(prob, maximize=False)
    assert rows[0]["bound"] <= rows[0]["objective"]


def test_sparse_json_with_optional_jobs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Sparse JSON: a job goes only along its arcs, may stay out at unassigned_cost, and null marks it."""
    doc = {"sense": "min", "agents": [{"capacity": 2}, {"capacity": 1}], "jobs": 4,
           "arcs": [[0, 0, 5, 1], [0, 1, 1, 1], [1, 1, 2, 1], [2, 0, 3, 2], [3, 0, 1.5, 1]],
           "assign_all": False, "unassigned_cost": 4}
    path = tmp_path / "sp.json"
    path.write_text(json.dumps(doc))
    rows, _ = _run(capsys, ["--solutions", str(tmp_path), str(path)])
    prob = read_problems(path)[0]
    solution = json.loads((tmp_path / "sp.1.json").read_text())
    ok, value, _ = check(prob, solution)
    assert ok and value == rows[0]["objective"] == _brute_force(prob, maximize=False)
    assert None in solution


def test_generated_sparse_instance_round_trips_and_solves(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The seeded sparse generator is deterministic; its JSON reads back to the same arcs; the runner's plan passes."""
    a, b = sparse_instance(300, 30, arcs_per_job=5, seed=7), sparse_instance(300, 30, arcs_per_job=5, seed=7)
    assert np.array_equal(a.arc_cost, b.arc_cost) and np.array_equal(a.capacity, b.capacity)
    path = tmp_path / "s.json"
    write_json(path, a)
    back = read_instances(path)[0]
    assert np.array_equal(back.arc_agent, a.arc_agent) and np.array_equal(back.arc_cost, a.arc_cost)
    rows, _ = _run(capsys, ["--time-limit", "5", "--solutions", str(tmp_path), str(path)])
    ok, value, reasons = check(read_problems(path)[0], json.loads((tmp_path / "s.1.json").read_text()))
    assert ok, reasons
    assert value == rows[0]["objective"] and rows[0]["bound"] <= value


def test_lp_guided_search_on_a_hard_instance_is_feasible_with_valid_bound(tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """A type-E instance too large for the direct MIP path: the plan passes the checker; bound <= objective."""
    path = tmp_path / "e8x120"
    write_orlib(path, [classic_instance("E", 8, 120, seed=1)])
    rows, _ = _run(capsys, ["--time-limit", "3", "--solutions", str(tmp_path), str(path)])
    ok, value, reasons = check(read_problems(path)[0], json.loads((tmp_path / "e8x120.1.json").read_text()))
    assert ok, reasons
    assert value == rows[0]["objective"] and rows[0]["bound"] <= value
    assert rows[0]["gap_pct"] == pytest.approx(100 * (value - rows[0]["bound"]) / value, abs=1e-3)


@pytest.mark.parametrize(("content", "message"), [
    ("2 3\n1 2 3\n", "needs"),
    ("x y z", "integers only"),
    ('{"agents": [{"capacity": 1}], "jobs": 1, "arcs": [[0, 3, 1, 1]]}', "agent index"),
    ('{"agents": [{"capacity": 1}], "jobs": 1, "arcs": [[0, 0, 1]]}', "exactly 4 numbers"),
    ('{"agents": [{"capacity": 1}], "jobs": 1, "arcs": [[0, 0, 1, 1]], "sense": "up"}', "sense"),
])
def test_bad_files_name_the_field_and_reason(tmp_path: Path, content: str, message: str) -> None:
    """Unreadable files raise InstanceError naming the file and the reason."""
    path = tmp_path / "bad.txt"
    path.write_text(content)
    with pytest.raises(InstanceError, match=message) as err:
        read_instances(path)
    assert str(path) in str(err.value)


def test_classic_generators_follow_the_published_rules() -> None:
    """Types C, D, E: weight and cost ranges and capacity 0.8 * sum(weights) / m."""
    c_cost, c_w, c_cap = classic_instance("C", 5, 200, seed=0)
    assert c_w.min() >= 5 and c_w.max() <= 25 and c_cost.min() >= 10 and c_cost.max() <= 50
    d_cost, d_w, d_cap = classic_instance("D", 5, 200, seed=0)
    assert np.all(np.abs(d_cost - (111 - d_w)) <= 10)
    e_cost, e_w, e_cap = classic_instance("E", 5, 200, seed=0)
    assert e_w.min() >= 1 and np.all(e_cost <= 1000 / e_w)
    for w, cap in ((c_w, c_cap), (d_w, d_cap), (e_w, e_cap)):
        assert np.array_equal(cap, np.floor(0.8 * w.sum(axis=1) / 5).astype(np.int64))


def test_instance_objective_rejects_missing_arcs() -> None:
    """GapInstance.objective flags a job placed on an agent it has no arc to."""
    inst = GapInstance(name="t", problem=1, sense="min", num_jobs=2, capacity=np.array([5, 5]),
                       arc_job=np.array([0, 1]), arc_agent=np.array([0, 1]), arc_cost=np.array([1.0, 2.0]),
                       arc_weight=np.array([1, 1]))
    assert inst.objective([0, 1]) == (3.0, True)
    assert inst.objective([1, 1])[1] is False
