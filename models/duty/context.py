"""Index maps and per-entity arrays of a duty-roster instance: what the rules read when they fill the problem.

This module and :mod:`models.duty.compile` / :mod:`models.duty.decode` are the only code that knows both ids
and indices. Index conventions follow the roster core: ``E`` lawyers (rows of ``lawyers``), ``D`` days of the
horizon, ``S`` shift types (rows of ``demand``: one per station and period).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.duty.domain import PERIOD_CLASS, WEEKDAYS, DutyInputs, Settings
from models.region import Regions, great_circle_km, load_regions


@dataclass(frozen=True, eq=False)
class DutyContext:
    """Arrays of one instance, indexed like the roster core.

    Attributes
    ----------
    inputs : DutyInputs
    settings : Settings
    dates : list of datetime.date [D]
    weekday : int64 [D]
        0 = Monday.
    lawyer_ids : object [E]
    station_ids : object [N]
        Station ids (rows of ``inputs.stations``).
    shift_station : int64 [S]
        Station index of each shift type.
    shift_period : object [S]
        Period name of each shift type.
    shift_class : int64 [S]
        Core shift class (``PERIOD_CLASS``) of each shift type.
    is_open : bool [D, S]
        The shift type is staffed on that day (its weekday is listed in the demand).
    km : float64 [E, S]
        Great-circle km from the centre of the lawyer's home county to the centre of the station's county.
    station_remote : bool [N]
        Remote service allowed (no travel limit).
    station_language_mask, lawyer_language_mask : int64 [N], [E]
        Bit masks over ``languages``.
    languages : tuple of str
        Language of each bit.
    lawyer_city : int64 [E]
        City index (``Regions.city_idx``) of the home county.
    unavailable : bool [E, D]
        Declared unavailable days (``lawyers.unavailable_dates``) plus dropouts given to the compiler.
    enrolled : bool [E, N]
        The lawyer may serve at the station by its enrolment list (``lawyers.stations``; ``*`` enrols the
        lawyer everywhere).
    """

    inputs: DutyInputs
    settings: Settings
    dates: list[dt.date]
    weekday: np.ndarray
    lawyer_ids: np.ndarray
    station_ids: np.ndarray
    shift_station: np.ndarray
    shift_period: np.ndarray
    shift_class: np.ndarray
    is_open: np.ndarray
    km: np.ndarray
    station_remote: np.ndarray
    station_language_mask: np.ndarray
    lawyer_language_mask: np.ndarray
    languages: tuple[str, ...]
    lawyer_city: np.ndarray
    unavailable: np.ndarray
    enrolled: np.ndarray

    @property
    def num_lawyers(self) -> int:
        return int(self.lawyer_ids.shape[0])

    @property
    def num_days(self) -> int:
        return len(self.dates)

    @property
    def num_shifts(self) -> int:
        return int(self.shift_station.shape[0])

    @property
    def iso_dates(self) -> np.ndarray:
        """ISO strings of the days (object [D])."""
        return np.array([d.isoformat() for d in self.dates], dtype=object)

    def day_of(self, iso: np.ndarray | pd.Series) -> np.ndarray:
        """Day index of ISO date strings or timestamps, -1 outside the horizon (vectorised)."""
        values = pd.to_datetime(pd.Series(np.asarray(iso, dtype=object)), format="ISO8601")
        start = pd.Timestamp(self.dates[0])
        offset = ((values - start).dt.days).to_numpy(np.int64)
        return np.where((offset >= 0) & (offset < self.num_days), offset, -1)

    def lawyer_of(self, ids: np.ndarray | pd.Series) -> np.ndarray:
        """Lawyer index of ids, -1 when unknown."""
        return _lookup(self.lawyer_ids, ids)

    def shift_of(self, station_ids: np.ndarray | pd.Series, periods: np.ndarray | pd.Series) -> np.ndarray:
        """Shift-type index of (station id, period) pairs, -1 when the station has no such period."""
        keys = self.station_ids[self.shift_station].astype(str) + "\x1f" + self.shift_period.astype(str)
        want = np.asarray(station_ids, dtype=object).astype(str) + "\x1f" + np.asarray(periods, dtype=object).astype(str)
        return _lookup(keys.astype(object), want.astype(object))


def _lookup(keys: np.ndarray, values: np.ndarray | pd.Series) -> np.ndarray:
    index = pd.Index(np.asarray(keys, dtype=object))
    return np.asarray(index.get_indexer(np.asarray(values, dtype=object)), dtype=np.int64)


def _language_masks(station_langs: pd.Series, lawyer_langs: pd.Series) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    names = sorted({x for v in station_langs for x in v} | {x for v in lawyer_langs for x in v})
    if len(names) > 62:
        raise ValueError("languages: more than 62 distinct languages")
    bit = {name: 1 << i for i, name in enumerate(names)}

    def masks(col: pd.Series) -> np.ndarray:
        return np.array([sum(bit[x] for x in set(v)) for v in col], dtype=np.int64)

    return masks(station_langs), masks(lawyer_langs), tuple(names)


def county_km(regions: Regions, from_codes: np.ndarray, to_codes: np.ndarray) -> np.ndarray:
    """Great-circle km between the centres of two lists of counties, ``[len(from), len(to)]``.

    Unknown adcodes give ``inf``.
    """
    a, b = regions.index_of(from_codes), regions.index_of(to_codes)
    out = great_circle_km(regions.longitude[a][:, None], regions.latitude[a][:, None],
                          regions.longitude[b][None, :], regions.latitude[b][None, :])
    out = np.where((a[:, None] < 0) | (b[None, :] < 0), np.inf, out)
    result: np.ndarray = np.asarray(out, dtype=np.float64)
    return result


def build_context(inputs: DutyInputs, *, regions: Regions | None = None,
                  extra_unavailable: np.ndarray | None = None) -> DutyContext:
    """Index maps and arrays of ``inputs`` over the horizon of ``inputs.settings``.

    Parameters
    ----------
    inputs : DutyInputs
    regions : Regions, optional
        County table (default :func:`models.region.load_regions`).
    extra_unavailable : bool array [E, D], optional
        Further unavailable days (dropouts).
    """
    regions = regions or load_regions()
    settings = inputs.settings
    st, dm, lw = inputs.stations, inputs.demand, inputs.lawyers
    dates = settings.dates
    D, E, S = len(dates), len(lw), len(dm)
    weekday = np.array([d.weekday() for d in dates], dtype=np.int64)
    station_ids = st["station_id"].to_numpy(object)
    shift_station = _lookup(station_ids, dm["station_id"])
    if np.any(shift_station < 0):
        raise ValueError("demand.station_id: refers to a station not in stations")
    shift_period = dm["period"].to_numpy(object)
    shift_class = np.array([PERIOD_CLASS[p] for p in shift_period], dtype=np.int64)
    day_bits = np.array([sum(1 << WEEKDAYS.index(w) for w in set(v)) for v in dm["weekdays"]], dtype=np.int64)
    is_open = ((day_bits[None, :] >> weekday[:, None]) & 1).astype(bool) if S else np.zeros((D, 0), dtype=bool)

    home = lw["home_county"].to_numpy(np.int64)
    station_county = st["county"].to_numpy(np.int64)
    u_home, inv_home = np.unique(home, return_inverse=True)
    u_st, inv_st = np.unique(station_county, return_inverse=True)
    km_counties = county_km(regions, u_home, u_st)
    km = km_counties[inv_home.reshape(-1)[:, None], inv_st[shift_station][None, :]] if E and S else np.zeros((E, S))
    st_mask, lw_mask, names = _language_masks(st["languages"], lw["languages"])
    city = regions.city_idx[np.maximum(regions.index_of(home), 0)].astype(np.int64)

    unavailable = np.zeros((E, D), dtype=bool)
    if E:
        owner = np.repeat(np.arange(E), [len(v) for v in lw["unavailable_dates"]])
        flat = np.array([x for v in lw["unavailable_dates"] for x in v], dtype=object)
        if flat.size:
            start = np.datetime64(dates[0], "D")
            offset = (flat.astype("datetime64[D]") - start).astype(np.int64)
            ok = (offset >= 0) & (offset < D)
            unavailable[owner[ok], offset[ok]] = True
    N = len(station_ids)
    lists = lw["stations"] if "stations" in lw.columns else pd.Series([("*",)] * E, dtype=object)
    sizes = np.array([len(v) for v in lists], dtype=np.int64)
    anywhere = np.array(["*" in v for v in lists], dtype=bool)
    enrolled = np.repeat(anywhere[:, None], N, axis=1) if E else np.zeros((0, N), dtype=bool)
    if sizes.sum():
        owner = np.repeat(np.arange(E), sizes)
        where = _lookup(station_ids, np.array([x for v in lists for x in v], dtype=object))
        ok = where >= 0
        enrolled[owner[ok], where[ok]] = True
    if extra_unavailable is not None:
        unavailable |= np.asarray(extra_unavailable, dtype=bool)
    return DutyContext(
        inputs=inputs,
        settings=settings,
        dates=dates,
        weekday=weekday,
        lawyer_ids=lw["lawyer_id"].to_numpy(object),
        station_ids=station_ids,
        shift_station=shift_station,
        shift_period=shift_period,
        shift_class=shift_class,
        is_open=is_open,
        km=np.asarray(km, dtype=np.float64),
        station_remote=st["remote"].to_numpy(bool),
        station_language_mask=st_mask,
        lawyer_language_mask=lw_mask,
        languages=names,
        lawyer_city=city,
        unavailable=unavailable,
        enrolled=enrolled,
    )


__all__ = ["DutyContext", "build_context", "county_km"]
