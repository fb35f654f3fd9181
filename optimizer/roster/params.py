"""Parameters of the roster core."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


class ModuleDefault:
    """Marker of a parameter left at its module constant, read when the call is made rather than when the function was
    defined: a constant set after import (``benchmarks.shift_scheduling_seeds --set module.NAME=VALUE``) then takes
    effect, where a constant bound as a plain default would silently not."""

    def __repr__(self) -> str:
        return "MODULE_DEFAULT"


MODULE_DEFAULT: Final = ModuleDefault()


@dataclass(frozen=True)
class RosterParams:
    """Tuning of :func:`optimizer.roster.solve.solve`.

    Parameters
    ----------
    num_workers : int
        CP-SAT search workers per solve (default 2).
    use_lns : bool
        After the full-model phase, improve the incumbent by large-neighbourhood search (default True).
    full_model_share : float
        Share of a block's time given to CP-SAT on the full model first (default 0.1); the phase
        ends early when CP-SAT proves optimality, and runs on past its share until a first solution exists
        when the greedy roster is not feasible.
    full_model_max_vars : int
        Blocks with more shift variables skip the full-model phase when the greedy roster is feasible; the
        first incumbent is then the greedy roster and the bound the flow relaxation's (default 400,000).
    lns_target_vars : int
        Initial number of free shift variables in a neighbourhood; adapted during the search (default 1,500).
    lns_sub_time_s : float
        Initial time limit of one neighbourhood solve in seconds; adapted during the search (default 1.0).
    decompose : bool
        Solve independent components (staff and shift types not linked by eligibility, budget or fairness
        groups) separately (default True).
    greedy_hint : bool
        Build a greedy roster and give it to CP-SAT as a hint (default True).
    deterministic : bool
        Same inputs and seed give the same roster: CP-SAT phases are limited by deterministic time
        (``seconds x dtime_per_second``) and use ``interleave_search``; the wall-clock limit of ``stop`` remains
        a safety cap (default True). With False, wall-clock limits only (benchmarks).
    dtime_per_second : float
        Conversion of the time budget into CP-SAT deterministic time in deterministic mode (default 0.5).
    use_columns : bool
        Run column generation after the full-model phase (default True): a Lagrangian bound (usually far
        stronger than CP-SAT's) and an LP-guided roster. In deterministic mode the master LP (HiGHS) is
        deterministic and pricing runs on deterministic time.
    columns_max_staff : int
        Column generation only for blocks with at most this many staff (default 400).
    columns_max_days : int
        Column generation only for horizons of at most this many days (default 120): beyond, its labelling pricing
        is too slow to converge (182 days: the LP stalls at several times the optimum), and staff-wise descent
        gets its time instead (from a first roster built towards a plan of the weekends, where they are limited:
        :mod:`optimizer.roster.weekends`).
    columns_share : float
        Largest share of the remaining time given to column generation (default 0.6).
    master_lp : str
        Solver of column generation's master LP: ``"simplex"`` (primal simplex, warm-started), ``"ipm"``
        (interior point without crossover; see :data:`optimizer.roster.columns.MASTER_SOLVERS`) or ``"auto"``
        (default: interior point for blocks of at least ``optimizer.roster.solve.IPM_MASTER_MIN_STAFF`` staff,
        simplex below).
    master_share : float
        Share of the remaining time given afterwards to LNS on the LP-guided problem: cells on which all
        columns of the master LP solution agree are fixed, the others re-optimised (default 0.7). Only when
        column generation reached the LP optimum; otherwise the LNS on the whole block gets this time.
    use_cover_lp : bool
        For blocks without column generation (more than ``columns_max_staff`` staff), solve the cover LP
        (:mod:`optimizer.roster.cover_lp`; a bound far tighter than the flow's when empty seats dominate) and
        repair its rounded roster into a first incumbent (:mod:`optimizer.roster.repair`) (default True).
    cover_lp_share : float
        Largest share of the block's time given to the cover LP (default 0.3).
    rule_ids : tuple of str or None
        Only these rules and terms are modelled and evaluated (default None: all of them).
    log_search : bool
        Let CP-SAT log its search (default False).
    """

    num_workers: int = 2
    use_lns: bool = True
    full_model_share: float = 0.1
    full_model_max_vars: int = 400_000
    lns_target_vars: int = 1_500
    lns_sub_time_s: float = 1.0
    decompose: bool = True
    greedy_hint: bool = True
    deterministic: bool = True
    dtime_per_second: float = 0.5
    use_columns: bool = True
    columns_max_staff: int = 400
    columns_max_days: int = 120
    columns_share: float = 0.6
    master_lp: str = "auto"
    master_share: float = 0.7
    use_cover_lp: bool = True
    cover_lp_share: float = 0.3
    rule_ids: tuple[str, ...] | None = None
    log_search: bool = False

    def __post_init__(self) -> None:
        if self.num_workers < 1:
            raise ValueError("num_workers: must be >= 1")
        if not 0 < self.full_model_share <= 1:
            raise ValueError("full_model_share: must lie in (0, 1]")
        if self.full_model_max_vars < 0:
            raise ValueError("full_model_max_vars: must be >= 0")
        if self.lns_target_vars < 1:
            raise ValueError("lns_target_vars: must be >= 1")
        if not self.lns_sub_time_s > 0:
            raise ValueError("lns_sub_time_s: must be > 0")
        if not self.dtime_per_second > 0:
            raise ValueError("dtime_per_second: must be > 0")
        if self.columns_max_days < 1:
            raise ValueError("columns_max_days: must be >= 1")
        if not (0 < self.columns_share <= 1 and 0 <= self.master_share <= 1):
            raise ValueError("columns_share: must lie in (0, 1] (and master_share in [0, 1])")
        from optimizer.roster.columns import MASTER_SOLVERS

        if self.master_lp not in (*MASTER_SOLVERS, "auto"):
            raise ValueError(f"master_lp: must be auto or one of {', '.join(MASTER_SOLVERS)}, "
                             f"not {self.master_lp!r}")
        if not 0 < self.cover_lp_share <= 1:
            raise ValueError("cover_lp_share: must lie in (0, 1]")
        if self.rule_ids is not None:
            from optimizer.roster.evaluate import select_rules

            select_rules(self.rule_ids)
