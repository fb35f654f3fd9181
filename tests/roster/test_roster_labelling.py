"""The compiled day step of the labelling search (optimizer/roster/labelling.py) against its numpy reference.

The numpy form of :meth:`optimizer.roster.pricing.LabelPricer.price` is itself checked against the independent
roster checker by enumeration (test_roster_pricing.py). Here the compiled form must return exactly what the numpy
form returns (the same rosters in the same order, the same path costs and the same count of extensions examined)
on random problems under every search setting, and on Curtois & Qu instances with the costs the staff-wise
descent prices at. Rosters it returns also pass the independent checker.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.curtois import read_instance
from optimizer.roster import RosterProblem
from optimizer.roster import constraints as hard
from optimizer.roster.components import restrict
from optimizer.roster.descent import StaffDescent
from optimizer.roster.evaluate import HARD_RULES
from optimizer.roster.labelling import Workspace
from optimizer.roster.pricing import LabelPricer

try:  # tests/ may or may not become a package
    from tests.roster.test_roster_solve import random_problem
    from tests.roster_checker import evaluate, roster_from_schedule, spec_from_problem
except ImportError:  # pragma: no cover - depends on sys.path layout
    from roster_checker import evaluate, roster_from_schedule, spec_from_problem  # type: ignore[no-redef]
    from test_roster_solve import random_problem  # type: ignore[no-redef]

HARD = {r.id for r in HARD_RULES}
INSTANCES = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "shift-scheduling" / "instances"

SETTINGS = [
    dict(beam=1, total_bucket=1, prune=True),
    dict(beam=2, total_bucket=None, prune=False),
    dict(beam=2, total_bucket=1, prune=True),
    dict(beam=3, total_bucket=2, prune=True),
    dict(beam=2, total_bucket=1, prune=True, track_budget=40),
    dict(beam=2, total_bucket=None, prune=False, track_budget=12),
]


def both(p: RosterProblem, rules: set[str], cost: np.ndarray, staff: np.ndarray, **kwargs: object
         ) -> tuple[list[tuple[int, list[int], float]], list[tuple[int, list[int], float]], int, int]:
    """(numpy result, compiled result, numpy work, compiled work) for one search setting (``kwargs`` split between
    the pricer and :meth:`LabelPricer.price`)."""
    init = {k: kwargs.pop(k) for k in ("beam", "total_bucket", "prune", "track_budget") if k in kwargs}
    out = []
    work = []
    for engine in ("numpy", "jit"):
        pricer = LabelPricer(p, rules, engine=engine, **init)  # type: ignore[arg-type]
        found = pricer.price(cost, staff, **kwargs)  # type: ignore[arg-type]
        out.append([(e, row.tolist(), c) for e, row, c in found])
        work.append(pricer.work_done)
    return out[0], out[1], work[0], work[1]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("setting", range(len(SETTINGS)))
def test_compiled_step_returns_what_numpy_returns(seed: int, setting: int) -> None:
    """Random problems (history, fixed cells, unavailability, weekends, minima and maxima), random costs with ties,
    with and without a threshold and a kept roster: both forms agree exactly."""
    p = random_problem(seed, E=6, D=28, S=3)
    if "track_budget" in SETTINGS[setting]:  # per-type maxima that bind, so that counts are kept apart
        p = p.replace(max_shifts_per_type=np.minimum(p.max_shifts_per_type, 3))
        budget = int(SETTINGS[setting]["track_budget"])  # type: ignore[call-overload]
        assert LabelPricer(p, HARD, track_budget=budget).num_codes > 1
    rng = np.random.default_rng(seed)
    S = p.num_shifts
    cost = rng.integers(-3, 4, size=(p.num_staff, p.num_days, S + 1)).astype(np.float64)  # many ties
    staff = np.arange(p.num_staff)
    kw = dict(SETTINGS[setting])
    a, b, wa, wb = both(p, HARD, cost, staff, per_staff=3, **kw)
    assert a == b and wa == wb
    threshold = np.full(p.num_staff, float(rng.integers(-5, 5)))
    a, b, wa, wb = both(p, HARD, cost, staff, per_staff=2, threshold=threshold, **dict(SETTINGS[setting]))
    assert a == b and wa == wb
    keep = np.full((p.num_staff, p.num_days), -1, dtype=np.int64)
    a, b, wa, wb = both(p, HARD, cost, staff, per_staff=1, keep=keep, **dict(SETTINGS[setting]))
    assert a == b and wa == wb
    for e, row, _ in b:  # and what it returns keeps every hard rule of that staff member
        sub = restrict(p, np.array([e]), np.arange(S))
        assert evaluate(spec_from_problem(sub), roster_from_schedule(np.array([row]))).feasible


@pytest.mark.parametrize("seed", range(3))
def test_compiled_step_with_rules_switched_off(seed: int) -> None:
    """Rules not in force are not checked by either form (the maxima become unbounded)."""
    p = random_problem(seed + 20, E=4, D=12, S=3)
    rng = np.random.default_rng(seed)
    cost = rng.normal(size=(p.num_staff, p.num_days, p.num_shifts + 1))
    rules = HARD - {hard.MAX_WEEKENDS, hard.FORBIDDEN_SUCCESSIONS, hard.MAX_CONSECUTIVE_DAYS}
    a, b, wa, wb = both(p, rules, cost, np.arange(p.num_staff), per_staff=2, beam=2, total_bucket=1)
    assert a == b and wa == wb and a


@pytest.mark.skipif(not INSTANCES.is_dir(), reason="Curtois & Qu instances not present")
@pytest.mark.parametrize("name", ["Instance3", "Instance14"])
def test_compiled_step_on_curtois_instances(name: str) -> None:
    """Best responses against a constructed roster (the staff-wise descent's search: exact totals, a kept
    roster) and column generation's bucketed search: both forms agree."""
    p = read_instance(INSTANCES / f"{name}.txt").problem
    descent = StaffDescent(p, batch=None)
    schedule = descent.construct(rng=np.random.default_rng(0))
    count = hard.staffed(p, schedule)
    staff = np.arange(min(p.num_staff, 6))
    cost = descent._cell_costs(schedule, count, staff)
    keep = np.where(schedule >= 0, schedule, -1)
    a, b, wa, wb = both(p, set(descent.active), cost, staff, per_staff=1, keep=keep, beam=1, total_bucket=1)
    assert a == b and wa == wb and len(a) == staff.size
    a, b, wa, wb = both(p, set(descent.active), cost, staff, per_staff=3, beam=2, prune=False)
    assert a == b and wa == wb


def test_workspace_grows_and_keeps_its_size() -> None:
    ws = Workspace(beam=2)
    ws_i, ws_f, ws_b, slot_key, slot_used, slot_member = ws.arrays(5000)
    assert ws_i.shape[1] >= 5000 and ws_f.shape[1] >= 5000 and ws_b.shape[1] >= 5000
    assert slot_key.size >= 2 * 5000 and slot_key.size & (slot_key.size - 1) == 0
    assert slot_member.shape == (slot_key.size, 2) and slot_used.size == slot_key.size
    assert ws.arrays(100)[0] is ws_i  # smaller requests reuse the arrays
    assert ws.arrays(20_000)[0].shape[1] >= 20_000


def test_unknown_engine_is_named() -> None:
    p = random_problem(0, E=2, D=5, S=2)
    with pytest.raises(ValueError, match="engine"):
        LabelPricer(p, HARD, engine="fortran")
