"""Column generation over staff rosters (Dantzig-Wolfe): a strong bound and near-optimal rosters.

Each column is a whole roster of one staff member that keeps every staff-level hard rule. The restricted
master LP (HiGHS) picks a convex combination of columns per staff member and pays the coupling terms: under-,
ideal- and over-cover per (day, shift), seats, budgets and fairness spreads. Pricing first runs the fast
labelling search of :mod:`optimizer.roster.pricing` for all staff at once, split over ``num_workers`` threads
(heuristic: it may miss rosters), at smoothed duals (``LABEL_SMOOTHING``) and, where it buckets totals, again with
exact totals if that finds nothing;
only when it finds nothing at the LP duals either, or when its columns no longer lower the LP
(``LABEL_STALL_SHARE``), does exact pricing run: per staff member, the roster of least reduced cost with
CP-SAT on the one-staff model (the same rule faces as the full model, with the duals added to the objective).
Where exact pricing finds much the labelling missed (``LABEL_TRACK_SHARE``), the labelling keeps the counts of scarce
shift types apart in its merged state from then on (``LABEL_TRACK_BUDGET``); where that is not possible, it is
switched off for the rest of the run when exact pricing keeps finding much that it missed. The
exact pricing's bound gives the Lagrangian bound ``z_master + sum_e min(0, reduced cost bound_e)``, valid for the whole problem at any iteration.
An interior-point master stops after ``IPM_ITERATION_LIMIT`` iterations while columns are generated (its duals are
all pricing needs) and is solved to optimality before a convergence is claimed and when generation ends. Finally the master LP
solution guides a roster: cells on which all columns in use agree are fixed and CP-SAT re-optimises the rest
(:meth:`ColumnGeneration.lp_guide`).

The master LP of rostering problems is much tighter than the compact model's LP (the Curtois & Qu instances
were closed by branch-and-price), so this serves as the bound and as the source of the first good roster.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

import highspy
import numpy as np
import scipy.sparse as sp
from ortools.sat.python import cp_model

from optimizer.highs import new_highs
from optimizer.roster import constraints as hard
from optimizer.roster import objectives as soft
from optimizer.roster.components import restrict
from optimizer.roster.evaluate import evaluate_schedule, select_rules
from optimizer.roster.model import RosterModel, staff_variable_counts
from optimizer.roster.pricing import LabelPricer, cell_costs, price_in_parts, roster_costs, tracked_counts
from optimizer.roster.problem import FREE, RosterProblem

COUPLING = frozenset({hard.MAX_COVER, hard.GROUP_BUDGET, soft.UNDER_COVER, soft.IDEAL_SHORTFALL,
                      soft.OVER_COVER, soft.FAIR_TOTAL_SHIFTS, soft.FAIR_NIGHT_SHIFTS, soft.FAIR_WEEKEND_SHIFTS})
"""Rules and terms that link staff; all others are checked inside each staff member's column."""

EARLY_STOP_FACTOR = 4.0
"""Column generation stops (keeping its columns) once one iteration takes more than 1 / this of the time left."""
PARTIAL_PRICING = True
"""Default of ``run(partial=...)``."""
SCALE = 100_000
"""Duals are scaled by this and rounded to integers in the pricing objective."""
LABELS_PER_SECOND = 12_000_000.0
"""Label extensions the labelling pricing examines per second of wall time in two threads (compiled kernel, measured
on Curtois & Qu instance 13: 99 M in 5.9 s; the numpy form 7 M a second); converts its work into deterministic
time."""
LABEL_COLUMNS_PER_STAFF = 3
"""Rosters of negative reduced cost the labelling pricing returns per staff member and iteration."""
LABEL_BEAM = 2
"""Labels the labelling pricing keeps per merged state."""
LABEL_TRACK_BUDGET = 20
LABEL_TRACK_SHARE = 0.5
LABEL_TRACK_FLOOR = 0.01
LABEL_TRACK_GAIN = 0.5
"""When to keep the counts of scarce shift types apart in the labelling's merged state
(:func:`optimizer.roster.pricing.tracked_counts` within ``LABEL_TRACK_BUDGET``; 1: never). Once per run, at the
first exact pricing round whose rosters the labelling misses much at the same duals (it reaches less than
``LABEL_TRACK_SHARE`` of their summed reduced costs, and falls short by more than ``LABEL_TRACK_FLOOR`` of the
master LP value), the labelling that keeps the counts apart prices at those duals too; if it recovers at least
``LABEL_TRACK_GAIN`` of the shortfall, the labelling keeps them apart for the rest of the run
(:meth:`ColumnGeneration.track`). Curtois & Qu 15 (two night types at most 3-4 times in 42 days): the plain
labelling reaches -299 where exact pricing finds -4,396, the one keeping counts apart -4,341; column generation
alone (30 s, seed 0) then ends at LP 3,841 against 3,891 (best known 3,828); 8, 9 and 14 converge in 3.2 / 2.5 /
10.0 s against 5.1 / 3.5 / 12.5 s. On 12 keeping counts apart recovers nothing (-29.0 against -27.7, exact
-119.8), and with it column generation converged 2 s later, so there they stay merged (benchmarks/RESULTS.md,
forty-second session)."""
LABEL_DISTRUST_SHARE = 0.25
"""Labelling pricing is switched off for the rest of a run when the exact pricing round that follows its stall
finds negative rosters for more than this share of the staff priced (it merges away what the rules need)."""
LABEL_SMOOTHING = 0.5
"""Default of ``run(label_smoothing=...)``: labelling prices at ``beta * previous + (1 - beta) * LP`` duals (Neame's
smoothing, no bound needed), falling back to the LP duals when that finds nothing. Simplex duals of the degenerate
master jump from one extreme point to another, and every staff member then chases the same few cells; on Curtois &
Qu instance 19 the master LP after 25 s of column generation is 4,087 with 0.5 against 8,949 without."""
LABEL_STALL_ITERATIONS = 5
LABEL_STALL_SHARE = 0.005
"""Exact pricing also runs when the labelling's columns have lowered the master LP by less than this share over the
last ``LABEL_STALL_ITERATIONS`` iterations: the labelling can keep finding columns of little use while missing
the ones that matter (its merges lose per-type counts and minutes; Curtois & Qu instance 15 stalls near 4,650
while exact pricing brings the LP below 3,900). At the master's duals after 15 s of column generation on 15, exact
pricing found a roster of negative reduced cost for each of the 45 staff, summing to -498.6, in 2.3 s; the
labelling -247.8 (beam 32: -281.0), and only with the counts of the scarce shift types (at most 4 a month) in its
merged state -491.9, in 11.7 s (numpy form, beam 32; beam 2 in the compiled form: about 1.6 s, now used where it
pays, ``LABEL_TRACK_BUDGET``). Exact rounds after 2 stalled iterations instead of 5 lowered the LP of column
generation alone (30 s, seed 0: 15 3,850 against 3,899, 19 3,466 against 3,499), but not clearly the rosters of
whole 60 s solves over six paired seeds (15 -118 ± 85, 19 +10 ± 46, 13 -7 ± 113; benchmarks/RESULTS.md,
forty-first session), so 5 stays."""
MERGE_COVER_ROWS = True
"""Over-cover and the shortfall below the same head-count (the ideal, or a minimum equal to it) share one equality
row with a slack each way instead of a row each: the master has half the cover rows and entries on Curtois & Qu
(one requirement per cell), and HiGHS solves it faster."""
IPM_ITERATION_LIMIT: int | None = 20
"""Interior-point iterations per master solve while columns are generated (``master="ipm"``; None: no limit). Column
generation needs the master's duals, not its optimum, and the iterate stopped early is still near the central path
(stable duals). From the first convergence claimed at such duals on (the bound meeting the master's value, or no
column priced), the master is solved to optimality, and once more when generation ends. Curtois & Qu instance 13
(120 staff), 38 s of column generation: master LP 1,351 after 41 iterations, against 1,381 after 31 without the
limit (the master took 34 of 42 s there, 36 interior-point iterations a solve); with 12 iterations the duals are
too rough (1,658). Source: inexact master solves in column generation (e.g. Gondzio, Gonzalez-Brevis and Munari 2013,
"New developments in the primal-dual column generation technique", EJOR 224)."""
_NO_LIMIT = 2_147_483_647
PRIMAL_SIMPLEX = 4
"""HiGHS ``simplex_strategy`` of the master (``master="simplex"``): added columns keep the basis primal feasible."""
MASTER_SOLVERS = ("simplex", "ipm")
"""Master LP solvers: primal simplex warm-started from the last basis, or HiGHS's interior point method without
crossover (solved afresh each iteration, but its duals are central rather than extreme, which steadies column
generation: Rousseau, Gendreau and Feillet 2007, "Interior point stabilization for column generation")."""
_INF = highspy.kHighsInf


def labelling_stalled(trail: list[float], iterations: int | None = None, share: float | None = None) -> bool:
    """Whether the master LP values ``trail`` (oldest first, since the last exact pricing round) have fallen by
    less than ``share`` of the last value over the last ``iterations`` iterations (defaults, read at each call:
    ``LABEL_STALL_ITERATIONS`` and ``LABEL_STALL_SHARE``)."""
    iterations = LABEL_STALL_ITERATIONS if iterations is None else iterations
    share = LABEL_STALL_SHARE if share is None else share
    if len(trail) <= iterations:
        return False
    return trail[-1 - iterations] - trail[-1] < share * max(abs(trail[-1]), 1.0)


def labelling_misses(reach: float, exact: float, lp: float, share: float | None = None) -> bool:
    """Whether the labelling, finding rosters whose least reduced costs sum to ``reach``, misses much of what an
    exact pricing round at the same duals found (``exact``; both at most 0): less than ``share`` (default
    ``LABEL_TRACK_SHARE``, read at each call) of it, and by more than ``LABEL_TRACK_FLOOR`` of the master LP value
    ``lp``."""
    share = LABEL_TRACK_SHARE if share is None else share
    return exact < 0 and reach > share * exact and reach - exact > LABEL_TRACK_FLOOR * max(abs(lp), 1.0)


def tracking_recovers(reach: float, tracked_reach: float, exact: float, share: float | None = None) -> bool:
    """Whether the labelling that keeps scarce counts apart (reaching ``tracked_reach``) recovers at least ``share``
    (default ``LABEL_TRACK_GAIN``, read at each call) of what the plain labelling (``reach``) missed against exact
    pricing (``exact``); all three are sums of least reduced costs, at most 0."""
    share = LABEL_TRACK_GAIN if share is None else share
    return reach - exact > 0 and reach - tracked_reach >= share * (reach - exact)


class ColumnGeneration:
    """Column generation for one roster problem (see the module docstring).

    Parameters
    ----------
    problem : RosterProblem
    rule_ids : tuple of str or None
        Rules modelled (default all).
    num_workers : int
        Pricing problems solved in parallel threads, one CP-SAT worker each; the labelling pricing is split over as
        many threads (:func:`optimizer.roster.pricing.price_in_parts`).
    seed : int
    master : str
        Master LP solver, one of ``MASTER_SOLVERS`` (default ``"simplex"``).
    """

    def __init__(self, problem: RosterProblem, *, rule_ids: tuple[str, ...] | None = None,
                 num_workers: int = 2, seed: int = 0, deterministic: bool = True,
                 dtime_per_second: float = 0.5, label_pricing: bool = True, master: str = "simplex") -> None:
        if master not in MASTER_SOLVERS:
            raise ValueError(f"master: must be one of {', '.join(MASTER_SOLVERS)}, not {master!r}")
        self.master = master
        p = problem
        self.p = p
        self.E, self.D, self.S = p.num_staff, p.num_days, p.num_shifts
        self.seed = seed
        self.num_workers = num_workers
        self.deterministic = deterministic
        self.dtime_per_second = dtime_per_second
        rules = select_rules(rule_ids)
        self.rule_ids = tuple(r.id for r in rules)
        self.staff_rules = tuple(r for r in rules if r.id not in COUPLING)
        self.staff_rule_ids = tuple(r.id for r in self.staff_rules)
        active = set(self.rule_ids)
        self.use = {rid: rid in active for rid in COUPLING}
        # each staff member's own problem; its CP-SAT pricing model is built on first use (:meth:`pricing_model`):
        # where the labelling pricing alone runs, exact pricing may never come (Curtois & Qu 13: 120 models, about
        # a second of model building at the start of column generation, unused in a 60 s solve)
        self.staff_problems = [restrict(p, np.array([e]), np.arange(self.S)) for e in range(self.E)]
        self.num_vars = staff_variable_counts(p)
        """Int64 [E]: shift variables of each staff member's pricing model (0: nothing to decide)."""
        self._pricing: list[RosterModel | None] = [None] * self.E
        self._base_cost: list[tuple[np.ndarray, np.ndarray, int] | None] = [None] * self.E
        # without the cost-to-go ranking and pruning: on Curtois & Qu instance 13 they slow the search by 15% and
        # the master LP after 40 s is 2,151 with them against 1,920 without (descent uses them: exact totals)
        self.labels = (LabelPricer(p, set(self.staff_rule_ids), prune=False, beam=LABEL_BEAM)
                       if label_pricing and self.E else None)
        # a second labelling with exact totals when the first buckets them: it finds rosters the buckets merge
        # away where a tight window of total minutes leaves few totals (Curtois & Qu instance 18: 52-54 shifts of
        # 84 days, buckets of 6; the bucketed search finds no roster at all there)
        self.fine_labels = (LabelPricer(p, set(self.staff_rule_ids), prune=False, total_bucket=1, beam=LABEL_BEAM)
                            if self.labels is not None and self.labels.total_bucket > 1 else None)
        self.own_cells, self.own_const = cell_costs(p, set(self.staff_rule_ids))
        self.tracked = False
        """Whether the labelling keeps scarce per-type counts apart (:meth:`track`)."""
        self.track_probed = False
        """Whether a run has weighed keeping scarce counts apart (done once, at the first round it missed much)."""
        self._tracked: tuple[LabelPricer, LabelPricer] | None = None
        self._track_codes: int | None = None
        self.label_columns = 0
        self.columns: list[tuple[int, np.ndarray, float]] = []  # staff, roster row, own cost
        self.seen: set[tuple[int, bytes]] = set()
        self.lagrangian_bound = -math.inf
        self.lp_value = math.inf
        self.lp_duals: np.ndarray | None = None
        """Row duals of the last master LP solved in :meth:`run` (signs made exact), None before."""
        self.active = np.ones(self.E, dtype=bool)
        """Staff priced by :meth:`run` (a search that fixes a staff member's roster switches them off)."""
        self.iterations = 0
        self.converged = False
        """Whether the last :meth:`run` ended at the LP optimum (no negative roster, or the bound met the LP)."""
        self._build_master()
        fixed_rows = np.where(p.fixed == FREE, -1, p.fixed).astype(np.int64)
        for e in range(self.E):
            if self.num_vars[e] == 0:  # nothing to decide: the fixed roster is the only column
                sub = self.staff_problems[e]
                cost = float(evaluate_schedule(sub, fixed_rows[e][None, :], rule_ids=self.staff_rule_ids).objective)
                self.add_column(e, fixed_rows[e], cost)

    # ------------------------------------------------------------------ master LP
    def _build_master(self) -> None:
        p = self.p
        D, S, E = self.D, self.S, self.E
        h = new_highs()
        h.setOptionValue("random_seed", self.seed % (2**31 - 1))
        h.setOptionValue("presolve", "off")
        if self.master == "ipm":
            h.setOptionValue("solver", "ipm")
            h.setOptionValue("run_crossover", "off")
        else:
            h.setOptionValue("simplex_strategy", PRIMAL_SIMPLEX)
        self.h = h
        lower: list[float] = []
        upper: list[float] = []
        # cover rows: per (d, s) up to four rows; cover_row[k] lists (row, sign) the column coefficient enters
        self.cover_rows: list[list[int]] = [[] for _ in range(D * S)]
        slack_cols: list[tuple[float, int, float]] = []  # cost, row, coefficient
        reach = (p.is_allowed & (p.max_shifts_per_type > 0)).sum(axis=0)
        for d in range(D):
            for s in range(S):
                k = d * S + s
                under = self.use[soft.UNDER_COVER] and p.cover_min[d, s] > 0 and p.under_weight[d, s] > 0
                ideal = (self.use[soft.IDEAL_SHORTFALL] and p.cover_ideal[d, s] > 0
                         and p.ideal_short_weight[d, s] > 0)
                over = self.use[soft.OVER_COVER] and p.over_weight[d, s] > 0 and reach[s] > p.cover_ideal[d, s]
                # the over-cover row shares its right-hand side (the ideal) with the ideal row, or with the under
                # row where minimum and ideal are equal (Curtois & Qu: one requirement): one equality row with a
                # slack each way then stands for both (MERGE_COVER_ROWS)
                merge_ideal = MERGE_COVER_ROWS and over and ideal
                merge_under = (MERGE_COVER_ROWS and over and under and not ideal
                               and p.cover_min[d, s] == p.cover_ideal[d, s])
                if under:
                    r = len(lower)
                    lower.append(float(p.cover_min[d, s]))
                    upper.append(float(p.cover_min[d, s]) if merge_under else _INF)
                    self.cover_rows[k].append(r)
                    slack_cols.append((float(p.under_weight[d, s]), r, 1.0))
                    if merge_under:
                        slack_cols.append((float(p.over_weight[d, s]), r, -1.0))
                if ideal:
                    r = len(lower)
                    lower.append(float(p.cover_ideal[d, s]))
                    upper.append(float(p.cover_ideal[d, s]) if merge_ideal else _INF)
                    self.cover_rows[k].append(r)
                    slack_cols.append((float(p.ideal_short_weight[d, s]), r, 1.0))
                    if merge_ideal:
                        slack_cols.append((float(p.over_weight[d, s]), r, -1.0))
                if over and not (merge_ideal or merge_under):
                    r = len(lower)
                    lower.append(-_INF)
                    upper.append(float(p.cover_ideal[d, s]))
                    self.cover_rows[k].append(r)
                    slack_cols.append((float(p.over_weight[d, s]), r, -1.0))
                if self.use[hard.MAX_COVER] and p.cover_max[d, s] < reach[s]:
                    r = len(lower)
                    lower.append(-_INF)
                    upper.append(float(p.cover_max[d, s]))
                    self.cover_rows[k].append(r)
        self.conv_row = len(lower)
        lower.extend([1.0] * E)
        upper.extend([1.0] * E)
        G = p.num_budget_groups
        self.budget_row = len(lower)
        if not self.use[hard.GROUP_BUDGET]:
            G = 0
        self.num_budget_rows = G
        for g in range(G):
            lower.append(-_INF)
            upper.append(float(p.group_budget[g]))
        # fairness: per kind and group, rows hi - count_e >= 0 and lo - count_e <= 0 for each staff member
        self.fair: list[tuple[str, int, dict[int, tuple[int, int]]]] = []
        spread_cols: list[tuple[float, list[int], list[float]]] = []
        kinds = ((soft.FAIR_TOTAL_SHIFTS, "total", p.fair_total_weight),
                 (soft.FAIR_NIGHT_SHIFTS, "night", p.fair_night_weight),
                 (soft.FAIR_WEEKEND_SHIFTS, "weekend", p.fair_weekend_weight))
        for rid, kind, weight in kinds:
            if not self.use[rid] or weight == 0:
                continue
            for g in np.unique(p.fair_group[p.fair_group >= 0]).tolist():
                staff = np.flatnonzero(p.fair_group == g).tolist()
                if len(staff) < 2:
                    continue
                rows: dict[int, tuple[int, int]] = {}
                for e in staff:
                    rows[e] = (len(lower), len(lower) + 1)
                    lower.extend([0.0, -_INF])
                    upper.extend([_INF, 0.0])
                self.fair.append((kind, weight, rows))
                spread_cols.append((float(weight), [r[0] for r in rows.values()], [1.0] * len(rows)))
                spread_cols.append((-float(weight), [r[1] for r in rows.values()], [1.0] * len(rows)))
        self.num_rows = len(lower)
        h.addRows(self.num_rows, np.asarray(lower), np.asarray(upper), 0, np.zeros(0, np.int32),
                  np.zeros(0, np.int32), np.zeros(0))
        for cost, r, coef in slack_cols:
            h.addCol(cost, 0.0, _INF, 1, np.array([r], np.int32), np.array([coef]))
        for cost, rows_, coefs in spread_cols:
            h.addCol(cost, 0.0, float(D), len(rows_), np.asarray(rows_, np.int32), np.asarray(coefs))
        self.first_column = h.getNumCol()
        # an expensive artificial column per staff member keeps the master feasible before real columns exist
        self.big = 10.0 * (float(np.sum(p.under_weight * p.cover_min) + np.sum(p.ideal_short_weight * p.cover_ideal))
                           + float(p.on_request_weight.sum()) + 1e4)
        for e in range(E):
            h.addCol(self.big, 0.0, _INF, 1, np.array([self.conv_row + e], np.int32), np.array([1.0]))
        self.num_fixed_cols = h.getNumCol()
        self._weekend = self.p.weekend_idx >= 0
        self.row_lower = np.asarray(lower, dtype=np.float64)
        self.row_upper = np.asarray(upper, dtype=np.float64)
        # the master's own columns (cover slacks, spread bounds) as a sparse matrix, for the Lagrangian bound
        r_idx, c_idx, vals, costs, col_ub = [], [], [], [], []
        for j, (cost, r, coef) in enumerate(slack_cols):
            r_idx.append(r)
            c_idx.append(j)
            vals.append(coef)
            costs.append(cost)
            col_ub.append(_INF)
        for cost, rows_, coefs in spread_cols:
            j = len(costs)
            r_idx.extend(rows_)
            c_idx.extend([j] * len(rows_))
            vals.extend(coefs)
            costs.append(cost)
            col_ub.append(float(D))
        self.static_a = sp.csr_matrix((vals, (r_idx, c_idx)), shape=(self.num_rows, len(costs))).T.tocsr()
        # per row the cost of its slack that raises the activity (up to the lower side) and of the one that lowers it
        # (down to the upper side); 0 where the row has none (hard rows, spread rows)
        self.slack_up_cost = np.zeros(self.num_rows)
        self.slack_down_cost = np.zeros(self.num_rows)
        for cost, r, coef in slack_cols:
            (self.slack_up_cost if coef > 0 else self.slack_down_cost)[r] = cost
        self.static_cost = np.asarray(costs, dtype=np.float64)
        self.static_ub = np.asarray(col_ub, dtype=np.float64)
        # cover rows per (day, shift) as a sparse map, for the labelling pricing's cell prices
        k_idx = [k for k, rows_ in enumerate(self.cover_rows) for _ in rows_]
        r_all = [r for rows_ in self.cover_rows for r in rows_]
        self.cover_map = sp.csr_matrix((np.ones(len(r_all)), (k_idx, r_all)), shape=(D * S, self.num_rows))

    def _column_entries(self, e: int, row: np.ndarray) -> tuple[list[int], list[float]]:
        p = self.p
        S = self.S
        rows = [self.conv_row + e]
        vals = [1.0]
        worked = np.flatnonzero(row >= 0)
        for d in worked.tolist():
            for r in self.cover_rows[d * S + int(row[d])]:
                rows.append(r)
                vals.append(1.0)
        if self.num_budget_rows:
            s = row[worked]
            g = p.budget_group[s]
            keep = g >= 0
            spend = np.bincount(g[keep], weights=p.shift_cost[s[keep]], minlength=self.num_budget_rows)
            for gi in np.flatnonzero(spend).tolist():
                rows.append(self.budget_row + gi)
                vals.append(float(spend[gi]))
        for kind, _, staff_rows in self.fair:
            if e not in staff_rows:
                continue
            count = self._count(kind, row)
            if count:
                hi_row, lo_row = staff_rows[e]
                rows.extend([hi_row, lo_row])
                vals.extend([-float(count), -float(count)])
        return rows, vals

    def _count(self, kind: str, row: np.ndarray) -> int:
        work = row >= 0
        if kind == "total":
            return int(work.sum())
        if kind == "night":
            return int((work & self.p.is_night[np.maximum(row, 0)]).sum())
        return int((work & self._weekend).sum())

    def pricing_model(self, e: int) -> tuple[RosterModel, tuple[np.ndarray, np.ndarray, int]]:
        """Staff ``e``'s CP-SAT pricing model (the staff-level rules on their own problem) and its own-cost
        objective ``(literal indices, coefficients, constant)``; built on first use and kept."""
        m = self._pricing[e]
        base = self._base_cost[e]
        if m is None or base is None:
            m = RosterModel(self.staff_problems[e])
            for rule in self.staff_rules:
                rule.add(m)
            base = (np.array([lit.index for lit in m.obj_lits], dtype=np.int64), np.asarray(m.obj_coefs, dtype=np.int64),
                    m.obj_const)
            self._pricing[e], self._base_cost[e] = m, base
        return m, base

    def own_cost(self, e: int, row: np.ndarray) -> float:
        """Staff-level terms of roster ``row`` of staff ``e``; ``inf`` if it breaks a staff-level hard rule."""
        sub = self.staff_problems[e]
        ev = evaluate_schedule(sub, row[None, :], rule_ids=self.staff_rule_ids)
        return float(ev.objective) if ev.is_feasible else math.inf

    def add_column(self, e: int, row: np.ndarray, cost: float | None = None) -> bool:
        """Add roster ``row`` of staff ``e`` as a column (once); False if known or infeasible."""
        key = (e, row.astype(np.int64).tobytes())
        if key in self.seen:
            return False
        if cost is None:
            cost = self.own_cost(e, row)
        if not math.isfinite(cost):
            return False
        self.seen.add(key)
        rows, vals = self._column_entries(e, row)
        self.h.addCol(float(cost), 0.0, _INF, len(rows), np.asarray(rows, np.int32), np.asarray(vals))
        self.columns.append((e, row.astype(np.int64).copy(), float(cost)))
        return True

    def add_schedule(self, schedule: np.ndarray) -> int:
        """Add every staff member's row of a roster as a column; returns how many were new."""
        return sum(self.add_column(e, schedule[e]) for e in range(self.E))

    # ------------------------------------------------------------------ pricing
    def _x_dual(self, e: int, duals: np.ndarray) -> np.ndarray:
        """Dual value collected by each shift variable of staff ``e``'s pricing model."""
        m, _ = self.pricing_model(e)
        out: np.ndarray = self.cell_prices(duals, np.array([e]))[0][m.x_d, m.x_s]
        return out

    def _price(self, e: int, duals: np.ndarray, seconds: float, hint: np.ndarray | None, *, first: bool = False
               ) -> tuple[list[tuple[np.ndarray, float]], float, float]:
        """Solve staff ``e``'s pricing problem: (columns with their own cost, lower bound of the least
        ``own cost - duals . entries`` without the convexity dual, CP-SAT deterministic time).

        Only rosters of negative reduced cost are searched (an objective cut-off at the convexity dual); an
        infeasible search proves that none exists. With ``first`` the search stops at the first one."""
        m, (idx, coefs, const) = self.pricing_model(e)
        xdual = self._x_dual(e, duals)
        scaled_x = np.rint(-SCALE * xdual).astype(np.int64)
        model = m.model
        obj = model.proto.objective
        obj.vars.clear()
        obj.coeffs.clear()
        all_idx = np.concatenate([idx, m.x_index])
        all_coef = np.concatenate([coefs * SCALE, scaled_x])
        obj.vars.extend(all_idx.tolist())
        obj.coeffs.extend(all_coef.tolist())
        obj.offset = float(const * SCALE)
        obj.scaling_factor = 1.0
        cut = int(math.floor(duals[self.conv_row + e] * SCALE - const * SCALE)) - 1
        obj.domain.clear()
        obj.domain.extend([-(2**62), cut])
        model.clear_hints()
        if hint is not None and m.num_vars:
            model.proto.solution_hint.vars.extend(m.x_index.tolist())
            model.proto.solution_hint.values.extend((hint[m.x_d] == m.x_s).astype(np.int64).tolist())
        solver = cp_model.CpSolver()
        prm = solver.parameters
        prm.num_workers = 1
        prm.random_seed = self.seed
        prm.linearization_level = 2
        prm.symmetry_level = 0
        prm.cp_model_probing_level = 0
        prm.stop_after_first_solution = first
        if self.deterministic:
            prm.max_deterministic_time = max(seconds * self.dtime_per_second, 0.01)
            prm.max_time_in_seconds = max(seconds * 4, 0.05)
        else:
            prm.max_time_in_seconds = max(seconds, 0.01)
        found: list[np.ndarray] = []

        class Collect(cp_model.CpSolverSolutionCallback):  # type: ignore[misc]
            def on_solution_callback(self) -> None:
                found.append(np.asarray(self.response_proto.solution, dtype=np.int64))

        status = solver.solve(model, Collect())
        out: list[tuple[np.ndarray, float]] = []
        base_row = np.where(m.wval[0] == 1, m.const_shift[0], -1).astype(np.int64)
        for sol in found:
            on = sol[m.x_index] > 0
            row = base_row.copy()
            row[m.x_d[on]] = m.x_s[on]
            out.append((row, float(np.dot(coefs, sol[idx]) + const)))
        if status == cp_model.INFEASIBLE:  # nothing at or below the cut-off
            bound = (cut + 1) / SCALE + const
        elif status == cp_model.OPTIMAL:
            bound = solver.objective_value / SCALE
        else:
            bound = solver.best_objective_bound / SCALE
        # rounding the duals moves each coefficient by at most 0.5 / SCALE
        bound -= 0.5 * (m.num_vars + 1) / SCALE
        return out, bound, float(solver.response_proto.deterministic_time)

    def cell_prices(self, duals: np.ndarray, staff: np.ndarray | None = None) -> np.ndarray:
        """Float [len(staff), D, S + 1] (default all staff): dual value a roster collects by taking each value of
        each cell (``S``: off), so that ``own cost - duals . entries = own_const + sum of (own_cells - cell_prices)``
        over its cells (convexity row excluded)."""
        p = self.p
        D, S = self.D, self.S
        staff = np.arange(self.E) if staff is None else np.asarray(staff)
        shift = np.zeros((D, S + 1))
        shift[:, :S] = (self.cover_map @ duals).reshape(D, S)
        if self.num_budget_rows:
            g = p.budget_group
            has = g >= 0
            shift[:, :S][:, has] += (duals[self.budget_row + g[has]] * p.shift_cost[has])[None, :]
        out = np.broadcast_to(shift, (staff.size, D, S + 1)).copy()
        for kind, _, staff_rows in self.fair:
            if kind == "total":
                count = np.ones((D, S))
            elif kind == "night":
                count = np.broadcast_to(p.is_night[None, :].astype(float), (D, S))
            else:
                count = np.broadcast_to(self._weekend[:, None].astype(float), (D, S))
            for i, e in enumerate(staff.tolist()):
                if e in staff_rows:
                    hi_row, lo_row = staff_rows[e]
                    out[i, :, :S] -= (duals[hi_row] + duals[lo_row]) * count
        return out

    def price_labels(self, duals: np.ndarray, staff: np.ndarray, *, fine: bool = False,
                     pool: Executor | None = None) -> tuple[int, float]:
        """Labelling pricing (:mod:`optimizer.roster.pricing`) of ``staff`` at ``duals`` (with ``fine``, the
        search with exact totals; with ``pool``, split over ``num_workers`` of its threads): adds the rosters of
        negative reduced cost at ``duals`` it finds; returns (columns added, deterministic time to charge)."""
        labels = self.fine_labels if fine else self.labels
        assert labels is not None
        cost = self.own_cells - self.cell_prices(duals)
        threshold = duals[self.conv_row:self.conv_row + self.E] - self.own_const - 1e-6
        found, work = price_in_parts(labels, cost, staff, pool=pool, parts=self.num_workers,
                                     per_staff=LABEL_COLUMNS_PER_STAFF, threshold=threshold)
        dtime = work / LABELS_PER_SECOND * self.dtime_per_second
        added = 0
        if not found:
            return 0, dtime
        # the search keeps every staff-level hard rule, and the staff-level soft terms are linear per cell
        # (cell_costs), so each roster's own cost is read off the cells instead of re-evaluated
        staff_found = np.array([e for e, _, _ in found])
        own = self.own_const[staff_found] + roster_costs(self.own_cells, staff_found,
                                                         np.stack([row for _, row, _ in found]))
        for (e, row, _), cost_e in zip(found, own.tolist(), strict=True):
            if self.add_column(e, row, cost_e):
                added += 1
        self.label_columns += added
        return added, dtime

    def label_reach(self, duals: np.ndarray, staff: np.ndarray, pool: Executor | None = None, *,
                    tracked: bool = False) -> tuple[float, float]:
        """(Sum over ``staff`` of the least reduced cost, at most 0, of the rosters the labelling finds at
        ``duals``, deterministic time to charge); the search with exact totals where there is one, with
        ``tracked`` the one that keeps scarce counts apart (:meth:`track`). Adds no column."""
        labels = self._tracked_pricers()[1] if tracked and not self.tracked else (
            self.fine_labels if self.fine_labels is not None else self.labels)
        assert labels is not None
        cost = self.own_cells - self.cell_prices(duals)
        threshold = duals[self.conv_row:self.conv_row + self.E] - self.own_const
        found, work = price_in_parts(labels, cost, staff, pool=pool, parts=self.num_workers, per_staff=1,
                                     threshold=threshold - 1e-6)
        best = np.zeros(self.E)
        for e, _, c in found:
            best[e] = min(best[e], c - threshold[e])
        return float(best[staff].sum()), work / LABELS_PER_SECOND * self.dtime_per_second

    def can_track(self) -> bool:
        """Whether :meth:`track` would change the labelling (not yet switched, and some staff member has a per-type
        count to keep apart within ``LABEL_TRACK_BUDGET``)."""
        if self.tracked or self.labels is None or LABEL_TRACK_BUDGET <= 1:
            return False
        if self._track_codes is None:  # computed once: each exact round asks
            self._track_codes = tracked_counts(self.labels.max_type, self.labels.ok, LABEL_TRACK_BUDGET)[1]
        return self._track_codes > 1

    def _tracked_pricers(self) -> tuple[LabelPricer, LabelPricer]:
        """The labelling searches that keep scarce counts apart: (the first, the one with exact totals; the same
        search where the first already has exact totals), built once."""
        if self._tracked is None:
            rules = set(self.staff_rule_ids)
            labels = LabelPricer(self.p, rules, prune=False, beam=LABEL_BEAM, track_budget=LABEL_TRACK_BUDGET)
            fine = (LabelPricer(self.p, rules, prune=False, total_bucket=1, beam=LABEL_BEAM,
                                track_budget=LABEL_TRACK_BUDGET) if self.fine_labels is not None else labels)
            self._tracked = (labels, fine)
        return self._tracked

    def track(self) -> bool:
        """Switch the labelling to searches that keep scarce per-type counts apart in their merged state
        (``LABEL_TRACK_BUDGET``); returns False, changing nothing, when :meth:`can_track` is False."""
        if not self.can_track():
            return False
        labels, fine = self._tracked_pricers()
        self.labels = labels
        if self.fine_labels is not None:
            self.fine_labels = fine
        self.tracked = True
        return True

    def _label_round(self, lp_duals: np.ndarray, center: np.ndarray | None, beta: float,
                     pool: Executor | None = None) -> tuple[int, float, np.ndarray]:
        """One round of labelling pricing: at the smoothed duals ``beta * center + (1 - beta) * lp_duals``, then,
        if that finds nothing, at the LP duals; each first with the bucketed search, then with exact totals.
        Returns (columns added, deterministic time, the duals that found them or the LP duals)."""
        points = [lp_duals] if center is None or beta <= 0 else [beta * center + (1 - beta) * lp_duals, lp_duals]
        dtime = 0.0
        staff = np.flatnonzero(self.active)
        for duals in points:
            for fine in (False, True) if self.fine_labels is not None else (False,):
                added, work = self.price_labels(duals, staff, fine=fine, pool=pool)
                dtime += work
                if added:
                    return added, dtime, duals
        return 0, dtime, lp_duals

    # ------------------------------------------------------------------ main loop
    def lagrangian(self, duals: np.ndarray, value: np.ndarray) -> float:
        """Lagrangian bound ``L(pi)`` for dual values ``duals`` (signs as LP duals of the master rows) and
        lower bounds ``value[e]`` on each staff member's least ``own cost - duals . (cover, budget, fairness
        entries)`` (convexity excluded). Valid for the whole problem."""
        lo_part = np.where(duals > 0, self.row_lower, self.row_upper)
        active = duals != 0
        if np.any(~np.isfinite(lo_part[active])):
            return -math.inf
        total = float(np.dot(duals[active], lo_part[active]))
        rc = self.static_cost - self.static_a @ duals
        neg = rc < -1e-9
        if np.any(neg & ~np.isfinite(self.static_ub)):
            return -math.inf
        total += float(np.dot(rc[neg], self.static_ub[neg]))
        total += float(value.sum())
        return total - float(duals[self.conv_row:self.conv_row + self.E].sum())

    def run(self, clock: Any, *, price_seconds: float = 2.0, smoothing: float = 0.0, quick: bool = False,
            partial: bool | None = None, label_smoothing: float | None = None,
            log: Callable[[str], None] | None = None) -> None:
        """Generate columns until no roster has a negative reduced cost, the bound meets the LP value
        (rounded up), or ``clock.seconds_left()`` runs out (pricing deterministic time is charged to
        ``clock.charge``). Labelling prices at duals smoothed towards the last ones it priced at
        (``label_smoothing``, default ``LABEL_SMOOTHING``), exact pricing at duals smoothed towards the best
        Lagrangian point (Wentges, ``smoothing``, default off); with ``partial``, iterations that follow one
        adding many columns price only half of the staff (alternating halves); with ``quick``, such iterations
        stop each pricing at its first negative roster. Stops early, keeping its columns, once an iteration takes more than a quarter of
        the time left (from the third iteration on; ``EARLY_STOP_FACTOR``)."""
        h = self.h
        pool = ThreadPoolExecutor(max_workers=self.num_workers) if self.num_workers > 1 else None
        last_rows: dict[int, np.ndarray] = {}
        for e, row, _ in self.columns:
            last_rows[e] = row
        center: np.ndarray | None = None
        labelling, after_labels = True, False
        self.converged = False
        alpha = smoothing
        use_quick = quick
        partial = PARTIAL_PRICING if partial is None else partial
        added_last = self.E
        beta = LABEL_SMOOTHING if label_smoothing is None else label_smoothing
        label_center: np.ndarray | None = None
        lp_trail: list[float] = []  # master LP values since the last exact pricing round
        quick = use_quick  # first negative roster per staff member while many are found
        # an interior-point master stops early while columns are generated, and is solved to optimality from the
        # first claimed convergence on
        limit = IPM_ITERATION_LIMIT if self.master == "ipm" and IPM_ITERATION_LIMIT is not None else _NO_LIMIT
        limited = limit < _NO_LIMIT
        try:
            while clock.seconds_left() > 0.05:
                h.setOptionValue("ipm_iteration_limit", limit if limited else _NO_LIMIT)
                h.run()
                status = h.getModelStatus()
                inexact = limited and status == highspy.HighsModelStatus.kIterationLimit
                if status != highspy.HighsModelStatus.kOptimal and not inexact:
                    break
                self.lp_value = float(h.getInfo().objective_function_value)
                lp_duals = np.asarray(h.getSolution().row_dual, dtype=np.float64)
                # exact signs (a >= row has a dual >= 0, a <= row <= 0) keep the Lagrangian bound finite
                lp_duals[(self.row_lower == -_INF) & (lp_duals > 0)] = 0.0
                lp_duals[(self.row_upper == _INF) & (lp_duals < 0)] = 0.0
                self.lp_duals = lp_duals
                lp_trail.append(self.lp_value)
                if self.labels is not None and labelling and not labelling_stalled(lp_trail):
                    # fast heuristic pricing first; exact pricing only when it finds nothing or the LP stalls
                    added, dtime, label_center = self._label_round(lp_duals, label_center, beta, pool)
                    clock.charge(dtime)
                    if added:
                        self.iterations += 1
                        if log is not None:
                            log(f"cg it={self.iterations} lp={self.lp_value:.2f} labelling added={added} "
                                f"columns={len(self.columns)}")
                        continue
                    if inexact:
                        limited = False  # nothing at duals of an unfinished master: try again at exact duals
                        continue
                    after_labels = True  # it found nothing: the exact round below measures what it missed
                # (after a stall, it still finds columns, so the exact round does not count against it)
                lp_trail.clear()
                duals = lp_duals if center is None else alpha * center + (1 - alpha) * lp_duals
                seconds = min(price_seconds, max(clock.seconds_left() / 2, 0.05))

                def work(e: int, duals: np.ndarray = duals, seconds: float = seconds, first: bool = quick) -> Any:
                    if not self.num_vars[e]:
                        return [], -math.inf, 0.0
                    return self._price(e, duals, seconds, last_rows.get(e), first=first)

                # while many columns are found, price half of the staff per iteration (alternating halves)
                half = partial and added_last > self.E // 3
                priced = [e for e in range(self.E)
                          if self.active[e] and (not half or e % 2 == self.iterations % 2)]
                left_before = clock.seconds_left()
                results = list(pool.map(work, priced)) if pool else [work(e) for e in priced]
                clock.charge(sum(r[2] for r in results))
                spent = left_before - clock.seconds_left()
                self.iterations += 1
                added = 0
                exact_sum = 0.0  # the least reduced costs found, summed over the staff
                value = np.full(self.E, -math.inf)
                for e, (cols, bound, _) in zip(priced, results, strict=True):
                    if not self.num_vars[e]:
                        known = [j for j, col in enumerate(self.columns) if col[0] == e]
                        value[e] = min((self.columns[j][2] - self._column_dual(e, self.columns[j][1], duals)
                                        + duals[self.conv_row + e]) for j in known) if known else -math.inf
                        continue
                    value[e] = bound
                    best_rc = math.inf
                    staff_rc = 0.0
                    for row, cost in cols:
                        rc = cost - self._column_dual(e, row, lp_duals)
                        staff_rc = min(staff_rc, rc)
                        if rc < -1e-6 and self.add_column(e, row, cost):
                            added += 1
                            if rc < best_rc:
                                best_rc = rc
                                last_rows[e] = row
                    exact_sum += staff_rc
                if after_labels and added > LABEL_DISTRUST_SHARE * len(priced):
                    # exact pricing finds much the labelling missed: keep scarce counts apart, or if that changes
                    # nothing, stop the labelling (it only costs time here)
                    labelling = self.track()
                elif labelling and not self.track_probed and self.can_track() and exact_sum < 0:
                    # what did the labelling miss at these duals? Much, and the search that keeps scarce counts
                    # apart finds it: use that one from now on (weighed once)
                    reach, dtime = self.label_reach(lp_duals, np.array(priced), pool)
                    clock.charge(dtime)
                    if labelling_misses(reach, exact_sum, self.lp_value):
                        self.track_probed = True
                        reach_t, dtime = self.label_reach(lp_duals, np.array(priced), pool, tracked=True)
                        clock.charge(dtime)
                        keep = tracking_recovers(reach, reach_t, exact_sum)
                        if log is not None:
                            log(f"cg it={self.iterations} labelling reach {reach:.1f}, keeping scarce counts apart "
                                f"{reach_t:.1f}, exact {exact_sum:.1f}: {'kept apart' if keep else 'merged'}")
                        if keep:
                            self.track()
                after_labels = False
                bound_now = self.lagrangian(duals, value)
                if bound_now > self.lagrangian_bound:
                    self.lagrangian_bound = bound_now
                    center = duals.copy()
                if log is not None:
                    log(f"cg it={self.iterations} lp={self.lp_value:.2f} lagrangian={bound_now:.2f} "
                        f"alpha={alpha if center is not None else 0:.2f} added={added} columns={len(self.columns)}")
                if (math.isfinite(self.lagrangian_bound)
                        and math.ceil(self.lagrangian_bound - 1e-6) >= math.ceil(self.lp_value - 1e-6)):
                    if inexact:
                        limited = False  # the master's value was not its optimum: check with an exact solve
                        continue
                    self.converged = True
                    break
                quick = use_quick and added > self.E // 3
                added_last = added
                if self.iterations >= 3 and added and spent * EARLY_STOP_FACTOR > clock.seconds_left():
                    break  # cannot converge in the time left: keep the columns, leave time to the search
                if added == 0 and half:
                    continue  # only half was priced: price everyone next
                if added == 0:
                    if inexact:
                        limited = False  # nothing at duals of an unfinished master: price at exact duals next
                        continue
                    if center is None or alpha == 0:
                        self.converged = True
                        break  # no negative column at the LP duals: the LP is solved
                    alpha = 0.0  # mispricing: price at the LP duals next
                else:
                    alpha = smoothing
        finally:
            if pool is not None:
                pool.shutdown(wait=True)
            h.setOptionValue("ipm_iteration_limit", _NO_LIMIT)
        if self.columns:
            h.run()
            if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                self.lp_value = float(h.getInfo().objective_function_value)

    def ensure_columns(self, clock: Any) -> int:
        """Give every staff member without a column one feasible roster (first solution of its pricing model
        at zero duals); returns how many still have none (no roster found in time)."""
        have = {e for e, _, _ in self.columns}
        missing = [e for e in range(self.E) if e not in have and self.num_vars[e]]
        zero = np.zeros(self.num_rows)
        zero[self.conv_row:self.conv_row + self.E] = self.big  # any roster is below this cut-off
        for e in missing:
            left = clock.seconds_left()
            if left <= 0.05:
                break
            cols, _, dtime = self._price(e, zero, min(left, 5.0), None, first=True)
            clock.charge(dtime)
            for row, cost in cols[:1]:
                self.add_column(e, row, cost)
        have = {e for e, _, _ in self.columns}
        return sum(1 for e in range(self.E) if e not in have and self.num_vars[e])

    def gap_parts(self, schedule: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where ``schedule`` loses against the master LP, at the last LP duals: (float [E], each staff
        member's reduced cost, i.e. how far their roster is from the LP's best response; float [D, S], what each
        (day, shift)'s cover rows waste by complementary slackness, e.g. an empty seat the LP values below its
        penalty). Both are >= 0 (up to rounding) at optimal duals, and the objective of a roster that keeps every
        rule equals the LP value plus their sums (budget and fairness rows, which they leave out, aside), so they
        point at what the roster must change to reach the LP: on Curtois & Qu instance 8, a roster 204 points above the LP
        has staff reduced costs summing to 13 and two empty seats costing 187 where the LP's seat prices are
        6-7 (source: LP duality; reduced-cost guided neighbourhoods in LNS for column-generation models). A
        cover row over several cells would count on each of them; each cell's rows are its own here."""
        D, S, E = self.D, self.S, self.E
        if self.lp_duals is None:
            return np.zeros(E), np.zeros((D, S))
        duals = self.lp_duals
        rows = np.where(schedule >= 0, schedule, S)
        cost = self.own_cells - self.cell_prices(duals)
        staff_rc = (self.own_const + np.take_along_axis(cost, rows[:, :, None], axis=2)[:, :, 0].sum(axis=1)
                    - duals[self.conv_row:self.conv_row + E])
        # activity of the cover rows at this schedule, the cheapest slack, and each row's slackness waste
        work = schedule >= 0
        counts = np.bincount(np.nonzero(work)[1] * S + schedule[work], minlength=D * S)
        activity = self.cover_map.T @ counts.astype(np.float64)
        lower_gap = np.where(np.isfinite(self.row_lower), self.row_lower - activity, 0.0)
        upper_gap = np.where(np.isfinite(self.row_upper), activity - self.row_upper, 0.0)
        up = np.where(self.slack_up_cost > 0, np.maximum(lower_gap, 0.0), 0.0)
        down = np.where(self.slack_down_cost > 0, np.maximum(upper_gap, 0.0), 0.0)
        level = activity + up - down
        side = np.where(duals > 0, self.row_lower, self.row_upper)
        term = np.where(duals != 0, duals * (level - np.where(np.isfinite(side), side, level)), 0.0)
        waste = (self.slack_up_cost - duals) * up + (self.slack_down_cost + duals) * down + term
        cover_waste: np.ndarray = np.asarray(self.cover_map @ waste).reshape(D, S)
        return staff_rc, cover_waste

    def _column_dual(self, e: int, row: np.ndarray, duals: np.ndarray) -> float:
        rows, vals = self._column_entries(e, row)
        return float(np.dot(duals[rows], vals))

    @property
    def bound(self) -> float:
        """Valid lower bound on the optimum (integer objective: rounded up)."""
        if not math.isfinite(self.lagrangian_bound):
            return -math.inf
        return float(math.ceil(self.lagrangian_bound - 1e-6))

    # ------------------------------------------------------------------ LP-guided rosters
    def lp_cells(self) -> np.ndarray | None:
        """The master LP solution per cell: ``[E, D, S]``, the weight of the columns in which each staff member works
        each (day, shift) (their fractional rosters, each summing to at most one per day); None before the master
        has a solution."""
        if not self.columns or self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        value = np.asarray(self.h.getSolution().col_value)[self.num_fixed_cols:]
        cells = np.zeros((self.E, self.D, self.S), dtype=np.float64)
        for j, (e, row, _) in enumerate(self.columns):
            lam = value[j] if j < value.size else 0.0
            if lam <= 1e-9:
                continue
            days = np.flatnonzero(row >= 0)
            cells[e, days, row[days]] += lam
        return cells

    def lp_guide(self) -> tuple[np.ndarray, np.ndarray] | None:
        """From the master LP solution: the cells on which all columns in use agree (``[E, D]`` value, or
        ``FREE`` where they differ) and a rounded roster (per staff member its column of largest weight), both
        over the columns in use that keep every staff rule.

        Cells where the LP is unanimous are almost always right in good rosters, so fixing them leaves a
        much smaller problem for CP-SAT. None before the master has a solution.
        """
        if not self.columns or self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        value = np.asarray(self.h.getSolution().col_value)[self.num_fixed_cols:]
        agreed = np.full((self.E, self.D), -3, dtype=np.int64)
        rounded = np.where(self.p.fixed == FREE, -1, self.p.fixed).astype(np.int64)
        weight = np.full(self.E, -1.0)
        for j, (e, row, _) in enumerate(self.columns):
            lam = value[j] if j < value.size else 0.0
            if lam <= 1e-6:
                continue
            if not math.isfinite(self.own_cost(e, row)):
                # the labelling pricing has been seen to return rosters that break a staff rule for a staff member
                # whose fixed cells leave no roster that keeps them all (Curtois & Qu 13 with a weekend plan fixed
                # that works a lone Saturday after an unavailable Friday: 3 of 5,182 columns broke the minimum
                # run); such a column as a staff member's heaviest made the whole rounded roster infeasible, so
                # the columns in use are checked here (a few hundred evaluations)
                continue
            agreed[e] = np.where(agreed[e] == -3, row, np.where(agreed[e] == row, row, FREE))
            if lam > weight[e]:
                weight[e] = lam
                rounded[e] = row
        missing = weight < 0
        if missing.any():
            # staff whose columns in use all break a rule: their heaviest column that keeps every rule
            lam_all = np.zeros(len(self.columns))
            lam_all[:min(value.size, lam_all.size)] = value[:lam_all.size]
            for j in np.argsort(-lam_all, kind="stable").tolist():
                e, row, _ = self.columns[j]
                if missing[e] and math.isfinite(self.own_cost(e, row)):
                    rounded[e], missing[e] = row, False
                    if not missing.any():
                        break
        agreed[agreed == -3] = FREE
        return agreed, rounded
