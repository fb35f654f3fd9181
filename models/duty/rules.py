"""The duty-roster rules: each a small named function that fills fields of the core's ``RosterProblem``.

Every rule declares a stable id, hard or soft, default weight (points per unit, from :class:`Weights`), unit,
source (law, regulation or named practice) and the ids of the roster-core rules that model and evaluate it
(``core_ids``). The compiler starts from neutral fields (no demand, nobody excluded, no penalty), applies the
selected rules in registry order (hard first, then soft) and builds the problem; so a rule can be compiled and
solved alone (tests do, together with ``under_cover`` to give the solver a reason to staff anything).

Where a rule is local practice rather than law it says so. The duty-lawyer system itself rests on Legal Aid
Law 2022 Art 14 (legal-aid agencies station duty lawyers at courts, procuratorates and detention centres) and
the Criminal Procedure Law (2018) Art 36; the five-ministry Measures for Duty-Lawyer Work (法律援助值班律师
工作办法, 2020) leave rostering to the local legal-aid agencies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from models.duty.context import DutyContext
from models.duty.domain import PERIOD_CLASS, PERIODS, Weights

Fields = dict[str, Any]
"""Keyword arguments of ``RosterProblem`` under construction."""
KM_PER_TRAVEL_UNIT = 10.0
"""Scale of the travel term: ``round(km / 10)`` units per shift."""


@dataclass(frozen=True)
class DutyRule:
    """A hard rule or soft term of the duty roster.

    Attributes
    ----------
    id : str
        Stable identifier (explanations, API, tests).
    hard : bool
    weight_name : str or None
        Field of :class:`Weights` holding the points per unit (soft terms); ``None`` for hard rules.
    unit : str
        One violation of a hard rule, or one unit of a soft term.
    source : str
        Law, regulation or named practice.
    core_ids : tuple of str
        Roster-core rules that model and evaluate this rule.
    fill : callable
        ``fill(ctx, fields)``: writes the rule into the problem fields.
    description : str
        One line for people.
    """

    id: str
    hard: bool
    weight_name: str | None
    unit: str
    source: str
    core_ids: tuple[str, ...]
    fill: Callable[[DutyContext, Fields], None]
    description: str

    @property
    def default_weight(self) -> int | None:
        """Default points per unit (``None`` for hard rules)."""
        return None if self.weight_name is None else int(getattr(Weights(), self.weight_name))

    def weight(self, weights: Weights) -> int | None:
        """Points per unit under ``weights``."""
        return None if self.weight_name is None else int(getattr(weights, self.weight_name))


# --------------------------------------------------------------------------------------------- hard rules
def one_shift_per_day(ctx: DutyContext, f: Fields) -> None:
    """A lawyer serves at most one shift a day: built into the core (one shift index per staff and day)."""


def forbidden_successions(ctx: DutyContext, f: Fields) -> None:
    """No shift of period ``b`` the day after a shift of period ``a`` for each pair of the settings."""
    fn = np.zeros((len(PERIODS), len(PERIODS)), dtype=bool)
    for a, b in ctx.settings.forbidden_successions:
        fn[PERIOD_CLASS[a], PERIOD_CLASS[b]] = True
    f["forbidden_next"] = fn


def max_consecutive_days(ctx: DutyContext, f: Fields) -> None:
    """At most ``settings.max_consecutive_days`` duty days in a row."""
    f["max_consecutive_days"] = np.full(ctx.num_lawyers, ctx.settings.max_consecutive_days, dtype=np.int64)


def min_consecutive_days(ctx: DutyContext, f: Fields) -> None:
    """A run of duty days is at least ``settings.min_consecutive_days`` long (edges of the horizon exempt)."""
    f["min_consecutive_days"] = np.full(ctx.num_lawyers, ctx.settings.min_consecutive_days, dtype=np.int64)


def min_days_off_in_row(ctx: DutyContext, f: Fields) -> None:
    """Days off between duty days come in runs of at least ``settings.min_days_off_in_row``."""
    f["min_consecutive_days_off"] = np.full(ctx.num_lawyers, ctx.settings.min_days_off_in_row, dtype=np.int64)


def max_weekends(ctx: DutyContext, f: Fields) -> None:
    """At most ``settings.max_weekends`` weekends with a duty day in the horizon."""
    f["max_weekends"] = np.full(ctx.num_lawyers, ctx.settings.max_weekends, dtype=np.int64)


def max_shifts_per_horizon(ctx: DutyContext, f: Fields) -> None:
    """At most ``lawyers.max_shifts`` shifts in the horizon."""
    f["max_total_shifts"] = ctx.inputs.lawyers["max_shifts"].to_numpy(np.int64)


def unavailable_days(ctx: DutyContext, f: Fields) -> None:
    """No duty on a declared unavailable day or a dropout day."""
    f["is_unavailable"] = f["is_unavailable"] | ctx.unavailable


def within_travel_limit(ctx: DutyContext, f: Fields) -> None:
    """In-person stations only within ``settings.max_travel_km`` of the home county; remote stations anywhere."""
    remote = ctx.station_remote[ctx.shift_station]
    f["is_allowed"] = f["is_allowed"] & ((ctx.km <= ctx.settings.max_travel_km) | remote[None, :])


def enrolled_at_station(ctx: DutyContext, f: Fields) -> None:
    """In-person stations only for lawyers on the station's list (an empty enrolment list means any station)."""
    remote = ctx.station_remote[ctx.shift_station]
    f["is_allowed"] = f["is_allowed"] & (ctx.enrolled[:, ctx.shift_station] | remote[None, :])


def hotline_pool_enrolment(ctx: DutyContext, f: Fields) -> None:
    """Hotline seats only for lawyers enrolled in the hotline pool."""
    is_hotline = (ctx.inputs.stations["kind"].to_numpy(object) == "hotline")[ctx.shift_station]
    enrolled = ctx.inputs.lawyers["hotline"].to_numpy(bool)
    f["is_allowed"] = f["is_allowed"] & (~is_hotline[None, :] | enrolled[:, None])


def speaks_station_language(ctx: DutyContext, f: Fields) -> None:
    """A station that needs languages gets only lawyers who speak all of them."""
    need = ctx.station_language_mask[ctx.shift_station]
    f["is_allowed"] = f["is_allowed"] & ((ctx.lawyer_language_mask[:, None] & need[None, :]) == need[None, :])


def seats(ctx: DutyContext, f: Fields) -> None:
    """At most ``demand.seats`` lawyers on a shift."""
    seat = ctx.inputs.demand["seats"].to_numpy(np.int64)
    f["cover_max"] = np.where(ctx.is_open, seat[None, :], 0)


def county_subsidy_budget(ctx: DutyContext, f: Fields) -> None:
    """The subsidies of the shifts a county pays stay within its budget (``budgets.csv``)."""
    st = ctx.inputs.stations
    budgets = ctx.inputs.budgets
    payer = st["budget_county"].to_numpy(np.int64)[ctx.shift_station]
    codes = budgets["county"].to_numpy(np.int64)
    group = np.full(payer.shape, -1, dtype=np.int64)
    if codes.size:
        order = np.argsort(codes, kind="stable")
        sorted_codes = codes[order]
        pos = np.clip(np.searchsorted(sorted_codes, payer), 0, codes.size - 1)
        group = np.where((sorted_codes[pos] == payer) & (payer != 0), order[pos], -1).astype(np.int64)
    f["budget_group"] = group
    f["shift_cost"] = st["subsidy_yuan"].to_numpy(np.int64)[ctx.shift_station]
    f["group_budget"] = budgets["budget_yuan"].to_numpy(np.int64)


# --------------------------------------------------------------------------------------------- soft terms
def under_cover(ctx: DutyContext, f: Fields) -> None:
    """Each lawyer missing below the required head-count costs ``weights.under_cover``."""
    req = ctx.inputs.demand["required"].to_numpy(np.int64)
    f["cover_min"] = np.where(ctx.is_open, req[None, :], 0)
    f["under_weight"] = np.full(ctx.is_open.shape, ctx.settings.weights.under_cover, dtype=np.int64)


def ideal_shortfall(ctx: DutyContext, f: Fields) -> None:
    """Each lawyer missing below the ideal head-count costs ``weights.ideal_shortfall``."""
    ideal = ctx.inputs.demand["ideal"].to_numpy(np.int64)
    f["cover_ideal"] = np.maximum(np.where(ctx.is_open, ideal[None, :], 0), f["cover_min"])
    f["ideal_short_weight"] = np.full(ctx.is_open.shape, ctx.settings.weights.ideal_shortfall, dtype=np.int64)


def over_cover(ctx: DutyContext, f: Fields) -> None:
    """Each lawyer above the ideal head-count costs ``weights.over_cover``."""
    f["over_weight"] = np.full(ctx.is_open.shape, ctx.settings.weights.over_cover, dtype=np.int64)


def travel_cost(ctx: DutyContext, f: Fields) -> None:
    """Each shift costs ``weights.travel_per_10km`` per 10 km (rounded) from home county to an in-person station."""
    remote = ctx.station_remote[ctx.shift_station]
    units = np.where(remote[None, :] | ~np.isfinite(ctx.km), 0, np.rint(ctx.km / KM_PER_TRAVEL_UNIT)).astype(np.int64)
    f["assign_weight"] = units * ctx.settings.weights.travel_per_10km


def _requests(ctx: DutyContext, want: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rq = ctx.inputs.requests
    rq = rq[rq["want"] == want]
    if rq.empty:
        z = np.zeros(0, dtype=np.int64)
        return z, z, z, z
    e = ctx.lawyer_of(rq["lawyer_id"])
    d = ctx.day_of(rq["date"].dt.strftime("%Y-%m-%d"))
    st_id = rq["station_id"].to_numpy(object)
    period = rq["period"].to_numpy(object)
    weight = rq["weight"].to_numpy(np.int64)
    keep = (e >= 0) & (d >= 0)
    S = ctx.num_shifts
    station_of_shift = ctx.station_ids[ctx.shift_station]
    # match matrix [R, S]: the request concerns shift type s
    match = np.ones((len(rq), S), dtype=bool)
    has_st = st_id != ""
    has_p = period != ""
    match &= ~has_st[:, None] | (station_of_shift[None, :] == st_id[:, None])
    match &= ~has_p[:, None] | (ctx.shift_period[None, :] == period[:, None])
    any_shift = ~has_st & ~has_p
    if want == "on":
        # one core request per wish: the exact shift type when it is unique, else "any shift that day"
        single = match.sum(axis=1) == 1
        s = np.where(single & ~any_shift, np.argmax(match, axis=1), -1)
        return e[keep], d[keep], s[keep], weight[keep]
    # off: one core request per matching shift type (only one can be worked a day), or "not at all"
    r_any = np.flatnonzero(keep & any_shift)
    r_sp, s_sp = np.nonzero(match & (keep & ~any_shift)[:, None])
    rows = np.concatenate([r_any, r_sp])
    shifts = np.concatenate([np.full(r_any.size, -1, dtype=np.int64), s_sp.astype(np.int64)])
    return e[rows], d[rows], shifts, weight[rows]


def requested_duty(ctx: DutyContext, f: Fields) -> None:
    """A lawyer's wish to serve on a day (a station and/or period) costs its weight when not granted."""
    e, d, s, w = _requests(ctx, "on")
    f.update(on_request_staff=e, on_request_day=d, on_request_shift=s, on_request_weight=w)


def requested_day_off(ctx: DutyContext, f: Fields) -> None:
    """A lawyer's wish not to serve on a day (a station and/or period) costs its weight when not granted."""
    e, d, s, w = _requests(ctx, "off")
    f.update(off_request_staff=e, off_request_day=d, off_request_shift=s, off_request_weight=w)


def _fair_groups(ctx: DutyContext, f: Fields) -> None:
    scope = ctx.settings.fairness_scope
    allowed_any = np.asarray(f["is_allowed"]).any(axis=1)
    if scope == "none":
        group = np.full(ctx.num_lawyers, -1, dtype=np.int64)
    elif scope == "province":
        group = np.zeros(ctx.num_lawyers, dtype=np.int64)
    else:
        group = ctx.lawyer_city.astype(np.int64)
    f["fair_group"] = np.where(allowed_any, group, -1)


def fair_total_shifts(ctx: DutyContext, f: Fields) -> None:
    """Spread (max - min) of shifts among the lawyers of a fairness group costs ``weights.fair_total`` per shift."""
    _fair_groups(ctx, f)
    f["fair_total_weight"] = ctx.settings.weights.fair_total if ctx.settings.fairness_scope != "none" else 0


def fair_night_shifts(ctx: DutyContext, f: Fields) -> None:
    """Spread of night shifts in a fairness group costs ``weights.fair_night`` per night shift."""
    _fair_groups(ctx, f)
    f["fair_night_weight"] = ctx.settings.weights.fair_night if ctx.settings.fairness_scope != "none" else 0


def fair_weekend_shifts(ctx: DutyContext, f: Fields) -> None:
    """Spread of weekend-day shifts in a fairness group costs ``weights.fair_weekend`` per shift."""
    _fair_groups(ctx, f)
    f["fair_weekend_weight"] = ctx.settings.weights.fair_weekend if ctx.settings.fairness_scope != "none" else 0


def few_changes_to_published(ctx: DutyContext, f: Fields) -> None:
    """Each (lawyer, day) that differs from the published roster costs ``weights.change`` (nightly repair)."""
    f["change_weight"] = ctx.settings.weights.change if "reference" in f else 0


_LAW_DUTY = "Legal Aid Law 2022 Art 14 (duty lawyers stationed at courts, procuratorates, detention centres)"

ONE_SHIFT_PER_DAY = DutyRule(
    "one_shift_per_day", True, None, "lawyer and day with two shifts",
    f"practice: one duty a day; {_LAW_DUTY}", ("one_shift_per_day",), one_shift_per_day,
    "a lawyer serves at most one shift a day")
FORBIDDEN_SUCCESSIONS = DutyRule(
    "forbidden_successions", True, None, "pair of days breaking a forbidden succession",
    "Labour Law Art 36 (working hours); practice: at least 11 hours' rest between duties (no early or day shift "
    "after a night)", ("forbidden_successions",), forbidden_successions,
    "no early or day shift after a night, no early shift after a late one")
MAX_CONSECUTIVE_DAYS = DutyRule(
    "max_consecutive_days", True, None, "run of duty days that is too long",
    "Labour Law Art 38 (at least one day of rest a week); local duty rules", ("max_consecutive_days",),
    max_consecutive_days, "at most N duty days in a row")
MIN_CONSECUTIVE_DAYS = DutyRule(
    "min_consecutive_days", True, None, "run of duty days that is too short",
    "practice: duty in blocks for continuity at a workstation (local duty rules)", ("min_consecutive_days",),
    min_consecutive_days, "a run of duty days is at least N long")
MIN_DAYS_OFF_IN_ROW = DutyRule(
    "min_days_off_in_row", True, None, "run of days off that is too short",
    "Labour Law Art 38 (weekly rest); practice: days off in blocks", ("min_consecutive_days_off",),
    min_days_off_in_row, "days off come in runs of at least N")
MAX_WEEKENDS = DutyRule(
    "max_weekends", True, None, "lawyer over the weekend limit",
    "practice: weekend duty shared out (local duty rules)", ("max_weekends",), max_weekends,
    "at most N weekends with duty in the horizon")
MAX_SHIFTS_PER_HORIZON = DutyRule(
    "max_shifts_per_horizon", True, None, "lawyer over the shift limit",
    "Measures for Duty-Lawyer Work 2020 (rostering by the legal-aid agency); practice: shifts per month agreed "
    "with the lawyer or firm", ("max_total_shifts",), max_shifts_per_horizon,
    "at most max_shifts shifts in the horizon")
UNAVAILABLE_DAYS = DutyRule(
    "unavailable_days", True, None, "duty on an unavailable day",
    "practice: declared unavailability and dropouts", ("unavailable_days",), unavailable_days,
    "no duty on an unavailable day")
WITHIN_TRAVEL_LIMIT = DutyRule(
    "within_travel_limit", True, None, "assignment beyond the travel limit",
    "practice: duty lawyers serve near home (limit set by the centre); remote service for the 12348 hotline",
    ("allowed_shift_types",), within_travel_limit, "in-person stations within the travel limit of the home county")
ENROLLED_AT_STATION = DutyRule(
    "enrolled_at_station", True, None, "in-person shift at a station the lawyer is not enrolled on",
    "practice: each workstation keeps its list of duty lawyers (值班律师名册; Measures for Duty-Lawyer Work 2020)",
    ("allowed_shift_types",), enrolled_at_station, "in-person stations only for lawyers on their list")
HOTLINE_POOL_ENROLMENT = DutyRule(
    "hotline_pool_enrolment", True, None, "hotline shift of a lawyer not in the hotline pool",
    "practice: 12348 hotline seats staffed from an enrolled pool", ("allowed_shift_types",),
    hotline_pool_enrolment, "hotline seats only for enrolled lawyers")
SPEAKS_STATION_LANGUAGE = DutyRule(
    "speaks_station_language", True, None, "assignment to a station whose language the lawyer lacks",
    "Criminal Procedure Law Art 9 (right to use one's own language); local practice in minority areas",
    ("allowed_shift_types",), speaks_station_language, "stations that need a language get lawyers who speak it")
SEATS = DutyRule(
    "seats", True, None, "lawyer above the number of seats",
    "practice: seats at a workstation or hotline", ("max_cover",), seats, "at most `seats` lawyers on a shift")
COUNTY_SUBSIDY_BUDGET = DutyRule(
    "county_subsidy_budget", True, None, "county over its duty-subsidy budget",
    "Legal Aid Law 2022 (legal-aid funds in county budgets); practice: duty subsidy per shift",
    ("group_budget",), county_subsidy_budget, "subsidies within each county's budget")

UNDER_COVER = DutyRule(
    "under_cover", False, "under_cover", "lawyer missing below the required head-count",
    f"Criminal Procedure Law 2018 Art 36; {_LAW_DUTY}; target: a duty lawyer for every suspect without counsel",
    ("under_cover",), under_cover, "staff every required seat")
IDEAL_SHORTFALL = DutyRule(
    "ideal_shortfall", False, "ideal_shortfall", "lawyer missing below the ideal head-count",
    "practice: ideal head-count by expected caseload or call volume", ("ideal_shortfall",), ideal_shortfall,
    "staff up to the ideal head-count")
OVER_COVER = DutyRule(
    "over_cover", False, "over_cover", "lawyer above the ideal head-count",
    "practice: subsidies are not spent on idle seats", ("over_cover",), over_cover, "no more than the ideal")
TRAVEL_COST = DutyRule(
    "travel_cost", False, "travel_per_10km", "10 km (rounded) from home county to station, per shift",
    "practice: nearer lawyers first", ("assignment_weight",), travel_cost, "prefer lawyers near the station")
REQUESTED_DUTY = DutyRule(
    "requested_duty", False, None, "wish to serve not granted (points per request: its weight)",
    "practice: lawyers' wishes", ("shift_on_requests",), requested_duty, "grant wishes to serve")
REQUESTED_DAY_OFF = DutyRule(
    "requested_day_off", False, None, "wish for a day off not granted (points per request: its weight)",
    "practice: lawyers' wishes", ("shift_off_requests",), requested_day_off, "grant wishes for days off")
FAIR_TOTAL_SHIFTS = DutyRule(
    "fair_total_shifts", False, "fair_total", "shift of spread (max - min) in a fairness group",
    "practice: duty shared evenly among the pool (Measures for Duty-Lawyer Work 2020: rotation)",
    ("fair_total_shifts",), fair_total_shifts, "even spread of shifts")
FAIR_NIGHT_SHIFTS = DutyRule(
    "fair_night_shifts", False, "fair_night", "night shift of spread in a fairness group",
    "practice: night duty shared evenly", ("fair_night_shifts",), fair_night_shifts, "even spread of nights")
FAIR_WEEKEND_SHIFTS = DutyRule(
    "fair_weekend_shifts", False, "fair_weekend", "weekend-day shift of spread in a fairness group",
    "practice: weekend duty shared evenly", ("fair_weekend_shifts",), fair_weekend_shifts,
    "even spread of weekend duty")
FEW_CHANGES_TO_PUBLISHED = DutyRule(
    "few_changes_to_published", False, "change", "(lawyer, day) changed from the published roster",
    "practice: a published roster changes as little as possible", ("changes_from_reference",),
    few_changes_to_published, "repair with the fewest changes")

HARD_RULES: tuple[DutyRule, ...] = (
    ONE_SHIFT_PER_DAY, FORBIDDEN_SUCCESSIONS, MAX_CONSECUTIVE_DAYS, MIN_CONSECUTIVE_DAYS, MIN_DAYS_OFF_IN_ROW,
    MAX_WEEKENDS, MAX_SHIFTS_PER_HORIZON, UNAVAILABLE_DAYS, WITHIN_TRAVEL_LIMIT, ENROLLED_AT_STATION,
    HOTLINE_POOL_ENROLMENT,
    SPEAKS_STATION_LANGUAGE, SEATS, COUNTY_SUBSIDY_BUDGET,
)
SOFT_TERMS: tuple[DutyRule, ...] = (
    UNDER_COVER, IDEAL_SHORTFALL, OVER_COVER, TRAVEL_COST, REQUESTED_DUTY, REQUESTED_DAY_OFF, FAIR_TOTAL_SHIFTS,
    FAIR_NIGHT_SHIFTS, FAIR_WEEKEND_SHIFTS, FEW_CHANGES_TO_PUBLISHED,
)
DUTY_RULES: tuple[DutyRule, ...] = HARD_RULES + SOFT_TERMS
"""All rules, hard first, then soft."""
RULE_BY_ID: dict[str, DutyRule] = {r.id: r for r in DUTY_RULES}


def select(rule_ids: tuple[str, ...] | list[str] | None) -> tuple[DutyRule, ...]:
    """Rules with these ids in registry order (all when ``None``).

    Raises
    ------
    ValueError
        ``rules: unknown rule ...``.
    """
    if rule_ids is None:
        return DUTY_RULES
    unknown = sorted(set(rule_ids) - set(RULE_BY_ID))
    if unknown:
        raise ValueError(f"rules: unknown rule(s) {unknown}")
    wanted = set(rule_ids)
    return tuple(r for r in DUTY_RULES if r.id in wanted)


def core_rule_ids(rules: tuple[DutyRule, ...]) -> tuple[str, ...]:
    """Core rule ids that model ``rules`` (plus ``fixed_assignments``, always in force), in core order."""
    from optimizer.roster import RULES

    wanted = {cid for r in rules for cid in r.core_ids} | {"fixed_assignments", "one_shift_per_day"}
    return tuple(r.id for r in RULES if r.id in wanted)
