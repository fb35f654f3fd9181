"""Decode a solved roster: the roster table, cover per shift, and explanations of every uncovered shift.

An uncovered shift is a (day, station, period) staffed below its required head-count. Its explanation follows
the candidates through the hard rules in a fixed order (travel limit, station list, hotline enrolment, language, unavailable,
already on duty that day, shift limit, consecutive days, successions, days off in a row, weekends, subsidy
budget, frozen days) and names the rule at which the last candidate dropped out, with the number excluded at
each step. Candidates who pass every check could have been added without breaking a hard rule checked here:
the reason is then ``optimiser_trade_off`` (a rule not checked here, e.g. a minimum run of duty days, or the
solver's time limit). Everything is computed with numpy from the problem arrays and the schedule.

The diagnosis is relative to the roster: it names the rule that stops adding a lawyer to *this* roster (e.g.
the county's budget spent by its other shifts, or every listed lawyer at their maximum), not a proof that no
other roster could fill the seat.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from models.duty.compile import Compiled
from models.duty.io import ROSTER_COLUMNS
from models.duty.rules import RULE_BY_ID
from optimizer.roster import FREE, RosterResult

TRADE_OFF = "optimiser_trade_off"
REASON_TEXT: dict[str, str] = {
    "within_travel_limit": "nobody lives within the travel limit ({km:g} km)",
    "enrolled_at_station": "nobody within reach is enrolled on the station's list",
    "hotline_pool_enrolment": "nobody within reach is enrolled in the hotline pool",
    "speaks_station_language": "nobody within reach speaks {languages}",
    "unavailable_days": "every eligible lawyer is unavailable that day",
    "one_shift_per_day": "every eligible lawyer is already on another shift that day",
    "max_shifts_per_horizon": "every eligible lawyer is already at the maximum number of shifts",
    "max_consecutive_days": "every eligible lawyer would exceed the consecutive-days limit",
    "forbidden_successions": "every eligible lawyer would break the rest rule between shifts",
    "min_days_off_in_row": "every eligible lawyer would get too short a run of days off",
    "max_weekends": "every eligible lawyer is already at the weekend limit",
    "county_subsidy_budget": "the county's duty-subsidy budget is exhausted",
    "fixed_assignments": "the day is frozen (published) for every eligible lawyer",
    TRADE_OFF: "eligible lawyers remain; leaving the seat empty was the solver's trade-off",
}
CHECK_ORDER: tuple[str, ...] = (
    "within_travel_limit", "enrolled_at_station", "hotline_pool_enrolment", "speaks_station_language", "unavailable_days",
    "one_shift_per_day", "max_shifts_per_horizon", "max_consecutive_days", "forbidden_successions",
    "min_days_off_in_row", "max_weekends", "county_subsidy_budget", "fixed_assignments",
)


def roster_frame(compiled: Compiled, schedule: np.ndarray) -> pd.DataFrame:
    """Roster table ``date, station_id, period, lawyer_id`` (one row per assignment, sorted)."""
    ctx = compiled.ctx
    e, d = np.nonzero(schedule >= 0)
    s = schedule[e, d]
    frame = pd.DataFrame(
        {
            "date": ctx.iso_dates[d] if d.size else np.zeros(0, dtype=object),
            "station_id": ctx.station_ids[ctx.shift_station[s]] if s.size else np.zeros(0, dtype=object),
            "period": ctx.shift_period[s] if s.size else np.zeros(0, dtype=object),
            "lawyer_id": ctx.lawyer_ids[e] if e.size else np.zeros(0, dtype=object),
        },
        columns=list(ROSTER_COLUMNS),
    )
    return frame.sort_values(list(ROSTER_COLUMNS), kind="stable").reset_index(drop=True)


def staffed(compiled: Compiled, schedule: np.ndarray) -> np.ndarray:
    """Head-count ``[D, S]`` of a schedule."""
    p = compiled.problem
    e, d = np.nonzero(schedule >= 0)
    out = np.zeros((p.num_days, p.num_shifts), dtype=np.int64)
    np.add.at(out, (d, schedule[e, d]), 1)
    return out


def cover_frame(compiled: Compiled, schedule: np.ndarray) -> pd.DataFrame:
    """Per open (day, shift type): ``date, station_id, kind, period, required, ideal, staffed``."""
    ctx, p = compiled.ctx, compiled.problem
    d, s = np.nonzero(ctx.is_open)
    head = staffed(compiled, schedule)
    kinds = ctx.inputs.stations["kind"].to_numpy(object)
    return pd.DataFrame(
        {
            "date": ctx.iso_dates[d] if d.size else np.zeros(0, dtype=object),
            "station_id": ctx.station_ids[ctx.shift_station[s]] if s.size else np.zeros(0, dtype=object),
            "kind": kinds[ctx.shift_station[s]] if s.size else np.zeros(0, dtype=object),
            "period": ctx.shift_period[s] if s.size else np.zeros(0, dtype=object),
            "required": p.cover_min[d, s],
            "ideal": p.cover_ideal[d, s],
            "staffed": head[d, s],
        }
    )


def runs_before(mask: np.ndarray, history: np.ndarray) -> np.ndarray:
    """Length of the run of ``mask`` ending on day ``d - 1`` for every day (``history`` carried into day 0,
    negative = unknown, counted as 0)."""
    E, D = mask.shape
    idx = np.arange(D)
    last_break = np.maximum.accumulate(np.where(~mask, idx, -1), axis=1)
    run_incl = np.where(mask, idx - last_break, 0)
    run_incl = run_incl + np.where(mask & (last_break < 0), np.maximum(history, 0)[:, None], 0)
    out = np.zeros((E, D), dtype=np.int64)
    out[:, 1:] = run_incl[:, :-1]
    out[:, 0] = np.maximum(history, 0)
    return out


def runs_after(mask: np.ndarray) -> np.ndarray:
    """Length of the run of ``mask`` starting on day ``d + 1``."""
    rev = mask[:, ::-1]
    zero = np.zeros(mask.shape[0], dtype=np.int64)
    return runs_before(rev, zero)[:, ::-1]


def uncovered_explanations(compiled: Compiled, schedule: np.ndarray) -> list[dict[str, Any]]:
    """One explanation per (day, shift type) staffed below its required head-count.

    Each entry: ``date, station_id, kind, period, county, required, staffed, missing, reason`` (a rule id of
    :data:`CHECK_ORDER` or ``optimiser_trade_off``), ``text`` (one line) and ``excluded`` (rule id -> number
    of lawyers that rule excluded, in check order; ``remaining``: candidates passing every check).
    """
    ctx, p = compiled.ctx, compiled.problem
    head = staffed(compiled, schedule)
    ud, us = np.nonzero((head < p.cover_min) & ctx.is_open)
    if ud.size == 0:
        return []
    E, D = p.num_staff, p.num_days
    sched = np.asarray(schedule, dtype=np.int64)
    work = sched >= 0
    cls = np.where(work, p.shift_class[np.maximum(sched, 0)], -1)
    total = work.sum(axis=1)
    worked_before = runs_before(work, p.history_work_run)
    worked_after = runs_after(work)
    off_hist = np.where(p.history_off_run >= 0, p.history_off_run, 0)
    off_before = runs_before(~work, off_hist)
    off_after = runs_after(~work)
    # an off run touching day 0 with unknown history, or the last day, is exempt from the minimum
    off_touch_start = (np.arange(D)[None, :] - off_before == 0) & (p.history_off_run < 0)[:, None]
    off_touch_end = np.arange(D)[None, :] + off_after == D - 1
    wk = p.weekend_idx
    nw = max(p.num_weekends, 1)
    worked_wk = np.zeros((E, nw), dtype=bool)
    for w in range(p.num_weekends):
        worked_wk[:, w] = work[:, wk == w].any(axis=1)
    n_worked_wk = worked_wk.sum(axis=1)
    spend = np.zeros(p.num_budget_groups, dtype=np.int64)
    we, wd = np.nonzero(work)
    ws = sched[we, wd]
    g_of = p.budget_group[ws]
    np.add.at(spend, g_of[g_of >= 0], p.shift_cost[ws[g_of >= 0]])
    prev_cls = np.full((E, D), -1, dtype=np.int64)
    prev_cls[:, 1:] = cls[:, :-1]
    prev_cls[:, 0] = p.history_last_class
    next_cls = np.full((E, D), -1, dtype=np.int64)
    next_cls[:, :-1] = cls[:, 1:]

    settings = ctx.settings
    remote = ctx.station_remote[ctx.shift_station]
    is_hotline = (ctx.inputs.stations["kind"].to_numpy(object) == "hotline")[ctx.shift_station]
    enrolled = ctx.inputs.lawyers["hotline"].to_numpy(bool)
    need = ctx.station_language_mask[ctx.shift_station]
    speaks = (ctx.lawyer_language_mask[:, None] & need[None, :]) == need[None, :]
    active = {r.id for r in compiled.rules}
    fn = p.forbidden_next
    st = ctx.inputs.stations
    kinds = st["kind"].to_numpy(object)
    counties = st["county"].to_numpy(np.int64)
    out: list[dict[str, Any]] = []
    for d, s in zip(ud.tolist(), us.tolist(), strict=True):
        cand = np.ones(E, dtype=bool)
        checks: dict[str, np.ndarray] = {}
        if "within_travel_limit" in active:
            checks["within_travel_limit"] = (ctx.km[:, s] <= settings.max_travel_km) | remote[s]
        if "enrolled_at_station" in active:
            checks["enrolled_at_station"] = ctx.enrolled[:, ctx.shift_station[s]] | remote[s]
        if "hotline_pool_enrolment" in active:
            checks["hotline_pool_enrolment"] = ~is_hotline[s] | enrolled
        if "speaks_station_language" in active:
            checks["speaks_station_language"] = speaks[:, s]
        checks["unavailable_days"] = ~p.is_unavailable[:, d]
        checks["one_shift_per_day"] = ~work[:, d]
        checks["max_shifts_per_horizon"] = total < p.max_total_shifts
        checks["max_consecutive_days"] = worked_before[:, d] + 1 + worked_after[:, d] <= p.max_consecutive_days
        c = p.shift_class[s]
        ok_prev = (prev_cls[:, d] < 0) | ~fn[np.maximum(prev_cls[:, d], 0), c]
        ok_next = (next_cls[:, d] < 0) | ~fn[c, np.maximum(next_cls[:, d], 0)]
        checks["forbidden_successions"] = ok_prev & ok_next
        need_off = p.min_consecutive_days_off
        left_ok = (off_before[:, d] == 0) | (off_before[:, d] >= need_off) | off_touch_start[:, d]
        right_ok = (off_after[:, d] == 0) | (off_after[:, d] >= need_off) | off_touch_end[:, d]
        checks["min_days_off_in_row"] = left_ok & right_ok
        if wk[d] >= 0:
            checks["max_weekends"] = worked_wk[:, wk[d]] | (n_worked_wk < p.max_weekends)
        g = int(p.budget_group[s])
        if g >= 0:
            checks["county_subsidy_budget"] = np.full(E, spend[g] + p.shift_cost[s] <= p.group_budget[g])
        checks["fixed_assignments"] = p.fixed[:, d] == FREE
        excluded: dict[str, int] = {}
        reason = TRADE_OFF
        for rule_id in CHECK_ORDER:
            if rule_id not in checks:
                continue
            keep = cand & checks[rule_id]
            excluded[rule_id] = int(cand.sum() - keep.sum())
            cand = keep
            if not cand.any():
                reason = rule_id
                break
        excluded["remaining"] = int(cand.sum())
        langs = [ctx.languages[i] for i in range(len(ctx.languages)) if need[s] >> i & 1]
        text = REASON_TEXT[reason].format(km=settings.max_travel_km, languages=", ".join(langs) or "-")
        station = int(ctx.shift_station[s])
        out.append({
            "date": ctx.dates[d].isoformat(),
            "station_id": str(ctx.station_ids[station]),
            "kind": str(kinds[station]),
            "county": int(counties[station]),
            "period": str(ctx.shift_period[s]),
            "required": int(p.cover_min[d, s]),
            "staffed": int(head[d, s]),
            "missing": int(p.cover_min[d, s] - head[d, s]),
            "reason": reason,
            "text": text,
            "excluded": excluded,
        })
    return out


def term_explanations(compiled: Compiled, result: RosterResult) -> list[dict[str, Any]]:
    """Per compiled rule: id, hard, weight, unit, source, and its total (violations or points)."""
    weights = compiled.ctx.settings.weights
    out = []
    for rule in compiled.rules:
        if rule.hard:
            total = int(sum(result.violations.get(cid, 0) for cid in rule.core_ids))
        else:
            total = int(sum(result.term_totals.get(cid, 0) for cid in rule.core_ids))
        out.append({"id": rule.id, "hard": rule.hard, "weight": rule.weight(weights), "unit": rule.unit,
                    "source": rule.source, "total": total})
    return out


def explanations(compiled: Compiled, result: RosterResult) -> dict[str, Any]:
    """JSON-ready explanations: solve summary, per-rule totals, and every uncovered shift with its reason."""
    uncovered = uncovered_explanations(compiled, result.schedule)
    reasons: dict[str, int] = {}
    for u in uncovered:
        reasons[u["reason"]] = reasons.get(u["reason"], 0) + u["missing"]
    return {
        "summary": {
            "status": result.status.value,
            "objective": result.objective,
            "bound": result.bound,
            "gap_pct": round(100 * result.gap, 4) if np.isfinite(result.gap) else None,
            "seed": result.seed,
            "bound_source": result.bound_source,
        },
        "rules": term_explanations(compiled, result),
        "uncovered_by_reason": dict(sorted(reasons.items(), key=lambda kv: -kv[1])),
        "uncovered": uncovered,
    }


def describe(rule_id: str) -> str:
    """One line for a rule id (or ``optimiser_trade_off``)."""
    if rule_id in RULE_BY_ID:
        return RULE_BY_ID[rule_id].description
    return REASON_TEXT.get(rule_id, rule_id)


def fairness_frame(compiled: Compiled, schedule: np.ndarray) -> pd.DataFrame:
    """Per fairness group (lawyers compared by the fairness terms): lawyers, and the min / mean / max of
    shifts, and the spread (max - min) of shifts, night shifts and weekend-day shifts, as the terms count them."""
    p = compiled.problem
    sched = np.asarray(schedule)
    work = sched >= 0
    night = work & p.is_night[np.maximum(sched, 0)]
    weekend = work & (p.weekend_idx >= 0)[None, :]
    group = p.fair_group
    rows = []
    for g in np.unique(group[group >= 0]).tolist():
        members = group == g
        total, nights, wkd = work[members].sum(axis=1), night[members].sum(axis=1), weekend[members].sum(axis=1)
        rows.append({"group": int(g), "lawyers": int(members.sum()), "min_shifts": int(total.min()),
                     "mean_shifts": round(float(total.mean()), 2), "max_shifts": int(total.max()),
                     "spread_shifts": int(total.max() - total.min()), "spread_nights": int(nights.max() - nights.min()),
                     "spread_weekend_days": int(wkd.max() - wkd.min())})
    return pd.DataFrame(rows, columns=["group", "lawyers", "min_shifts", "mean_shifts", "max_shifts", "spread_shifts",
                                       "spread_nights", "spread_weekend_days"])


def decode(compiled: Compiled, result: RosterResult) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The roster table (``date, station_id, period, lawyer_id``) and the explanations of a solved instance."""
    return roster_frame(compiled, result.schedule), explanations(compiled, result)
