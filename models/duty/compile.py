"""Compile duty inputs (and, for the nightly job, the published roster) into the core's ``RosterProblem``.

Shift types are the rows of ``demand`` (one per station and period), staff the rows of ``lawyers``, days the
horizon of the settings. The compiler starts from neutral fields (the periods' lengths and classes, cover only
on the days a period is staffed, nobody excluded, every weight zero), lets the selected rules of
:mod:`models.duty.rules` fill their fields, and for the nightly job adds the published roster as reference,
history (the days before the horizon) and frozen days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from models.duty.context import DutyContext, build_context
from models.duty.domain import PERIODS, DutyInputs
from models.duty.rules import DutyRule, Fields, core_rule_ids, select
from models.region import Regions
from optimizer.roster import FREE, NO_LIMIT, OFF, UNKNOWN, RosterProblem


@dataclass(frozen=True)
class PublishedRoster:
    """A roster already published, covering every day from ``first_date`` to ``last_date`` inclusive.

    Attributes
    ----------
    roster : DataFrame
        ``date`` (ISO str), ``station_id``, ``period``, ``lawyer_id``; a lawyer without a row on a covered day
        was off that day.
    first_date, last_date : datetime.date
    """

    roster: pd.DataFrame
    first_date: dt.date
    last_date: dt.date

    def __post_init__(self) -> None:
        if self.last_date < self.first_date:
            raise ValueError("last_date: before first_date")

    @property
    def num_days(self) -> int:
        return (self.last_date - self.first_date).days + 1


@dataclass(frozen=True, eq=False)
class Compiled:
    """A compiled roster instance.

    Attributes
    ----------
    problem : RosterProblem
    ctx : DutyContext
        Index maps (lawyer, day, shift type <-> ids) and the arrays the rules read.
    rules : tuple of DutyRule
        Rules compiled in, registry order.
    core_ids : tuple of str
        Core rules to model and evaluate (``RosterParams.rule_ids``).
    released : bool array [E, D]
        Frozen (published) cells released because the lawyer became unavailable.
    """

    problem: RosterProblem
    ctx: DutyContext
    rules: tuple[DutyRule, ...]
    core_ids: tuple[str, ...]
    released: np.ndarray

    def __iter__(self) -> Iterator[Any]:
        """Unpack as ``problem, ctx``."""
        return iter((self.problem, self.ctx))


def dropout_days(ctx_dates: Sequence[dt.date], lawyer_ids: np.ndarray, dropouts: pd.DataFrame | None) -> np.ndarray:
    """Bool ``[E, D]``: days each lawyer is unavailable by the dropout table (unknown lawyers are ignored)."""
    E, D = len(lawyer_ids), len(ctx_dates)
    out = np.zeros((E, D), dtype=bool)
    if dropouts is None or dropouts.empty or D == 0:
        return out
    e = pd.Index(lawyer_ids).get_indexer(dropouts["lawyer_id"].to_numpy(object))
    start = np.datetime64(ctx_dates[0], "D")
    a = (dropouts["start_date"].to_numpy("datetime64[D]") - start).astype(np.int64)
    b = (dropouts["end_date"].to_numpy("datetime64[D]") - start).astype(np.int64)
    days = np.arange(D)
    for ei, ai, bi in zip(e.tolist(), a.tolist(), b.tolist(), strict=True):
        if ei >= 0:
            out[ei] |= (days >= ai) & (days <= bi)
    return out


def _run_fields(f: Fields, E: int) -> tuple[np.ndarray, ...]:
    """History runs and run minima of compiled fields (defaults where no rule set them)."""
    def get(name: str, default: int) -> np.ndarray:
        return np.broadcast_to(np.asarray(f.get(name, default), dtype=np.int64), (E,))
    return (get("history_work_run", UNKNOWN), get("history_off_run", UNKNOWN), get("min_consecutive_days", 1),
            get("min_consecutive_days_off", 1))


def forced_off_cells(fixed: np.ndarray, history_work_run: np.ndarray, history_off_run: np.ndarray,
                     min_work: np.ndarray, min_off: np.ndarray) -> np.ndarray:
    """Bool ``[E, D]``: cells off in ``fixed`` that a minimum-run rule would force to work, given the fixed
    cells around them: cells beside a closed run of duty days shorter than ``min_work[e]`` and cells inside a
    closed run of days off shorter than ``min_off[e]`` (rule sources: ``min_consecutive_days``,
    ``min_days_off_in_row``).

    Such a run already breaks the rule on published cells. Offering a cell next to it for a call-in would let
    the rule force that call-in (the fixed cells alone are only reported), and several forced call-ins on one
    day can exceed its seats: the repair would have no solution. ``FREE`` cells, an unknown history
    (``history_*_run < 0``) and the horizon's end leave a run open (not closed), and so does an open
    history (one run given, the other unknown: its start is not known).
    """
    E, D = fixed.shape
    k = int(max(min_work.max(initial=1), min_off.max(initial=1)))
    OPEN, WORKS, RESTS = 2, 1, 0
    state = np.full((E, k + D + 1), OPEN, dtype=np.int8)  # k history columns, the horizon, one open column
    state[:, k:k + D] = np.where(fixed == FREE, OPEN, np.where(fixed >= 0, WORKS, RESTS))
    cols = np.arange(k)[None, :]
    for run, other_run, kind, other in ((history_work_run, history_off_run, WORKS, RESTS),
                                        (history_off_run, history_work_run, RESTS, WORKS)):
        h = np.minimum(np.maximum(run, 0), k)[:, None]
        in_run = cols >= k - h
        # the day before a history run closes it when the history is known (an open history has no start)
        before = (cols == k - h - 1) & (h > 0) & (other_run >= 0)[:, None]
        state[:, :k] = np.where(in_run & (h > 0), kind, np.where(before, other, state[:, :k]))
    L = state.shape[1]
    flat = state.ravel()
    change = np.ones(flat.size, dtype=bool)
    change[1:] = flat[1:] != flat[:-1]
    change[::L] = True
    starts = np.flatnonzero(change)
    length = np.diff(np.append(starts, flat.size))
    row, c0 = starts // L, starts % L
    c1 = c0 + length - 1
    left = np.where(c0 > 0, flat[np.maximum(starts - 1, 0)], OPEN)
    right = np.where(c1 < L - 1, flat[np.minimum(starts + length, flat.size - 1)], OPEN)
    run_kind = flat[starts]
    short_work = (run_kind == WORKS) & (left == RESTS) & (right == RESTS) & (length < min_work[row])
    short_off = (run_kind == RESTS) & (left == WORKS) & (right == WORKS) & (length < min_off[row])
    forced = np.repeat(short_off, length).reshape(E, L)
    forced[row[short_work], c0[short_work] - 1] = True
    forced[row[short_work], c1[short_work] + 1] = True
    out: np.ndarray = forced[:, k:k + D] & (fixed == OFF)
    return out


def roster_to_schedule(ctx: DutyContext, roster: pd.DataFrame, *, day_offset: int = 0,
                       num_days: int | None = None) -> np.ndarray:
    """Schedule ``[E, num_days]`` (shift index, -1 off) of a roster frame, for the days starting
    ``day_offset`` days after the horizon start (negative = before). Rows naming unknown lawyers, shift types or
    days outside the window are ignored."""
    n = ctx.num_days if num_days is None else num_days
    out = np.full((ctx.num_lawyers, n), OFF, dtype=np.int64)
    if roster.empty:
        return out
    e = ctx.lawyer_of(roster["lawyer_id"])
    s = ctx.shift_of(roster["station_id"], roster["period"])
    start = np.datetime64(ctx.dates[0], "D") + np.timedelta64(day_offset, "D")
    d = (pd.to_datetime(roster["date"]).to_numpy("datetime64[D]") - start).astype(np.int64)
    ok = (e >= 0) & (s >= 0) & (d >= 0) & (d < n)
    out[e[ok], d[ok]] = s[ok]
    return out


def _history(ctx: DutyContext, published: PublishedRoster, fields: Fields) -> None:
    """History arrays from the published days just before the horizon (unknown when none is published)."""
    h0 = ctx.dates[0]
    if not (published.first_date < h0 <= published.last_date + dt.timedelta(days=1)):
        return
    k = (h0 - published.first_date).days
    past = roster_to_schedule(ctx, published.roster, day_offset=-k, num_days=k)
    work = past >= 0
    idx = np.arange(k)
    last_other = np.where(~work, idx, -1).max(axis=1)
    last_work = np.where(work, idx, -1).max(axis=1)
    worked_last = work[:, -1]
    work_run = np.where(worked_last, k - 1 - last_other, 0)
    off_run = np.where(~worked_last, k - 1 - last_work, 0)
    # a run reaching back to the first published day may be longer: an open history (the core's term) whose
    # start is unknown, as the plan that published it took it; the maximum run counts its known days, the
    # minimum run exempts it, and a run of the other kind from day 0 is closed by day -1
    open_work = worked_last & (last_other < 0)
    open_off = ~worked_last & (last_work < 0)
    fields["history_work_run"] = np.where(open_off, UNKNOWN, work_run).astype(np.int64)
    fields["history_off_run"] = np.where(open_work, UNKNOWN, off_run).astype(np.int64)
    fields["history_last_class"] = np.where(worked_last, ctx.shift_class[np.maximum(past[:, -1], 0)], -1)


def compile_roster(
    inputs: DutyInputs,
    *,
    rules: Sequence[str] | None = None,
    regions: Regions | None = None,
    dropouts: pd.DataFrame | None = None,
    published: PublishedRoster | None = None,
    frozen_days: int = 0,
) -> Compiled:
    """Compile ``inputs`` into a :class:`RosterProblem` and its index maps.

    Parameters
    ----------
    inputs : DutyInputs
        Stations, demand, lawyers, requests, budgets and settings (horizon = ``settings.start_date`` and
        ``settings.num_days``).
    rules : sequence of str, optional
        Ids of the rules to compile in (default: all of :data:`models.duty.rules.DUTY_RULES`).
    regions : Regions, optional
        County table for distances and cities (default: the 2020 census file).
    dropouts : DataFrame, optional
        ``lawyer_id, start_date, end_date``: further unavailable days.
    published : PublishedRoster, optional
        The roster published so far: its days inside the horizon become the ``reference`` (changes cost
        ``weights.change``), its days just before the horizon the history of the run rules.
    frozen_days : int
        The first ``frozen_days`` days of the horizon that ``published`` covers keep their published cells
        (core ``fixed``), except cells of lawyers who became unavailable: those are released, and on such days
        lawyers who are off and may serve a shift type that lost a lawyer are freed to fill the hole.

    Returns
    -------
    Compiled
        ``problem, ctx = compile_roster(...)`` unpacks the problem and the index maps.

    Raises
    ------
    ValueError
        ``rules: ...`` for an unknown rule id, ``frozen_days: ...`` when negative.
    """
    if frozen_days < 0:
        raise ValueError("frozen_days: must be >= 0")
    chosen = select(tuple(rules) if rules is not None else None)
    settings = inputs.settings
    extra = dropout_days(settings.dates, inputs.lawyers["lawyer_id"].to_numpy(object), dropouts)
    ctx = build_context(inputs, regions=regions, extra_unavailable=extra)
    E, D, S = ctx.num_lawyers, ctx.num_days, ctx.num_shifts
    f: Fields = {
        "cover_min": np.zeros((D, S), dtype=np.int64),
        "is_allowed": np.ones((E, S), dtype=bool),
        "start_weekday": int(ctx.weekday[0]),
        "shift_minutes": inputs.demand["minutes"].to_numpy(np.int64),
        "shift_class": ctx.shift_class,
        "forbidden_next": np.zeros((len(PERIODS), len(PERIODS)), dtype=bool),
        "is_unavailable": np.zeros((E, D), dtype=bool),
        "cover_max": np.where(ctx.is_open, NO_LIMIT, 0).astype(np.int64),
        "under_weight": np.zeros((D, S), dtype=np.int64),
        "over_weight": np.zeros((D, S), dtype=np.int64),
        "is_night": ctx.shift_period == "night",
        "fair_group": np.full(E, -1, dtype=np.int64),
    }
    reference = None
    if published is not None:
        offset = (published.first_date - ctx.dates[0]).days
        reference = np.full((E, D), FREE, dtype=np.int64)
        lo, hi = max(offset, 0), min(offset + published.num_days, D)
        if lo < hi:
            ref = roster_to_schedule(ctx, published.roster)
            reference[:, lo:hi] = ref[:, lo:hi]
            f["reference"] = reference
        _history(ctx, published, f)
    for rule in chosen:
        rule.fill(ctx, f)
    if "cover_ideal" not in f:
        f["cover_ideal"] = f["cover_min"]
    released = np.zeros((E, D), dtype=bool)
    if reference is not None and frozen_days > 0:
        fixed = np.full((E, D), FREE, dtype=np.int64)
        frozen = np.zeros(D, dtype=bool)
        frozen[: min(frozen_days, D)] = True
        frozen &= (reference != FREE).any(axis=0) if E else frozen
        unavailable = np.asarray(f["is_unavailable"]) | ctx.unavailable
        fixed[:, frozen] = reference[:, frozen]
        released = frozen[None, :] & (reference >= 0) & unavailable
        fixed[released] = OFF
        allowed = np.asarray(f["is_allowed"])
        forced = forced_off_cells(fixed, *_run_fields(f, E))
        for d in np.flatnonzero(released.any(axis=0)).tolist():
            lost = np.unique(reference[released[:, d], d])
            callable_ = (reference[:, d] == OFF) & ~unavailable[:, d] & allowed[:, lost].any(axis=1) & ~forced[:, d]
            fixed[callable_, d] = FREE
        f["fixed"] = fixed
    problem = RosterProblem(**f)
    return Compiled(problem=problem, ctx=ctx, rules=chosen, core_ids=core_rule_ids(chosen), released=released)


__all__ = ["Compiled", "PublishedRoster", "compile_roster", "dropout_days", "roster_to_schedule"]
