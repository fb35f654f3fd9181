"""Decode a solver result into a deployment plan with explanations, summaries and the solution JSON.

Only this module, ``compile.py`` and ``arrays.py`` see both ids and indices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from models.deployment import rules as R
from models.deployment.compile import CORE_TERM_NAMES, CompiledDeployment
from models.deployment.domain import LANGUAGES, DeploymentInstance
from models.deployment.io import SOLUTION_FORMAT
from optimizer.deployment import DeploymentResult

#: Candidate counties tried per volunteer when explaining why a first wish was not met.
MAX_MOVES_TRIED = 3
#: Domain rule id of each core constraint id.
DOMAIN_RULE_OF: dict[str, str] = {r.solver_constraint: r.id for r in R.HARD_RULES if r.solver_constraint}


@dataclass(frozen=True)
class DeploymentPlan:
    """A decoded plan.

    Attributes
    ----------
    instance : DeploymentInstance
    volunteer_county : int64 array
        County index of each volunteer, -1 when not placed.
    leader : int64 array
        Team leader (volunteer index) of each province of ``arrays.group_provinces``, -1 for none.
    status, objective, bound, gap, runtime_s
        From the solver (``bound`` -inf for the greedy baseline).
    term_totals : dict
        Points per soft term (domain ids).
    violations : list of Match
        Hard-rule violations found by the domain evaluator (empty for a valid plan).
    method : str
        ``engine`` or ``greedy``.
    """

    compiled: CompiledDeployment
    volunteer_county: np.ndarray
    leader: np.ndarray
    status: str
    objective: float
    bound: float
    runtime_s: float
    term_totals: dict[str, int]
    violations: list[R.Match]
    method: str
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def instance(self) -> DeploymentInstance:
        return self.compiled.instance

    @property
    def arrays(self) -> R.DeploymentArrays:
        return self.compiled.arrays

    @property
    def gap(self) -> float:
        if not np.isfinite(self.objective) or not np.isfinite(self.bound):
            return float("inf")
        return max(0.0, (self.objective - self.bound) / max(1.0, abs(self.objective)))

    def plan_arrays(self) -> R.PlanArrays:
        placed = np.flatnonzero(self.volunteer_county >= 0)
        return R.PlanArrays(placed.astype(np.int64), self.volunteer_county[placed], self.leader)

    def counts(self) -> np.ndarray:
        return self.plan_arrays().counts(self.arrays)


def decode(compiled: CompiledDeployment, result: DeploymentResult, *, method: str = "engine") -> DeploymentPlan:
    """Turn a core result into a :class:`DeploymentPlan`, re-evaluated by the domain rules."""
    a = compiled.arrays
    plan = R.PlanArrays(np.flatnonzero(result.agent_site >= 0).astype(np.int64),
                        result.agent_site[result.agent_site >= 0].astype(np.int64), result.group_leader.astype(np.int64))
    objective, totals, violations = R.evaluate_plan(a, plan)
    core_totals = {CORE_TERM_NAMES.get(k, k): v for k, v in result.term_totals.items()}
    if violations == [] and result.is_feasible and any(int(core_totals[t]) != totals[t] for t in totals):
        raise RuntimeError(f"decode: core and domain totals differ: {core_totals} vs {totals}")
    return DeploymentPlan(
        compiled=compiled,
        volunteer_county=np.where(result.agent_site >= 0, result.agent_site, -1).astype(np.int64),
        leader=result.group_leader.astype(np.int64),
        status=result.status.value,
        objective=float(objective),
        bound=float(result.bound),
        runtime_s=float(result.runtime_s),
        term_totals=totals,
        violations=violations,
        method=method,
        stats=dict(result.stats),
    )


# -------------------------------------------------------------------------------------------------------------
# Tables
# -------------------------------------------------------------------------------------------------------------


def plan_frame(plan: DeploymentPlan) -> pd.DataFrame:
    """One row per volunteer: where they go (empty when not placed), wish rank (0 = not among the wishes),
    team leader flag, travel in km."""
    a = plan.arrays
    inst = plan.instance
    vc = plan.volunteer_county
    placed = vc >= 0
    j = np.maximum(vc, 0)
    leaders = set(int(v) for v in plan.leader if v >= 0)
    rank = np.where(placed, a.rank[np.arange(a.num_volunteers), j], -1)
    rows = []
    for i, v in enumerate(inst.volunteers):
        c = inst.counties[int(j[i])] if placed[i] else None
        rows.append({
            "volunteer_id": v.volunteer_id,
            "kind": v.kind,
            "home_province": v.home_province,
            "county_id": c.county_id if c else "",
            "county": c.name if c else "",
            "city": c.city if c else "",
            "province": c.province if c else "",
            "wish_rank": int(max(rank[i], 0)) if placed[i] else "",
            "team_leader": i in leaders,
            "travel_km": int(round(a.distance_km[i, j[i]])) if placed[i] else "",
            "languages": ";".join(v.languages),
        })
    return pd.DataFrame(rows)


def teams_frame(plan: DeploymentPlan) -> pd.DataFrame:
    """Per receiving province its team: leader first, then members by county."""
    frame = plan_frame(plan)
    frame = frame[frame["county_id"] != ""].copy()
    frame["role"] = np.where(frame["team_leader"], "leader", "member")
    frame = frame.sort_values(["province", "role", "county_id", "kind", "volunteer_id"], kind="stable")
    return frame[["province", "role", "county_id", "county", "volunteer_id", "kind", "home_province",
                  "languages"]].reset_index(drop=True)


def scarcity_quartile(a: R.DeploymentArrays) -> np.ndarray:
    """Quartile 1 (scarcest) .. 4 of each county by lawyers per 10k (rank-based, ties by instance order)."""
    order = np.argsort(a.lawyers_per_10k, kind="stable")
    q = np.empty(a.num_counties, dtype=np.int64)
    q[order] = 1 + (np.arange(a.num_counties) * 4) // max(a.num_counties, 1)
    return q


def _coverage_table(plan: DeploymentPlan, key: np.ndarray, name: str) -> pd.DataFrame:
    a = plan.arrays
    counts = plan.counts()
    no_lawyer = a.lawyers_per_10k == 0
    served = counts.sum(axis=1) > 0
    with_lawyer = counts[:, 0] > 0
    df = pd.DataFrame({
        name: key, "need": a.need, "no_lawyer": no_lawyer, "served": served, "with_lawyer": with_lawyer,
        "lawyers": counts[:, 0], "partners": counts[:, 1],
        "need_with_lawyer": np.where(with_lawyer, a.need, 0),
        "empty_no_lawyer": no_lawyer & ~served,
    })
    out = df.groupby(name, sort=True).agg(
        counties=("need", "size"), no_lawyer_counties=("no_lawyer", "sum"), served=("served", "sum"),
        empty_no_lawyer=("empty_no_lawyer", "sum"), lawyers=("lawyers", "sum"), partners=("partners", "sum"),
        need=("need", "sum"), need_with_lawyer=("need_with_lawyer", "sum"),
    )
    out["need_coverage_pct"] = (100.0 * out["need_with_lawyer"] / out["need"].clip(lower=1)).round(1)
    return out.reset_index()


def coverage_by_province(plan: DeploymentPlan) -> pd.DataFrame:
    """Counties, served counties, empty no-lawyer counties, volunteers and need covered, by province."""
    a = plan.arrays
    return _coverage_table(plan, np.array([a.group_provinces[g] for g in a.county_group], dtype=object), "province")


def coverage_by_quartile(plan: DeploymentPlan) -> pd.DataFrame:
    """The same by scarcity quartile (1 = fewest lawyers per 10,000 residents)."""
    return _coverage_table(plan, scarcity_quartile(plan.arrays), "scarcity_quartile")


def metrics(plan: DeploymentPlan) -> dict[str, float]:
    """Headline figures.

    - ``need_coverage_pct``: share of need points in counties that receive at least one lawyer;
    - ``first_choice_pct``: share of placed volunteers placed at their first wish;
    - ``empty_no_lawyer``: no-lawyer counties that receive nobody.
    """
    a = plan.arrays
    counts = plan.counts()
    vc = plan.volunteer_county
    placed = vc >= 0
    rank = a.rank[np.flatnonzero(placed), vc[placed]]
    need = a.need
    return {
        "objective": plan.objective,
        "need_coverage_pct": round(100.0 * float(need[counts[:, 0] > 0].sum()) / max(1, int(need.sum())), 2),
        "first_choice_pct": round(100.0 * float(np.mean(rank == 1)) if rank.size else 0.0, 2),
        "empty_no_lawyer": int(np.sum((a.lawyers_per_10k == 0) & (counts.sum(axis=1) == 0))),
        "counties_served": int(np.sum(counts.sum(axis=1) > 0)),
        "volunteers_placed": int(placed.sum()),
        "lawyers_placed": int(counts[:, 0].sum()),
        "partners_placed": int(counts[:, 1].sum()),
        "unpaired_lawyers": int(np.maximum(counts[:, 0] - counts[:, 1], 0).sum()),
        "counties_with_two_pairs": int(np.sum(counts[:, 0] >= 2)),
    }


# -------------------------------------------------------------------------------------------------------------
# Explanations
# -------------------------------------------------------------------------------------------------------------


def eligibility_masks(a: R.DeploymentArrays) -> dict[str, np.ndarray]:
    """The (n, S) mask of each eligibility rule in force, plus ``no place for their kind``."""
    active = set(a.instance.settings.hard_rules)
    masks = {"no place for their kind": R.allows_class_place(a)}
    for rule in R.HARD_RULES:
        if rule.allows is not None and rule.id in active:
            masks[rule.id] = rule.allows(a)
    return masks


def _blocking_rules(masks: dict[str, np.ndarray], i: int | np.ndarray, js: np.ndarray) -> list[str]:
    """Eligibility rules that rule out volunteer(s) ``i`` for every county in ``js``."""
    return [name for name, mask in masks.items() if not np.any(mask[i][..., js])]


def explain(plan: DeploymentPlan, *, max_moves: int = MAX_MOVES_TRIED) -> dict[str, Any]:
    """Explanations: points per term, rules with their violations, why each empty county got nobody, why each
    volunteer placed below their first wish (or not placed) is where they are."""
    a = plan.arrays
    inst = plan.instance
    st = inst.settings
    problem = plan.compiled.problem
    counts = plan.counts()
    vc = plan.volunteer_county
    elig = plan.compiled.eligible
    placed = vc >= 0
    masks = eligibility_masks(a)
    terms = [{"id": t.id, "weight": st.weight(t.id), "unit": t.unit, "source": t.source,
              "points": int(plan.term_totals.get(t.id, 0))} for t in R.SOFT_TERMS]
    rules = [{"id": r.id, "in_force": r.id in st.hard_rules, "source": r.source,
              "violations": [m.entity + ": " + m.reason for m in plan.violations if m.rule_id == r.id]}
             for r in R.HARD_RULES]

    # empty counties
    served = counts.sum(axis=1) > 0
    lowest_served = np.flatnonzero(served)[np.argmin(a.need[served])] if np.any(served) else -1
    doubled = np.flatnonzero(counts[:, 0] >= 2)
    empty = []
    for j in np.flatnonzero(~served):
        c = inst.counties[int(j)]
        eligible = np.flatnonzero(elig[:, j])
        reasons: list[str] = []
        if eligible.size == 0:
            blocking = [name for name, mask in masks.items() if not np.all(mask[:, j])]
            reasons.append("no volunteer is eligible (rules that rule some out: " + ", ".join(blocking) + ")")
        elif a.county_language[j] >= 0 and R.MINORITY_LANGUAGE_SPEAKER in st.hard_rules:
            lang = LANGUAGES[a.county_language[j]]
            speakers = eligible[a.speaks[eligible, a.county_language[j]]]
            if speakers.size == 0:
                reasons.append(f"needs a {lang} speaker and no eligible volunteer speaks {lang}")
            else:
                elsewhere = int(np.sum(placed[speakers]))
                reasons.append(f"needs a {lang} speaker; {elsewhere} of its {speakers.size} eligible speakers are "
                               f"placed in other {lang} or higher-value counties")
        if not reasons:
            free = int(np.sum(~placed[eligible]))
            low = inst.counties[int(lowest_served)] if lowest_served >= 0 else None
            reasons.append(f"need {c.need} points; {eligible.size - free} of its {eligible.size} eligible volunteers "
                           f"are placed elsewhere" + (f" (lowest-need county served: {low.county_id} {low.name}, "
                                                       f"need {low.need})" if low else ""))
        if c.has_no_lawyer and doubled.size:
            better = doubled[a.lawyers_per_10k[doubled] > 0]
            if better.size:
                b = inst.counties[int(better[0])]
                reasons.append(f"no-lawyer county left empty while {b.county_id} {b.name} "
                               f"({b.lawyers_per_10k} lawyers/10k) got {int(counts[better[0], 0])} lawyers")
        empty.append({"county_id": c.county_id, "county": c.name, "province": c.province, "need": c.need,
                      "no_lawyer": c.has_no_lawyer, "reasons": reasons})

    # volunteers below their first wish, and volunteers not placed
    agent_arc = problem.arc_of(np.where(placed, vc, -1))
    leader = plan.leader
    base = problem.evaluate(agent_arc, leader)
    vols = []
    for i, v in enumerate(inst.volunteers):
        k_county = int(vc[i])
        rank = int(a.rank[i, k_county]) if k_county >= 0 else None
        if k_county >= 0 and rank == 1:
            continue
        if not v.preferences and k_county >= 0:
            continue
        first = np.flatnonzero(a.rank[i] == 1) if v.preferences else np.flatnonzero(elig[i])
        here = inst.counties[k_county]
        where = (f"placed in {here.county_id} {here.name} ("
                 + (f"wish {rank}" if rank and rank > 0 else "not among the wishes") + ")") if k_county >= 0 else "not placed"
        reasons = []
        ok = first[elig[i, first]]
        if first.size and ok.size == 0:
            reasons.append(f"first wish {v.preferences[0]!r} ruled out by "
                           + (", ".join(_blocking_rules(masks, i, first)) or "a combination of rules"))
        elif ok.size:
            cls = a.volunteer_class[i]
            free = ok[counts[ok, cls] < a.places[ok, cls]]
            if free.size == 0:
                holders = [str(a.volunteer_ids[k]) for k in np.flatnonzero(np.isin(vc, ok) & (a.volunteer_class == cls))[:3]]
                reasons.append(f"all {'lawyer' if cls == 0 else 'partner'} places of the first wish are taken"
                               + (f" (by {', '.join(holders)}...)" if holders else ""))
            else:
                best = None
                for k in free[np.argsort(-a.need[free], kind="stable")][:max_moves]:
                    moved = agent_arc.copy()
                    moved[i] = problem.arc_of(np.where(np.arange(a.num_volunteers) == i, k, -1))[i]
                    ev = problem.evaluate(moved, leader)
                    note = (f"moving to {inst.counties[int(k)].county_id} {inst.counties[int(k)].name} would "
                            + (f"break {', '.join(sorted(DOMAIN_RULE_OF.get(x, x) for x in ev.violations))}"
                               if ev.violations else
                               f"cost {ev.objective - base.objective:+d} points"))
                    if best is None or (not ev.violations and ev.objective < best[0]):
                        best = (ev.objective if not ev.violations else np.inf, note)
                if best:
                    reasons.append(best[1])
        elif k_county < 0:
            reasons.append("no eligible county: " + ", ".join(_blocking_rules(masks, i, np.arange(a.num_counties))))
        vols.append({"volunteer_id": v.volunteer_id, "kind": v.kind, "outcome": where, "reasons": reasons})
    return {"objective": plan.objective, "bound": plan.bound, "status": plan.status, "terms": terms, "rules": rules,
            "empty_counties": empty, "volunteers": vols, "metrics": metrics(plan)}


# -------------------------------------------------------------------------------------------------------------
# Solution JSON
# -------------------------------------------------------------------------------------------------------------


def solution_dict(plan: DeploymentPlan, *, instance_name: str | None = None) -> dict[str, Any]:
    """The plan in the checker's solution format (docs/deployment.md)."""
    a = plan.arrays
    inst = plan.instance
    vc = plan.volunteer_county
    return {
        "format": SOLUTION_FORMAT,
        "instance": instance_name or inst.name,
        "method": plan.method,
        "feasible": not plan.violations,
        "objective": int(plan.objective),
        "bound": plan.bound if np.isfinite(plan.bound) else None,
        "term_totals": {k: int(v) for k, v in plan.term_totals.items()},
        "assignments": [{"volunteer_id": inst.volunteers[i].volunteer_id, "county_id": inst.counties[int(vc[i])].county_id}
                        for i in np.flatnonzero(vc >= 0)],
        "team_leaders": [{"province": a.group_provinces[g], "volunteer_id": inst.volunteers[int(v)].volunteer_id}
                         for g, v in enumerate(plan.leader) if v >= 0],
    }
