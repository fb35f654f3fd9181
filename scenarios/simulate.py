"""Day-by-day simulation of a centre network: the engine and the baselines through one code path and metrics.

Each working day the pending cases (received and not yet assigned) are given to a strategy; what it assigns
raises the providers' open load and rolling-window counts; the rest waits for the next day. Every strategy's
assignments are scored by the same metrics, and checked against the same hard rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from models.arrays import Encoded, encode, pair_km, served_tier
from models.case import DEFAULT_SPECIALTY
from models.policy import TIERS, PolicySet
from models.region import Regions, load_regions
from models.rules.hard import CAPACITY, CODEFENDANTS_ID, PAIR_RULES
from models.service import assign
from optimizer.stop import Stop
from scenarios.baselines import BASELINES, BaselineState

STRATEGIES = ("engine", "rotation", "grab", "random")
SPILL_DAYS = 7


@dataclass
class Simulation:
    """Outcome of one strategy over the horizon."""

    strategy: str
    plan: pd.DataFrame
    providers: pd.DataFrame
    violations: dict[str, int]
    explanations: list[dict[str, Any]] = field(default_factory=list)
    solver: list[dict[str, Any]] = field(default_factory=list)


def working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    days = pd.bdate_range(start, end)
    return [d.date() for d in days]


def count_violations(enc: Encoded, ci: np.ndarray, pi: np.ndarray) -> dict[str, int]:
    """Hard-rule violations of one day's assignments (pairs given by case and provider indices)."""
    counts = {}
    for rule in PAIR_RULES:
        if rule is CAPACITY:
            used = np.bincount(pi, weights=enc.cases.effort[ci], minlength=enc.providers.num)
            over = used > enc.providers.spare
            counts[rule.id] = int(np.count_nonzero(over[pi]))
        else:
            counts[rule.id] = int(np.count_nonzero(~rule.allows(enc, ci, pi)))
    return counts


def _codefendant_violations(cases: pd.DataFrame, plan: pd.DataFrame) -> int:
    merged = plan[plan["provider_id"] != ""].merge(cases[["case_id", "codefendant_group"]], on="case_id")
    merged = merged[merged["codefendant_group"] != ""]
    dup = merged.duplicated(["codefendant_group", "provider_id"], keep=False)
    return int(dup.sum())


def simulate(
    cases: pd.DataFrame,
    providers: pd.DataFrame,
    policy: PolicySet,
    strategy: str,
    *,
    regions: Regions | None = None,
    seed: int = 0,
    time_limit_s: float = 10.0,
    explain: bool = False,
    on_day: Callable[[dt.date], None] | None = None,
) -> Simulation:
    """Run ``strategy`` (engine, rotation, grab or random) over the intake horizon plus a spill week."""
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy: {strategy!r} is not one of {', '.join(STRATEGIES)}")
    regions = regions or load_regions()
    rng = np.random.default_rng(seed)
    state = BaselineState()
    provs = providers.reset_index(drop=True).copy()
    prov_pos = pd.Index(provs["provider_id"])
    received = cases["received_date"].dt.date
    start, end = min(received), max(received) + dt.timedelta(days=SPILL_DAYS)
    assigned_to: dict[str, str] = {}
    assigned_on: dict[str, dt.date] = {}
    tier_of: dict[str, str] = {}
    km_of: dict[str, float] = {}
    violations = {r.id: 0 for r in PAIR_RULES}
    explanations: list[dict[str, Any]] = []
    solver: list[dict[str, Any]] = []
    for day in working_days(start, end):
        if on_day is not None:
            on_day(day)
        pending = cases[(received <= day).to_numpy() & ~cases["case_id"].isin(assigned_to).to_numpy()]
        if pending.empty:
            continue
        if strategy == "engine":
            outcome = assign(pending, provs, policy, day, regions=regions, seed=seed,
                             stop=Stop(time_limit_s=time_limit_s, rel_gap=1e-3), with_explanations=explain)
            enc = outcome.compiled.enc
            rows = outcome.plan[outcome.plan["provider_id"] != ""]
            chosen = dict(zip(rows["case_id"], rows["provider_id"], strict=True))
            explanations += [dict(e, date=day.isoformat()) for e in outcome.explanations]
            solver.append({"date": day.isoformat(), **outcome.summary()})
        else:
            enc = encode(pending, provs, regions, policy, day)
            chosen = BASELINES[strategy](enc, day, rng, state)
        if not chosen:
            continue
        ci = pd.Index(enc.cases.ids).get_indexer(list(chosen))
        pi = pd.Index(enc.providers.ids).get_indexer(list(chosen.values()))
        for rule_id, n in count_violations(enc, ci, pi).items():
            violations[rule_id] += n
        tiers = served_tier(enc, ci, pi)
        km = np.where(tiers == TIERS.index("remote"), 0.0, pair_km(enc, ci, pi))
        for case_id, provider_id, t, k in zip(chosen, chosen.values(), tiers, km, strict=True):
            assigned_to[case_id] = provider_id
            assigned_on[case_id] = day
            tier_of[case_id] = TIERS[t] if t >= 0 else "outside_policy"
            km_of[case_id] = float(k)
        load = np.bincount(pi, weights=enc.cases.effort[ci], minlength=enc.providers.num).astype(np.int64)
        idx = prov_pos.get_indexer(enc.providers.ids)
        provs.loc[idx, "open_load"] = provs.loc[idx, "open_load"].to_numpy() + load
        provs.loc[idx, "recent_assignments"] = (
            provs.loc[idx, "recent_assignments"].to_numpy() + np.bincount(pi, minlength=enc.providers.num)
        )
    plan = pd.DataFrame({"case_id": cases["case_id"].to_numpy()})
    plan["provider_id"] = plan["case_id"].map(assigned_to).fillna("")
    plan["assigned_date"] = plan["case_id"].map(lambda c: assigned_on[c].isoformat() if c in assigned_on else "")
    plan["tier"] = plan["case_id"].map(tier_of).fillna("")
    plan["travel_km"] = plan["case_id"].map(km_of).fillna(0.0).round(1)
    violations[CODEFENDANTS_ID] = _codefendant_violations(cases, plan)
    return Simulation(strategy, plan, provs, violations, explanations, solver)


def metrics(sim: Simulation, cases: pd.DataFrame, providers: pd.DataFrame) -> dict[str, float]:
    """Share assigned, days to assign, travel, specialty match, load spread and rule violations."""
    plan = sim.plan.merge(cases[["case_id", "received_date", "deadline", "kind", "specialty"]], on="case_id")
    done = plan[plan["provider_id"] != ""]
    days = (pd.to_datetime(done["assigned_date"]) - done["received_date"]).dt.days
    on_time = pd.to_datetime(done["assigned_date"]) <= done["deadline"]
    need = done["specialty"].where(done["specialty"] != "", done["kind"].map(DEFAULT_SPECIALTY))
    spec = providers.set_index("provider_id")["specialties"]
    has = [n in spec.get(p, ()) for n, p in zip(need, done["provider_id"], strict=True)]
    final = sim.providers
    util = 100.0 * final["open_load"] / final["capacity"].clip(lower=1)
    new_load = final["open_load"].to_numpy() - providers["open_load"].to_numpy()
    active = new_load > 0
    return {
        "assigned_pct": 100.0 * len(done) / max(1, len(plan)),
        "on_time_pct": 100.0 * float(on_time.sum()) / max(1, len(plan)),
        "mean_days_to_assign": float(days.mean()) if len(done) else float("nan"),
        "mean_travel_km": float(done["travel_km"].mean()) if len(done) else float("nan"),
        "specialty_match_pct": 100.0 * float(np.mean(has)) if has else float("nan"),
        "load_std_pct": float(util.std()),
        "max_util_pct": float(util.max()),
        "providers_used": int(active.sum()),
        "violations": int(sum(sim.violations.values())),
    }


def compare(
    cases: pd.DataFrame,
    providers: pd.DataFrame,
    policy: PolicySet,
    *,
    strategies: tuple[str, ...] = STRATEGIES,
    regions: Regions | None = None,
    seed: int = 0,
    time_limit_s: float = 10.0,
    on_day: Callable[[str, dt.date], None] | None = None,
) -> tuple[pd.DataFrame, dict[str, Simulation]]:
    """Simulate each strategy on the same batch; a metrics table (one row per strategy) and the runs."""
    regions = regions or load_regions()
    runs: dict[str, Simulation] = {}
    rows = []
    for name in strategies:
        cb = (lambda d, n=name: on_day(n, d)) if on_day else None
        sim = simulate(cases, providers, policy, name, regions=regions, seed=seed, time_limit_s=time_limit_s,
                       explain=(name == "engine"), on_day=cb)
        runs[name] = sim
        rows.append({"strategy": name, **metrics(sim, cases, providers)})
    return pd.DataFrame(rows).set_index("strategy"), runs
