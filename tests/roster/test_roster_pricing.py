"""Labelling pricing of column generation (optimizer/roster/pricing.py).

Checked against the independent roster checker (tests/roster_checker.py, no code shared with the core) by
enumerating every roster of one staff member on small horizons.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from optimizer.roster import RosterProblem, evaluate_schedule
from optimizer.roster import objectives as soft
from optimizer.roster.columns import ColumnGeneration, labelling_misses, labelling_stalled, tracking_recovers
from optimizer.roster.components import restrict
from optimizer.roster.evaluate import HARD_RULES
from optimizer.roster.pricing import (
    LabelPricer,
    _dominated,
    cell_costs,
    cost_to_go,
    price_in_parts,
    roster_costs,
    tracked_counts,
)

try:  # tests/ may or may not become a package
    from tests.roster.test_roster_solve import random_problem
    from tests.roster_checker import evaluate, roster_from_schedule, spec_from_problem
except ImportError:  # pragma: no cover - depends on sys.path layout
    from roster_checker import evaluate, roster_from_schedule, spec_from_problem  # type: ignore[no-redef]
    from test_roster_solve import random_problem  # type: ignore[no-redef]

STAFF_TERMS = {soft.SHIFT_ON_REQUESTS, soft.SHIFT_OFF_REQUESTS, soft.ASSIGNMENT_WEIGHT, soft.CHANGES_FROM_REFERENCE}
HARD = {r.id for r in HARD_RULES}


def staff_rule_problem(seed: int, *, D: int = 6, S: int = 2, binding_counts: bool = False) -> RosterProblem:
    """Two staff, no cover limit or budget: a roster's feasibility depends on its own staff rules only.

    Without ``binding_counts`` the per-type maxima and total minutes cannot bind, so the labelling pricing's
    merged states are exact (runs, successions, weekends, total shifts) and beam 1 finds the optimum."""
    rng = np.random.default_rng(seed)
    E = 2
    kw: dict[str, object] = dict(
        cover_min=rng.integers(0, 2, size=(D, S)),
        is_allowed=np.ones((E, S), dtype=bool),
        start_weekday=int(rng.integers(7)),
        shift_minutes=rng.choice([240, 480, 600], size=S),
        shift_class=np.arange(S) % 2,
        forbidden_next=np.array([[False, False], [True, False]]),
        is_unavailable=rng.random((E, D)) < 0.15,
        max_total_shifts=rng.integers(D // 2, D + 1, size=E),
        max_consecutive_days=rng.integers(2, 4, size=E),
        min_consecutive_days=rng.integers(1, 3, size=E),
        min_consecutive_days_off=rng.integers(1, 3, size=E),
        max_weekends=rng.integers(0, 2, size=E),
        history_work_run=np.array([2, -1]),
        history_off_run=np.array([0, -1]),
        history_last_class=np.array([1, -1]),
    )
    if binding_counts:
        kw.update(max_shifts_per_type=rng.integers(0, 3, size=(E, S)),
                  min_total_minutes=rng.integers(0, 3, size=E) * 480,
                  max_total_minutes=rng.integers(2, 5, size=E) * 480)
    return RosterProblem(**kw)  # type: ignore[arg-type]


def feasible_rows(p: RosterProblem, e: int) -> list[np.ndarray]:
    """Every roster of staff ``e`` that keeps all hard rules, by the independent checker."""
    sub = restrict(p, np.array([e]), np.arange(p.num_shifts))
    spec = spec_from_problem(sub)
    out = []
    for values in itertools.product(range(-1, p.num_shifts), repeat=p.num_days):
        row = np.array(values)
        if evaluate(spec, roster_from_schedule(row[None, :])).feasible:
            out.append(row)
    return out


def path_cost(cost: np.ndarray, e: int, row: np.ndarray) -> float:
    S = cost.shape[2] - 1
    return float(cost[e, np.arange(row.size), np.where(row >= 0, row, S)].sum())


@pytest.mark.parametrize("seed", range(4))
def test_cell_costs_equal_the_evaluators(seed: int) -> None:
    """const + sum of cell costs = the evaluators' request, assignment and change points of any roster."""
    p = random_problem(seed)
    cost, const = cell_costs(p, STAFF_TERMS)
    rng = np.random.default_rng(seed)
    for _ in range(5):
        schedule = rng.integers(-1, p.num_shifts, size=(p.num_staff, p.num_days))
        ev = evaluate_schedule(p, schedule, rule_ids=tuple(STAFF_TERMS))
        total = const.sum() + sum(path_cost(cost, e, schedule[e]) for e in range(p.num_staff))
        assert total == pytest.approx(ev.objective)


def test_roster_costs_sum_each_rosters_cells() -> None:
    """The vectorised read-off equals a day-by-day sum for every roster, days off costed as value S."""
    rng = np.random.default_rng(7)
    cost = rng.normal(size=(3, 5, 3))
    staff = np.array([2, 0, 2])
    rows = rng.integers(-1, 2, size=(3, 5))
    expected = [sum(cost[e, d, v if v >= 0 else 2] for d, v in enumerate(row)) for e, row in zip(staff, rows, strict=True)]
    assert roster_costs(cost, staff, rows) == pytest.approx(expected)


def test_cell_costs_leave_out_terms_not_asked_for() -> None:
    p = random_problem(1)
    cost, const = cell_costs(p, {soft.ASSIGNMENT_WEIGHT})
    assert not const.any()
    assert np.array_equal(cost[:, :, :-1], np.broadcast_to(p.assign_weight[:, None, :], cost[:, :, :-1].shape))
    assert not cost[:, :, -1].any()


@pytest.mark.parametrize("seed", range(6))
def test_exact_where_merged_states_are_exact(seed: int) -> None:
    """With per-type and minute limits that cannot bind, beam 1 finds the cheapest feasible roster of every
    staff member (enumeration with the checker), and each roster returned is feasible."""
    p = staff_rule_problem(seed)
    rng = np.random.default_rng(50 + seed)
    cost = rng.normal(0, 10, size=(p.num_staff, p.num_days, p.num_shifts + 1))
    assert_finds_each_optimum(p, LabelPricer(p, HARD, beam=1, total_bucket=1), cost)


def assert_finds_each_optimum(p: RosterProblem, pricer: LabelPricer, cost: np.ndarray) -> None:
    """``pricer`` returns, for every staff member with a feasible roster, a feasible one of least cost (all
    enumerated and checked by the independent checker), and nothing for the others."""
    found = {e: (row, c) for e, row, c in pricer.price(cost, np.arange(p.num_staff), per_staff=1)}
    for e in range(p.num_staff):
        rows = feasible_rows(p, e)
        if not rows:
            assert e not in found
            continue
        best = min(path_cost(cost, e, r) for r in rows)
        row, c = found[e]
        assert c == pytest.approx(path_cost(cost, e, row))
        assert any(np.array_equal(row, r) for r in rows)
        assert c == pytest.approx(best)


@pytest.mark.parametrize("seed", range(6))
def test_heuristic_rosters_keep_every_rule(seed: int) -> None:
    """With binding per-type and minute limits the search is heuristic: every roster it returns is feasible
    (checker), costs what it says, is no cheaper than the true optimum, and the rosters of one staff member
    are distinct and sorted by cost."""
    p = staff_rule_problem(seed, binding_counts=True)
    rng = np.random.default_rng(80 + seed)
    cost = rng.normal(0, 10, size=(p.num_staff, p.num_days, p.num_shifts + 1))
    pricer = LabelPricer(p, HARD)
    found = pricer.price(cost, np.arange(p.num_staff), per_staff=3)
    assert pricer.work_done > 0
    for e in range(p.num_staff):
        mine = [(row, c) for f, row, c in found if f == e]
        assert len(mine) <= 3
        rows = feasible_rows(p, e)
        if not rows:
            assert not mine
            continue
        best = min(path_cost(cost, e, r) for r in rows)
        for row, c in mine:
            assert any(np.array_equal(row, r) for r in rows)
            assert c == pytest.approx(path_cost(cost, e, row))
            assert c >= best - 1e-9
        assert [c for _, c in mine] == sorted(c for _, c in mine)
        assert len({row.tobytes() for row, _ in mine}) == len(mine)


def test_tracked_counts_take_binding_types_smallest_first() -> None:
    """Types whose maximum can bind (above 0, below the days the staff member may work them) are kept apart
    smallest maximum first while the product of maximum + 1 stays within the budget; the weights are a mixed
    radix (distinct counts give distinct codes), and the number of codes is the largest product."""
    ok = np.ones((3, 10, 5), dtype=bool)  # 3 staff, 10 days, 4 shift types and the day off
    ok[2, 5:, 0] = False  # staff 2 may work type 0 on 5 days only
    max_type = np.array([[2, 10, 0, 3],  # 10 cannot bind (10 days), 0 forbids the type
                         [4, 1, 9, 12],  # 12 cannot bind
                         [5, 10, 10, 10]])  # 5 cannot bind on 5 days
    weights, codes = tracked_counts(max_type, ok, 12)
    assert weights[0].tolist() == [1, 0, 0, 3, 0]  # 2 first (radix 3), then 3 (3 * 4 = 12)
    assert weights[1].tolist() == [2, 1, 0, 0, 0]  # 1 (radix 2), then 4 (2 * 5 = 10); 9 would exceed 12
    assert not weights[2].any()
    assert codes == 12
    weights, codes = tracked_counts(max_type, ok, 1)
    assert codes == 1 and not weights.any()
    # every combination of counts within the maxima has its own code
    counts = np.array(list(itertools.product(range(3), range(11), range(1), range(4))))
    code = counts @ tracked_counts(max_type, ok, 12)[0][0, :4]
    assert np.unique(code).size == counts.shape[0] // 11


@pytest.mark.parametrize("seed", range(8))
def test_kept_apart_counts_make_the_search_exact(seed: int) -> None:
    """With per-type maxima that bind but no minute limits, keeping every binding type's count apart makes the
    merged states exact: beam 1 finds the cheapest feasible roster (enumeration with the independent checker)."""
    p = staff_rule_problem(seed, D=7)
    rng = np.random.default_rng(900 + seed)
    p = p.replace(max_shifts_per_type=rng.integers(1, 3, size=(p.num_staff, p.num_shifts)))
    cost = rng.normal(0, 10, size=(p.num_staff, p.num_days, p.num_shifts + 1))
    tracked = LabelPricer(p, HARD, beam=1, total_bucket=1, track_budget=1000)
    assert tracked.num_codes > 1
    assert_finds_each_optimum(p, tracked, cost)


def test_too_many_kept_apart_counts_are_refused() -> None:
    """Codes that would overflow the merged state's 64-bit key are refused, naming the budget."""
    p = staff_rule_problem(0, D=14, S=12)
    p = p.replace(max_shifts_per_type=np.full((p.num_staff, 12), 9))
    assert LabelPricer(p, HARD, track_budget=10**4).num_codes == 10**4
    with pytest.raises(ValueError, match="track_budget"):
        LabelPricer(p, HARD, track_budget=10**12)


def test_kept_apart_counts_find_what_merged_counts_lose() -> None:
    """One staff member may work type 1 once. Day 0 pays for work and type 1 is a little cheaper there than type
    0; day 3 pays much more for type 1. Merged, the label that spent type 1 on day 0 replaces the one that did
    not (same run, same total), so the search ends at -10 (off on day 0); kept apart, it finds -19."""
    D, S = 4, 2
    p = RosterProblem(
        cover_min=np.zeros((D, S), dtype=np.int64), is_allowed=np.ones((1, S), dtype=bool), start_weekday=0,
        shift_minutes=np.array([480, 480]), shift_class=np.zeros(S, dtype=np.int64),
        forbidden_next=np.zeros((1, 1), dtype=bool), max_shifts_per_type=np.array([[D, 1]]),
        max_total_shifts=np.array([D]), max_consecutive_days=np.array([D]), min_consecutive_days=np.array([1]),
        min_consecutive_days_off=np.array([1]), max_weekends=np.array([1]))
    cost = np.zeros((1, D, S + 1))
    cost[0, 0] = [1.0, -1.0, 10.0]  # type 0, type 1, off
    cost[0, 3, 1] = -20.0
    staff = np.array([0])
    merged = LabelPricer(p, HARD, beam=1, total_bucket=1).price(cost, staff, per_staff=1)
    kept = LabelPricer(p, HARD, beam=1, total_bucket=1, track_budget=2).price(cost, staff, per_staff=1)
    assert merged[0][2] == pytest.approx(-10.0)
    assert kept[0][2] == pytest.approx(-19.0) and kept[0][1][0] == 0 and kept[0][1][3] == 1
    assert evaluate(spec_from_problem(p), roster_from_schedule(kept[0][1][None, :])).feasible


def test_threshold_filters_rosters() -> None:
    p = staff_rule_problem(3)
    cost = np.ones((p.num_staff, p.num_days, p.num_shifts + 1))
    pricer = LabelPricer(p, HARD)
    assert pricer.price(cost, np.arange(2), threshold=np.full(2, float(p.num_days))) == []
    assert pricer.price(cost, np.arange(2), threshold=np.full(2, p.num_days + 0.5))


def test_fixed_cells_are_kept() -> None:
    p = staff_rule_problem(2)
    fixed = np.full((2, p.num_days), -2)
    fixed[1, 2] = 0
    fixed[1, 3] = -1
    p = p.replace(fixed=fixed, is_unavailable=np.zeros((2, p.num_days), bool), max_weekends=np.array([2, 2]))
    cost = np.zeros((2, p.num_days, p.num_shifts + 1))
    cost[:, :, p.num_shifts] = 5.0  # off is expensive: the fixed day off is kept all the same
    found = LabelPricer(p, HARD).price(cost, np.array([1]), per_staff=2)
    assert found
    for e, row, _ in found:
        assert e == 1 and row[2] == 0 and row[3] == -1


class Budget:
    """A clock with 30 s always left that ignores charges: column generation runs until it converges."""

    def seconds_left(self) -> float:
        return 30.0

    def charge(self, dtime: float) -> None:
        del dtime


@pytest.mark.parametrize(("seed", "smoothing"), [(0, 0.5), (1, 0.0), (2, 0.9), (3, 0.5)])
def test_column_generation_with_labelling_reaches_the_same_lp(seed: int, smoothing: float) -> None:
    """Labelling pricing only speeds column generation up, with or without smoothed duals, with or without scarce
    counts kept apart: exact pricing at the LP duals confirms its end, so the master LP value equals the one
    reached with exact pricing alone."""
    p = random_problem(400 + seed, E=3, D=7, S=2, full=seed % 2 == 0)
    p = p.replace(max_shifts_per_type=np.minimum(p.max_shifts_per_type, 3))

    values = []
    for labels, track in ((True, False), (True, True), (False, False)):
        cg = ColumnGeneration(p, num_workers=1, seed=seed, label_pricing=labels)
        if track:
            assert cg.track() and cg.tracked
        cg.run(Budget(), partial=False, label_smoothing=smoothing)
        values.append(cg.lp_value)
        if labels:
            assert cg.label_columns > 0
    assert values[0] == pytest.approx(values[2], abs=1e-6)
    assert values[1] == pytest.approx(values[2], abs=1e-6)


def test_labelling_misses_below_the_share() -> None:
    """The labelling misses much when it reaches less than the share of what exact pricing found, by more than a
    hundredth of the master LP value."""
    assert labelling_misses(-40.0, -100.0, 1000.0, share=0.5)
    assert not labelling_misses(-60.0, -100.0, 1000.0, share=0.5)
    assert not labelling_misses(0.0, 0.0, 1000.0, share=0.5)  # exact pricing found nothing: nothing missed
    assert labelling_misses(-89.0, -100.0, 1000.0, share=1.0)
    assert not labelling_misses(0.0, -100.0, 1000.0, share=0.0)
    assert not labelling_misses(0.0, -1.0, 4631.0, share=0.5)  # 1 point against an LP of 4,631: too little
    assert labelling_misses(0.0, -1.5, 0.0, share=0.5)  # an LP near 0 counts as 1


def test_tracking_recovers_a_share_of_the_miss() -> None:
    """Keeping scarce counts apart is worth it when it recovers the share of what the plain labelling missed."""
    assert tracking_recovers(-300.0, -4300.0, -4400.0, share=0.5)
    assert not tracking_recovers(-27.7, -29.0, -119.8, share=0.5)
    assert tracking_recovers(-27.7, -29.0, -119.8, share=0.01)
    assert not tracking_recovers(-100.0, -100.0, -100.0, share=0.5)  # nothing missed


def test_tracking_switches_the_labelling_once() -> None:
    """Scarce counts are kept apart once, only where some staff member has a binding per-type maximum."""
    p = random_problem(402, E=3, D=7, S=2)
    loose = ColumnGeneration(p.replace(max_shifts_per_type=np.full((3, 2), 7)), num_workers=1)
    assert not loose.can_track() and not loose.track() and not loose.tracked
    assert loose.labels is not None and loose.labels.num_codes == 1
    cg = ColumnGeneration(p.replace(max_shifts_per_type=np.array([[2, 7], [7, 7], [3, 1]])), num_workers=1)
    before = cg.labels
    assert cg.can_track() and cg.track()
    assert cg.tracked and cg.labels is not before and cg.labels is not None and cg.labels.num_codes > 1
    assert not cg.can_track() and not cg.track()


@pytest.mark.parametrize(("tracked_reach", "kept"), [(-1e6, True), (0.0, False)])
def test_column_generation_weighs_keeping_counts_apart_once(tracked_reach: float, kept: bool,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """At the first exact round that finds rosters the labelling misses (here it is made to reach nothing), column
    generation prices once more with counts kept apart and switches to that search only if it recovers enough;
    either way it is weighed once and the run still ends at the LP value of exact pricing alone."""
    from optimizer.roster import columns

    monkeypatch.setattr(columns, "LABEL_TRACK_FLOOR", 0.0)  # this problem's misses are small against its LP
    calls: list[bool] = []

    def reach(self: ColumnGeneration, duals: np.ndarray, staff: np.ndarray, pool: object = None, *,
              tracked: bool = False) -> tuple[float, float]:
        calls.append(tracked)
        return (tracked_reach if tracked else 0.0), 0.0

    monkeypatch.setattr(ColumnGeneration, "label_reach", reach)
    p = random_problem(415, E=3, D=7, S=2)  # an exact round finds a roster before convergence
    p = p.replace(max_shifts_per_type=np.minimum(p.max_shifts_per_type, 2))
    cg = ColumnGeneration(p, num_workers=1, seed=0)
    assert cg.can_track()
    cg.run(Budget(), partial=False)
    assert calls == [False, True]
    assert cg.track_probed and cg.tracked == kept
    assert (cg.labels is not None and cg.labels.num_codes > 1) == kept
    exact = ColumnGeneration(p, num_workers=1, seed=0, label_pricing=False)
    exact.run(Budget(), partial=False)
    assert cg.lp_value == pytest.approx(exact.lp_value, abs=1e-6)


def test_label_reach_adds_nothing_and_sums_the_best_rosters() -> None:
    """The labelling's reach at some duals is the sum of the least reduced costs its search finds there (at
    most 0 per staff member), and prices without adding columns."""
    p = random_problem(403, E=3, D=7, S=2)
    cg = ColumnGeneration(p, num_workers=1, seed=0)
    cg.h.run()
    duals = np.asarray(cg.h.getSolution().row_dual, dtype=np.float64)
    before = len(cg.columns)
    staff = np.arange(p.num_staff)
    reach, dtime = cg.label_reach(duals, staff)
    assert len(cg.columns) == before and dtime > 0 and reach < 0
    labels = cg.fine_labels if cg.fine_labels is not None else cg.labels
    assert labels is not None
    threshold = duals[cg.conv_row:cg.conv_row + cg.E] - cg.own_const
    found = labels.price(cg.own_cells - cg.cell_prices(duals), staff, per_staff=1)
    best = {e: min(c - threshold[e], 0.0) for e, _, c in found}
    assert reach == pytest.approx(sum(best.values()))


@pytest.mark.parametrize("seed", range(4))
def test_merged_cover_rows_give_the_same_master(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """One equality row with a slack each way per head-count stands for the shortfall and over-cover rows below
    and above it: the converged master LP and its bound are the same as with a row each, with fewer rows (the
    slackness waste of ``gap_parts`` is checked with merged rows in test_roster_solve)."""
    from optimizer.roster import columns

    p = random_problem(600 + seed, E=4, D=7, S=2, full=seed % 2 == 0)

    runs = []
    for merge in (True, False):
        monkeypatch.setattr(columns, "MERGE_COVER_ROWS", merge)
        cg = ColumnGeneration(p, num_workers=1, seed=seed)
        cg.run(Budget(), partial=False)
        assert cg.converged
        runs.append((cg.num_rows, cg.lp_value, cg.bound))
    (rows_m, lp_m, bound_m), (rows_s, lp_s, bound_s) = runs
    assert rows_m < rows_s
    assert lp_m == pytest.approx(lp_s, abs=1e-6)
    assert bound_m == bound_s


def exact_total_problem(seed: int) -> tuple[RosterProblem, np.ndarray]:
    """One staff member over 28 days who must work exactly ``n`` shifts (minimum = maximum minutes), with
    costs per shift: the bucketed labelling (totals in pairs) keeps the cheaper label with fewer shifts."""
    rng = np.random.default_rng(seed)
    E, D, S = 1, 28, 2
    n = int(rng.integers(10, 18))
    p = RosterProblem(
        cover_min=np.zeros((D, S), dtype=np.int64), is_allowed=np.ones((E, S), dtype=bool), start_weekday=0,
        shift_minutes=np.array([480, 480]), shift_class=np.arange(S),
        forbidden_next=np.array([[False, False], [True, False]]), is_unavailable=rng.random((E, D)) < 0.2,
        max_total_shifts=np.array([D]), max_consecutive_days=np.array([int(rng.integers(3, 6))]),
        min_consecutive_days=np.array([int(rng.integers(1, 3))]),
        min_consecutive_days_off=np.array([int(rng.integers(1, 3))]), max_weekends=np.array([int(rng.integers(1, 4))]),
        min_total_minutes=np.array([n * 480]), max_total_minutes=np.array([n * 480]))
    cost = np.zeros((E, D, S + 1))
    cost[:, :, :S] = rng.integers(1, 5, size=(E, D, S))
    return p, cost


@pytest.mark.parametrize("seed", [2, 4, 6])
def test_exact_totals_find_rosters_the_buckets_merge_away(seed: int) -> None:
    """Where the total is pinned, the bucketed search can find no roster at all; the search with exact totals
    finds one that keeps every rule (independent checker), and column generation uses it."""
    p, cost = exact_total_problem(seed)
    coarse = LabelPricer(p, HARD, prune=False)
    assert coarse.total_bucket == 2
    assert coarse.price(cost, np.array([0]), per_staff=1) == []
    found = LabelPricer(p, HARD, prune=False, total_bucket=1).price(cost, np.array([0]), per_staff=1)
    assert len(found) == 1
    assert evaluate(spec_from_problem(p), roster_from_schedule(found[0][1][None, :])).feasible
    cg = ColumnGeneration(p, num_workers=1, seed=0)
    assert cg.fine_labels is not None
    cg.h.run()
    lp_duals = np.asarray(cg.h.getSolution().row_dual, dtype=np.float64)
    assert cg.price_labels(lp_duals, np.array([0]))[0] == 0  # the bucketed search alone adds nothing
    added, _, _ = cg._label_round(lp_duals, None, beta=0.5)
    assert added >= 1


def test_labelling_stalls_on_a_flat_trail_only() -> None:
    """Exact pricing takes over when the LP has fallen by less than the share over the last iterations."""
    assert not labelling_stalled([100.0] * 5, iterations=5)  # too few iterations to tell
    assert labelling_stalled([100.0] * 6, iterations=5)
    assert not labelling_stalled([200.0, 150.0, 120.0, 110.0, 105.0, 100.0], iterations=5, share=0.005)
    assert labelling_stalled([100.4, 100.3, 100.2, 100.1, 100.05, 100.0], iterations=5, share=0.005)
    assert not labelling_stalled([101.0, 100.4, 100.3, 100.2, 100.1, 100.0], iterations=5, share=0.005)
    assert labelling_stalled([0.004, 0.0, 0.0, 0.0, 0.0, 0.0], iterations=5, share=0.005)  # scale at least 1


def test_label_round_falls_back_to_the_lp_duals() -> None:
    """Smoothed duals that price no roster negative give way to the LP duals, which become the next centre."""
    p = random_problem(401, E=3, D=7, S=2)
    cg = ColumnGeneration(p, num_workers=1, seed=0)
    cg.h.run()
    lp_duals = np.asarray(cg.h.getSolution().row_dual, dtype=np.float64)
    # at a centre whose convexity duals are far below any roster's cost nothing is negative
    centre = np.zeros_like(lp_duals)
    centre[cg.conv_row:cg.conv_row + cg.E] = -1e9
    before = len(cg.columns)
    added, dtime, new_centre = cg._label_round(lp_duals, centre, beta=1.0)
    assert added > 0 and len(cg.columns) == before + added and dtime > 0
    assert new_centre is lp_duals
    # with a centre that prices rosters negative, the smoothed duals find them and become the next centre
    fresh = ColumnGeneration(p, num_workers=1, seed=0)
    fresh.h.run()
    added, _, kept = fresh._label_round(lp_duals, lp_duals * 2.0, beta=0.5)
    assert added > 0 and np.allclose(kept, 1.5 * lp_duals)


@pytest.mark.parametrize("seed", range(3))
def test_cell_prices_equal_the_master_entries(seed: int) -> None:
    """A roster's reduced cost from cell prices equals its own cost minus the duals of its master entries
    (cover, budget and fairness rows; convexity excluded), for any dual values."""
    p = random_problem(seed)
    cg = ColumnGeneration(p, num_workers=1, seed=seed)
    rng = np.random.default_rng(seed)
    duals = rng.normal(0, 5, size=cg.num_rows)
    duals[cg.conv_row:cg.conv_row + cg.E] = 0.0
    prices = cg.cell_prices(duals)
    schedule = rng.integers(-1, p.num_shifts, size=(p.num_staff, p.num_days))
    for e in range(p.num_staff):
        row = schedule[e]
        own = float(evaluate_schedule(restrict(p, np.array([e]), np.arange(p.num_shifts)), row[None, :],
                                      rule_ids=tuple(STAFF_TERMS)).objective)
        direct = own - cg._column_dual(e, row, duals)
        via_cells = cg.own_const[e] + path_cost(cg.own_cells - prices, e, row)
        assert via_cells == pytest.approx(direct)
        assert np.allclose(cg.cell_prices(duals, np.array([e]))[0], prices[e])


@pytest.mark.parametrize("seed", range(4))
def test_cost_to_go_is_the_cheapest_completion(seed: int) -> None:
    """table[e, d, k] is the cheapest cost of the days after d with exactly k optional shifts worked (days
    where only work is allowed are worked, and do not count), by enumerating every completion."""
    rng = np.random.default_rng(seed)
    E, D, S = 2, 5, 2
    ok = rng.random((E, D, S + 1)) < 0.7
    ok[:, :, S] |= ~ok[:, :, :S].any(axis=2)  # every day has some value
    cost = rng.normal(0, 5, size=(E, D, S + 1))
    out = cost_to_go(ok, cost)
    assert out is not None
    table, n_opt, n_forced, kstar = out
    for e in range(E):
        for d in range(D):
            after = list(range(d + 1, D))
            both = [t for t in after if ok[e, t, S] and ok[e, t, :S].any()]
            forced = [t for t in after if not ok[e, t, S]]
            assert n_opt[e, d] == len(both) and n_forced[e, d] == len(forced)
            best: dict[int, float] = {}
            choices = [[v for v in range(S + 1) if ok[e, t, v]] for t in after]
            for values in itertools.product(*choices):
                k = sum(1 for t, v in zip(after, values, strict=True) if t in both and v < S)
                c = sum(cost[e, t, v] for t, v in zip(after, values, strict=True))
                best[k] = min(best.get(k, np.inf), c)
            for k, c in best.items():
                assert table[e, d, k] == pytest.approx(c)
            assert table[e, d, kstar[e, d]] == pytest.approx(min(best.values()))


def test_dominated_labels_by_brute_force() -> None:
    """A label is dominated exactly when a label of the same state has a smaller count and no greater cost."""
    rng = np.random.default_rng(3)
    for _ in range(20):
        n = int(rng.integers(1, 40))
        state = rng.integers(0, 4, size=n)
        count = rng.integers(0, 4, size=n)
        cost = rng.integers(0, 6, size=n).astype(float)
        protect = rng.random(n) < 0.2
        got = _dominated(state, count, cost, protect)
        for i in range(n):
            expected = not protect[i] and any(state[j] == state[i] and count[j] < count[i] and cost[j] <= cost[i]
                                              for j in range(n))
            assert got[i] == expected


@pytest.mark.parametrize("seed", range(6))
def test_pruning_keeps_the_search_exact(seed: int) -> None:
    """Labels are dropped when the cost-to-go bound shows they cannot end below the threshold or the kept
    roster's cost; where the merged states are exact, the cheapest roster is still found (enumeration)."""
    p = staff_rule_problem(seed)
    rng = np.random.default_rng(70 + seed)
    cost = rng.normal(0, 10, size=(p.num_staff, p.num_days, p.num_shifts + 1))
    for e in range(p.num_staff):
        rows = feasible_rows(p, e)
        if not rows:
            continue
        costs = [path_cost(cost, e, r) for r in rows]
        best = min(costs)
        threshold = np.full(p.num_staff, best + 1e-3)
        keep = np.full((p.num_staff, p.num_days), -1)
        keep[e] = rows[int(np.argmax(costs))]  # the dearest feasible roster
        for kw in ({"threshold": threshold}, {"keep": keep}):
            pricer = LabelPricer(p, HARD, beam=1, total_bucket=1)
            found = [(row, c) for f, row, c in pricer.price(cost, np.array([e]), per_staff=1, **kw) if f == e]
            assert len(found) == 1
            assert found[0][1] == pytest.approx(best)
            unpruned = LabelPricer(p, HARD, beam=1, total_bucket=1, prune=False)
            again = [c for f, _, c in unpruned.price(cost, np.array([e]), per_staff=1, **kw) if f == e]
            assert again == [pytest.approx(best)]
            assert pricer.work_done <= unpruned.work_done


@pytest.mark.parametrize(("seed", "parts"), [(0, 2), (1, 3), (2, 2)])
def test_pricing_in_parts_finds_what_one_search_finds(seed: int, parts: int) -> None:
    """Split over threads, the labelling search returns the same rosters, costs and order as one call, and the
    same total work: each staff member's search is independent of the others'."""
    p = random_problem(900 + seed, E=9, D=12, S=3)
    rng = np.random.default_rng(seed)
    cost = rng.normal(0, 10, size=(p.num_staff, p.num_days, p.num_shifts + 1))
    staff = rng.permutation(p.num_staff)[:8]
    threshold = np.full(p.num_staff, 5.0)
    one = LabelPricer(p, HARD)
    expected = one.price(cost, staff, per_staff=3, threshold=threshold)
    assert expected and len({e for e, _, _ in expected}) > parts  # several staff, so every part has some
    with ThreadPoolExecutor(max_workers=parts) as pool:
        found, work = price_in_parts(LabelPricer(p, HARD), cost, staff, pool=pool, parts=parts, per_staff=3,
                                     threshold=threshold)
    assert work == one.work_done
    assert [(e, row.tolist(), c) for e, row, c in found] == [(e, row.tolist(), c) for e, row, c in expected]
    unsplit, work_unsplit = price_in_parts(one, cost, staff, pool=None, parts=parts, per_staff=3,
                                           threshold=threshold)
    assert work_unsplit == work and len(unsplit) == len(found)


def test_column_generation_labels_the_same_with_threads() -> None:
    """The master's labelling round adds the same columns whether it runs in one thread or in parts."""
    p = random_problem(950, E=8, D=10, S=3)
    added = []
    for workers in (1, 2):
        cg = ColumnGeneration(p, num_workers=workers, seed=0)
        cg.h.run()
        duals = np.asarray(cg.h.getSolution().row_dual, dtype=np.float64)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            count, _ = cg.price_labels(duals, np.arange(p.num_staff), pool=pool if workers > 1 else None)
        assert count > 0
        added.append([(e, row.tolist()) for e, row, _ in cg.columns])
    assert added[0] == added[1]
