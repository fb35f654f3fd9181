"""Duty-lawyer (值班律师) domain: stations, their shift demand, duty lawyers, requests, budgets and settings.

Duty lawyers sit at legal-aid workstations in courts, procuratorates and detention centres (Legal Aid Law 2022
Art 14; Criminal Procedure Law 2018 Art 36) and answer the 12348 public legal-service hotline. A centre plans a
month: which lawyer sits at which station in which period of which day.

Vocabulary
----------
station
    A place (or hotline seat pool) where duty lawyers serve; it lies in a county (adcode) and has a kind.
period
    One of ``day`` (office hours at courts, procuratorates and detention centres), ``early``, ``late`` and
    ``night`` (hotline shifts). A period of a station is one *shift type* of the roster core.
demand
    For each (station, period): the weekdays it is staffed, the required and the ideal head-count and the
    number of seats (a hard maximum).
duty lawyer
    A lawyer of the provider pool enrolled for duty: home county, languages, maximum shifts per planning
    horizon, hotline enrolment and unavailable dates.

Domain objects are frozen dataclasses with string ids and real units (dates, minutes, km, yuan); the tables the
compiler works on are pandas frames with the columns of :mod:`models.duty.io`. Use :func:`stations_frame` and
friends to turn objects into frames (tests and the API), or :func:`models.duty.io.read_inputs` for CSV files.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

import pandas as pd

STATION_KINDS: tuple[str, ...] = ("court", "procuratorate", "detention_centre", "hotline")
PERIODS: tuple[str, ...] = ("day", "early", "late", "night")
#: Shift class of each period in the roster core (successions are forbidden between classes).
PERIOD_CLASS: dict[str, int] = {period: i for i, period in enumerate(PERIODS)}
#: Default start time and length of each period.
PERIOD_DEFAULTS: dict[str, tuple[str, int]] = {
    "day": ("09:00", 480),
    "early": ("07:00", 480),
    "late": ("15:00", 480),
    "night": ("23:00", 480),
}
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WORKING_DAYS: tuple[str, ...] = WEEKDAYS[:5]
REQUEST_KINDS: tuple[str, ...] = ("on", "off")
DUTY_LAWYER_KINDS: tuple[str, ...] = ("lawyer", "staff_lawyer", "volunteer_lawyer")
ANY_STATION = "*"
"""Entry of a lawyer's ``stations`` list meaning: any in-person station within the travel limit."""
REGIONAL_FUND = 0
"""``budget_county`` of a station paid from a regional fund without a county cap (e.g. the 12348 hotline)."""
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _fail(name: str, reason: str) -> None:
    raise ValueError(f"{name}: {reason}")


@dataclass(frozen=True)
class ShiftDemand:
    """Demand of one period of a station.

    Parameters
    ----------
    period : str
        One of :data:`PERIODS`.
    weekdays : tuple of str
        Weekdays the period is staffed (``mon`` ... ``sun``); default Monday to Friday.
    required : int
        Minimum head-count; each missing person costs the under-cover weight.
    ideal : int
        Ideal head-count (>= required); each person missing below it costs the ideal-shortfall weight.
    seats : int
        Hard maximum head-count (>= ideal); each person above ``ideal`` costs the over-cover weight.
    start : str, optional
        Start time ``HH:MM`` (default by period, see :data:`PERIOD_DEFAULTS`).
    minutes : int, optional
        Length in minutes (default by period).
    """

    period: str
    weekdays: tuple[str, ...] = WORKING_DAYS
    required: int = 1
    ideal: int = 1
    seats: int = 1
    start: str = ""
    minutes: int = 0

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            _fail("period", f"{self.period!r} is not one of {', '.join(PERIODS)}")
        bad = [w for w in self.weekdays if w not in WEEKDAYS]
        if bad:
            _fail("weekdays", f"{bad[0]!r} is not one of {', '.join(WEEKDAYS)}")
        if self.required < 0:
            _fail("required", "must be >= 0")
        if self.ideal < self.required:
            _fail("ideal", f"must be >= required ({self.required}), got {self.ideal}")
        if self.seats < self.ideal:
            _fail("seats", f"must be >= ideal ({self.ideal}), got {self.seats}")
        start, minutes = PERIOD_DEFAULTS[self.period]
        if not self.start:
            object.__setattr__(self, "start", start)
        if not self.minutes:
            object.__setattr__(self, "minutes", minutes)
        if not _HHMM.match(self.start):
            _fail("start", f"{self.start!r} is not a time HH:MM")
        if self.minutes <= 0:
            _fail("minutes", "must be > 0")


@dataclass(frozen=True)
class Station:
    """A duty-lawyer workstation or hotline seat pool.

    Parameters
    ----------
    station_id : str
    county : int
        Six-digit adcode of the county the station lies in.
    kind : str
        One of :data:`STATION_KINDS`.
    demand : tuple of ShiftDemand
        One entry per period served (a period appears at most once).
    name : str
    languages : tuple of str
        Languages every lawyer on duty there must speak (e.g. ``("mn",)`` for Mongolian); default none.
    remote : bool
        Remote service allowed: the travel limit does not apply (the 12348 hotline). Default: true for
        ``hotline`` stations, else false.
    budget_county : int, optional
        Adcode of the county whose duty-subsidy budget pays the station's shifts (default: ``county``;
        :data:`REGIONAL_FUND` (0) = a regional fund without a county cap; hotline default).
    subsidy_yuan : int
        Duty subsidy paid per lawyer per shift, yuan (default 0).
    """

    station_id: str
    county: int
    kind: str
    demand: tuple[ShiftDemand, ...]
    name: str = ""
    languages: tuple[str, ...] = ()
    remote: bool | None = None
    budget_county: int | None = None
    subsidy_yuan: int = 0

    def __post_init__(self) -> None:
        if not self.station_id:
            _fail("station_id", "empty")
        if self.kind not in STATION_KINDS:
            _fail("kind", f"{self.kind!r} is not one of {', '.join(STATION_KINDS)}")
        periods = [d.period for d in self.demand]
        if len(set(periods)) != len(periods):
            _fail("demand", f"station {self.station_id}: a period repeats")
        if self.remote is None:
            object.__setattr__(self, "remote", self.kind == "hotline")
        if self.budget_county is None:
            object.__setattr__(self, "budget_county", REGIONAL_FUND if self.kind == "hotline" else self.county)
        if self.subsidy_yuan < 0:
            _fail("subsidy_yuan", "must be >= 0")


@dataclass(frozen=True)
class DutyLawyer:
    """A lawyer of the provider pool enrolled for duty.

    Parameters
    ----------
    lawyer_id : str
    home_county : int
        Adcode of the home county (travel distances are measured from its centre).
    languages : tuple of str
        Minority languages spoken besides Mandarin (``mn``, ``bo``, ``ug`` ...).
    max_shifts : int
        Most duty shifts in one planning horizon (default 6).
    hotline : bool
        Enrolled in the 12348 hotline seat pool (default False).
    unavailable_dates : tuple of str
        ISO dates the lawyer cannot serve.
    kind : str
        Provider kind, one of :data:`DUTY_LAWYER_KINDS` (default ``lawyer``).
    stations : tuple of str
        In-person stations the lawyer is enrolled on (the workstation's list of duty lawyers, 值班律师名册);
        :data:`ANY_STATION` (``"*"``, the default) = any station within the travel limit; empty = none.
        Remote stations (the hotline) go by ``hotline``.
    """

    lawyer_id: str
    home_county: int
    languages: tuple[str, ...] = ()
    max_shifts: int = 6
    hotline: bool = False
    unavailable_dates: tuple[str, ...] = ()
    kind: str = "lawyer"
    stations: tuple[str, ...] = ("*",)

    def __post_init__(self) -> None:
        if not self.lawyer_id:
            _fail("lawyer_id", "empty")
        if self.max_shifts < 0:
            _fail("max_shifts", "must be >= 0")
        if self.kind not in DUTY_LAWYER_KINDS:
            _fail("kind", f"{self.kind!r} is not one of {', '.join(DUTY_LAWYER_KINDS)}")
        for d in self.unavailable_dates:
            dt.date.fromisoformat(d)


@dataclass(frozen=True)
class DutyRequest:
    """A lawyer's wish to work (``on``) or not to work (``off``) on a date.

    ``station_id`` and ``period`` narrow the wish to shifts of that station and/or period; empty = any shift.
    ``weight`` is the points charged when the wish is not granted.
    """

    lawyer_id: str
    date: str
    want: str
    station_id: str = ""
    period: str = ""
    weight: int = 20

    def __post_init__(self) -> None:
        if self.want not in REQUEST_KINDS:
            _fail("want", f"{self.want!r} is not one of on, off")
        if self.period and self.period not in PERIODS:
            _fail("period", f"{self.period!r} is not one of {', '.join(PERIODS)}")
        if self.weight < 0:
            _fail("weight", "must be >= 0")
        dt.date.fromisoformat(self.date)


@dataclass(frozen=True)
class CountyBudget:
    """Duty-subsidy budget of a county for one planning horizon, yuan."""

    county: int
    budget_yuan: int

    def __post_init__(self) -> None:
        if self.budget_yuan < 0:
            _fail("budget_yuan", "must be >= 0")


@dataclass(frozen=True)
class Weights:
    """Points of the soft terms (integers; see :mod:`models.duty.rules` for each term's unit)."""

    under_cover: int = 1000
    ideal_shortfall: int = 50
    over_cover: int = 20
    travel_per_10km: int = 1
    fair_total: int = 10
    fair_night: int = 10
    fair_weekend: int = 10
    change: int = 200

    def __post_init__(self) -> None:
        for name, value in self.__dict__.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                _fail(f"weights.{name}", f"must be an integer >= 0, got {value!r}")


@dataclass(frozen=True)
class Settings:
    """Horizon and rule parameters of a roster (``settings.json``).

    Parameters
    ----------
    start_date : datetime.date
        First day of the planning horizon.
    num_days : int
        Days in the horizon (default 31).
    max_travel_km : float
        Great-circle km from the centre of the home county to the centre of the station's county; beyond it a
        lawyer may not serve in person (default 80).
    max_consecutive_days, min_consecutive_days : int
        Limits on a run of duty days (defaults 3 and 1 = no minimum).
    min_days_off_in_row : int
        Shortest run of days off between duty days (default 1 = no minimum).
    max_weekends : int
        Most weekends with a duty day per horizon (default 2).
    forbidden_successions : tuple of (period, period)
        ``(a, b)``: no shift of period ``b`` the day after a shift of period ``a`` (default: no early or day
        shift after a night, no early shift after a late one: at least 11 hours' rest).
    fairness_scope : str
        Lawyers compared by the fairness terms: ``city`` (same home city; default), ``province`` or ``none``.
    weights : Weights
    """

    start_date: dt.date
    num_days: int = 31
    max_travel_km: float = 80.0
    max_consecutive_days: int = 3
    min_consecutive_days: int = 1
    min_days_off_in_row: int = 1
    max_weekends: int = 2
    forbidden_successions: tuple[tuple[str, str], ...] = (("night", "early"), ("night", "day"), ("late", "early"))
    fairness_scope: str = "city"
    weights: Weights = field(default_factory=Weights)

    def __post_init__(self) -> None:
        if isinstance(self.start_date, dt.datetime) or not isinstance(self.start_date, dt.date):
            _fail("start_date", "expected a date")
        if self.num_days < 1:
            _fail("num_days", "must be >= 1")
        if not self.max_travel_km >= 0:
            _fail("max_travel_km", "must be >= 0")
        if self.max_consecutive_days < 1:
            _fail("max_consecutive_days", "must be >= 1")
        if self.min_consecutive_days < 1:
            _fail("min_consecutive_days", "must be >= 1 (1 = no minimum)")
        if self.min_days_off_in_row < 1:
            _fail("min_days_off_in_row", "must be >= 1 (1 = no minimum)")
        if self.max_weekends < 0:
            _fail("max_weekends", "must be >= 0")
        for pair in self.forbidden_successions:
            if len(pair) != 2 or any(p not in PERIODS for p in pair):
                _fail("forbidden_successions", f"{pair!r} is not a pair of periods ({', '.join(PERIODS)})")
        if self.fairness_scope not in ("city", "province", "none"):
            _fail("fairness_scope", f"{self.fairness_scope!r} is not one of city, province, none")

    @property
    def dates(self) -> list[dt.date]:
        """The days of the horizon."""
        return [self.start_date + dt.timedelta(days=i) for i in range(self.num_days)]

    def with_horizon(self, start_date: dt.date, num_days: int | None = None) -> Settings:
        """Copy with another horizon."""
        return replace(self, start_date=start_date, num_days=self.num_days if num_days is None else num_days)


@dataclass(frozen=True)
class DutyInputs:
    """Validated input tables (columns as in :mod:`models.duty.io`) and settings.

    Attributes
    ----------
    stations : DataFrame
        One row per station (``STATION_COLUMNS``).
    demand : DataFrame
        One row per (station, period) (``DEMAND_COLUMNS``); its row order fixes the shift-type index.
    lawyers : DataFrame
        One row per duty lawyer (``LAWYER_COLUMNS``); row order fixes the staff index.
    requests, budgets : DataFrame
        ``REQUEST_COLUMNS`` and ``BUDGET_COLUMNS`` (may be empty).
    settings : Settings
    """

    stations: pd.DataFrame
    demand: pd.DataFrame
    lawyers: pd.DataFrame
    requests: pd.DataFrame
    budgets: pd.DataFrame
    settings: Settings


def stations_frame(stations: list[Station] | tuple[Station, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Station and demand frames of station objects."""
    st = pd.DataFrame(
        {
            "station_id": [s.station_id for s in stations],
            "name": [s.name or s.station_id for s in stations],
            "county": pd.Series([s.county for s in stations], dtype="int64"),
            "kind": [s.kind for s in stations],
            "languages": pd.Series([tuple(s.languages) for s in stations], dtype=object),
            "remote": pd.Series([bool(s.remote) for s in stations], dtype=bool),
            "budget_county": pd.Series([int(s.budget_county or 0) for s in stations], dtype="int64"),
            "subsidy_yuan": pd.Series([s.subsidy_yuan for s in stations], dtype="int64"),
        }
    )
    rows = [(s.station_id, d) for s in stations for d in s.demand]
    dm = pd.DataFrame(
        {
            "station_id": [sid for sid, _ in rows],
            "period": [d.period for _, d in rows],
            "start": [d.start for _, d in rows],
            "minutes": pd.Series([d.minutes for _, d in rows], dtype="int64"),
            "weekdays": pd.Series([tuple(d.weekdays) for _, d in rows], dtype=object),
            "required": pd.Series([d.required for _, d in rows], dtype="int64"),
            "ideal": pd.Series([d.ideal for _, d in rows], dtype="int64"),
            "seats": pd.Series([d.seats for _, d in rows], dtype="int64"),
        }
    )
    return st, dm


def lawyers_frame(lawyers: list[DutyLawyer] | tuple[DutyLawyer, ...]) -> pd.DataFrame:
    """Lawyer frame of lawyer objects."""
    return pd.DataFrame(
        {
            "lawyer_id": [x.lawyer_id for x in lawyers],
            "kind": [x.kind for x in lawyers],
            "home_county": pd.Series([x.home_county for x in lawyers], dtype="int64"),
            "languages": pd.Series([tuple(x.languages) for x in lawyers], dtype=object),
            "max_shifts": pd.Series([x.max_shifts for x in lawyers], dtype="int64"),
            "hotline": pd.Series([x.hotline for x in lawyers], dtype=bool),
            "unavailable_dates": pd.Series([tuple(x.unavailable_dates) for x in lawyers], dtype=object),
            "stations": pd.Series([tuple(x.stations) for x in lawyers], dtype=object),
        }
    )


def requests_frame(requests: list[DutyRequest] | tuple[DutyRequest, ...]) -> pd.DataFrame:
    """Request frame of request objects."""
    return pd.DataFrame(
        {
            "lawyer_id": pd.Series([r.lawyer_id for r in requests], dtype=object),
            "date": pd.to_datetime(pd.Series([r.date for r in requests], dtype=object), format="%Y-%m-%d"),
            "want": pd.Series([r.want for r in requests], dtype=object),
            "station_id": pd.Series([r.station_id for r in requests], dtype=object),
            "period": pd.Series([r.period for r in requests], dtype=object),
            "weight": pd.Series([r.weight for r in requests], dtype="int64"),
        }
    )


def budgets_frame(budgets: list[CountyBudget] | tuple[CountyBudget, ...]) -> pd.DataFrame:
    """Budget frame of budget objects."""
    return pd.DataFrame(
        {
            "county": pd.Series([b.county for b in budgets], dtype="int64"),
            "budget_yuan": pd.Series([b.budget_yuan for b in budgets], dtype="int64"),
        }
    )


def make_inputs(
    stations: list[Station] | tuple[Station, ...],
    lawyers: list[DutyLawyer] | tuple[DutyLawyer, ...],
    settings: Settings,
    *,
    requests: list[DutyRequest] | tuple[DutyRequest, ...] = (),
    budgets: list[CountyBudget] | tuple[CountyBudget, ...] = (),
) -> DutyInputs:
    """:class:`DutyInputs` from domain objects, checked like files (see :func:`models.duty.io.check_inputs`)."""
    from models.duty.io import check_inputs

    st, dm = stations_frame(stations)
    inputs = DutyInputs(stations=st, demand=dm, lawyers=lawyers_frame(lawyers), requests=requests_frame(requests),
                        budgets=budgets_frame(budgets), settings=settings)
    check_inputs(inputs)
    return inputs
