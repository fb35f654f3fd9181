"""Roster solve: components, a flow relaxation, CP-SAT, column generation and large-neighbourhood search.

Method (per independent component, see :mod:`optimizer.roster.components`; components are solved smallest
first, each with a share of the remaining time in proportion to its number of variables)
------
1. **Flow relaxation** (:mod:`optimizer.roster.flow`): a min-cost flow dropping the sequence, weekend,
   per-type, minimum and budget rules gives a valid bound in seconds even for a province-month (about a
   million variables) and an integral roster that may break the dropped rules.
2. **Greedy** (:mod:`optimizer.roster.greedy`): day by day, follow the flow roster where the upper limits
   allow, then fill missing cover. If this roster already meets the flow bound it is optimal: done.
   **Cover LP** (:mod:`optimizer.roster.cover_lp`, components without column generation, i.e. more than
   ``columns_max_staff`` staff): the LP of the cover problem with per-type limits and budgets gives a bound
   far tighter than the flow's when empty seats dominate the objective (duty rosters), and its rounded roster,
   repaired by dropping shifts until every rule holds and then filling empty seats most expensive first
   (:mod:`optimizer.roster.repair`), is usually a far better first incumbent than the greedy roster.
3. **Full model**: CP-SAT on the whole component for ``full_model_share`` of the time with the greedy roster
   as hint (skipped above ``full_model_max_vars`` variables when the greedy roster is feasible; only
   ``FULL_MODEL_PROBE_SHARE`` of the time in column-generation blocks of more than ``FULL_MODEL_PROBE_VARS``
   variables without a feasible greedy roster). It proves small instances optimal and gives a first incumbent.
4. **Column generation** (:mod:`optimizer.roster.columns`, up to ``columns_max_staff`` staff and
   ``columns_max_days`` days; without a roster yet, the repaired cover-LP roster is tried first where the repair
   applies (no minimum minutes), then one is built by best responses in turn,
   :meth:`optimizer.roster.descent.StaffDescent.construct`; on longer horizons where the weekends each staff member
   may work are limited, that roster is built towards a plan of the weekend days solved first by CP-SAT
   (:mod:`optimizer.roster.weekends`, ``WEEKEND_SHARE``), and staff-wise descent in batches of
   ``DESCENT_ONLY_BATCH`` gets ``DESCENT_ONLY_SHARE`` of the time instead and LNS with descent the rest): the master LP
   over whole staff rosters gives a Lagrangian bound far stronger than CP-SAT's. Two rosters are built from the LP:
   the rounded LP roster (per staff member the column of largest weight) and one of best responses in turn against
   the LP's expected cover of the staff not yet planned (``EXPECTED_START``); each is improved by **staff-wise
   descent** (:mod:`optimizer.roster.descent`: whole rosters of single staff members re-planned by the labelling
   search against everyone else's cover). If column generation reached the LP optimum in a block of at most
   ``DIVE_MAX_STAFF`` staff, the **column dive** (:mod:`optimizer.roster.dive`: fix staff to their heaviest
   columns, price the rest again, backtrack to the open node of least LP; started again one column wider when its
   tree runs out early, ``DIVE_RESTARTS``) takes ``DIVE_SHARE`` of the time left instead of the descents, and a
   roster it finds goes straight to the LNS below. Otherwise, with a converged
   master, the cells on which all rosters of the LP solution agree are fixed and LNS re-optimises the rest from
   the rounded LP roster; if column generation ran out of time, the LP is no guide and the time goes to the LNS on
   the whole block.
   **Weekends first** (blocks short enough for column generation whose weekends are limited): the weekend days
   alone are solved as a MIP by HiGHS (:func:`optimizer.roster.weekends.weekend_mip`, at most ``WEEKEND_MIP_SHARE``
   of the time), a bound valid for the whole block. Where its plan leaves weekend seats empty and column generation
   does not converge in time (interior-point master), column generation on the whole block runs first for
   ``WEEKEND_LP_SHARE`` of the time and the MIP is solved again steered towards its master LP's rosters (among
   plans of equal weekend points, one the weekdays fit around); the block is then solved with its weekends fixed
   to that plan (``WEEKEND_FIX_SHARE`` of the time: all of this step on the weekdays alone), and the final LNS
   goes on from that roster instead of column generation on the whole block.
   Where weekend seats outnumber the weekend days the staff may work, or nearly match them, every labelling search
   (construction, pricing, descent, chains) builds only complete weekends
   (:func:`optimizer.roster.weekends.complete_weekends`).
5. **LNS**: repeatedly free a neighbourhood (related staff over all days, all staff over a day window, a
   block of related staff x days, the staff and days around a penalty of the incumbent, staff working one day
   of a weekend moved towards an empty weekend seat (long horizons only), or where it differs from the flow
   roster), fix every other cell to the incumbent and let CP-SAT re-optimise it with the
   incumbent as a complete hint (every model variable, :func:`_complete_hint`: CP-SAT's first solution). Equal
   or better rosters are accepted; the neighbourhood size adapts (up after a proven-optimal sub-solve, down
   after a timeout). In blocks with column generation, staff-wise descent runs again after each CP-SAT
   neighbourhood that changed the incumbent; on longer horizons it re-plans only the staff
   whose rosters changed, within ``LNS_DESCENT_SHARE`` of the LNS's time. After each full descent, **ejection
   chains** (:mod:`optimizer.roster.ejection`, ``EJECTION_CHAINS``) hand empty seats from staff member to staff
   member until someone can fill one (moves of several staff at once, which the descent cannot make). Where the
   staff's maximum minutes barely exceed the seats' (``minutes_bind``) in blocks of at least ``ROOM_MIN_STAFF``
   staff, **room rounds** (``ROOM_ROUNDS``) replace the other neighbourhoods: CP-SAT over the whole rosters of staff
   drawn by the minutes they have left, alternating with slices of descent and chains (column
   generation with an interior-point master then gets ``ROOM_COLUMNS_SHARE`` of the time; with two workers each
   slice runs two chain searches side by side, ``CHAIN_PAIRS``); once a round and the
   slice after it have gained nothing, a **band round** (``BAND_ROUNDS``) frees every staff member around every
   weekend for CP-SAT instead of the next room round. In the final LNS of blocks of at least ``WHOLE_MIN_STAFF``
   staff and ``WHOLE_MIN_DAYS`` days without room rounds, **whole rounds** (``WHOLE_ROUNDS``) alternate in the same
   way with the slices: CP-SAT's LNS workers over every cell of the block. It stops early once
   the gap to the bound is within the ``Stop``'s relative gap.

The reported objective is recomputed by the numpy evaluators on the final schedule. The bound is, per
component, the best of the flow bound, the cover LP bound, the weekend MIP's bound, CP-SAT's full-model bound and the
Lagrangian bound,
summed over the components (``bound_source`` says which); all are valid for the whole problem.
"""

from __future__ import annotations

import logging
import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from optimizer.roster.columns import ColumnGeneration
from optimizer.roster.components import restrict, split_components
from optimizer.roster.constraints import staffed, worked_minutes, worked_weekends
from optimizer.roster.cover_lp import cover_lp_relaxation
from optimizer.roster.descent import StaffDescent
from optimizer.roster.dive import ColumnDive
from optimizer.roster.ejection import EjectionChains
from optimizer.roster.evaluate import build_model, evaluate_schedule
from optimizer.roster.flow import flow_relaxation
from optimizer.roster.greedy import build_greedy
from optimizer.roster.model import RosterModel, count_variables
from optimizer.roster.params import MODULE_DEFAULT, ModuleDefault, RosterParams
from optimizer.roster.problem import FREE, OFF, RosterProblem
from optimizer.roster.repair import drop_to_feasible, fill_cover, repair_applies
from optimizer.roster.result import RosterResult, Status
from optimizer.roster.weekends import (
    fixed_weekends,
    guided_problem,
    weekend_mip,
    weekend_problem,
    weekends_bind,
)
from optimizer.stop import Stop

log = logging.getLogger("optimizer.roster.solve")


MIN_SUB_TIME_S = 0.05
COVER_LP_SIZE_PER_SECOND = 250_000.0
"""Rows + columns of the cover LP solved per second (measured: the province month, a few hundred thousand, in 1.2-1.5 s);
converts its size into deterministic time."""
FULL_MODEL_VARS_PER_SECOND = 25_000.0
"""Shift variables of the full model built per second (measured: the province month's nightly re-plan, 150,000
variables in 5.6 s). A block that already has a feasible roster skips the full-model phase when building the model
would take longer than all the time left: the LNS gets the time instead (the nightly re-plan, 2 s)."""
FULL_MODEL_PROBE_VARS = 20_000
"""In blocks with column generation that have no roster before the full model (the greedy start broke a rule), the
full model gets only ``FULL_MODEL_PROBE_SHARE`` of the time when it has more shift variables than this. In 6 s
CP-SAT finds only a poor first roster or none there (Curtois & Qu 13, 39,936 variables: 19,439 against the best
known 1,348; 20, 35,260 variables: none), and the construction by best responses that column generation falls
back on (:meth:`optimizer.roster.descent.StaffDescent.construct`) builds one in under a second (13: 17,618), so the
seconds go to the search after column generation. Paired 60 s runs on 13, seeds 0-5: 171.5 lower on average
(about 6%), lower in 5 of 6 pairs; on 20, 43.5 higher (lower in 2 of 6), within its run-to-run spread. Below this
size the full model keeps ``RosterParams.full_model_share``: the probe (``full_model_share=0.02``, seeds 0-2) was
no better on 12 (10,452 variables; -1 on average) and worse on 19 (9,728; +155, higher in 2 of 3), and it proves
the small instances optimal."""
FULL_MODEL_PROBE_SHARE = 0.02
"""The full model's share of the time in such blocks."""
COMPLETE_HINTS = True
"""LNS sub-solves get a hint of every model variable, not only the shift variables (:func:`_complete_hint`)."""
COMPLETE_HINT_MAX_S = 5.0
"""Wall-clock cap of the solve that completes a hint (it takes milliseconds: the shift variables are fixed)."""
GUIDED_FIRST_SOLVE_SHARE = 0.5
"""Share of the LP-guided phase given to one CP-SAT solve from the rounded LP roster before LNS."""
DESCENT_SWEEPS = 3
"""Sweeps of staff-wise descent after each change of the LNS incumbent."""
CONSTRUCT_SHARE = 1.0
"""Largest share of the time left given to building a first roster by best responses when there is none before
column generation. The construction ends as soon as every staff member is planned, and one cut short is not a
roster (staff left unplanned break their minimum totals), so it may take all the time left: with a quarter, a 20 s
run of Curtois & Qu instance 20 stopped the construction at 5 s and returned no roster at all."""
DESCENT_ONLY_SHARE = 0.6
"""Share of the time left given to staff-wise descent in blocks whose horizon is too long for column generation
(``RosterParams.columns_max_days``); the LNS with descent gets the rest."""
DESCENT_ONLY_BATCH = 3
"""Batch size of that descent: it starts from the constructed roster, far from any local optimum, where the
responses of a batch of 10 mostly cancel out (one computed against head-counts the batch's first move has already
changed); on Curtois & Qu instance 20, 30 s from the constructed roster (59,419) reach 9,628 with batches of 3,
10,347 with 1 and 20,333 with 10."""
LNS_DESCENT_SHARE = 0.1
"""In blocks whose horizon is too long for column generation, the descent after an LNS neighbourhood re-plans only
the staff whose rosters the neighbourhood changed, within this share of the LNS's deterministic time (waiting while
none is left), and none runs first (the descent phase before has converged). A sweep over everyone costs about 6 s
on the 182 days of Curtois & Qu instance 20: with a full descent after every change the LNS ran 3 neighbourhoods
in 40 s (8,662 to 8,499), without any descent 43 (to 7,164), and with this rule 30 (to 7,329). With column
generation the full descent stays: the rule made 13, 18 and 19 worse over three seeds (233.9%, 12.6% and 31.4%
against 201.0%, 9.2% and 28.3%)."""
SPARE_FIRST = True
"""LNS neighbourhoods around an uncovered shift free first the staff who may work it and have room for it in their
total minutes and shifts (``_Neighbourhoods._spare_first``). On Curtois & Qu instance 13, whose cover asks for
about all the minutes its staff may work, 30 s of LNS from the same roster (5,286), four seeds: 4,428 on average
(4,262-4,656) against 4,514 (4,378-4,672) without."""
WEEKEND_KINDS = 3
"""Weight of the weekend-swap neighbourhood (``_Neighbourhoods._weekend_swap``) in the LNS's draw, against 1 for each
other kind, in blocks whose horizon is too long for column generation (none elsewhere). LNS from the same roster,
three seeds, mean without / with: Curtois & Qu instance 20 (20 s after its descent phase, from 9,286) 8,304 /
7,792, and end to end (60 s, seeds 0-2) 8,272 / 7,428, 7,819 / 7,576 and 8,809 / 8,431. With column generation it was not
clearly better: 19 (20 s from 5,079) 4,366 / 4,229 but end to end 4,044 / 3,797 and 3,863 / 4,516; 13 (30 s from
4,839) 3,812 / 3,892."""
WINDOW_KINDS = 4
"""Extra weight of the window neighbourhood (every staff member over a run of days) in the LNS's draw, beside its
weight of 1, in blocks whose horizon is too long for column generation (none elsewhere); there each window starts on
the day after the last one ended (the first on day 0), so that the windows sweep the horizon in turn (0: neither).
On the 182 days of Curtois & Qu instance 20, whose rosters lose many points to requests as well as to empty seats,
a logged 60 s run gained 31 points per window round against 8 per block, 2 per staff and 11 per penalty round, and
a sweep of 14-day windows from its final roster (5,920) reached 5,432 in 77 s, requests 961 to 600 (source:
practice; measured as switches, weight 4 with the sweep against 0 with random windows, 60 s, seeds 0-11 paired:
5,875.0 against 6,036.3, −161.3 ± 79.5, lower in 8 of 12)."""
WEEKEND_SHARE = 0.25
"""In blocks whose horizon is too long for column generation and whose weekends are limited
(:func:`optimizer.roster.weekends.weekends_bind`), the first roster is built towards a plan of the weekend days
solved first (by HiGHS, ``WEEKEND_PLAN_MIP``, or CP-SAT) within this share of the time left (0: never;
:mod:`optimizer.roster.weekends`)."""
WEEKEND_FIX_SHARE = 0.8
"""In blocks short enough for column generation whose weekends are limited
(:func:`optimizer.roster.weekends.weekends_bind`), the weekend MIP (:func:`optimizer.roster.weekends.weekend_mip`) is
solved first: its bound is valid for the whole block. Where its optimal plan leaves weekend seats empty (even with every
weekday free of rules, the weekends are the scarce part) and the block has at least ``WEEKEND_FIX_MIN_STAFF`` staff (as
many as the interior-point master: column generation does not converge in time there), the block is solved with its
weekend days fixed to the plan for this share of the time left (column generation, descent and LNS on the weekdays
only), and the final LNS on the whole block goes on from that roster instead of column generation on the whole block (0:
neither the MIP nor the fixed plan). Curtois & Qu instance 13 (60 s, seeds 0-3 paired): 2,188 against 2,847 without
(lower in 4 of 4). On 12 (60 staff, simplex master, converging) fixing the plan was worse: 4,970 / 4,478, where
4,04x-4,4xx is usual."""
WEEKEND_FIX_MIN_STAFF = 100
"""Blocks of at least this many staff are solved with their weekends fixed first (``WEEKEND_FIX_SHARE``): as many as
take the interior-point master (``IPM_MASTER_MIN_STAFF``), where column generation does not converge in time."""
WEEKEND_LP_SHARE = 0.3
"""Before the weekends of a block are fixed (``WEEKEND_FIX_SHARE``), column generation on the whole block runs for
this share of the time left, and the plan fixed is the weekend MIP's steered towards the master LP's rosters
(:func:`optimizer.roster.weekends.weekend_mip` with ``guide``, ``WEEKEND_LP_WEIGHT``): plans of equal weekend points
differ widely in how well the weekdays fit around them (0: the unguided plan)."""
WEEKEND_LP_WEIGHT = 5.0
"""Points per unit of disagreement with the master LP's rosters in the steered weekend MIP (``WEEKEND_LP_SHARE``)."""
WEEKEND_MIP_SHARE = 0.25
"""Most of the time left that HiGHS may spend on the weekend MIP (Curtois & Qu: proven optimal in at most 2.6 s)."""
WEEKEND_PLAN_MIP = True
"""The weekend plan of long horizons (``WEEKEND_SHARE``) is the weekend MIP's (HiGHS,
:func:`optimizer.roster.weekends.weekend_mip`; CP-SAT only when it finds none) rather than CP-SAT's."""
WEEKEND_GUIDE_WEIGHT = 0.6
"""Worth of keeping a planned weekend shift in the guided construction, as a share of the seat's under-cover weight."""
WEEKEND_DESCENT_SHARE = 0.25
"""Share of the time left given to staff-wise descent on the guided problem after the guided construction."""
EXPECTED_START = True
"""After column generation, also build a roster by best responses in turn against the master LP's expected cover
(:meth:`optimizer.roster.descent.StaffDescent.construct` with ``expected``) and descend from it as well as from the
rounded LP roster (per staff member the column of largest weight). On Curtois & Qu instance 13 (60 s) the descended
rosters were 4,042-4,134 against 4,769 from the rounded roster, and end to end ten runs averaged 3,880 against 4,162
in seven runs without (wall clock and deterministic mode, seeds 0-2); on 15 the rounded roster descended further
(5,150 against 6,106), hence both. Only where column generation stopped short of the LP optimum: with a converged
master the time went missing from the LP-guided phase (instance 17 at 5,950 against its optimum 5,746, reached in
every seed before; 5 at 8.1%, 9 at 22.8%)."""
EXPECTED_BATCH = 1
"""Staff members planned together in that construction. Each response strays from the staff member's fractional LP
rosters, and responses computed together do not see each other's: on Curtois & Qu instance 13 (master LP 1,369),
batches of 1, 3 and 10 built rosters of 3,846-4,125, 6,029-6,317 and 20,146-20,332 (two seeds each)."""
DESCENT_SHARE = 0.3
"""Largest share of the time left after column generation given to staff-wise descent from the rounded LP roster."""
DIVE_SHARE = 0.85
"""Share of the time left after a converged master that the column dive takes (0: no dive)."""
DIVE_MAX_STAFF = 32
"""Largest block that dives: each node re-prices every free staff member, and beyond this a dive cannot finish
in the time (Curtois & Qu instance 12, 60 staff: about a second per node in the ninth session)."""
DIVE_RESTARTS = True
"""When a dive's tree runs out (no open node left) with at least ``DIVE_RESTART_MIN_S`` of its share left and its best
roster above the LP optimum rounded up, the dive starts again from the root, one column wider (the master keeps
every column the last dive priced, so each dive's LPs differ too). On Curtois & Qu 5 at 60 s, seed 0, the dive of
width 2 ran out after 18 nodes in 3.2 s at 1,233 (one seat above the optimum, 1,143) and the LNS stayed there for 56
s, while a dive of width 4 alone reached 1,148 (benchmarks/RESULTS.md, thirty-fourth session)."""
DIVE_RESTART_MIN_S = 1.0
"""A dive starts again only with at least this many seconds of its share left."""
DIVE_POLISH_SWEEPS = 2
"""Sweeps of staff-wise descent that polish each dive node's rounded roster before it is scored (0: none). The
rounded roster's columns rarely fit together exactly; a couple of best responses mend most of it, and the dive's
cut-off (the incumbent) tightens sooner. Curtois & Qu instance 8, 60 s, seeds 0-5: 1,316 / 1,322 / 1,314 / 1,304 /
1,316 / 1,305 with it, 1,314 / 1,308 / 1,414 / 1,306 / 1,314 / 1,608 without (6 sweeps: 1,504 / 1,400 / 1,307 on
seeds 0-2)."""
EJECTION_CHAINS = True
"""In the LNS with descent (blocks with column generation, horizons it converges on), ejection chains
(:mod:`optimizer.roster.ejection`) run after each descent: moves of several staff at once that hand an empty seat
on until someone can fill it."""
LONG_CHAIN_WINDOW: int | None = 14
"""On long horizons (the LNS's descent capped to a share of its time), chains run too, within the same share, each
link re-planning only the days within this many of its seat (None: no chains there)."""
ROOM_ROUNDS = True
"""Where the staff's maximum minutes barely exceed the minutes of the seats (``minutes_bind``), the LNS with ejection
chains cuts them into slices of ``CHAIN_SLICE_S`` and alternates them with CP-SAT rounds over the whole rosters of
``ROOM_STAFF`` staff drawn by the room they have left (:meth:`_Neighbourhoods.room`), one slice and one round in turn
(giving the next turn to the search that gained more per second in its last one was worse: 13 at 60 s, seeds 0-9
paired, 2,551.8 against 2,358.1, higher in 7 of 10; thirty-second session). Curtois & Qu 13 (120 staff; the maximum
minutes fall 2,160 short of the seats, so an optimal roster wastes no minute, while stuck rosters leave 11,880 spread
over 54 staff in pieces of 120-720): from a roster the chains had reached in 60 s (2,510), 20 s more of chains gave
2,410 and 20 s of these rounds 2,118 (16 staff drawn by room, 3 s each; 2,412 with staff drawn uniformly). From the
rougher roster the chains start from (3,932), the chains gain faster (17 s: 2,636 against 2,933). Whole solves,
paired with the rounds off: 13 at 60 s 2,606 against 2,645 over seeds 0-7 (within the noise), at 120 s 2,218 against
2,632 over seeds 0-3 (lower in 4 of 4); 12 at 60 s 4,145 against 4,370 over seeds 0-3 (lower in 4 of 4, within 1% of
the optimum in 2 of 4 against 0); see benchmarks/RESULTS.md, thirty-first session."""
ROOM_STAFF = 32
"""Staff whose whole rosters one room round frees. With CP-SAT's default workers (``ROOM_LNS_ONLY`` off), Curtois &
Qu 13, 20 s from 2,510: 12 staff and 2 s per round 2,315, 16 and 3 s 2,118, 20 and 3 s 2,310. With LNS-only workers,
larger rooms gain more: one round of 3 s from a roster of 2,700 gained 133 on average with 16 staff (ten draws), 206
with 32 and 113 with 60 (six draws each); the default workers 142, 137 and 74. Whole solves of 13 at 60 s, LNS-only
rounds of 32 staff against the default workers over 16: 2,134 against 2,343 over eight paired seeds (lower in 7);
12 within 1% of the optimum in 4 of 8 against 1 of 8; see benchmarks/RESULTS.md, thirty-eighth session."""
ROOM_LNS_ONLY = True
"""Room and band rounds run CP-SAT's LNS workers only (``use_lns_only``, with two workers or more). In a logged room
round with the default workers (Curtois & Qu 13, 3 s), every improvement came from CP-SAT's own LNS (random-constraint
and graph neighbourhoods of the round's free cells) and local search, while one of the two threads ran a full search
with the LP that found nothing; with one worker the round gains nothing at all (ten rounds of 16 staff from a roster
of 2,700: 142 on average with two workers, 0 with one; with one worker and LNS only, 0 in four rounds of 32 staff,
so the setting applies from two workers on). Band rounds were not measured apart (they seldom run once room rounds
gain)."""
ROOM_SECONDS = 3.0
"""CP-SAT time of one room round."""
CHAIN_SLICE_S = 3.0
"""Length of one slice of descent and ejection chains between room rounds."""
CHAIN_PAIRS = True
"""Where room (or whole) rounds run and two workers are allowed, each slice of ejection chains runs two single-threaded
chain searches from the incumbent at once, each with its own random stream, instead of one search whose links are split
over two threads; the better result is kept, or both where they changed different staff members and together do better
(:func:`_chain_pair`). The links of one search parallelise poorly: from a 60 s roster of Curtois & Qu 13, one search
made 44 links a second on one thread and 49 on two (1.6 cores busy), two searches side by side 65 in all (1.9 cores).
Whole solves of 13 at 60 s, paired with it off over seeds 0-7: 2,668 against 2,865 (lower in 7 of 8); 12, seeds 0-2:
4,279 against 4,343 (within the noise; benchmarks/RESULTS.md, thirty-sixth session). The LNS's chain statistics count
both searches, a discarded one's improvements included. Source: practice of parallel local search (independent walks
from one incumbent)."""
BAND_ROUNDS = True
"""Where room rounds run, once two turns in a row (a room round and the slice of chains after it) have gained nothing
(the LNS has stalled), the next CP-SAT round frees every staff member on the weekends and the ``BAND_SPAN`` days
either side of each (:meth:`_Neighbourhoods.band`) for at most ``BAND_SECONDS`` instead of a room round (the stats
count it among them, and apart as ``lns_band_rounds``), then the alternation goes on. Where both the minutes
and the weekends bind (Curtois & Qu 13: 941,160 seat minutes against 939,000 the staff may work, 482 weekend seats
against 500 weekend days), a stalled roster's empty seats all lie on weekends, and filling one means moving
weekends between staff and the weekday shifts around them, a move of dozens of staff that neither the chains nor
the rounds over 16 whole rosters make. From a 60 s roster of 13 (2,337), 20 s of such a round gave 2,214 (10 s:
2,318, or 2,319 with one day either side). Whole solves of 13 at 60 s, paired with the rounds off over seeds 0-7:
2,158.1 against 2,345.2 (lower in 7 of 8; benchmarks/RESULTS.md, thirty-fourth session). Source: practice of
rostering heuristics (re-optimising the most constrained days of all staff at once)."""
BAND_SPAN = 2
"""Days either side of each weekend that a band round frees."""
BAND_SECONDS = 20.0
"""CP-SAT time of one band round."""
BAND_MIN_S = 6.0
"""A band round starts only with at least this many seconds left."""
ROOM_MIN_STAFF = 50
"""Room rounds only in blocks of at least this many staff (of Curtois & Qu, where the minutes bind, instances 12
and 13; below it, 1-10, the dive or the full model find the rosters)."""
WHOLE_ROUNDS = True
"""In the final LNS of a block with ejection chains but without room rounds, of at least ``WHOLE_MIN_STAFF`` staff and
``WHOLE_MIN_DAYS`` days (and not a long horizon, where the LNS's descent and chains are capped to a share of its time),
descent and chains run in slices of ``WHOLE_SLICE_S`` that alternate with **whole rounds**: CP-SAT over every cell of
the block for ``WHOLE_ROUND_S``, from the incumbent as a complete hint, with LNS workers only (so the round's work is
CP-SAT's own random-constraint and graph neighbourhoods of the whole block, as in the room rounds, ``ROOM_LNS_ONLY``).
They replace the small neighbourhoods, which there run only once a whole pass of chains has gained nothing: on Curtois &
Qu 19 (40 staff, 84 days) one pass of chains takes 10-20 s and the chains seldom stall within 60 s, yet late in a logged
solve a 9 s pass gained 12 points, while from the final roster of a 60 s solve CP-SAT's LNS over the whole model gained
219 in 10 s (3,743 to 3,524; thirty-eighth session). Whole solves at 60 s over eight paired seeds
(benchmarks/RESULTS.md, thirty-ninth session): 19 3,536.6 against 3,677.2 without (lower in 7 of 8; a first run built on
the room rounds' code, 3,512.9 against 3,686.9, lower in 8 of 8); 15 (45 staff, 42 days) 4,414.9 against 4,382.1 (lower
in 4 of 8); 18 (22 staff, 84 days) higher in each of four seeds (4,666.8 against 4,550.8), hence the bounds. Source:
practice (CP-SAT's LNS portfolio on a model small enough to solve whole, alternated with problem-specific moves)."""
WHOLE_MIN_STAFF = 40
"""Whole rounds only in blocks of at least this many staff."""
WHOLE_MIN_DAYS = 84
"""Whole rounds only in blocks of at least this many days."""
WHOLE_ROUND_S = 6.0
"""CP-SAT time of one whole round."""
WHOLE_SLICE_S = 6.0
"""Length of one slice of descent and ejection chains between whole rounds."""
ROOM_COLUMNS_SHARE = 0.3
"""Where room rounds apply and the master is solved by interior point (``IPM_MASTER_MIN_STAFF`` staff or more with
``master_lp="auto"``: there column generation does not converge in time), column generation gets this share of the time instead of
``columns_share``, and the LNS the rest (Curtois & Qu 13, seed 0: 2,413 against 2,823 with 0.6)."""
MINUTES_BIND = 1.005
"""``minutes_bind``: the staff's maximum minutes sum to at most this multiple of the seats' minutes (Curtois & Qu
1-10, 12 and 13; 1.05-1.18 on 14-20)."""
IPM_MASTER_MIN_STAFF = 100
"""``master_lp="auto"`` solves the master by interior point (no crossover) from this many staff on, by primal simplex
below. On Curtois & Qu instance 13 (120 staff, 18 shift types) the simplex spends 1.3-2 s per iteration on dense
bases; the interior point reaches a lower LP in the same time (1,447-1,517 against 1,733-2,037 after 40 s) and
the roster built from it is better in each of four paired runs (3,537-3,886 against 3,919-4,205). On instance 12
(60 staff) the simplex converges in 16 s, the interior point in 35 s."""


@dataclass
class _Clock:
    """Wall-clock deadline plus, in deterministic mode, a budget of CP-SAT deterministic time."""

    deadline: float
    dtime_left: float
    deterministic: bool
    dtime_per_second: float
    parent: _Clock | None = None
    """A clock that is charged too (a node's clock inside a phase's)."""

    def seconds_left(self) -> float:
        wall = self.deadline - time.perf_counter()
        if self.deterministic:
            return min(wall, self.dtime_left / self.dtime_per_second)
        return wall

    def charge(self, dtime: float) -> None:
        self.dtime_left -= dtime
        if self.parent is not None:
            self.parent.charge(dtime)

    def child(self, seconds: float, *, wall: bool = True) -> _Clock:
        """A clock for at most ``seconds`` of this one, charging it as it is charged. Without ``wall``, in
        deterministic mode it is cut by deterministic time only (its wall deadline is this one's), so that what
        runs on it repeats."""
        cut = wall or not self.deterministic
        return _Clock(deadline=min(self.deadline, time.perf_counter() + max(seconds, 0.0)) if cut else self.deadline,
                      dtime_left=min(max(self.dtime_left, 0.0), max(seconds, 0.0) * self.dtime_per_second),
                      deterministic=self.deterministic, dtime_per_second=self.dtime_per_second, parent=self)


@dataclass
class _Run:
    status: Any
    schedule: np.ndarray | None
    objective: float
    bound: float
    dtime: float


def _set_hint(m: RosterModel, variables: np.ndarray, values: np.ndarray) -> None:
    """Replace the model's solution hint by ``values`` of the variables with indices ``variables``."""
    m.model.clear_hints()
    proto_hint = m.model.proto.solution_hint
    proto_hint.vars.extend(variables.tolist())
    proto_hint.values.extend(values.tolist())


def _complete_hint(m: RosterModel, value: np.ndarray, clock: _Clock) -> np.ndarray | None:
    """Values of every model variable for the shift-variable values ``value`` (a roster keeping every hard rule),
    or None when CP-SAT finds none quickly.

    The hint given to CP-SAT otherwise covers only the shift variables; the cover hinges, spreads and other
    auxiliary variables are left for the search to find, and a neighbourhood's solve often ended without even
    re-finding its start (on the province month, 13 of 38 LNS rounds in 40 s returned a roster worse than the
    incumbent). A complete feasible hint is CP-SAT's first solution at once ("complete_hint" in its log), so every
    sub-solve starts from the incumbent. The completion is one single-worker solve with the shift variables fixed
    to their hinted values (``fix_variables_to_their_hinted_value``), which presolve settles in milliseconds."""
    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.num_workers = 1
    prm.fix_variables_to_their_hinted_value = True
    prm.max_time_in_seconds = max(min(COMPLETE_HINT_MAX_S, clock.deadline - time.perf_counter()), 0.01)
    _set_hint(m, m.x_index, value)
    status = solver.solve(m.model)
    clock.charge(float(solver.response_proto.deterministic_time))
    m.model.clear_hints()
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return np.asarray(solver.response_proto.solution, dtype=np.int64)


def _run_cpsat(m: RosterModel, *, seconds: float, clock: _Clock, params: RosterParams, seed: int,
               rel_gap: float, hint: np.ndarray | None, complete: bool = False, lns_only: bool = False) -> _Run:
    """Solve a built model for about ``seconds`` (wall or deterministic, see ``RosterParams``). With ``complete``
    (``hint`` keeps every hard rule), the hint is first completed to every model variable (:func:`_complete_hint`).
    With ``lns_only`` and two workers or more, CP-SAT runs only its LNS workers from the hint (``ROOM_LNS_ONLY``)."""
    value = (hint[m.x_e, m.x_d] == m.x_s).astype(np.int64) if hint is not None and m.num_vars else None
    full_hint = _complete_hint(m, value, clock) if complete and value is not None and COMPLETE_HINTS else None
    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.num_workers = params.num_workers
    prm.random_seed = int(seed) % (2**31 - 1)
    prm.relative_gap_limit = rel_gap
    prm.log_search_progress = params.log_search
    if lns_only and params.num_workers > 1:
        prm.use_lns_only = True
    wall_left = max(clock.deadline - time.perf_counter(), 0.01)
    if params.deterministic:
        prm.max_deterministic_time = max(seconds * params.dtime_per_second, 1e-3)
        prm.max_time_in_seconds = wall_left
        if params.num_workers > 1:
            prm.interleave_search = True
    else:
        prm.max_time_in_seconds = max(min(seconds, wall_left), 0.01)
    if full_hint is not None:
        _set_hint(m, np.arange(full_hint.size), full_hint)
    elif value is not None:
        _set_hint(m, m.x_index, value)
    else:
        m.model.clear_hints()
    status = solver.solve(m.model)
    dtime = float(solver.response_proto.deterministic_time)
    clock.charge(dtime)
    schedule = None
    objective, bound = math.inf, -math.inf
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        schedule = decode(m, np.asarray(solver.response_proto.solution, dtype=np.int64))
        objective = float(solver.objective_value)
        bound = float(solver.best_objective_bound)
    elif status != cp_model.INFEASIBLE:
        bound = float(solver.best_objective_bound) if np.isfinite(solver.best_objective_bound) else -math.inf
    return _Run(status, schedule, objective, bound, dtime)


def full_model_share(params: RosterParams, *, columns: bool, has_roster: bool, num_vars: int) -> float:
    """Share of the time left that the full model gets: all of it without LNS, ``params.full_model_share`` in
    general, at most ``FULL_MODEL_PROBE_SHARE`` in a block with column generation (``columns``) that has no
    feasible roster yet (``has_roster``) and more than ``FULL_MODEL_PROBE_VARS`` shift variables."""
    if not params.use_lns:
        return 1.0
    if columns and not has_roster and num_vars > FULL_MODEL_PROBE_VARS:
        return min(params.full_model_share, FULL_MODEL_PROBE_SHARE)
    return params.full_model_share


def decode(m: RosterModel, solution: np.ndarray) -> np.ndarray:
    """Schedule [E, D] from a CP-SAT solution vector (fixed cells keep their constant value)."""
    sched = np.where(m.wval == 1, m.const_shift, -1).astype(np.int64)
    on = solution[m.x_index] > 0 if m.num_vars else np.zeros(0, dtype=bool)
    sched[m.x_e[on], m.x_d[on]] = m.x_s[on]
    return sched


# ------------------------------------------------------------------------------------------------ LNS
class _Neighbourhoods:
    """Random neighbourhoods of about ``target`` free variables over the cells the solver may change."""

    KINDS = ("staff", "window", "block", "penalty")

    def __init__(self, problem: RosterProblem, rng: np.random.Generator, guide: np.ndarray | None = None,
                 sweep: bool = False) -> None:
        self.guide = guide
        p = problem
        self.p = p
        self.rng = rng
        ok: np.ndarray = np.asarray(p.is_allowed & (p.max_shifts_per_type > 0))
        self.allowed = ok
        self.changeable = (p.fixed == FREE) & ~p.is_unavailable & np.any(ok, axis=1)[:, None]
        self.weight = self.changeable * ok.sum(axis=1)[:, None]
        self.total = int(self.weight.sum())
        self.active_staff = np.flatnonzero(self.changeable.any(axis=1))
        self.sweep = sweep
        self.sweep_at = 0  # with ``sweep``, the day the next window starts on

    def related_staff(self, seed_staff: int, shift: int | None = None) -> np.ndarray:
        """Active staff ordered by how many allowed shift types they share with ``seed_staff`` (or who may
        work ``shift``), ties broken at random."""
        staff = self.active_staff
        if shift is None:
            shared = self.allowed[np.ix_(staff, np.flatnonzero(self.allowed[seed_staff]))].sum(axis=1)
        else:
            shared = self.allowed[staff, shift].astype(np.int64) * 2
        noise = self.rng.random(staff.size)
        order = np.lexsort((noise, -shared))
        first = staff[order]
        return np.concatenate([[seed_staff], first[first != seed_staff]]) if seed_staff in staff else first

    def _fill_staff(self, order: np.ndarray, days: np.ndarray, target: float) -> np.ndarray:
        mask = np.zeros_like(self.changeable)
        per_staff = self.weight[np.ix_(order, days)].sum(axis=1)
        k = int(np.searchsorted(np.cumsum(per_staff), target)) + 1
        chosen = order[:k]
        mask[np.ix_(chosen, days)] = True
        out: np.ndarray = mask & self.changeable
        return out

    def draw(self, kind: str, target: float, schedule: np.ndarray) -> np.ndarray:
        rng, D = self.rng, self.p.num_days
        if self.active_staff.size == 0:
            return np.zeros_like(self.changeable)
        if kind == "window":
            per_day = self.weight.sum(axis=0)
            start = self.sweep_at % D if self.sweep else int(rng.integers(D))
            length = max(1, int(np.searchsorted(np.cumsum(np.roll(per_day, -start)), target)) + 1)
            days = (start + np.arange(min(length, D))) % D
            if self.sweep:
                self.sweep_at = start + min(length, D)
            mask = np.zeros_like(self.changeable)
            mask[:, days] = True
            out: np.ndarray = mask & self.changeable
            return out
        if kind == "guide" and self.guide is not None:
            differ = np.argwhere((schedule != self.guide) & self.changeable)
            if differ.size:
                e0, d0 = differ[int(rng.integers(differ.shape[0]))].tolist()
                span = int(rng.integers(3, 8))
                days = np.arange(max(0, d0 - span), min(D, d0 + span + 1))
                order = self.related_staff(int(e0), int(self.guide[e0, d0]) if self.guide[e0, d0] >= 0 else None)
                mismatch = (schedule[np.ix_(order, days)] != self.guide[np.ix_(order, days)]).any(axis=1)
                order = np.concatenate([order[mismatch], order[~mismatch]])
                return self._fill_staff(order, days, target)
            kind = "penalty"
        if kind == "weekend":
            free = self._weekend_swap(schedule, target)
            if free is not None:
                return free
            kind = "penalty"
        if kind == "penalty":
            found = self._penalty_site(schedule)
            if found is not None:
                e0, d0, s0 = found
                span = int(rng.integers(3, 8))
                days = np.arange(max(0, d0 - span), min(D, d0 + span + 1))
                seed_staff = e0 if e0 >= 0 else int(rng.choice(self.active_staff))
                order = self.related_staff(seed_staff, s0 if e0 < 0 and s0 >= 0 else None)
                if e0 < 0 and s0 >= 0 and SPARE_FIRST:
                    order = self._spare_first(order, schedule, s0)
                return self._fill_staff(order, days, target)
            kind = "block"
        seed_staff = int(rng.choice(self.active_staff))
        order = self.related_staff(seed_staff)
        if kind == "staff":
            return self._fill_staff(order, np.arange(D), target)
        length = min(D, int(rng.choice([7, 14, 21])))
        start = int(rng.integers(0, D - length + 1))
        return self._fill_staff(order, np.arange(start, start + length), target)

    def room_weights(self, schedule: np.ndarray) -> np.ndarray:
        """Float [E]: each staff member's room, the minutes left below their maximum in steps of the shift lengths'
        greatest common divisor, plus the empty seats they could take on a day off without working another weekend
        (a day off outside weekends, or a weekend day of a weekend they already work), on shifts they may work."""
        p = self.p
        work = schedule >= 0
        lengths = p.shift_minutes[p.shift_minutes > 0].astype(np.int64)
        step = float(np.gcd.reduce(lengths)) if lengths.size else 1.0
        room = np.clip((p.max_total_minutes - worked_minutes(p, schedule)) / step, 0.0, None)
        empty = np.maximum(p.cover_min - staffed(p, schedule), 0) > 0
        open_day = (self.allowed.astype(np.int64) @ empty.T.astype(np.int64)) > 0  # [E, D]
        on_weekend = np.flatnonzero(p.weekend_idx >= 0)
        no_new_weekend = np.ones_like(work)
        no_new_weekend[:, on_weekend] = worked_weekends(p, schedule)[:, p.weekend_idx[on_weekend]]
        takeable = (open_day & ~work & self.changeable & no_new_weekend).sum(axis=1)
        out: np.ndarray = room + takeable
        return out

    def room(self, schedule: np.ndarray, count: int) -> np.ndarray:
        """Whole rosters of ``count`` staff drawn without replacement by :meth:`room_weights` (staff with no room
        and no seat to take only when too few others have any). Where the maximum minutes bind, a seat is gained
        only when room spread over several staff in pieces too small for a shift is gathered on one who can take
        it, by exchanges of shifts of other lengths among them: a move of many staff that neither the descent nor
        the ejection chains see as a gain until its last step (source: practice; Curtois & Qu 13, see
        ``ROOM_ROUNDS``)."""
        staff = self.active_staff
        if staff.size == 0:
            return np.zeros_like(self.changeable)
        weight = self.room_weights(schedule)[staff] + 1e-3
        chosen = self.rng.choice(staff, size=min(count, staff.size), replace=False, p=weight / weight.sum())
        mask = np.zeros_like(self.changeable)
        mask[chosen] = True
        out: np.ndarray = mask & self.changeable
        return out

    def band(self, span: int) -> np.ndarray:
        """Every staff member on the weekend days and the ``span`` days either side of each weekend (every day when
        the horizon has no weekend day)."""
        near = np.lib.stride_tricks.sliding_window_view(np.pad(self.p.weekend_idx >= 0, span), 2 * span + 1)
        days = np.asarray(near.any(axis=1))  # [D]: a weekend day within ``span`` days
        if not days.any():
            days = np.ones_like(days)
        out: np.ndarray = self.changeable & days[None, :]
        return out

    def _spare_first(self, order: np.ndarray, schedule: np.ndarray, shift: int) -> np.ndarray:
        """``order`` with the staff who may work ``shift`` and have room for it in their total minutes and shifts
        moved to the front: an uncovered shift is filled by someone under their maximum, often through a
        chain of swaps among the others."""
        p = self.p
        work = schedule[order] >= 0
        minutes = worked_minutes(p, schedule[order])
        room = ((p.max_total_minutes[order] - minutes >= p.shift_minutes[shift])
                & (p.max_total_shifts[order] > work.sum(axis=1)) & self.allowed[order, shift])
        out: np.ndarray = np.concatenate([order[room], order[~room]])
        return out

    def _weekend_swap(self, schedule: np.ndarray, target: float) -> np.ndarray | None:
        """Neighbourhood that moves staff-weekends to a weekend with an empty seat; None when no weekend day has
        one (or no other weekend has anyone working only one of its days).

        Where the weekend limit binds, an empty seat on a weekend is filled only by someone who gives up another
        weekend. The cheapest source is a weekend on which some staff work only one of its two days: one
        working both covers what two single days did and frees the other's weekend. No single staff member's
        roster change does that (either alone gains nothing), so the staff-wise descent never finds it, and
        neighbourhoods of related staff rarely hold both. This one picks an empty weekend seat (weighted by its
        missing head-count), another weekend at random weighted by how many work only one of its days, and
        frees first the staff working only one day of either, then staff who may work the empty seat's shift,
        over a few days around both weekends, up to ``target`` variables (source: practice; on Curtois & Qu
        instances 13, 19 and 20 the weekend limits are the scarcest resource and most empty seats fall on
        weekends)."""
        p, rng, D = self.p, self.rng, self.p.num_days
        wk = p.weekend_idx
        W = p.num_weekends
        if W < 2 or self.active_staff.size == 0:
            return None
        work = schedule >= 0
        short = np.maximum(p.cover_min - staffed(p, schedule), 0) * (wk >= 0)[:, None]
        if not short.any():
            return None
        flat = short.ravel().astype(np.float64)
        d2, s2 = divmod(int(rng.choice(flat.size, p=flat / flat.sum())), p.num_shifts)
        w2 = int(wk[d2])
        on_weekend = np.flatnonzero(wk >= 0)
        rows, cols = np.nonzero(work[:, on_weekend])
        days_worked = np.zeros((p.num_staff, W), dtype=np.int64)
        np.add.at(days_worked, (rows, wk[on_weekend][cols]), 1)
        two_days = np.bincount(wk[on_weekend], minlength=W) == 2
        single = (days_worked == 1) & two_days[None, :]
        weight = single[self.active_staff].sum(axis=0).astype(np.float64)
        weight[w2] = 0
        if weight.sum() == 0:
            return None
        w1 = int(rng.choice(W, p=weight / weight.sum()))
        first = self.active_staff[(single[:, w1] | single[:, w2])[self.active_staff]]
        others = self.related_staff(int(rng.choice(self.active_staff)), s2)
        order = np.concatenate([rng.permutation(first), others[~np.isin(others, first)]])
        span = int(rng.integers(2, 5))
        days = np.zeros(D, dtype=bool)
        for w in (w1, w2):
            on = np.flatnonzero(wk == w)
            days[max(0, on[0] - span):min(D, on[-1] + span + 1)] = True
        return self._fill_staff(order, np.flatnonzero(days), target)

    def _penalty_site(self, schedule: np.ndarray) -> tuple[int, int, int] | None:
        ev = evaluate_schedule(self.p, schedule)
        rows = [mt for rid, mt in ev.matches.items() if rid in ev.term_totals and len(mt)]
        if not rows:
            return None
        e = np.concatenate([mt.staff for mt in rows])
        d = np.concatenate([mt.day for mt in rows])
        s = np.concatenate([mt.shift for mt in rows])
        a = np.concatenate([mt.amount for mt in rows]).astype(np.float64)
        ok = (d >= 0) & (a > 0)
        if not ok.any():
            return None
        idx = np.flatnonzero(ok)
        pick = int(self.rng.choice(idx, p=a[idx] / a[idx].sum()))
        return int(e[pick]), int(d[pick]), int(s[pick])


def minutes_bind(problem: RosterProblem) -> bool:
    """Whether the staff's maximum minutes sum to at most ``MINUTES_BIND`` times the minutes of the seats (head-counts
    ``cover_min``): then nearly every minute of room must go to a seat."""
    seats = float((problem.cover_min * problem.shift_minutes[None, :]).sum())
    return seats > 0 and float(problem.max_total_minutes.sum()) <= MINUTES_BIND * seats


def room_rounds(problem: RosterProblem) -> bool:
    """Whether the LNS of this block alternates ejection chains with room rounds (``ROOM_ROUNDS``)."""
    return ROOM_ROUNDS and problem.num_staff >= ROOM_MIN_STAFF and minutes_bind(problem)


def whole_rounds(problem: RosterProblem) -> bool:
    """Whether the final LNS of this block (with ejection chains, not on a long horizon) alternates slices of chains
    with whole rounds (``WHOLE_ROUNDS``); never where room rounds apply."""
    return (WHOLE_ROUNDS and not room_rounds(problem) and problem.num_staff >= WHOLE_MIN_STAFF
            and problem.num_days >= WHOLE_MIN_DAYS)


def _chain_pair(problem: RosterProblem, pair: tuple[EjectionChains, EjectionChains], start: np.ndarray, *,
                rngs: tuple[np.random.Generator, np.random.Generator], clock: _Clock, resume: bool,
                rule_ids: tuple[str, ...] | None) -> np.ndarray:
    """Two chain searches (each with its own staff-wise descent, so that they share no buffers) from ``start`` at
    once, in two threads, each on its own copy of ``clock`` (``clock`` is then charged what the longer one used, so
    in deterministic mode each search repeats exactly). Returns the best of their two rosters and, when they changed
    disjoint sets of staff members, of the roster taking both changes (it can be worse than either: both may have
    filled the same seat); ``start`` when none keeps every hard rule below its objective."""
    clocks = [_Clock(deadline=clock.deadline, dtime_left=clock.dtime_left, deterministic=clock.deterministic,
                     dtime_per_second=clock.dtime_per_second) for _ in pair]
    out = [start, start]

    def work(i: int) -> None:
        out[i], _ = pair[i].improve(start, rng=rngs[i], clock=clocks[i], resume=resume)

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(work, range(2)))
    clock.charge(max(clock.dtime_left - c.dtime_left for c in clocks))
    changed = [(r != start).any(axis=1) for r in out]
    candidates = list(out)
    if changed[0].any() and changed[1].any() and not (changed[0] & changed[1]).any():
        candidates.append(np.where(changed[1][:, None], out[1], out[0]))
    best, best_obj = start, float(evaluate_schedule(problem, start, rule_ids=rule_ids).objective)
    for cand in candidates:
        ev = evaluate_schedule(problem, cand, rule_ids=rule_ids)
        if ev.is_feasible and ev.objective < best_obj:
            best, best_obj = cand, float(ev.objective)
    return best


def _lns(problem: RosterProblem, best: np.ndarray, best_obj: int, *, clock: _Clock, params: RosterParams,
         seed: int, stats: dict[str, float], guide: np.ndarray | None = None, bound: float = -math.inf,
         rel_gap: float = 0.0, descent: bool = False, descent_first: bool = True,
         descent_share: float | None = None, weekend_kinds: int = 0, window_kinds: int = 0, escalate: bool = True,
         final: bool = False) -> tuple[np.ndarray, int, bool]:
    """Improve ``best`` until the clock runs out or its gap to ``bound`` is at most ``rel_gap``; returns
    (schedule, objective, proven optimal).

    With ``guide`` (a roster of a relaxation), one neighbourhood kind frees staff and days around cells
    where the incumbent differs from it. With ``descent``, whenever a CP-SAT neighbourhood has changed the
    incumbent, staff-wise descent (:mod:`optimizer.roster.descent`: whole rosters of single staff members
    re-planned against the others' cover) runs next: on everyone, or with ``descent_share`` only on the staff whose
    rosters it changed and within that share of the LNS's deterministic time (``LNS_DESCENT_SHARE``); and first
    on everyone unless ``descent_first`` is False (the caller has descended from ``best`` already). The
    weekend-swap neighbourhood is drawn with weight ``weekend_kinds`` (``WEEKEND_KINDS``), the window neighbourhood with
    1 + ``window_kinds`` (``WINDOW_KINDS``; windows then sweep the horizon), each other kind 1. After
    each full descent, ejection chains (:mod:`optimizer.roster.ejection`) run where they apply, widening their
    candidates after a failed pass only with ``escalate``. Where room rounds apply (:func:`room_rounds`, not on long
    horizons), descent and chains run in slices of ``CHAIN_SLICE_S`` and the CP-SAT neighbourhoods are all room
    rounds (:meth:`_Neighbourhoods.room`), one slice and one round in turn. With ``final`` (the block's last LNS, not
    the LP-guided one) and where whole rounds apply instead (:func:`whole_rounds`), the same alternation runs with
    slices of ``WHOLE_SLICE_S`` and CP-SAT rounds over every cell the solver may change."""
    rng = np.random.default_rng(seed)
    staff_descent = StaffDescent(problem, rule_ids=params.rule_ids) if descent else None
    chains = None
    if staff_descent is not None and EJECTION_CHAINS and (descent_share is None or LONG_CHAIN_WINDOW is not None):
        chains = EjectionChains(problem, staff_descent, escalate=escalate,
                                window=None if descent_share is None else LONG_CHAIN_WINDOW,
                                workers=params.num_workers)
        chains = chains if chains.applies else None
    twin: EjectionChains | None = None  # the second search of each slice of chains (CHAIN_PAIRS)
    twin_rng = rng
    descended = staff_descent is None or not descent_first
    # where the maximum minutes bind, slices of descent and chains alternate with room rounds (ROOM_ROUNDS); in the
    # final LNS of large blocks on long enough horizons, with whole rounds (WHOLE_ROUNDS)
    mode = None if chains is None or descent_share is not None else (
        "room" if room_rounds(problem) else "whole" if final and whole_rounds(problem) else None)
    alternate = mode is not None
    if alternate and chains is not None and CHAIN_PAIRS and params.num_workers >= 2:
        chains.workers = 1
        twin = EjectionChains(problem, StaffDescent(problem, rule_ids=params.rule_ids), escalate=escalate,
                              window=None, workers=1)
        twin_rng = np.random.default_rng([seed, 1])
    arm = "chains"  # with room or whole rounds: the search that gets the next turn
    idle = 0  # with room or whole rounds: turns in a row (slices and rounds) that gained nothing
    pending: np.ndarray | None = None  # staff whose rosters changed since the last descent (None: everyone)
    hood = _Neighbourhoods(problem, rng, guide, sweep=window_kinds > 0)
    kinds = hood.KINDS + (("guide", "guide") if guide is not None else ()) + (("weekend",) * weekend_kinds) + (
        ("window",) * window_kinds)
    if hood.total == 0:
        return best, best_obj, True
    target = float(min(params.lns_target_vars, hood.total))
    sub_time = params.lns_sub_time_s
    rounds = improved = 0
    descent_dtime = search_dtime = 0.0  # deterministic time spent in descent and in CP-SAT neighbourhoods
    share = 1.0 if descent_share is None else descent_share
    rule_ids = params.rule_ids
    while clock.seconds_left() > MIN_SUB_TIME_S:
        if rel_gap > 0 and np.isfinite(bound) and best_obj - bound <= rel_gap * max(1.0, abs(best_obj)):
            break
        # with a share, descent after a neighbourhood takes at most that share of the LNS's time
        capped = share < 1 and pending is not None
        allowance = share / (1 - share) * search_dtime - descent_dtime if capped else math.inf
        if staff_descent is not None and allowance > 0 and (arm == "chains" if alternate else not descended):
            phase = clock if not capped else _Clock(
                deadline=min(clock.deadline, time.perf_counter() + allowance / clock.dtime_per_second),
                dtime_left=min(clock.dtime_left, allowance), deterministic=clock.deterministic,
                dtime_per_second=clock.dtime_per_second)
            if alternate:
                # slices repeat in deterministic mode
                phase = clock.child(CHAIN_SLICE_S if mode == "room" else WHOLE_SLICE_S, wall=False)
            before = phase.dtime_left
            slice_from = best_obj
            if not descended:
                descended = True
                moved, replaced = staff_descent.improve(best, rng=rng, max_sweeps=DESCENT_SWEEPS, clock=phase,
                                                        staff=pending if capped else None)
                ev = evaluate_schedule(problem, moved, rule_ids=rule_ids)
                obj = int(ev.objective) if ev.is_feasible else best_obj
                stats["lns_descent_moves"] = stats.get("lns_descent_moves", 0) + replaced
                log.debug("lns descent replaced=%d obj=%d best=%d", replaced, obj, best_obj)
                if replaced and obj < best_obj:
                    improved += 1
                    best, best_obj = moved, obj
            if chains is not None:
                # moves of several staff at once, from the descent's local optimum (within the same share)
                before_chains, chained_from = chains.stats.improved, best
                if twin is not None:
                    before_chains += twin.stats.improved
                    moved = _chain_pair(problem, (chains, twin), best, rngs=(rng, twin_rng), clock=phase,
                                        resume=alternate, rule_ids=rule_ids)
                else:
                    moved, _ = chains.improve(best, rng=rng, clock=phase, resume=alternate)
                ev = evaluate_schedule(problem, moved, rule_ids=rule_ids)
                obj = int(ev.objective) if ev.is_feasible else best_obj
                both = (chains,) if twin is None else (chains, twin)
                stats.update(lns_chains=sum(c.stats.chains for c in both),
                             lns_chain_links=sum(c.stats.links for c in both),
                             lns_chain_improvements=sum(c.stats.improved for c in both),
                             lns_chain_gain=sum(c.stats.gain for c in both))
                log.debug("lns ejection chains=%d improved=%d obj=%d best=%d", stats["lns_chains"],
                          stats["lns_chain_improvements"] - before_chains, obj, best_obj)
                if obj < best_obj:
                    improved += 1
                    best, best_obj = moved, obj
                    descended = False  # the chains' staff may now improve alone
                    if pending is not None:
                        pending = np.flatnonzero((moved != chained_from).any(axis=1))
            used = before - phase.dtime_left
            if capped:
                clock.charge(used)
            descent_dtime += used
            if alternate:
                arm = "rounds"
                idle = idle + 1 if best_obj >= slice_from else 0
                stats["lns_chain_slices"] = stats.get("lns_chain_slices", 0) + 1
            continue
        round_from = best_obj
        if mode == "whole":
            kind, free, seconds = "whole", hood.changeable, WHOLE_ROUND_S
        elif alternate and BAND_ROUNDS and idle >= 2 and clock.seconds_left() >= BAND_MIN_S:
            kind, free, seconds = "band", hood.band(BAND_SPAN), BAND_SECONDS
            stats["lns_band_rounds"] = stats.get("lns_band_rounds", 0) + 1
        elif alternate:
            kind, free, seconds = "room", hood.room(best, ROOM_STAFF), ROOM_SECONDS
        else:
            kind = kinds[int(rng.integers(len(kinds)))]
            free, seconds = hood.draw(kind, target, best), sub_time
        fixed = np.where(free, problem.fixed, np.where(problem.fixed == FREE, best, problem.fixed))
        sub = problem.replace(fixed=fixed)
        m = build_model(sub, rule_ids=rule_ids)
        run = _run_cpsat(m, seconds=min(seconds, clock.seconds_left()), clock=clock, params=params,
                         seed=seed + rounds, rel_gap=0.0, hint=best, complete=True,
                         lns_only=kind == "whole" or (ROOM_LNS_ONLY and kind in ("room", "band")))
        rounds += 1
        search_dtime += run.dtime
        log.debug("lns %d %s free=%d vars=%d status=%s obj=%s best=%d dtime=%.2f", rounds, kind, int(free.sum()),
                  m.num_vars, run.status, run.objective, best_obj, run.dtime)
        whole = bool(free.sum() == hood.changeable.sum())
        if run.schedule is not None:
            obj = int(evaluate_schedule(problem, run.schedule, rule_ids=rule_ids).objective)
            if obj < best_obj:
                improved += 1
            if obj <= best_obj:
                changed = np.flatnonzero((run.schedule != best).any(axis=1))
                if changed.size:
                    pending = changed if descended or pending is None else np.union1d(pending, changed)
                    descended = False
                best, best_obj = run.schedule, obj
        if alternate:
            arm = "chains"
            idle = 0 if kind == "band" or best_obj < round_from else idle + 1
            name = "whole" if kind == "whole" else "room"
            stats[f"lns_{name}_rounds"] = stats.get(f"lns_{name}_rounds", 0) + 1
            stats[f"lns_{name}_gain"] = stats.get(f"lns_{name}_gain", 0) + round_from - best_obj
            continue
        if run.status == cp_model.OPTIMAL:
            if whole:
                stats.update(lns_rounds=rounds, lns_improvements=improved)
                return best, best_obj, True
            target = min(target * 1.15, float(hood.total))
            sub_time = max(sub_time * 0.95, params.lns_sub_time_s * 0.5)
        else:
            target = max(target * 0.9, 20.0)
            sub_time = min(sub_time * 1.05, params.lns_sub_time_s * 3)
    stats.update(lns_rounds=rounds, lns_improvements=improved, lns_final_target=target)
    return best, best_obj, False


# ------------------------------------------------------------------------------------------------ blocks
def _solve_block(problem: RosterProblem, *, clock: _Clock, params: RosterParams, seed: int,
                 rel_gap: float, stats: dict[str, float], start: np.ndarray | None = None
                 ) -> tuple[np.ndarray | None, float, float, Any, str]:
    """Solve one component; returns (schedule, objective, bound, status code, bound source). ``start``, when it
    keeps every hard rule, is the first incumbent (and the hint when better than the greedy roster)."""
    rule_ids = params.rule_ids
    t0 = time.perf_counter()
    flow_bound, flow_roster = flow_relaxation(problem, rule_ids=rule_ids)
    stats["flow_bound"] = stats.get("flow_bound", 0.0) + flow_bound
    stats["flow_seconds"] = stats.get("flow_seconds", 0.0) + time.perf_counter() - t0
    mendable = repair_applies(problem, rule_ids=rule_ids)
    hint = build_greedy(problem, seed=seed, prefer=flow_roster, work_runs=mendable) if params.greedy_hint else None
    ev_hint = evaluate_schedule(problem, hint, rule_ids=rule_ids) if hint is not None else None
    if start is not None:
        ev_start = evaluate_schedule(problem, start, rule_ids=rule_ids)
        stats["start_feasible"] = stats.get("start_feasible", 0.0) + float(ev_start.is_feasible)
        if ev_start.is_feasible and (ev_hint is None or not ev_hint.is_feasible
                                     or ev_start.objective < ev_hint.objective):
            hint, ev_hint = start, ev_start
    if hint is not None and ev_hint is not None:
        ev = ev_hint
        if ev.is_feasible and ev.objective <= flow_bound:
            stats["greedy_objective"] = stats.get("greedy_objective", 0) + ev.objective
            return hint, float(ev.objective), float(ev.objective), cp_model.OPTIMAL, "min-cost-flow relaxation"
    num_vars = count_variables(problem)
    stats["variables"] = stats.get("variables", 0) + num_vars
    greedy_ok = False
    if hint is not None and ev_hint is not None:
        ev = ev_hint
        greedy_ok = ev.is_feasible
        if not greedy_ok and mendable:
            # the greedy roster breaks only lower limits it cannot always keep (runs ending short where no seat
            # was left): the cover-LP repair mends them (short runs removed) and refills what it can
            mended = drop_to_feasible(problem, hint, rule_ids=rule_ids)
            if mended is not None:
                mended = fill_cover(problem, mended, rule_ids=rule_ids, seed=seed)
                ev = evaluate_schedule(problem, mended, rule_ids=rule_ids)
                if ev.is_feasible:
                    hint, greedy_ok = mended, True
                    stats["greedy_mended"] = stats.get("greedy_mended", 0.0) + 1.0
        stats["greedy_objective"] = stats.get("greedy_objective", 0) + (ev.objective if greedy_ok else math.nan)
    best: np.ndarray | None = None
    best_obj = math.inf
    bound = flow_bound
    source = "min-cost-flow relaxation"
    status: Any = cp_model.UNKNOWN
    columns_next = params.use_columns and 0 < problem.num_staff <= params.columns_max_staff
    if greedy_ok and hint is not None:
        best, best_obj = hint, float(ev.objective)  # ev: the evaluation of this hint
    guide = flow_roster
    if params.use_cover_lp and not columns_next and problem.num_staff > 0 and clock.seconds_left() > 1.0:
        lp_best, lp_obj, lp_bound, lp_guide = _cover_lp_phase(problem, clock=clock, params=params, seed=seed,
                                                              stats=stats)
        if lp_bound > bound:
            bound, source = lp_bound, "cover LP relaxation"
        if lp_guide is not None:
            guide = lp_guide
        if lp_best is not None and lp_obj < best_obj:
            best, best_obj = lp_best, lp_obj
            greedy_ok, hint = True, lp_best
        if best is not None and best_obj <= bound:
            return best, best_obj, best_obj, cp_model.OPTIMAL, source
    skip_full = params.use_lns and (greedy_ok or columns_next) and num_vars > params.full_model_max_vars
    skip_full |= params.use_lns and greedy_ok and num_vars > clock.seconds_left() * FULL_MODEL_VARS_PER_SECOND
    if not skip_full:
        m = build_model(problem, rule_ids=rule_ids)
        share = full_model_share(params, columns=columns_next, has_roster=greedy_ok, num_vars=num_vars)
        run = _run_cpsat(m, seconds=clock.seconds_left() * share, clock=clock, params=params, seed=seed,
                         rel_gap=rel_gap, hint=hint)
        if (run.schedule is None and best is None and run.status != cp_model.INFEASIBLE and not columns_next
                and clock.seconds_left() > MIN_SUB_TIME_S):
            run = _run_cpsat(m, seconds=clock.seconds_left(), clock=clock, params=params, seed=seed + 1,
                             rel_gap=rel_gap, hint=hint)
        status = run.status
        if run.bound > bound:
            bound, source = run.bound, "cp-sat full model"
        if run.schedule is not None:
            obj = float(evaluate_schedule(problem, run.schedule, rule_ids=rule_ids).objective)
            if obj <= best_obj:
                best, best_obj = run.schedule, obj
        if status in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
            if status == cp_model.OPTIMAL:
                bound = best_obj
            return best, best_obj, bound, status, source
    lp_roster: np.ndarray | None = None
    if (best is None and columns_next and params.use_cover_lp and repair_applies(problem, rule_ids=rule_ids)
            and clock.seconds_left() > 1.0):
        # no roster yet (e.g. minimum runs of duty days that the greedy start breaks): the cover LP's repaired
        # roster, when it is feasible, starts column generation and the LNS
        lp_best, lp_obj, _, _ = _cover_lp_phase(problem, clock=clock, params=params, seed=seed, stats=stats)
        if lp_best is not None:
            best, best_obj = lp_best, lp_obj
    weekends_fixed = False
    if (columns_next and WEEKEND_FIX_SHARE > 0 and problem.num_days <= params.columns_max_days
            and weekends_bind(problem, rule_ids) and clock.seconds_left() > 1.0):
        plan = weekend_mip(problem, rule_ids, time_limit_s=clock.seconds_left() * WEEKEND_MIP_SHARE)
        if plan is not None:
            stats.update(weekend_mip_short=float(plan.short), weekend_mip_bound=plan.bound,
                         weekend_mip_optimal=float(plan.optimal))
            if plan.bound > bound:
                bound, source = plan.bound, "weekend MIP"
            if plan.short > 0 and problem.num_staff >= WEEKEND_FIX_MIN_STAFF:
                steered = _lp_steered_plan(problem, clock=clock, params=params, seed=seed, stats=stats)
                fixed_best, fixed_obj = _weekends_fixed(problem, plan.plan if steered is None else steered,
                                                        clock=clock, params=params, seed=seed, rel_gap=rel_gap,
                                                        stats=stats)
                weekends_fixed = fixed_best is not None
                if fixed_best is not None and fixed_obj < best_obj:
                    best, best_obj = fixed_best, fixed_obj
    if (params.use_columns and 0 < problem.num_staff <= params.columns_max_staff and clock.seconds_left() > 0.5
            and not weekends_fixed):
        best, best_obj, bound, source, lp_roster = _column_phase(
            problem, best, best_obj, bound, source, clock=clock, params=params, seed=seed, stats=stats)
        if best is not None and best_obj <= bound:
            return best, best_obj, best_obj, cp_model.OPTIMAL, source
    if best is None or not params.use_lns:
        return best, best_obj, bound, status, source
    if rel_gap > 0 and np.isfinite(bound) and best_obj - bound <= rel_gap * max(1.0, abs(best_obj)):
        return best, best_obj, bound, cp_model.FEASIBLE, source
    # on long horizons a descent sweep is slow and the descent phase has already converged (LNS_DESCENT_SHARE)
    long_horizon = columns_next and problem.num_days > params.columns_max_days
    best, obj_int, proven = _lns(problem, best, int(best_obj), clock=clock, params=params, seed=seed, stats=stats,
                                 guide=lp_roster if lp_roster is not None else guide, bound=bound, rel_gap=rel_gap,
                                 descent=columns_next, descent_first=not long_horizon,
                                 descent_share=LNS_DESCENT_SHARE if long_horizon else None,
                                 weekend_kinds=WEEKEND_KINDS if long_horizon else 0,
                                 window_kinds=WINDOW_KINDS if long_horizon else 0, final=True)
    if proven:
        return best, float(obj_int), float(obj_int), cp_model.OPTIMAL, "lns over the whole block"
    status = cp_model.OPTIMAL if obj_int <= bound else cp_model.FEASIBLE
    return best, float(obj_int), bound, status, source


def _lp_steered_plan(problem: RosterProblem, *, clock: _Clock, params: RosterParams, seed: int,
                     stats: dict[str, float]) -> np.ndarray | None:
    """A weekend plan steered towards the master LP of the whole block: column generation for ``WEEKEND_LP_SHARE``
    of the time left, then the weekend MIP with the LP's fractional rosters as its guide. None when the share is 0,
    the master has no solution or the MIP finds no plan."""
    if WEEKEND_LP_SHARE <= 0:
        return None
    t0 = time.perf_counter()
    cg = ColumnGeneration(problem, rule_ids=params.rule_ids, num_workers=params.num_workers, seed=seed,
                          deterministic=params.deterministic, dtime_per_second=params.dtime_per_second,
                          master=master_solver(params.master_lp, problem.num_staff))
    phase = _sub_clock(clock, WEEKEND_LP_SHARE)
    before = phase.dtime_left
    cg.run(phase, log=log.debug)
    clock.charge(before - phase.dtime_left)
    cells = cg.lp_cells()
    stats.update(weekend_lp_value=cg.lp_value, weekend_lp_iterations=cg.iterations)
    if cells is None or clock.seconds_left() <= 1.0:
        return None
    steered = weekend_mip(problem, params.rule_ids, time_limit_s=clock.seconds_left() * WEEKEND_MIP_SHARE,
                          guide=cells, guide_weight=WEEKEND_LP_WEIGHT, lone_days=True)
    stats["weekend_lp_seconds"] = time.perf_counter() - t0
    if steered is None:
        return None
    stats["weekend_lp_plan_short"] = float(steered.short)
    return steered.plan


def _weekends_fixed(problem: RosterProblem, plan: np.ndarray, *, clock: _Clock, params: RosterParams, seed: int,
                    rel_gap: float, stats: dict[str, float]) -> tuple[np.ndarray | None, float]:
    """The block solved with every free weekend cell fixed to ``plan``
    (:func:`optimizer.roster.weekends.fixed_weekends`) for ``WEEKEND_FIX_SHARE`` of the time left: its roster and
    objective on ``problem`` (None, inf when it finds none). Its statistics go to ``stats`` with the prefix
    ``weekends_fixed_``."""
    fixed = fixed_weekends(problem, plan)
    inner: dict[str, float] = {}
    phase = _sub_clock(clock, WEEKEND_FIX_SHARE)
    before = phase.dtime_left
    roster, _, _, _, _ = _solve_block(fixed, clock=phase, params=params, seed=seed, rel_gap=rel_gap, stats=inner)
    clock.charge(before - phase.dtime_left)
    stats.update({f"weekends_fixed_{k}": v for k, v in inner.items()})
    if roster is None:
        return None, math.inf
    ev = evaluate_schedule(problem, roster, rule_ids=params.rule_ids)
    stats["weekends_fixed_objective"] = float(ev.objective)
    return (roster, float(ev.objective)) if ev.is_feasible else (None, math.inf)


def _cover_lp_phase(problem: RosterProblem, *, clock: _Clock, params: RosterParams, seed: int,
                    stats: dict[str, float]) -> tuple[np.ndarray | None, float, float, np.ndarray | None]:
    """Cover LP (:mod:`optimizer.roster.cover_lp`) for at most ``cover_lp_share`` of the time left, then its
    rounded roster repaired (:mod:`optimizer.roster.repair`); returns (roster or None, its objective, LP bound,
    LP guide or None)."""
    rule_ids = params.rule_ids
    t0 = time.perf_counter()
    lp = cover_lp_relaxation(problem, rule_ids=rule_ids, time_limit_s=clock.seconds_left() * params.cover_lp_share,
                             sequence_rows=False)
    stats["cover_lp_seconds"] = stats.get("cover_lp_seconds", 0.0) + lp.seconds
    # charge the deterministic budget by the LP's size, not its wall time, so that the same inputs give the same
    # roster (HiGHS simplex itself is deterministic)
    clock.charge((lp.rows + lp.cols) / COVER_LP_SIZE_PER_SECOND * clock.dtime_per_second)
    if lp.status != "optimal" or lp.guide is None:
        stats["cover_lp_status"] = 0.0
        return None, math.inf, -math.inf, None
    stats["cover_lp_bound"] = stats.get("cover_lp_bound", 0.0) + lp.bound
    repaired = drop_to_feasible(problem, lp.guide, rule_ids=rule_ids)
    if repaired is None:
        return None, math.inf, lp.bound, lp.guide
    repaired = fill_cover(problem, repaired, rule_ids=rule_ids, seed=seed)
    ev = evaluate_schedule(problem, repaired, rule_ids=rule_ids)
    stats["cover_lp_repair_seconds"] = stats.get("cover_lp_repair_seconds", 0.0) + time.perf_counter() - t0 - lp.seconds
    if not ev.is_feasible:
        return None, math.inf, lp.bound, lp.guide
    stats["cover_lp_roster"] = stats.get("cover_lp_roster", 0.0) + ev.objective
    return repaired, float(ev.objective), lp.bound, lp.guide


def _sub_clock(clock: _Clock, share: float) -> _Clock:
    """A clock for one phase: ``share`` of what is left of ``clock``."""
    left = max(clock.seconds_left(), 0.0)
    return _Clock(deadline=min(clock.deadline, time.perf_counter() + left * share),
                  dtime_left=max(clock.dtime_left, 0.0) * share, deterministic=clock.deterministic,
                  dtime_per_second=clock.dtime_per_second)


def _descend(problem: RosterProblem, start: np.ndarray, best: np.ndarray, best_obj: float, *, clock: _Clock,
             share: float, seed: int, rule_ids: tuple[str, ...] | None, stats: dict[str, float],
             max_sweeps: int = 20, batch: int | None | ModuleDefault = MODULE_DEFAULT) -> tuple[np.ndarray, float]:
    """Staff-wise descent from the feasible roster ``start`` for ``share`` of the time left (staff searched in
    batches of ``batch``); returns the better of its result and the incumbent ``best`` (objective ``best_obj``)."""
    phase = _sub_clock(clock, share)
    before = phase.dtime_left
    moved, replaced = StaffDescent(problem, rule_ids=rule_ids, batch=batch).improve(
        start, rng=np.random.default_rng(seed), clock=phase, max_sweeps=max_sweeps)
    clock.charge(before - phase.dtime_left)
    ev = evaluate_schedule(problem, moved, rule_ids=rule_ids)
    stats["descent_moves"] = replaced
    stats["descent_objective"] = float(ev.objective) if ev.is_feasible else math.nan
    if ev.is_feasible and ev.objective < best_obj:
        return moved, float(ev.objective)
    return best, best_obj


def _weekend_plan(problem: RosterProblem, *, share: float, clock: _Clock, params: RosterParams, seed: int,
                  stats: dict[str, float]) -> np.ndarray | None:
    """The weekend days alone (:func:`optimizer.roster.weekends.weekend_problem`) for at most ``share`` of the time
    left, by HiGHS's MIP (``WEEKEND_PLAN_MIP``) or else CP-SAT: the plan (weekdays off), or None when none is found."""
    if WEEKEND_PLAN_MIP:
        mip = weekend_mip(problem, params.rule_ids, time_limit_s=clock.seconds_left() * share)
        if mip is not None:
            stats.update(weekend_plan_short=float(mip.short), weekend_plan_optimal=float(mip.optimal))
            return mip.plan
    sub, sub_rules = weekend_problem(problem, params.rule_ids)
    run = _run_cpsat(build_model(sub, rule_ids=sub_rules), seconds=clock.seconds_left() * share, clock=clock,
                     params=params, seed=seed, rel_gap=0.0, hint=None)
    if run.schedule is None:
        stats["weekend_plan_objective"] = math.nan
        return None
    weekend = problem.weekend_idx >= 0
    short = np.maximum(problem.cover_min - staffed(problem, run.schedule), 0)[weekend]
    stats.update(weekend_plan_objective=run.objective, weekend_plan_short=float(short.sum()))
    return run.schedule


def _weekend_start(problem: RosterProblem, *, clock: _Clock, params: RosterParams, seed: int,
                   stats: dict[str, float]) -> np.ndarray | None:
    """A first roster towards a plan of the weekends (:mod:`optimizer.roster.weekends`): CP-SAT on the weekend days
    alone for ``WEEKEND_SHARE`` of the time left, then best responses in turn and staff-wise descent (for
    ``WEEKEND_DESCENT_SHARE``) on the problem guided to that plan. None when CP-SAT finds no weekend plan; the
    caller checks the roster against the real problem and builds one without the plan when it breaks a rule."""
    rule_ids = params.rule_ids
    plan = _weekend_plan(problem, share=WEEKEND_SHARE, clock=clock, params=params, seed=seed, stats=stats)
    if plan is None:
        return None
    guided, guided_rules = guided_problem(problem, plan, weight_share=WEEKEND_GUIDE_WEIGHT, rule_ids=rule_ids)
    rng = np.random.default_rng(seed)
    phase = _sub_clock(clock, CONSTRUCT_SHARE)
    before = phase.dtime_left
    built = StaffDescent(guided, rule_ids=guided_rules).construct(rng=rng, clock=phase)
    clock.charge(before - phase.dtime_left)
    phase = _sub_clock(clock, WEEKEND_DESCENT_SHARE)
    before = phase.dtime_left
    built, _ = StaffDescent(guided, rule_ids=guided_rules, batch=DESCENT_ONLY_BATCH).improve(
        built, rng=rng, clock=phase, max_sweeps=1000)
    clock.charge(before - phase.dtime_left)
    return built


def master_solver(master_lp: str, num_staff: int) -> str:
    """The master LP solver for ``RosterParams.master_lp`` on a block of ``num_staff`` staff (see
    ``IPM_MASTER_MIN_STAFF``)."""
    if master_lp != "auto":
        return master_lp
    return "ipm" if num_staff >= IPM_MASTER_MIN_STAFF else "simplex"


def _column_phase(problem: RosterProblem, best: np.ndarray | None, best_obj: float, bound: float, source: str, *,
                  clock: _Clock, params: RosterParams, seed: int, stats: dict[str, float]
                  ) -> tuple[np.ndarray | None, float, float, str, np.ndarray | None]:
    """Column generation (bound), then LNS on the LP-guided problem (roster); also returns the rounded LP
    roster (a guide for the final LNS) when the master LP was solved."""
    rule_ids = params.rule_ids
    t0 = time.perf_counter()
    if best is None:
        # no roster yet: best responses in turn build one (a first incumbent and master columns); on long horizons
        # where weekends are scarce, towards a plan of the weekends solved first
        built = ev = None
        if problem.num_days > params.columns_max_days and WEEKEND_SHARE > 0 and weekends_bind(problem, rule_ids):
            built = _weekend_start(problem, clock=clock, params=params, seed=seed, stats=stats)
            ev = None if built is None else evaluate_schedule(problem, built, rule_ids=rule_ids)
            if ev is not None and not ev.is_feasible:
                stats["weekend_start_infeasible"] = 1.0
                built = None  # the guided responses missed some staff member's rules: build without the plan
        if built is None:
            phase = _sub_clock(clock, CONSTRUCT_SHARE)
            before = phase.dtime_left
            built = StaffDescent(problem, rule_ids=rule_ids).construct(rng=np.random.default_rng(seed), clock=phase)
            clock.charge(before - phase.dtime_left)
            ev = evaluate_schedule(problem, built, rule_ids=rule_ids)
        assert ev is not None
        stats["constructed_objective"] = float(ev.objective) if ev.is_feasible else math.nan
        if ev.is_feasible:
            best, best_obj = built, float(ev.objective)
    if problem.num_days > params.columns_max_days:
        # long horizon: the labelling pricing of column generation is too slow to converge; descent instead
        if best is not None:
            best, best_obj = _descend(problem, best, best, best_obj, clock=clock, share=DESCENT_ONLY_SHARE,
                                      seed=seed, rule_ids=rule_ids, stats=stats, max_sweeps=1000,
                                      batch=DESCENT_ONLY_BATCH)
        return best, best_obj, bound, source, None
    cg = ColumnGeneration(problem, rule_ids=rule_ids, num_workers=params.num_workers, seed=seed,
                          deterministic=params.deterministic, dtime_per_second=params.dtime_per_second,
                          master=master_solver(params.master_lp, problem.num_staff))
    if best is not None:
        cg.add_schedule(best)
    short_columns = room_rounds(problem) and master_solver(params.master_lp, problem.num_staff) == "ipm"
    phase = _sub_clock(clock, ROOM_COLUMNS_SHARE if short_columns else params.columns_share)
    before = phase.dtime_left
    cg.run(phase, log=log.debug)
    clock.charge(before - phase.dtime_left)
    if best is None:
        stats["cg_staff_without_roster"] = cg.ensure_columns(clock)
        cg.h.run()
    stats.update(cg_iterations=cg.iterations, cg_columns=len(cg.columns), cg_lp=cg.lp_value,
                 cg_seconds=time.perf_counter() - t0)
    if cg.bound > bound:
        bound, source = cg.bound, "column generation (Lagrangian bound)"
    guide = cg.lp_guide()
    lp_roster = guide[1] if guide is not None else None
    if best is not None and best_obj <= bound:
        return best, best_obj, bound, source, lp_roster
    if guide is not None and clock.seconds_left() > 0.05:
        agreed, rounded = guide
        starts = [("rounded_roster", rounded)]
        # only where the LP is no guide: a converged master hands its time to the LP-guided phase below
        cells = cg.lp_cells() if EXPECTED_START and not cg.converged else None
        if cells is not None:
            # best responses in turn against the LP's expected cover of the staff not yet planned
            phase = _sub_clock(clock, DESCENT_SHARE)
            before = phase.dtime_left
            starts.append(("expected_roster", StaffDescent(problem, rule_ids=rule_ids, batch=EXPECTED_BATCH).construct(
                rng=np.random.default_rng(seed), clock=phase, expected=cells)))
            clock.charge(before - phase.dtime_left)
        diving = cg.converged and DIVE_SHARE > 0 and problem.num_staff <= DIVE_MAX_STAFF
        for name, start in starts:
            ev = evaluate_schedule(problem, start, rule_ids=rule_ids)
            stats[name] = float(ev.objective) if ev.is_feasible else math.nan
            if not ev.is_feasible:
                continue
            if ev.objective < best_obj:
                best, best_obj = start, float(ev.objective)
            if diving:
                continue  # the dive below starts from the LP itself
            # staff-wise descent from each start (the LP's columns rarely fit together as they are); which
            # ends better is not known before: on Curtois & Qu 15 the rounded roster (10,355) descended to
            # 5,150 and the expected one (6,421) to 6,106, on 13 the other way round
            assert best is not None  # the start is feasible, so there is an incumbent
            best, best_obj = _descend(problem, start, best, best_obj, clock=clock, share=DESCENT_SHARE, seed=seed,
                                      rule_ids=rule_ids, stats=stats)
            stats[f"{name}_descended"] = stats["descent_objective"]
        if not cg.converged:
            # the LP is still far from its optimum, so its unanimous cells are no guide: the LNS gets the time
            return best, best_obj, bound, source, lp_roster
        if diving:
            # branch on the LP (a dive with backtracking); a roster it improves goes to the final LNS
            dived, dived_obj = _dive(problem, cg, best_obj, clock=clock, rule_ids=rule_ids, stats=stats, seed=seed)
            if dived is not None and dived_obj < best_obj:
                return dived, dived_obj, bound, source, lp_roster
        fixed = np.where(problem.fixed == FREE, agreed, problem.fixed)
        sub = problem.replace(fixed=fixed)
        stats["guided_cells"] = int((fixed == FREE).sum())
        phase = _sub_clock(clock, params.master_share)
        before = phase.dtime_left
        # one CP-SAT solve of the guided problem from the rounded LP roster, then LNS on it
        m = build_model(sub, rule_ids=rule_ids)
        run = _run_cpsat(m, seconds=phase.seconds_left() * GUIDED_FIRST_SOLVE_SHARE, clock=phase, params=params,
                         seed=seed, rel_gap=0.0, hint=rounded)
        cand: np.ndarray | None = run.schedule
        start = cand if cand is not None else rounded
        ev = evaluate_schedule(sub, start, rule_ids=rule_ids)
        if ev.is_feasible and run.status != cp_model.OPTIMAL:
            guided_stats: dict[str, float] = {}
            # narrow chains only: here CP-SAT's small neighbourhoods of the guided problem need the time (12)
            cand, _, _ = _lns(sub, start, ev.objective, clock=phase, params=params, seed=seed,
                              stats=guided_stats, guide=rounded, descent=True, escalate=False)
            stats.update({f"guided_{k}": v for k, v in guided_stats.items()})
        clock.charge(before - phase.dtime_left)
        if cand is not None:
            ev = evaluate_schedule(problem, cand, rule_ids=rule_ids)
            stats["guided_objective"] = float(ev.objective) if ev.is_feasible else math.nan
            if ev.is_feasible and ev.objective < best_obj:
                best, best_obj = cand, float(ev.objective)
    return best, best_obj, bound, source, lp_roster


def _dive(problem: RosterProblem, cg: ColumnGeneration, best_obj: float, *, clock: _Clock,
          rule_ids: tuple[str, ...] | None, stats: dict[str, float], seed: int = 0
          ) -> tuple[np.ndarray | None, float]:
    """The column dive (:class:`optimizer.roster.dive.ColumnDive`) for ``DIVE_SHARE`` of the time left; each node's
    rounded roster that keeps every hard rule is polished by ``DIVE_POLISH_SWEEPS`` sweeps of staff-wise descent."""

    def objective(schedule: np.ndarray) -> float:
        ev = evaluate_schedule(problem, schedule, rule_ids=rule_ids)
        return float(ev.objective) if ev.is_feasible else math.inf

    phase = _sub_clock(clock, DIVE_SHARE)
    before = phase.dtime_left
    polish = None
    if DIVE_POLISH_SWEEPS > 0:
        descent = StaffDescent(problem, rule_ids=rule_ids)
        rng = np.random.default_rng(seed)

        def polish(roster: np.ndarray) -> np.ndarray:
            moved, _ = descent.improve(roster, rng=rng, max_sweeps=DIVE_POLISH_SWEEPS, clock=phase)
            return moved

    t0 = time.perf_counter()
    roster: np.ndarray | None = None
    obj = best_obj
    width: int | None = None  # the first dive: ``optimizer.roster.dive.WIDTH``
    floor = math.ceil(cg.lp_value - 1e-6)  # the converged root LP rounded up: no integer roster is below it
    nodes = dives = improved = restarts = 0
    while True:
        dive = ColumnDive(cg, objective, polish=polish, width=width)
        found, found_obj = dive.run(phase, phase.child, incumbent=obj)
        nodes, dives, improved = nodes + dive.stats.nodes, dives + dive.stats.dives, improved + dive.stats.improved
        if found is not None and found_obj < obj:
            roster, obj = found, found_obj
        # the tree ran out with time left and the roster above the LP: dive again, wider (DIVE_RESTARTS)
        if (not DIVE_RESTARTS or dive.stats.dives == 0 or obj <= floor
                or phase.seconds_left() < DIVE_RESTART_MIN_S):
            break
        width = dive.width + 1
        restarts += 1
    clock.charge(before - phase.dtime_left)
    stats.update(dive_nodes=nodes, dive_dives=dives, dive_improved=improved, dive_restarts=restarts,
                 dive_seconds=time.perf_counter() - t0, dive_objective=obj if roster is not None else math.nan)
    return roster, obj


def _start_part(start: np.ndarray, staff: np.ndarray, shifts: np.ndarray, num_shifts: int) -> np.ndarray | None:
    """``start`` restricted to a component (shift indices renumbered); None when it works a shift outside it."""
    new_shift = np.full(num_shifts, -1, dtype=np.int64)
    new_shift[shifts] = np.arange(shifts.size)
    part = np.asarray(start, dtype=np.int64)[staff]
    mapped = np.where(part >= 0, new_shift[np.maximum(part, 0)], OFF)
    if np.any((part >= 0) & (mapped < 0)):
        return None
    out: np.ndarray = mapped
    return out


def solve(
    problem: RosterProblem,
    *,
    params: RosterParams | None = None,
    stop: Stop | None = None,
    seed: int = 0,
    start: np.ndarray | None = None,
) -> RosterResult:
    """Solve a roster problem (minimise penalty points under the hard rules).

    Parameters
    ----------
    problem : RosterProblem
    params : RosterParams, optional
        Defaults: 2 workers, LNS, decomposition, greedy hint, deterministic mode.
    stop : Stop, optional
        Wall-clock budget and target relative gap (default 30 s, 1e-4).
    seed : int
        Seed of CP-SAT and of the neighbourhood choices. In deterministic mode the same problem, params and
        seed give the same roster as long as the wall-clock cap is not reached first.
    start : int64 array [E, D], optional
        A roster to start from (shift index, -1 off), e.g. the nightly job's repaired roster: in each component
        where it keeps every hard rule it is the first incumbent (CP-SAT's hint and the LNS's start when it is
        better than the greedy roster), so the result is never worse than it.

    Returns
    -------
    RosterResult
        ``objective`` and ``term_totals`` recomputed by the evaluators; ``bound`` valid for the whole problem
        (``-inf`` when some component has none); ``violations`` counts per hard rule (non-zero only when fixed
        cells break a rule).
    """
    params = params or RosterParams()
    stop = stop or Stop()
    if start is not None and np.shape(start) != (problem.num_staff, problem.num_days):
        raise ValueError(f"start: expected shape {(problem.num_staff, problem.num_days)}, got {np.shape(start)}")
    initial = start
    start_time = time.perf_counter()
    clock = _Clock(deadline=stop.deadline(start_time), dtime_left=stop.time_limit_s * params.dtime_per_second,
                   deterministic=params.deterministic, dtime_per_second=params.dtime_per_second)
    p = problem
    E, D = p.num_staff, p.num_days
    schedule = np.where(p.fixed == FREE, -1, p.fixed).astype(np.int64)
    stats: dict[str, float] = {}
    parts = split_components(p) if params.decompose else [(np.arange(E), np.arange(p.num_shifts))]
    if not params.decompose and E == 0:
        parts = []
    stats["components"] = len(parts)
    sizes = np.array([max(1, int(p.is_allowed[np.ix_(st, sh)].sum())) * D for st, sh in parts], dtype=np.float64)
    order = np.argsort(sizes, kind="stable")
    gap_sum = 0.0
    missing = False
    statuses: list[Any] = []
    sources: set[str] = set()
    for rank, k in enumerate(order.tolist()):
        staff, shifts = parts[k]
        sub = p if len(parts) == 1 and staff.size == E and shifts.size == p.num_shifts else restrict(p, staff, shifts)
        remaining = sizes[order[rank:]].sum()
        share = sizes[k] / remaining
        part_clock = _Clock(
            deadline=time.perf_counter() + max(clock.deadline - time.perf_counter(), 0.0) * share,
            dtime_left=max(clock.dtime_left, 0.0) * share,
            deterministic=params.deterministic, dtime_per_second=params.dtime_per_second)
        used_before = part_clock.dtime_left
        sched_k, obj_k, bound_k, status_k, source_k = _solve_block(
            sub, clock=part_clock, params=params, seed=seed, rel_gap=stop.rel_gap, stats=stats,
            start=None if initial is None else _start_part(initial, staff, shifts, p.num_shifts))
        clock.charge(used_before - part_clock.dtime_left)
        statuses.append(status_k)
        sources.add(source_k)
        if sched_k is None:
            missing = missing or status_k != cp_model.INFEASIBLE
            continue
        schedule[staff] = np.where(sched_k >= 0, shifts[np.maximum(sched_k, 0)], sched_k)
        gap_sum += obj_k - bound_k
    runtime = time.perf_counter() - start_time
    ev = evaluate_schedule(p, schedule, rule_ids=params.rule_ids)
    if any(st == cp_model.INFEASIBLE for st in statuses):
        return RosterResult(Status.INFEASIBLE, math.inf, math.inf, runtime, seed, schedule, ev.term_totals,
                            ev.violations, "cp-sat proof", stats)
    if missing:
        status = Status.NO_SOLUTION
        objective, bound = math.inf, -math.inf
    else:
        objective = float(ev.objective)
        bound = float(objective - gap_sum) if np.isfinite(gap_sum) else -math.inf
        status = Status.OPTIMAL if objective - bound < 1 - 1e-9 else Status.FEASIBLE
    if not parts:
        sources = {"no free decision"}
        bound = objective
    source = "; ".join(sorted(sources)) + (" (per component, summed)" if len(parts) > 1 else "")
    return RosterResult(status, objective, bound, runtime, seed, schedule, ev.term_totals, ev.violations,
                        source, stats)
