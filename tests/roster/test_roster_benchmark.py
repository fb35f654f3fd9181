"""The Curtois & Qu runner (``python -m benchmarks.shift_scheduling``) checked by the independent checker."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks.curtois import read_instance
from benchmarks.shift_scheduling import main
from optimizer.roster import evaluate_schedule

try:  # tests/ may or may not become a package
    from tests.roster_checker import check_files, read_curtois, read_solution_csv
except ImportError:  # pragma: no cover - depends on sys.path layout
    from roster_checker import check_files, read_curtois, read_solution_csv

INSTANCES = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "shift-scheduling" / "instances"
INSTANCE1 = INSTANCES / "Instance1.txt"
pytestmark = pytest.mark.skipif(not INSTANCE1.is_file(), reason="benchmark instances not present")


def test_runner_output_and_solution_pass_the_checker(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One JSON line with the exact keys; the written roster is feasible for the checker with the same objective;
    Instance1 reaches its proven optimum 607."""
    assert main(["--time-limit", "5", "--seed", "0", "--solutions", str(tmp_path), str(INSTANCE1)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    row = json.loads(lines[0])
    assert list(row) == ["instance", "feasible", "objective", "best_known", "gap_pct", "seconds"]
    assert row["instance"] == "Instance1" and row["best_known"] == 607 and row["feasible"] is True
    assert not lines[-1].startswith("{")
    report = check_files(INSTANCE1, tmp_path / "Instance1.csv")
    assert report.feasible, report.violations
    assert report.objective == row["objective"] == 607
    assert row["gap_pct"] == 0.0


def test_reader_agrees_with_checker_reader_on_every_instance() -> None:
    """The runner's reader and the checker's own reader see the same sizes and requests in all 24 files."""
    for path in sorted(INSTANCES.glob("Instance*.txt")):
        inst = read_instance(path)
        spec = read_curtois(path)
        p = inst.problem
        assert (p.num_staff, p.num_days, p.num_shifts) == (len(spec.staff_ids), spec.num_days, len(spec.shift_ids))
        assert len(p.on_request_staff) == len(spec.on_requests) and len(p.off_request_staff) == len(spec.off_requests)
        assert int(p.is_unavailable.sum()) == len(spec.unavailable)


def test_core_evaluator_agrees_with_checker_on_a_written_roster(tmp_path: Path) -> None:
    """A deliberately poor roster (everyone works every allowed day): both judge the same objective and both
    find hard violations."""
    from benchmarks.curtois import write_solution

    path = INSTANCES / "Instance3.txt"
    inst = read_instance(path)
    p = inst.problem
    first_allowed = np.argmax(p.is_allowed, axis=1)
    schedule = np.where(p.is_unavailable, -1, first_allowed[:, None]).astype(np.int64)
    write_solution(tmp_path / "x.csv", inst, schedule)
    report = check_files(path, tmp_path / "x.csv")
    ev = evaluate_schedule(p, schedule)
    assert report.objective == ev.objective
    assert not report.feasible and not ev.is_feasible
    roster, problems = read_solution_csv(tmp_path / "x.csv", read_curtois(path))
    assert not problems and len(roster) == int((schedule >= 0).sum())


def test_seeds_runner_summarises_runs_and_names_bad_settings(capsys: pytest.CaptureFixture[str]) -> None:
    """Two seeds of Instance1 (proven optimum 607): one JSON row per run with its seed and settings, a table line
    with 2 runs at 0% gap; an unknown field or a bad value stops the run with the field named."""
    from benchmarks.shift_scheduling_seeds import main as seeds_main
    from benchmarks.shift_scheduling_seeds import summarise

    assert seeds_main(["--time-limit", "5", "--seeds", "0", "1", "--set", "master_lp=ipm", str(INSTANCE1)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    rows = [json.loads(line) for line in lines if line.startswith("{")]
    assert [r["seed"] for r in rows] == [0, 1]
    assert all(r["objective"] == 607 and r["settings"] == {"master_lp": "ipm"} for r in rows)
    assert lines[-2].split() == ["Instance1", "2", "0.00", "0.00", "0.00", "0"]
    for bad, field in ((["--set", "nope=1"], "nope"), (["--set", "master_lp=barrier"], "master_lp")):
        with pytest.raises(SystemExit):
            seeds_main([*bad, str(INSTANCE1)])
        assert field in capsys.readouterr().err
    from benchmarks.shift_scheduling_seeds import parse_settings

    assert parse_settings(["rule_ids=[\"under_cover\"]", "columns_share=0.5", "master_lp=ipm"]) == {
        "rule_ids": ("under_cover",), "columns_share": 0.5, "master_lp": "ipm"}
    table = summarise([
        {"instance": "A", "feasible": True, "gap_pct": 2.0}, {"instance": "A", "feasible": True, "gap_pct": 4.0},
        {"instance": "B", "feasible": True, "gap_pct": 10.0}, {"instance": "B", "feasible": False, "gap_pct": None}])
    assert table[1].split() == ["A", "2", "3.00", "2.00", "4.00", "0"]
    assert table[2].split() == ["B", "1", "10.00", "10.00", "10.00", "1"]
    assert table[-1].startswith("mean of the per-instance mean gaps: 6.50%")


def test_module_constants_set_after_import_reach_the_solver(monkeypatch: pytest.MonkeyPatch) -> None:
    """Constants the seeds runner sets (``--set module.NAME=VALUE``) are read when the solver's objects are made and
    its rules applied, not bound as defaults at import: the ejection chains' candidates, window and workers, the
    descent's batch and work rate and the labelling stall rule of column generation each follow a change made after
    import."""
    import optimizer.roster.columns as columns
    import optimizer.roster.descent as descent
    import optimizer.roster.ejection as ejection

    problem = read_instance(INSTANCE1).problem
    made = ejection.EjectionChains(problem, descent.StaffDescent(problem))
    assert (made.candidates, made.window, made.workers) == (ejection.CANDIDATES, ejection.WINDOW, ejection.WORKERS)
    assert descent.StaffDescent(problem).batch == descent.BATCH
    flat = [100.0] * 4  # three iterations without any fall
    monkeypatch.setattr(columns, "LABEL_STALL_ITERATIONS", 5)
    assert not columns.labelling_stalled(flat)  # five iterations are needed
    monkeypatch.setattr(ejection, "CANDIDATES", 7)
    monkeypatch.setattr(ejection, "WINDOW", 3)
    monkeypatch.setattr(ejection, "WORKERS", 2)
    monkeypatch.setattr(descent, "BATCH", 4)
    monkeypatch.setattr(columns, "LABEL_STALL_ITERATIONS", 2)
    made = ejection.EjectionChains(problem, descent.StaffDescent(problem))
    assert (made.candidates, made.window, made.workers) == (7, 3, 2)
    assert descent.StaffDescent(problem).batch == 4
    assert columns.labelling_stalled(flat)
    # the descent charges its work to a clock at the rate the constant says when the call is made
    class Tally:
        def __init__(self) -> None:
            self.charged = 0.0

        def seconds_left(self) -> float:
            return 1e9

        def charge(self, dtime: float) -> None:
            self.charged += dtime

    start = descent.StaffDescent(problem).construct(rng=np.random.default_rng(0))
    tallies = []
    for rate in (1e6, 5e5):
        monkeypatch.setattr(descent, "LABELS_PER_SECOND", rate)
        tally = Tally()
        descent.StaffDescent(problem).improve(start, rng=np.random.default_rng(0), max_sweeps=1, clock=tally)
        tallies.append(tally.charged)
    assert tallies[0] > 0 and tallies[1] == pytest.approx(2 * tallies[0])
    # an explicit argument still wins over the constant
    assert ejection.EjectionChains(problem, descent.StaffDescent(problem), candidates=None).candidates is None
    assert descent.StaffDescent(problem, batch=None).batch is None


def test_seeds_runner_sets_module_constants_and_pairs_with_a_baseline(capsys: pytest.CaptureFixture[str]) -> None:
    """A dotted ``--set`` names a solver module constant: set for the variant's runs only and restored after; with
    ``--baseline`` each seed runs both arms (order alternating with the seed) and a paired table follows. Bad
    constants (no such module, not an upper-case constant, a value of another type) stop the run, named."""
    import benchmarks.shift_scheduling_seeds as seeds
    import optimizer.roster.ejection as ejection
    from benchmarks.shift_scheduling_seeds import main as seeds_main
    from benchmarks.shift_scheduling_seeds import paired, sign_test, split_settings, standard_error

    before = ejection.CANDIDATES
    seen: list[object] = []  # the constant's value when each run starts
    real = seeds.run_instance

    def spy(*args: object, **kwargs: object) -> dict[str, object]:
        seen.append(ejection.CANDIDATES)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    argv = ["--time-limit", "5", "--seeds", "0", "1", "--baseline",
            "--set", "optimizer.roster.ejection.CANDIDATES=null", str(INSTANCE1)]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(seeds, "run_instance", spy)
        assert seeds_main(argv) == 0
    assert ejection.CANDIDATES == before
    out = capsys.readouterr().out.strip().splitlines()
    rows = [json.loads(line) for line in out if line.startswith("{")]
    assert [(r["seed"], r["arm"]) for r in rows] == [(0, "variant"), (0, "baseline"), (1, "baseline"),
                                                      (1, "variant")]
    assert all(r["objective"] == 607 for r in rows)
    assert [r["settings"] for r in rows if r["arm"] == "variant"] == [
        {"optimizer.roster.ejection.CANDIDATES": None}] * 2
    assert out[-1].split() == ["Instance1", "2", "607.0", "607.0", "+0.0", "0.0", "0/2/0", "1.000", "0"]
    assert seen == [None, before, before, None]

    assert split_settings(["columns_share=0.5", "optimizer.roster.solve.DIVE_SHARE=0"]) == (
        {"columns_share": 0.5}, {"optimizer.roster.solve.DIVE_SHARE": 0})
    for bad, named in ((["--set", "optimizer.roster.nowhere.X=1"], "optimizer.roster.nowhere"),
                       (["--set", "optimizer.roster.ejection.improve=1"], "improve"),
                       (["--set", "optimizer.roster.ejection.TAKEOVERS=\"yes\""], "TAKEOVERS"),
                       (["--set", "benchmarks.curtois.X=1"], "benchmarks.curtois.X")):
        with pytest.raises(SystemExit):
            seeds_main([*bad, str(INSTANCE1)])
        assert named in capsys.readouterr().err
    table = paired([
        {"instance": "A", "seed": 0, "arm": "baseline", "objective": 100},
        {"instance": "A", "seed": 0, "arm": "variant", "objective": 90},
        {"instance": "A", "seed": 1, "arm": "variant", "objective": 130},
        {"instance": "A", "seed": 1, "arm": "baseline", "objective": 110},
        {"instance": "A", "seed": 2, "arm": "baseline", "objective": 100},
        {"instance": "A", "seed": 2, "arm": "variant", "objective": None}])
    # differences -10 and +20: mean +5, standard deviation 21.21, standard error 15.0; one lower, one higher: p = 1
    assert table[1].split() == ["A", "2", "105.0", "110.0", "+5.0", "15.0", "1/0/1", "1.000", "1"]
    assert standard_error([3.0]) is None
    single = paired([{"instance": "B", "seed": 0, "arm": "baseline", "objective": 50},
                     {"instance": "B", "seed": 0, "arm": "variant", "objective": 40}])
    assert single[1].split() == ["B", "1", "50.0", "40.0", "-10.0", "-", "1/0/0", "1.000", "0"]
    assert standard_error([-10.0, 20.0]) == pytest.approx(15.0)
    # exact binomial tails: 3 of 3 lower 2 * 1/8; 6 of 6 2 * 1/64; 5 lower 1 higher 2 * 7/64; an even split 1
    assert sign_test(3, 0) == pytest.approx(0.25)
    assert sign_test(0, 6) == pytest.approx(2 / 64)
    assert sign_test(5, 1) == pytest.approx(14 / 64)
    assert sign_test(2, 2) == 1.0
    assert sign_test(0, 0) == 1.0
