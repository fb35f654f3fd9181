"""Decode solver results into a plan with explanations; diagnose unassigned cases.

Explanations name entities by id: for an assignment, the term contributions and the runner-up; for an
unassigned case, how many providers each rule excluded and what would change it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from models.arrays import Encoded, pair_km, physical_tier, served_tier
from models.compile import Compiled
from models.policy import TIER_CODE, TIERS
from models.rules.hard import PAIR_RULES, POOLING, eligible
from models.terms import arc_points
from optimizer.result import Result

PLAN_COLUMNS = ("case_id", "provider_id", "assigned_date", "tier", "travel_km", "cost")


def plan_frame(compiled: Compiled, result: Result) -> pd.DataFrame:
    """The plan: one row per case (see docs/formats.md, plan.csv)."""
    enc, prob = compiled.enc, compiled.problem
    arc = result.job_arc
    assigned = arc >= 0
    safe = np.maximum(arc, 0)
    tier_names = np.array(TIERS, dtype=object)
    has_arcs = compiled.arc_provider.size > 0
    provider = np.where(assigned, enc.providers.ids[compiled.arc_provider[safe]] if has_arcs else "", "")
    tier = np.where(assigned, tier_names[compiled.arc_tier[safe].astype(np.int64)] if has_arcs else "", "")
    km = np.where(assigned & (tier != "remote"), compiled.arc_km[safe] if has_arcs else 0.0, 0.0)
    cost = np.where(assigned, prob.cost[safe] if has_arcs else 0, prob.unassigned_cost)
    return pd.DataFrame(
        {
            "case_id": enc.cases.ids,
            "provider_id": provider,
            "assigned_date": np.where(assigned, enc.as_of.isoformat(), ""),
            "tier": tier,
            "travel_km": np.round(km, 1),
            "cost": cost.astype(np.int64),
        }
    )


def explain_assignments(compiled: Compiled, result: Result) -> list[dict[str, Any]]:
    """Per assigned case: term points of the chosen arc and the runner-up (next cheapest arc)."""
    prob, enc = compiled.problem, compiled.enc
    names = prob.term_names
    out: list[dict[str, Any]] = []
    ptr = prob.job_ptr
    assert prob.term_cost is not None
    for j in np.flatnonzero(result.job_arc >= 0):
        a = int(result.job_arc[j])
        lo, hi = int(ptr[j]), int(ptr[j + 1])
        others = np.r_[lo:a, a + 1 : hi]
        runner = None
        if others.size:
            b = int(others[np.argmin(prob.cost[others])])
            diff = int(prob.cost[b] - prob.cost[a])
            runner = {
                "provider_id": str(enc.providers.ids[compiled.arc_provider[b]]),
                "cost": int(prob.cost[b]),
                "difference": diff,
                "reason": "costs more" if diff >= 0 else "cheaper, but its capacity or a co-defendant went to other cases",
            }
        out.append(
            {
                "case_id": str(enc.cases.ids[j]),
                "provider_id": str(enc.providers.ids[compiled.arc_provider[a]]),
                "tier": TIERS[int(compiled.arc_tier[a])],
                "travel_km": round(float(compiled.arc_km[a]), 1),
                "cost": int(prob.cost[a]),
                "terms": {n: int(v) for n, v in zip(names, prob.term_cost[a], strict=True)},
                "runner_up": runner,
                "eligible_arcs": hi - lo,
            }
        )
    return out


def diagnose_case(enc: Encoded, ci: int, *, arcs_in_problem: int = 0) -> dict[str, Any]:
    """Why a case has no provider: exclusions per rule within the policy's reach, and what would change it."""
    n_prov = enc.providers.num
    pi = np.arange(n_prov)
    cc = np.full(n_prov, ci)
    reach = POOLING.allows(enc, cc, pi)
    excluded = {}
    others = [r for r in PAIR_RULES if r is not POOLING]
    ok_other = np.ones(n_prov, dtype=bool)
    for rule in others:
        allows = rule.allows(enc, cc, pi)
        excluded[rule.id] = int(np.count_nonzero(reach & ~allows))
        ok_other &= allows
    eligible_now = int(np.count_nonzero(reach & ok_other))
    changes = []
    reachable = enc.cases.tier_mask[ci]
    phys = physical_tier(enc, cc, pi)
    for tier in TIERS:
        code = TIER_CODE[tier]
        if (reachable >> code) & 1:
            continue
        if tier == "remote":
            in_tier = enc.providers.remote_ok & bool(enc.cases.remote_kind[ci])
        else:
            in_tier = phys == code
        extra = int(np.count_nonzero(in_tier & ok_other & ~reach))
        if extra:
            changes.append(f"allowing the {tier} tier gives {extra} eligible providers")
    if eligible_now and not arcs_in_problem:
        changes.append(f"{eligible_now} eligible providers exist but none was kept as an arc")
    elif eligible_now:
        changes.append(
            f"{eligible_now} eligible providers were all needed for other cases in this batch (capacity or co-defendant limits)"
            " or cost more than waiting; more capacity or a higher waiting cost would change it"
        )
    return {
        "providers_in_reach": int(np.count_nonzero(reach)),
        "eligible": eligible_now,
        "excluded_by_rule": excluded,
        "what_would_change": changes,
    }


def explain(compiled: Compiled, result: Result) -> list[dict[str, Any]]:
    """Explanations for every case of the batch (assigned and unassigned), in case order."""
    enc, prob = compiled.enc, compiled.problem
    assigned = {e["case_id"]: e for e in explain_assignments(compiled, result)}
    out = []
    counts = np.diff(prob.job_ptr)
    for j, case_id in enumerate(enc.cases.ids):
        if case_id in assigned:
            out.append(assigned[case_id])
            continue
        entry: dict[str, Any] = {
            "case_id": str(case_id),
            "provider_id": None,
            "cost": int(prob.unassigned_cost[j]),
            "terms": {"waiting_cost": int(prob.unassigned_cost[j])},
            "runner_up": None,
        }
        entry.update(diagnose_case(enc, j, arcs_in_problem=int(counts[j])))
        out.append(entry)
    return out


def rank_providers(enc: Encoded, ci: int, terms: tuple, top: int) -> list[dict[str, Any]]:
    """Top ``top`` eligible providers for one case, cheapest first, with the reasons (term points)."""
    pi = np.arange(enc.providers.num)
    cc = np.full(pi.size, ci)
    ok = eligible(enc, cc, pi)
    pi, cc = pi[ok], cc[ok]
    tier = served_tier(enc, cc, pi)
    km = pair_km(enc, cc, pi)
    pts = arc_points(enc, cc, pi, tier, km, terms)
    total = pts.sum(axis=1)
    order = np.lexsort((pi, total))[:top]
    ranked = []
    for rank, k in enumerate(order, start=1):
        terms_k = {t.id: int(v) for t, v in zip(terms, pts[k], strict=True)}
        worst = max(terms_k, key=lambda key: terms_k[key])
        ranked.append(
            {
                "rank": rank,
                "provider_id": str(enc.providers.ids[pi[k]]),
                "cost": int(total[k]),
                "tier": TIERS[int(tier[k])],
                "travel_km": round(float(km[k]) if tier[k] != TIER_CODE["remote"] else 0.0, 1),
                "terms": terms_k,
                "reason": f"{TIERS[int(tier[k])]} tier, {km[k]:.0f} km; largest term {worst} ({terms_k[worst]} points)",
            }
        )
    return ranked
