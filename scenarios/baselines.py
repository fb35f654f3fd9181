"""How centres assign today, as strategies with the engine's interface.

Each baseline receives the day's pending cases and the providers as they stand, and returns a mapping from
case id to provider id. They check only what the practice checks by hand (documented per baseline); what they
miss shows up as rule violations in the metrics.

- Rotation (轮派): each centre keeps a list of its county's providers (the city's when the county has none) and
  gives each case to the next one on the list who is a lawyer where the case needs one, has three years of
  criminal practice for serious cases, is not on leave and has room. Past the deadline the clerk looks city-wide.
  Not checked by hand: language, familiarity with minors, conflicts, co-defendants.
- Grab (抢单): cases are posted to the city's group; each provider online today (a share of them) wants a case
  with a probability falling with distance; the first to react takes it. The platform checks lawyer status for
  criminal cases and room; nothing else.
- Random draw: the centre draws uniformly among its county's providers (the city's when none) who are lawyers
  where needed, available and with room.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from models.arrays import Encoded, pair_km
from models.rules.hard import AVAILABLE, CAPACITY, CRIMINAL_LAWYER, SERIOUS

GRAB_ONLINE_SHARE = 0.35
GRAB_DISTANCE_SCALE_KM = 60.0


@dataclass
class BaselineState:
    """What a baseline remembers between days (rotation pointers)."""

    pointers: dict[str, int] = field(default_factory=dict)


def _pool(enc: Encoded, ci: int, widen: bool) -> np.ndarray:
    p, c = enc.providers, enc.cases
    same_county = np.flatnonzero(p.county_idx == c.county_idx[ci])
    if same_county.size and not widen:
        return same_county
    return np.flatnonzero(p.city_idx == c.city_idx[ci])


def _room_ok(enc: Encoded, ci: int, pool: np.ndarray, used: np.ndarray, checks: tuple) -> np.ndarray:
    cc = np.full(pool.size, ci)
    ok = np.ones(pool.size, dtype=bool)
    for rule in checks:
        if rule is CAPACITY:
            ok &= enc.providers.spare[pool] - used[pool] >= enc.cases.effort[ci]
        else:
            ok &= rule.allows(enc, cc, pool)
    return ok


def rotation(enc: Encoded, as_of: dt.date, rng: np.random.Generator, state: BaselineState) -> dict[str, str]:
    """Rotation list per centre: next provider passing the clerk's checks."""
    del as_of, rng
    checks = (CRIMINAL_LAWYER, SERIOUS, AVAILABLE, CAPACITY)
    used = np.zeros(enc.providers.num, dtype=np.int64)
    out: dict[str, str] = {}
    for ci in np.argsort(enc.cases.days_to_deadline, kind="stable"):
        widen = bool(enc.cases.days_to_deadline[ci] <= 0)
        pool = _pool(enc, int(ci), widen)
        if pool.size == 0:
            continue
        key = f"{enc.cases.county_idx[ci]}:{int(widen)}"
        start = state.pointers.get(key, 0) % pool.size
        order = np.roll(pool, -start)
        ok = _room_ok(enc, int(ci), order, used, checks)
        if not ok.any():
            continue
        k = int(np.argmax(ok))
        chosen = order[k]
        state.pointers[key] = (start + k + 1) % pool.size
        used[chosen] += enc.cases.effort[ci]
        out[str(enc.cases.ids[ci])] = str(enc.providers.ids[chosen])
    return out


def grab(enc: Encoded, as_of: dt.date, rng: np.random.Generator, state: BaselineState) -> dict[str, str]:
    """Grab orders (抢单): online providers in the city take posted cases, nearer ones more eagerly."""
    del as_of, state
    checks = (CRIMINAL_LAWYER, CAPACITY)
    p = enc.providers
    online = rng.random(p.num) < GRAB_ONLINE_SHARE
    used = np.zeros(p.num, dtype=np.int64)
    out: dict[str, str] = {}
    for ci in rng.permutation(enc.cases.num):
        pool = np.flatnonzero((p.city_idx == enc.cases.city_idx[ci]) & online & ~p.unavailable)
        if pool.size == 0:
            continue
        ok = _room_ok(enc, int(ci), pool, used, checks)
        pool = pool[ok]
        if pool.size == 0:
            continue
        km = pair_km(enc, np.full(pool.size, ci), pool)
        wants = rng.random(pool.size) < np.exp(-km / GRAB_DISTANCE_SCALE_KM)
        if not wants.any():
            continue
        takers = pool[wants]
        chosen = takers[int(np.argmin(rng.random(takers.size)))]
        used[chosen] += enc.cases.effort[ci]
        out[str(enc.cases.ids[ci])] = str(p.ids[chosen])
    return out


def random_draw(enc: Encoded, as_of: dt.date, rng: np.random.Generator, state: BaselineState) -> dict[str, str]:
    """Uniform draw among the centre's providers who are lawyers where needed, available and with room."""
    del as_of, state
    checks = (CRIMINAL_LAWYER, AVAILABLE, CAPACITY)
    used = np.zeros(enc.providers.num, dtype=np.int64)
    out: dict[str, str] = {}
    for ci in range(enc.cases.num):
        widen = bool(enc.cases.days_to_deadline[ci] <= 0)
        pool = _pool(enc, ci, widen)
        ok = _room_ok(enc, ci, pool, used, checks)
        if not ok.any():
            continue
        chosen = pool[ok][int(rng.integers(int(ok.sum())))]
        used[chosen] += enc.cases.effort[ci]
        out[str(enc.cases.ids[ci])] = str(enc.providers.ids[chosen])
    return out


BASELINES = {"rotation": rotation, "grab": grab, "random": random_draw}


def as_frame(assignments: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({"case_id": list(assignments), "provider_id": list(assignments.values())})
