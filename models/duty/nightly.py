"""The nightly roster job: roll the horizon forward one day, keep the frozen window, repair dropouts.

State directory
---------------
``published.csv`` / ``published.json``
    The roster published so far (every day from the first run on: past days are the history of the run rules)
    and its date range, the night of the last run and that run's fingerprint.
``runs/<date>/``
    What the run of that night published: ``base.csv`` + ``base.json`` (the published roster it started
    from; ``{"none": true}`` for the first run), ``roster.csv`` (the new horizon), ``station_rosters.csv``,
    ``ics/<lawyer>.ics`` (the calendar of every lawyer in the change report, with all their shifts in the
    horizon: the files to send), ``changes.csv`` + ``changes.txt`` (who must be told what),
    ``explanations.json`` and ``run.json`` (fingerprint and figures, no timings: files depend on inputs only).

Method
------
The horizon of a run on night ``D`` is ``[D, D + num_days)``. Published days before ``D`` are history. The
first ``frozen_days`` days keep their published cells, except cells of lawyers who became unavailable
(``lawyers.unavailable_dates`` or the dropout file): those are released and lawyers who are off that day and
may serve the lost shift are called in. The solve runs in two steps:

1. *Repair*: every published cell stays fixed except released cells, call-in candidates on days that lost a
   lawyer, and the newly published days; on days that lost a lawyer the other shift types keep their
   published head-count, so call-ins only refill the seats that were left. This small problem gives a roster
   with at most two changes per lost shift (one removal, one call-in) within seconds.
2. *Re-plan*: the days after the frozen window are free, with the published roster as ``reference`` and each
   changed (lawyer, day) costing ``weights.change`` (default 200 points: more than any soft term except a
   missing required lawyer, 1,000). It starts from the repaired roster, and replaces the repair only when its
   objective is lower.

Under minimum runs (``min_consecutive_days`` or ``min_days_off_in_row`` > 1) three more things keep the repair
solvable and its roster true to the rules. The repair step also frees the days after the frozen window of *unsettled* lawyers
(:func:`unsettled_lawyers`: a published run ending on the last published day shorter than the minimum, which
the new day must extend, or a lost shift). And a lawyer is offered as a call-in only where the minimum-run rule
would not force it (:func:`models.duty.compile.forced_off_cells`). And a run reaching back to the first
published day is an open history (its start unknown, as the plan that published it saw it): the maximum run
counts its days, the minimum does not apply to it.

Limits per horizon (``max_shifts``, ``max_weekends``, county budgets) apply to each night's horizon, a rolling
window of ``num_days`` days, not to calendar months.

The same inputs, dropouts, options and base roster give the same fingerprint; a second run for the same night
then reuses the stored result (files are identical). Runs are deterministic anyway for a fixed seed as long
as the solver's wall-clock cap is not what stops it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.duty.compile import Compiled, PublishedRoster, compile_roster, forced_off_cells
from models.duty.decode import explanations, roster_frame, runs_after, runs_before
from models.duty.domain import DutyInputs
from models.duty.io import ROSTER_COLUMNS, input_files, read_roster
from models.duty.outputs import change_report, change_report_text
from models.duty.service import DutyPlan, plan_files
from models.region import Regions
from models.schema import csv_bytes, write_files_atomically
from optimizer.roster import (
    FREE,
    OFF,
    RosterParams,
    RosterProblem,
    RosterResult,
    Status,
    evaluate_schedule,
    solve,
)
from optimizer.stop import Stop

PUBLISHED_CSV, PUBLISHED_JSON, RUNS_DIR = "published.csv", "published.json", "runs"
BASE_CSV, BASE_JSON, RUN_JSON = "base.csv", "base.json", "run.json"
CHANGES_CSV, CHANGES_TXT = "changes.csv", "changes.txt"
REPAIR_TIME_SHARE = 0.6
"""Share of the time budget given to the repair step (the re-plan gets the rest)."""
MIN_REPLAN_S = 1.0
"""The re-plan step runs only with at least this many seconds left."""


@dataclass
class NightlyOutcome:
    """What a nightly run published.

    Attributes
    ----------
    run_date : datetime.date
    run_dir : Path
    roster : DataFrame
        The horizon's roster (``date, station_id, period, lawyer_id``).
    changes : DataFrame
        The change report (see :func:`models.duty.outputs.change_report`).
    reused : bool
        The stored result of an identical earlier run was returned.
    info : dict
        Figures of the run (``run.json``): fingerprint, objective, changed assignments, seconds, ...
    """

    run_date: dt.date
    run_dir: Path
    roster: pd.DataFrame
    changes: pd.DataFrame
    reused: bool
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def num_changed(self) -> int:
        """Changed assignments on days that were already published (added + removed + moved)."""
        return int((self.changes["change"] != "new").sum()) if len(self.changes) else 0


def _read_published(path_csv: Path, path_json: Path) -> PublishedRoster | None:
    if not path_csv.exists() or not path_json.exists():
        return None
    meta = json.loads(path_json.read_text(encoding="utf-8"))
    return PublishedRoster(roster=read_roster(path_csv), first_date=dt.date.fromisoformat(meta["first_date"]),
                           last_date=dt.date.fromisoformat(meta["last_date"]))


def _published_json(pub: PublishedRoster, extra: dict[str, Any]) -> bytes:
    data = {"first_date": pub.first_date.isoformat(), "last_date": pub.last_date.isoformat(), **extra}
    return (json.dumps(data, indent=1, sort_keys=True) + "\n").encode()


def _fingerprint(inputs: DutyInputs, dropouts: pd.DataFrame | None, base: PublishedRoster | None,
                 options: dict[str, Any]) -> str:
    h = hashlib.sha256()
    for name, data in sorted(input_files(inputs).items()):
        h.update(name.encode())
        h.update(data)
    if dropouts is not None and len(dropouts):
        h.update(csv_bytes(dropouts.sort_values(list(dropouts.columns)).reset_index(drop=True)))
    if base is not None:
        h.update(csv_bytes(base.roster[list(ROSTER_COLUMNS)]))
        h.update(f"{base.first_date}/{base.last_date}".encode())
    h.update(json.dumps(options, sort_keys=True, default=str).encode())
    return h.hexdigest()


def unsettled_lawyers(compiled: Compiled) -> np.ndarray:
    """Bool ``[E]``: lawyers whose published days after the frozen window the repair step may change.

    - Lawyers who lost a published shift, under a minimum run longer than one day (they are told anyway,
      and the hole can break their runs).
    - Lawyers whose published run of duty days or days off ends on the last published day shorter than the
      minimum run (``min_consecutive_days``, ``min_days_off_in_row``): the plan that published it left that
      edge open; a night later the run must go on into the new day, which the lawyer may not be able to work
      (no shift left, unavailable, no seat left): without this the repair can have no solution.
    """
    p = compiled.problem
    ref = p.reference
    has_minimum = (p.min_consecutive_days > 1) | (p.min_consecutive_days_off > 1)
    out: np.ndarray = ((ref >= 0) & p.is_unavailable).any(axis=1) & has_minimum
    published_days = np.flatnonzero((ref != FREE).any(axis=0))
    if published_days.size == 0 or published_days[-1] >= p.num_days - 1:
        return out
    last = int(published_days[-1])
    work = ref >= 0
    work_run = runs_before(work, p.history_work_run)[:, last + 1]
    off_run = runs_before(~work & (ref != FREE), p.history_off_run)[:, last + 1]
    out |= ((work_run > 0) & (work_run < p.min_consecutive_days)) | (
        (off_run > 0) & (off_run < p.min_consecutive_days_off))
    return out


def repair_fixed(compiled: Compiled) -> np.ndarray:
    """``fixed`` of the repair step: published cells kept, except released cells (the lawyer became
    unavailable: now off), lawyers who may be called in on a day that lost a lawyer (free), the days after the
    frozen window of :func:`unsettled_lawyers` (free), and days not published before (free).

    A lawyer may be called in on day ``d`` when they were off that day, are available, may serve one of the
    lost shift types, have shifts left, a shift on ``d`` keeps the published days around it within the
    consecutive-days limit, the rest rule between shifts and the weekend limit (so the small repair problem
    holds only call-ins that can work), and no minimum-run rule would force the call-in
    (:func:`models.duty.compile.forced_off_cells`).
    """
    p = compiled.problem
    ref = p.reference
    unavailable = p.is_unavailable
    fixed = ref.copy()  # FREE where nothing was published
    released = (ref >= 0) & unavailable
    fixed[released] = OFF
    unsettled = unsettled_lawyers(compiled)
    fixed[unsettled] = np.where(p.fixed == FREE, FREE, fixed)[unsettled]
    if not released.any():
        return fixed
    forced = forced_off_cells(fixed, p.history_work_run, p.history_off_run, p.min_consecutive_days,
                              p.min_consecutive_days_off)
    sched = np.where(fixed >= 0, fixed, OFF)
    work = sched >= 0
    cls = np.where(work, p.shift_class[np.maximum(sched, 0)], -1)
    before = runs_before(work, p.history_work_run)
    after = runs_after(work)
    prev_cls = np.concatenate([p.history_last_class[:, None], cls[:, :-1]], axis=1)
    next_cls = np.concatenate([cls[:, 1:], np.full((p.num_staff, 1), -1)], axis=1)
    shifts_left = work.sum(axis=1) < p.max_total_shifts
    wk = p.weekend_idx
    worked_wk = np.zeros((p.num_staff, max(p.num_weekends, 1)), dtype=bool)
    for w in range(p.num_weekends):
        worked_wk[:, w] = work[:, wk == w].any(axis=1)
    fn = p.forbidden_next
    for d in np.flatnonzero(released.any(axis=0)).tolist():
        lost = np.unique(ref[released[:, d], d])
        ok = (fixed[:, d] == OFF) & ~unavailable[:, d] & p.is_allowed[:, lost].any(axis=1) & shifts_left
        ok &= ~forced[:, d]
        ok &= before[:, d] + 1 + after[:, d] <= p.max_consecutive_days
        lost_cls = np.unique(p.shift_class[lost])
        ok_cls = np.zeros(p.num_staff, dtype=bool)
        for c in lost_cls.tolist():
            ok_cls |= (((prev_cls[:, d] < 0) | ~fn[np.maximum(prev_cls[:, d], 0), c])
                       & ((next_cls[:, d] < 0) | ~fn[c, np.maximum(next_cls[:, d], 0)]))
        ok &= ok_cls
        if wk[d] >= 0:
            ok &= worked_wk[:, wk[d]] | (worked_wk.sum(axis=1) < p.max_weekends)
        fixed[ok, d] = FREE
    return fixed


def repair_problem(compiled: Compiled) -> RosterProblem:
    """The repair step's problem: :func:`repair_fixed`, and on days that lost a lawyer the head-count of every
    other shift type capped at its published value, so call-ins only refill the seats that were left."""
    p = compiled.problem
    fixed = repair_fixed(compiled)
    released = (p.reference >= 0) & (fixed == OFF) & (p.reference != fixed)
    cap = p.cover_max.copy()
    for d in np.flatnonzero(released.any(axis=0)).tolist():
        lost = np.unique(p.reference[released[:, d], d])
        kept = fixed[:, d]
        head = np.bincount(kept[kept >= 0], minlength=p.num_shifts)
        other = np.ones(p.num_shifts, dtype=bool)
        other[lost] = False
        cap[d, other] = np.minimum(cap[d, other], head[other])
    return p.replace(fixed=fixed, cover_max=cap)


def _solve_two_step(compiled: Compiled, *, time_limit_s: float, seed: int, params: RosterParams,
                    replan: bool) -> tuple[RosterResult, dict[str, Any]]:
    p = compiled.problem
    prm = dataclasses.replace(params, rule_ids=compiled.core_ids)
    info: dict[str, Any] = {}
    if not (p.reference != FREE).any():
        res = solve(p, params=prm, stop=Stop(time_limit_s=time_limit_s), seed=seed)
        info.update(step="plan", objective=res.objective)
        return res, info
    t0 = time.perf_counter()
    sub = repair_problem(compiled)
    repair_time = time_limit_s * (REPAIR_TIME_SHARE if replan else 1.0)
    rep = solve(sub, params=prm, stop=Stop(time_limit_s=repair_time), seed=seed)
    info["repair_seconds"] = round(time.perf_counter() - t0, 3)
    best = rep
    best_obj = float(evaluate_schedule(p, rep.schedule, rule_ids=compiled.core_ids).objective) \
        if rep.status in (Status.OPTIMAL, Status.FEASIBLE) else math.inf
    info.update(step="repair", repair_objective=best_obj, repair_status=rep.status.value)
    left = time_limit_s - (time.perf_counter() - t0)
    if replan and left > MIN_REPLAN_S:
        t1 = time.perf_counter()
        # the repaired roster starts the re-plan (it is never lost); the cover LP, whose job is a first roster
        # and whose repair takes seconds at province scale, is then skipped
        started = math.isfinite(best_obj)
        full = solve(p, params=dataclasses.replace(prm, use_cover_lp=prm.use_cover_lp and not started),
                     stop=Stop(time_limit_s=left), seed=seed, start=rep.schedule if started else None)
        info["replan_seconds"] = round(time.perf_counter() - t1, 3)
        info["replan_objective"] = full.objective
        if full.status in (Status.OPTIMAL, Status.FEASIBLE) and full.objective < best_obj and full.is_feasible:
            best, best_obj = full, full.objective
            info["step"] = "replan"
        elif np.isfinite(full.bound):
            info["replan_bound"] = full.bound
    if best is rep:
        ev = evaluate_schedule(p, rep.schedule, rule_ids=compiled.core_ids)
        bound = float(info.get("replan_bound", -math.inf))
        best = RosterResult(status=Status.FEASIBLE if ev.is_feasible else rep.status, objective=float(ev.objective),
                            bound=bound, runtime_s=time.perf_counter() - t0, seed=seed, schedule=rep.schedule,
                            term_totals=ev.term_totals, violations=ev.violations,
                            bound_source="re-plan solve" if math.isfinite(bound) else "none (repair step)",
                            stats=rep.stats)
    return best, info


def nightly(
    state_dir: str | Path,
    run_date: dt.date,
    inputs: DutyInputs,
    *,
    dropouts: pd.DataFrame | None = None,
    frozen_days: int = 7,
    horizon_days: int | None = None,
    seed: int = 0,
    time_limit_s: float = 5.0,
    replan: bool = True,
    params: RosterParams | None = None,
    regions: Regions | None = None,
) -> NightlyOutcome:
    """Run the nightly job for ``run_date`` (see the module docstring).

    Parameters
    ----------
    state_dir : path
        State directory (created if missing).
    run_date : datetime.date
        First day of the new horizon (the night's "tomorrow").
    inputs : DutyInputs
        Stations, demand, lawyers, requests, budgets and settings; the horizon start of the settings is
        replaced by ``run_date``.
    dropouts : DataFrame, optional
        ``lawyer_id, start_date, end_date``: lawyers who became unavailable.
    frozen_days : int
        Published days at the start of the horizon that keep their cells (default 7).
    horizon_days : int, optional
        Days in the horizon (default ``inputs.settings.num_days``).
    seed, time_limit_s : int, float
        Solver seed and wall-clock budget of the solves of the night (default 5 s; compiling, decoding and
        writing the files come on top, about 2-4 s for a province).
    replan : bool
        Run the re-plan step after the repair (default True).
    params : RosterParams, optional
    regions : Regions, optional

    Returns
    -------
    NightlyOutcome

    Raises
    ------
    ValueError
        ``run_date: ...`` when an earlier night than the last run is asked for.
    """
    root = Path(state_dir)
    run_dir = root / RUNS_DIR / run_date.isoformat()
    current = _read_published(root / PUBLISHED_CSV, root / PUBLISHED_JSON)
    last_run = None
    if (root / PUBLISHED_JSON).exists():
        last_run = json.loads((root / PUBLISHED_JSON).read_text(encoding="utf-8")).get("run_date")
    if last_run is not None and dt.date.fromisoformat(last_run) > run_date:
        raise ValueError(f"run_date: {run_date} is before the last run ({last_run}); nights run in order")
    if (run_dir / BASE_JSON).exists():  # a re-run of this night starts from the same base
        stored_base = json.loads((run_dir / BASE_JSON).read_text(encoding="utf-8"))
        base = None if stored_base.get("none") else _read_published(run_dir / BASE_CSV, run_dir / BASE_JSON)
    else:
        base = current
    H = inputs.settings.num_days if horizon_days is None else horizon_days
    inputs_h = dataclasses.replace(inputs, settings=inputs.settings.with_horizon(run_date, H))
    options = {"run_date": run_date.isoformat(), "frozen_days": frozen_days, "horizon_days": H, "seed": seed,
               "time_limit_s": time_limit_s, "replan": replan, "params": dataclasses.asdict(params) if params else None}
    fp = _fingerprint(inputs_h, dropouts, base, options)
    if (run_dir / RUN_JSON).exists():
        stored = json.loads((run_dir / RUN_JSON).read_text(encoding="utf-8"))
        if stored.get("fingerprint") == fp:
            roster = read_roster(run_dir / "roster.csv")
            changes = pd.read_csv(run_dir / CHANGES_CSV, dtype=str, keep_default_na=False)
            return NightlyOutcome(run_date, run_dir, roster, changes, reused=True, info=stored)

    t0 = time.perf_counter()
    compiled = compile_roster(inputs_h, regions=regions, dropouts=dropouts, published=base, frozen_days=frozen_days)
    result, info = _solve_two_step(compiled, time_limit_s=time_limit_s, seed=seed,
                                   params=params or RosterParams(), replan=replan)
    roster = roster_frame(compiled, result.schedule)
    expl = explanations(compiled, result)
    plan = DutyPlan(compiled=compiled, result=result, roster=roster, explanations=expl)
    horizon_end = run_date + dt.timedelta(days=H - 1)
    iso = [d.isoformat() for d in compiled.ctx.dates]
    if base is not None:
        compared = [d for d in iso if d <= base.last_date.isoformat()]
        fresh = [d for d in iso if d > base.last_date.isoformat()]
        old = base.roster
        history = old[old["date"] < run_date.isoformat()]
        first = base.first_date
    else:
        compared, fresh, old = [], iso, pd.DataFrame({c: pd.Series([], dtype=object) for c in ROSTER_COLUMNS})
        history = old
        first = run_date
    changes = change_report(old, roster, dates=compared, new_dates=fresh)
    published = PublishedRoster(
        roster=pd.concat([history[list(ROSTER_COLUMNS)], roster], ignore_index=True)
        .sort_values(list(ROSTER_COLUMNS), kind="stable").reset_index(drop=True),
        first_date=first, last_date=horizon_end)
    num_changed = int((changes["change"] != "new").sum()) if len(changes) else 0
    info.update(fingerprint=fp, run_date=run_date.isoformat(), frozen_days=frozen_days, horizon_days=H,
                status=result.status.value, objective=result.objective, bound=result.bound,
                hard_violations=int(sum(result.violations.values())), assignments=len(roster),
                changed_assignments=num_changed, lawyers_to_notify=int(changes["lawyer_id"].nunique()) if len(changes) else 0,
                released_cells=int(compiled.released.sum()), seconds=round(time.perf_counter() - t0, 3))
    notify = sorted(set(changes["lawyer_id"])) if len(changes) else []
    files = {f"{RUNS_DIR}/{run_date.isoformat()}/{k}": v
             for k, v in plan_files(plan, inputs_h, stamp=run_date, calendars=notify).items()}
    run_prefix = f"{RUNS_DIR}/{run_date.isoformat()}"
    title = f"Duty roster changes published on the night before {run_date.isoformat()}"
    files[f"{run_prefix}/{CHANGES_CSV}"] = csv_bytes(changes)
    files[f"{run_prefix}/{CHANGES_TXT}"] = change_report_text(changes, inputs_h, title=title).encode("utf-8")
    if base is not None:
        files[f"{run_prefix}/{BASE_CSV}"] = csv_bytes(base.roster[list(ROSTER_COLUMNS)])
        files[f"{run_prefix}/{BASE_JSON}"] = _published_json(base, {})
    else:
        files[f"{run_prefix}/{BASE_JSON}"] = b'{"none": true}\n'

    timing = {"seconds", "repair_seconds", "replan_seconds"}
    stored = {k: v for k, v in info.items() if k not in timing}
    files[f"{run_prefix}/{RUN_JSON}"] = (json.dumps(_jsonable(stored), indent=1, sort_keys=True) + "\n").encode()
    files[PUBLISHED_CSV] = csv_bytes(published.roster)
    files[PUBLISHED_JSON] = _published_json(published, {"run_date": run_date.isoformat(), "fingerprint": fp})
    write_files_atomically([(root / k, v) for k, v in sorted(files.items())])
    return NightlyOutcome(run_date, run_dir, roster, changes, reused=False, info=_jsonable(info))


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        if isinstance(v, float) and not math.isfinite(v):
            out[k] = None
        elif isinstance(v, np.integer | np.floating):
            out[k] = v.item()
        else:
            out[k] = v
    return out


def publish(state_dir: str | Path, roster: pd.DataFrame, *, first_date: dt.date, num_days: int) -> None:
    """Start a state directory from an existing roster (e.g. the output of ``roster plan``): it becomes the
    published roster covering ``first_date`` and the ``num_days - 1`` days after it.

    Raises
    ------
    ValueError
        ``state_dir: ...`` when the directory already holds a published roster.
    """
    root = Path(state_dir)
    if (root / PUBLISHED_JSON).exists():
        raise ValueError(f"state_dir: {root} already holds a published roster")
    pub = PublishedRoster(roster=roster[list(ROSTER_COLUMNS)].sort_values(list(ROSTER_COLUMNS), kind="stable")
                          .reset_index(drop=True), first_date=first_date,
                          last_date=first_date + dt.timedelta(days=num_days - 1))
    write_files_atomically([(root / PUBLISHED_CSV, csv_bytes(pub.roster)),
                            (root / PUBLISHED_JSON, _published_json(pub, {"run_date": first_date.isoformat()}))])
