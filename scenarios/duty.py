"""Seeded generator of duty-lawyer rosters for a province-month: stations, demand, duty lawyers, budgets.

Everything comes from one ``numpy.random.default_rng(spec.seed)`` and the 2020 county file
(:func:`models.region.load_regions`): the same spec gives identical tables.

Assumptions (each a named constant or spec field below; figures from DOMAIN.md where one exists)
----------------------------------------------------------------------------------------------
* Counties: the county-level units of the province, without development zones (adcodes ending 70-99; Inner
  Mongolia: 103 units, DOMAIN.md).
* Court and procuratorate workstations: one each per county, staffed in office hours (``day``, 09:00-17:00)
  Monday to Friday (no public holidays modelled). Required one lawyer; ideal two in counties of at least
  :data:`BUSY_COUNTY_POPULATION` residents. Seats = ideal.
* City level (``spec.city_level``): each league/city also has a workstation at its intermediate court and city
  procuratorate (required 1, ideal 2), and a city detention centre, in its most populous county; paid from a
  regional fund (no county cap).
* Detention centres: workstations in a share ``spec.detention_share`` of counties (default a third, the more
  populous more likely), staffed on two set visiting days a week (drawn per centre).
* 12348 hotline: a regional seat pool in three shifts (``early`` 07:00-15:00, ``late`` 15:00-23:00, ``night``
  23:00-07:00) every day, in the capital's county, remote service (no travel limit), for enrolled lawyers.
  Inner Mongolia's 12348 takes about 586 calls a day (477,000 a year; DOMAIN.md). Calls follow the hourly
  profile :data:`HOURLY_CALL_SHARE` (office-hour peaks; an assumption); a call takes :data:`HANDLING_MINUTES`
  minutes including wrap-up. Seats per hour come from the Erlang C formula: the required head-count answers
  80% of calls within 20 s, the ideal 90% within 20 s; a shift needs the maximum over its hours. A share
  ``spec.minority_call_share`` of calls (default 5%) is in the province's minority language and is served by a
  second seat pool whose lawyers must speak it.
* Language: stations in counties where at least ``spec.language_station_minority_pct`` percent of residents
  belong to minorities need the province's minority language (Mongolian, ``mn``, in Inner Mongolia).
* Duty lawyers: drawn like the provider pool of :mod:`scenarios.generator` (lawyer kinds only: 80% practising
  lawyers, 15% centre staff lawyers, 5% volunteer lawyers): home county, languages (incl. Mongolian), declared
  unavailable days. Maximum shifts per horizon: practising lawyers 2-6, volunteer lawyers 4-8, staff lawyers
  8-12. Lawyers willing to serve remotely (``remote_ok``, about 30%) are enrolled in the hotline pool.
* Station lists: each workstation keeps a list of its duty lawyers (值班律师名册) about ``spec.list_factor``
  (default 3) times as long as its ideal shifts in the horizon need at 4 shifts a lawyer, filled with the
  nearest lawyers within the travel limit (speakers of the station's language first, ties at random). A lawyer
  may be on several lists. This also keeps the province-month model to about 200,000 shift variables.
* Requests: about 10% of lawyers ask for one or two days off, about 5% ask to serve on a given day.
* Subsidy: :data:`SUBSIDY_YUAN` per lawyer per shift by station kind (an assumption; local rates vary). Each
  county's budget for the horizon is its stations' required shifts times the subsidy times a factor drawn from
  ``spec.budget_factor_range`` (default 0.9-1.5: a few counties cannot pay for full cover).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.duty.context import county_km
from models.duty.domain import (
    WEEKDAYS,
    DutyInputs,
    Settings,
    budgets_frame,
    requests_frame,
)
from models.duty.io import check_inputs
from models.region import Regions, load_regions
from scenarios.generator import LANGUAGE_BY_PROVINCE, ScenarioSpec, generate

HOURLY_CALL_SHARE: tuple[float, ...] = (
    0.5, 0.4, 0.3, 0.3, 0.3, 0.4, 0.8, 2.0, 5.0, 9.0, 10.0, 9.0,
    5.0, 6.0, 9.0, 9.0, 8.0, 6.0, 4.0, 3.0, 3.0, 2.0, 1.5, 1.0,
)
"""Relative call volume of each hour 0-23 (normalised when used)."""
HANDLING_MINUTES = 7.0
"""Talk plus wrap-up time of one hotline call, minutes (assumption)."""
ANSWER_WITHIN_S = 20.0
REQUIRED_SERVICE_LEVEL = 0.80
IDEAL_SERVICE_LEVEL = 0.90
HOTLINE_SHIFTS: tuple[tuple[str, int], ...] = (("early", 7), ("late", 15), ("night", 23))
"""Hotline periods and their start hour; each lasts 8 hours."""
BUSY_COUNTY_POPULATION = 400_000
SUBSIDY_YUAN: dict[str, int] = {"court": 200, "procuratorate": 200, "detention_centre": 200, "hotline": 150}
LAWYER_KIND_MIX: tuple[tuple[str, float], ...] = (("lawyer", 0.80), ("staff_lawyer", 0.15), ("volunteer_lawyer", 0.05))
MAX_SHIFTS_RANGE: dict[str, tuple[int, int]] = {"lawyer": (2, 6), "volunteer_lawyer": (4, 8), "staff_lawyer": (8, 12)}
OFF_REQUEST_SHARE = 0.10
ON_REQUEST_SHARE = 0.05
REQUEST_WEIGHT_RANGE = (20, 40)
MEAN_SHIFTS_PER_LISTED_LAWYER = 4.0
VISITING_DAY_PAIRS: tuple[tuple[str, str], ...] = (("mon", "thu"), ("tue", "fri"), ("wed", "fri"), ("mon", "wed"),
                                                   ("tue", "thu"))
ALL_DAYS: tuple[str, ...] = WEEKDAYS


@dataclass(frozen=True)
class DutyScenarioSpec:
    """What to generate (validated on construction; errors name the field).

    Parameters
    ----------
    province : str
        Province name as in the county file (default 内蒙古自治区).
    start_date : datetime.date
        First day of the horizon (default 2024-03-01).
    num_days : int
        Days in the horizon (default 31).
    num_lawyers : int
        Duty lawyers (default 3,000).
    seed : int
    detention_share : float
        Share of counties with a detention-centre workstation (default 1/3).
    city_level : bool
        Add intermediate-court, city-procuratorate and city detention-centre stations (default True).
    hotline_calls_per_day : float
        12348 calls a day (default 586, Inner Mongolia).
    minority_call_share : float
        Share of calls in the province's minority language (default 0.05; 0 = no second pool).
    language_station_minority_pct : float
        Stations in counties with at least this minority share need the minority language (default 50).
    budget_factor_range : tuple of float
        County budget = required shifts x subsidy x a factor drawn from this range (default 0.9-1.5).
    max_travel_km : float
        Travel limit written into the settings (default 80).
    list_factor : float or None
        Each in-person station's list of duty lawyers holds ``list_factor`` times the lawyers its ideal
        shifts in the horizon need at :data:`MEAN_SHIFTS_PER_LISTED_LAWYER` shifts each (default 3.0), the
        nearest within the travel limit first (speakers of the station's language before others, ties at
        random); None = every lawyer may serve any station within the travel limit (list ``*``).
    """

    province: str = "内蒙古自治区"
    start_date: dt.date = dt.date(2024, 3, 1)
    num_days: int = 31
    num_lawyers: int = 3_000
    seed: int = 0
    detention_share: float = 1.0 / 3.0
    city_level: bool = True
    hotline_calls_per_day: float = 586.0
    minority_call_share: float = 0.05
    language_station_minority_pct: float = 50.0
    budget_factor_range: tuple[float, float] = (0.9, 1.5)
    max_travel_km: float = 80.0
    list_factor: float | None = 3.0

    def __post_init__(self) -> None:
        def fail(name: str, reason: str) -> None:
            raise ValueError(f"DutyScenarioSpec.{name}: {reason}")

        if self.province not in load_regions().province_names:
            fail("province", f"unknown province {self.province!r}; use a name of the county file")
        if self.num_days < 1:
            fail("num_days", "must be >= 1")
        if self.num_lawyers < 0:
            fail("num_lawyers", "must be >= 0")
        if self.seed < 0:
            fail("seed", "must be >= 0")
        for name in ("detention_share", "minority_call_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                fail(name, "must lie in [0, 1]")
        if self.hotline_calls_per_day < 0:
            fail("hotline_calls_per_day", "must be >= 0")
        lo, hi = self.budget_factor_range
        if not 0 <= lo <= hi:
            fail("budget_factor_range", "expected 0 <= low <= high")
        if not self.max_travel_km >= 0:
            fail("max_travel_km", "must be >= 0")
        if self.list_factor is not None and not self.list_factor > 0:
            fail("list_factor", "must be > 0, or None")


def inner_mongolia_month(seed: int = 0) -> DutyScenarioSpec:
    """Inner Mongolia, March 2024 (31 days), 3,000 duty lawyers, detention centres in a third of counties."""
    return DutyScenarioSpec(seed=seed)


def province_month(seed: int = 0) -> DutyScenarioSpec:
    """The province-month benchmark size: Inner Mongolia with a detention-centre workstation in every county
    (about 360 stations), 31 days, 3,000 duty lawyers."""
    return DutyScenarioSpec(seed=seed, detention_share=1.0)


# --------------------------------------------------------------------------------------------- hotline sizing
def erlang_c_wait_probability(servers: int, load_erlangs: float) -> float:
    """Probability that a call waits (Erlang C) with ``servers`` seats and offered load ``load_erlangs``."""
    if servers <= load_erlangs:
        return 1.0
    # Erlang B by the stable recursion, then C from B
    b = 1.0
    for k in range(1, servers + 1):
        b = load_erlangs * b / (k + load_erlangs * b)
    return servers * b / (servers - load_erlangs * (1.0 - b))


def seats_for_service_level(calls_per_hour: float, *, handling_minutes: float = HANDLING_MINUTES,
                            within_s: float = ANSWER_WITHIN_S, level: float = REQUIRED_SERVICE_LEVEL) -> int:
    """Fewest seats answering ``level`` of the calls within ``within_s`` seconds (Erlang C); 0 without calls."""
    if calls_per_hour <= 0:
        return 0
    load = calls_per_hour * handling_minutes / 60.0
    n = max(1, math.ceil(load))
    while True:
        pw = erlang_c_wait_probability(n, load)
        answered = 1.0 - pw * math.exp(-(n - load) * within_s / (handling_minutes * 60.0))
        if answered >= level:
            return n
        n += 1


def hotline_seats(calls_per_day: float, *, level: float) -> dict[str, int]:
    """Seats of each hotline period: the most any of its 8 hours needs at ``level`` within 20 s."""
    share = np.asarray(HOURLY_CALL_SHARE, dtype=np.float64)
    per_hour = calls_per_day * share / share.sum()
    need = [seats_for_service_level(float(c), level=level) for c in per_hour]
    return {period: max(need[(start + h) % 24] for h in range(8)) for period, start in HOTLINE_SHIFTS}


# --------------------------------------------------------------------------------------------- stations
def _station_rows(spec: DutyScenarioSpec, regions: Regions, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    in_p = np.flatnonzero(regions.in_provinces([spec.province]))
    real = in_p[(regions.adcode[in_p] % 100) < 70]
    counties = real if real.size else in_p
    code = regions.adcode[counties]
    name = regions.county[counties]
    pop = regions.population[counties]
    minority = regions.minority_share_pct[counties]
    lang = LANGUAGE_BY_PROVINCE.get(spec.province, "")
    needs_lang = (minority >= spec.language_station_minority_pct) & (lang != "")
    st: list[dict[str, object]] = []
    dm: list[dict[str, object]] = []

    def station(sid: str, sname: str, county: int, kind: str, langs: tuple[str, ...], budget_county: int) -> None:
        st.append({"station_id": sid, "name": sname, "county": int(county), "kind": kind, "languages": langs,
                   "remote": kind == "hotline", "budget_county": int(budget_county),
                   "subsidy_yuan": SUBSIDY_YUAN[kind]})

    def demand(sid: str, period: str, start: str, weekdays: tuple[str, ...], req: int, ideal: int) -> None:
        dm.append({"station_id": sid, "period": period, "start": start, "minutes": 480, "weekdays": weekdays,
                   "required": int(req), "ideal": int(ideal), "seats": int(ideal)})

    for c, n, p, nl in zip(code.tolist(), name.tolist(), pop.tolist(), needs_lang.tolist(), strict=True):
        langs: tuple[str, ...] = (lang,) if nl else ()
        ideal = 2 if p >= BUSY_COUNTY_POPULATION else 1
        station(f"CT{c}", f"{n}人民法院值班律师工作站", c, "court", langs, c)
        demand(f"CT{c}", "day", "09:00", WEEKDAYS[:5], 1, ideal)
        station(f"PR{c}", f"{n}人民检察院值班律师工作站", c, "procuratorate", langs, c)
        demand(f"PR{c}", "day", "09:00", WEEKDAYS[:5], 1, ideal)
    num_dc = int(round(spec.detention_share * counties.size))
    weights = pop / pop.sum() if pop.sum() > 0 else np.full(pop.size, 1.0 / max(pop.size, 1))
    chosen = np.sort(rng.choice(counties.size, size=num_dc, replace=False, p=weights)) if num_dc else np.zeros(0, int)
    pairs = rng.integers(0, len(VISITING_DAY_PAIRS), size=chosen.size)
    for i, k in zip(chosen.tolist(), pairs.tolist(), strict=True):
        c = int(code[i])
        station(f"DC{c}", f"{name[i]}看守所值班律师工作站", c, "detention_centre", (lang,) if needs_lang[i] else (), c)
        demand(f"DC{c}", "day", "09:00", VISITING_DAY_PAIRS[k], 1, 1)
    if spec.city_level:
        city = regions.city[counties]
        for cname in pd.unique(city):
            members = np.flatnonzero(city == cname)
            seat = members[np.argmax(pop[members])]
            c = int(code[seat])
            for prefix, kind, label in (("IC", "court", "中级人民法院"), ("CP", "procuratorate", "人民检察院"),
                                        ("CD", "detention_centre", "看守所")):
                station(f"{prefix}{c}", f"{cname}{label}值班律师工作站", c, kind, (), 0)
                if kind == "detention_centre":
                    demand(f"{prefix}{c}", "day", "09:00", VISITING_DAY_PAIRS[int(rng.integers(len(VISITING_DAY_PAIRS)))], 1, 1)
                else:
                    demand(f"{prefix}{c}", "day", "09:00", WEEKDAYS[:5], 1, 2)
    capital = int(np.min(code)) if code.size else 0
    pools: list[tuple[str, str, tuple[str, ...], float]] = [
        ("HL-zh", "12348热线（汉语）", (), 1.0 - spec.minority_call_share)]
    if lang and spec.minority_call_share > 0:
        pools.append((f"HL-{lang}", f"12348热线（{lang}）", (lang,), spec.minority_call_share))
    for sid, sname, langs, share in pools:
        calls = spec.hotline_calls_per_day * share
        need_seats = hotline_seats(calls, level=REQUIRED_SERVICE_LEVEL)
        ideal_seats = hotline_seats(calls, level=IDEAL_SERVICE_LEVEL)
        if max(ideal_seats.values()) == 0:
            continue
        station(sid, sname, capital, "hotline", langs, 0)
        for period, start in HOTLINE_SHIFTS:
            demand(sid, period, f"{start:02d}:00", ALL_DAYS, need_seats[period],
                   max(ideal_seats[period], need_seats[period]))
    stations = pd.DataFrame(st)
    stations["languages"] = stations["languages"].astype(object)
    frame = pd.DataFrame(dm)
    frame["weekdays"] = frame["weekdays"].astype(object)
    return stations, frame


# --------------------------------------------------------------------------------------------- lawyers
def _lawyer_rows(spec: DutyScenarioSpec, regions: Regions) -> pd.DataFrame:
    pool = generate(
        ScenarioSpec(provinces=(spec.province,), num_cases=0, num_providers=spec.num_lawyers,
                     start_date=spec.start_date, num_days=spec.num_days, seed=spec.seed,
                     provider_kind_mix=LAWYER_KIND_MIX),
        regions=regions,
    ).providers
    rng = np.random.default_rng([spec.seed, 1])
    n = len(pool)
    kind = pool["kind"].to_numpy(object)
    lo = np.array([MAX_SHIFTS_RANGE[k][0] for k in kind], dtype=np.int64)
    hi = np.array([MAX_SHIFTS_RANGE[k][1] for k in kind], dtype=np.int64)
    max_shifts = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)
    return pd.DataFrame({
        "lawyer_id": pool["provider_id"].str.replace("P", "L", n=1).to_numpy(object),
        "kind": kind,
        "home_county": pool["home_county"].to_numpy(np.int64),
        "languages": pool["languages"].to_numpy(object),
        "max_shifts": max_shifts,
        "hotline": pool["remote_ok"].to_numpy(bool),
        "unavailable_dates": pool["unavailable_dates"].to_numpy(object),
    })


def _enrol(spec: DutyScenarioSpec, stations: pd.DataFrame, demand: pd.DataFrame, lawyers: pd.DataFrame,
           regions: Regions, rng: np.random.Generator) -> pd.Series:
    n = len(lawyers)
    if spec.list_factor is None or n == 0:
        return pd.Series([("*",)] * n, dtype=object)
    in_person = stations[~stations["remote"].to_numpy(bool)].reset_index(drop=True)
    ids = in_person["station_id"].to_numpy(object)
    need = (_open_days(spec, demand) * demand["ideal"].to_numpy(np.int64))
    need_by_station = pd.Series(need, index=demand["station_id"].to_numpy(object)).groupby(level=0).sum()
    size = np.ceil(spec.list_factor * need_by_station.reindex(ids).fillna(0).to_numpy(np.float64)
                   / MEAN_SHIFTS_PER_LISTED_LAWYER).astype(np.int64)
    km = county_km(regions, lawyers["home_county"].to_numpy(np.int64), in_person["county"].to_numpy(np.int64))
    speaks = np.array([[set(need_l) <= set(have) for need_l in in_person["languages"]]
                       for have in lawyers["languages"]], dtype=bool).reshape(n, len(ids))
    key = np.where(km <= spec.max_travel_km, km + rng.random(km.shape) + np.where(speaks, 0.0, 1e4), np.inf)
    order = np.argsort(key, axis=0, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(n)[:, None].repeat(len(ids), axis=1), axis=0)
    member = (rank < size[None, :]) & np.isfinite(key)
    return pd.Series([tuple(ids[member[i]]) for i in range(n)], dtype=object)


def _open_days(spec: DutyScenarioSpec, demand: pd.DataFrame) -> np.ndarray:
    """Days in the horizon each demand row is staffed."""
    dates = [spec.start_date + dt.timedelta(days=i) for i in range(spec.num_days)]
    weekday_count = np.bincount([d.weekday() for d in dates], minlength=7)
    return np.array([sum(int(weekday_count[WEEKDAYS.index(w)]) for w in set(v)) for v in demand["weekdays"]],
                    dtype=np.int64)


def _requests(spec: DutyScenarioSpec, lawyers: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    n = len(lawyers)
    ids = lawyers["lawyer_id"].to_numpy(object)
    off = np.flatnonzero(rng.random(n) < OFF_REQUEST_SHARE)
    per = rng.integers(1, 3, size=off.size)
    off_owner = np.repeat(off, per)
    on = np.flatnonzero(rng.random(n) < ON_REQUEST_SHARE)
    owner = np.concatenate([off_owner, on])
    want = np.array(["off"] * off_owner.size + ["on"] * on.size, dtype=object)
    day = rng.integers(0, spec.num_days, size=owner.size)
    weight = rng.integers(REQUEST_WEIGHT_RANGE[0], REQUEST_WEIGHT_RANGE[1] + 1, size=owner.size)
    dates = [(spec.start_date + dt.timedelta(days=int(d))).isoformat() for d in day]
    frame = pd.DataFrame({"lawyer_id": ids[owner], "date": dates, "want": want, "station_id": "", "period": "",
                          "weight": weight.astype(np.int64)})
    frame = frame.drop_duplicates(["lawyer_id", "date"]).sort_values(["lawyer_id", "date"], kind="stable")
    out = requests_frame([])
    if len(frame):
        out = pd.DataFrame({
            "lawyer_id": frame["lawyer_id"].to_numpy(object),
            "date": pd.to_datetime(frame["date"], format="%Y-%m-%d").to_numpy(),
            "want": frame["want"].to_numpy(object),
            "station_id": frame["station_id"].to_numpy(object),
            "period": frame["period"].to_numpy(object),
            "weight": frame["weight"].to_numpy(np.int64),
        })
    return out


def _budgets(spec: DutyScenarioSpec, stations: pd.DataFrame, demand: pd.DataFrame,
             rng: np.random.Generator) -> pd.DataFrame:
    open_days = _open_days(spec, demand)
    merged = demand.assign(open_days=open_days).merge(stations[["station_id", "budget_county", "subsidy_yuan"]],
                                                      on="station_id")
    merged = merged[merged["budget_county"] > 0]
    need = (merged["required"] * merged["open_days"] * merged["subsidy_yuan"]).groupby(merged["budget_county"]).sum()
    lo, hi = spec.budget_factor_range
    factor = lo + (hi - lo) * rng.random(len(need))
    budget = np.floor(need.to_numpy(np.float64) * factor / 10.0).astype(np.int64) * 10
    frame = budgets_frame([])
    if len(need):
        frame = pd.DataFrame({"county": need.index.to_numpy(np.int64), "budget_yuan": budget})
    return frame


def generate_duty(spec: DutyScenarioSpec, *, regions: Regions | None = None) -> DutyInputs:
    """Generate the stations, demand, duty lawyers, requests and budgets of ``spec`` (checked like files).

    Parameters
    ----------
    spec : DutyScenarioSpec
    regions : Regions, optional
        County table (default: the 2020 census file).
    """
    regions = regions or load_regions()
    rng = np.random.default_rng(spec.seed)
    stations, demand = _station_rows(spec, regions, rng)
    lawyers = _lawyer_rows(spec, regions)
    lawyers["stations"] = _enrol(spec, stations, demand, lawyers, regions, rng).to_numpy(object)
    requests = _requests(spec, lawyers, rng)
    budgets = _budgets(spec, stations, demand, rng)
    settings = Settings(start_date=spec.start_date, num_days=spec.num_days, max_travel_km=spec.max_travel_km)
    inputs = DutyInputs(stations=stations, demand=demand, lawyers=lawyers, requests=requests, budgets=budgets,
                        settings=settings)
    check_inputs(inputs)
    return inputs
