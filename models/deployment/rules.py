"""Hard rules and soft terms of the "1+1" deployment, each small, named, with id, weight, unit and source.

Every rule has its faces side by side:

- hard rules: an eligibility face ``allows(arrays) -> (n, S) bool`` (rules decided per volunteer and county) or
  the id of the core constraint that models it (``solver_constraint``), and an evaluator face
  ``violations(arrays, plan) -> list[Match]`` naming the entities that break it;
- soft terms: an arc face ``arc_amount(arrays) -> (n, S) int`` (raw units per placement) or a county face
  ``county_amount(arrays, counts) -> (S,) int``; points = sign * weight * amount.

The registry lists hard rules first, then soft terms. Sources are articles of law where one applies, otherwise
the named programme practice (DOMAIN.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from models.deployment.arrays import NOT_RANKED, DeploymentArrays
from models.deployment.domain import LANGUAGES
from optimizer.deployment import constraints as core

# -------------------------------------------------------------------------------------------------------------
# Plans as arrays
# -------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanArrays:
    """A plan as index arrays.

    Attributes
    ----------
    volunteer_idx, county_idx : int64 arrays, shape (num_placements,)
        One entry per placement (a volunteer appearing twice breaks ``one_county_per_volunteer``).
    leader : int64 array, shape (num_group_provinces,)
        Team leader (volunteer index) of each province of ``arrays.group_provinces``, -1 for none.
    """

    volunteer_idx: np.ndarray
    county_idx: np.ndarray
    leader: np.ndarray

    def counts(self, arrays: DeploymentArrays) -> np.ndarray:
        """Lawyers and partners per county, shape (S, 2)."""
        out = np.zeros((arrays.num_counties, 2), dtype=np.int64)
        np.add.at(out, (self.county_idx, arrays.volunteer_class[self.volunteer_idx]), 1)
        return out

    def county_of(self, arrays: DeploymentArrays) -> np.ndarray:
        """County of each volunteer (-1 when not placed; the last placement when placed twice)."""
        out = np.full(arrays.num_volunteers, -1, dtype=np.int64)
        out[self.volunteer_idx] = self.county_idx
        return out


@dataclass(frozen=True)
class Match:
    """One entity breaking a rule (or scored by a term), with a one-line reason."""

    rule_id: str
    entity: str
    reason: str


# -------------------------------------------------------------------------------------------------------------
# Registry types
# -------------------------------------------------------------------------------------------------------------

AllowsFn = Callable[[DeploymentArrays], np.ndarray]
ViolationsFn = Callable[[DeploymentArrays, PlanArrays], list[Match]]
ArcAmountFn = Callable[[DeploymentArrays], np.ndarray]
CountyAmountFn = Callable[[DeploymentArrays, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class HardRule:
    """A hard rule: id, description, source; eligibility face or core constraint; evaluator face."""

    id: str
    description: str
    source: str
    violations: ViolationsFn
    allows: AllowsFn | None = None
    solver_constraint: str | None = None
    structural: bool = False
    unit: str = "violation"


@dataclass(frozen=True)
class SoftTerm:
    """A soft term: points = sign * weight * amount (per placement or per county)."""

    id: str
    description: str
    source: str
    unit: str
    default_weight: int
    sign: int
    arc_amount: ArcAmountFn | None = None
    county_amount: CountyAmountFn | None = None


# -------------------------------------------------------------------------------------------------------------
# Hard rules
# -------------------------------------------------------------------------------------------------------------

ONE_COUNTY_PER_VOLUNTEER = "one_county_per_volunteer"
COUNTY_PLACES = "county_places"
RECEIVING_PROVINCE = "receiving_province"
AVAILABLE_FOR_STINT = "available_for_stint"
IN_PROVINCE_STINT = "in_province_stint"
ACCEPTED_PROVINCE = "accepted_province"
HIGH_ALTITUDE_CLEARANCE = "high_altitude_clearance"
PARTNER_SERVES_WITH_LAWYER = "partner_serves_with_lawyer"
LAWYER_PAIRED_WHERE_POSSIBLE = "lawyer_paired_where_possible"
MINORITY_LANGUAGE_SPEAKER = "minority_language_speaker"
PROVINCIAL_TEAM_LEADER = "provincial_team_leader"


def _name_v(a: DeploymentArrays, i: int | np.integer) -> str:
    return str(a.volunteer_ids[int(i)])


def _name_c(a: DeploymentArrays, j: int | np.integer) -> str:
    c = a.instance.counties[int(j)]
    return f"{c.county_id} {c.province}{c.name}"


def _placement_violations(rule_id: str, reason: str, allows: AllowsFn) -> ViolationsFn:
    """Evaluator of an eligibility rule: every placement the rule does not allow."""

    def violations(a: DeploymentArrays, plan: PlanArrays) -> list[Match]:
        ok = allows(a)[plan.volunteer_idx, plan.county_idx]
        return [Match(rule_id, f"{_name_v(a, i)} -> {_name_c(a, j)}", reason)
                for i, j in zip(plan.volunteer_idx[~ok], plan.county_idx[~ok], strict=True)]

    return violations


def one_county_per_volunteer(a: DeploymentArrays, plan: PlanArrays) -> list[Match]:
    """Each volunteer serves in one county at most ("1+1" practice: one year of service in one county)."""
    uniq, num = np.unique(plan.volunteer_idx, return_counts=True)
    return [Match(ONE_COUNTY_PER_VOLUNTEER, _name_v(a, i), f"placed {k} times") for i, k in zip(uniq[num > 1], num[num > 1], strict=True)]


def allows_class_place(a: DeploymentArrays) -> np.ndarray:
    """A county takes a volunteer only if it has places for the volunteer's class (lawyer or partner)."""
    return (a.places[:, a.volunteer_class] > 0).T


def county_places(a: DeploymentArrays, plan: PlanArrays) -> list[Match]:
    """Lawyers and partners at a county do not exceed its places for each."""
    counts = plan.counts(a)
    out = []
    for j, k in zip(*np.nonzero(counts > a.places), strict=True):
        kind = "lawyer" if k == 0 else "partner"
        out.append(Match(COUNTY_PLACES, _name_c(a, j), f"{counts[j, k]} {kind}s for {a.places[j, k]} place(s)"))
    return out


def allows_receiving_province(a: DeploymentArrays) -> np.ndarray:
    """Only counties of this year's receiving provinces get volunteers."""
    receiving = a.province_mask(a.instance.settings.receiving_provinces)
    return np.broadcast_to(receiving[a.county_province][None, :], (a.num_volunteers, a.num_counties))


def allows_available_for_stint(a: DeploymentArrays) -> np.ndarray:
    """A volunteer must be available for the whole stint (12 months for a year, 3 for an in-province stint)."""
    ok = a.available_months >= a.required_months
    return np.broadcast_to(ok[:, None], (a.num_volunteers, a.num_counties))


def allows_in_province_stint(a: DeploymentArrays) -> np.ndarray:
    """An in-province volunteer serves only in the home province, and only where the province runs stints."""
    runs = a.province_mask(a.instance.settings.in_province_stint_provinces)
    same = a.volunteer_province[:, None] == a.county_province[None, :]
    return ~a.in_province_stint[:, None] | (same & runs[a.volunteer_province][:, None])


def allows_accepted_province(a: DeploymentArrays) -> np.ndarray:
    """A volunteer who does not accept reassignment (服从调剂) serves only in a province they wished for."""
    return a.accepts_any[:, None] | a.wished_province[:, a.county_province]


def allows_high_altitude_clearance(a: DeploymentArrays) -> np.ndarray:
    """High-altitude counties only with medical clearance."""
    return ~a.high_altitude[None, :] | a.clearance[:, None]


def partner_serves_with_lawyer(a: DeploymentArrays, plan: PlanArrays) -> list[Match]:
    """A graduate or grassroots worker serves alongside a volunteer lawyer: partners <= lawyers per county."""
    counts = plan.counts(a)
    bad = np.flatnonzero(counts[:, 1] > counts[:, 0])
    return [Match(PARTNER_SERVES_WITH_LAWYER, _name_c(a, j), f"{counts[j, 1]} partner(s) with {counts[j, 0]} lawyer(s)") for j in bad]


def eligible(a: DeploymentArrays) -> np.ndarray:
    """(n, S) mask of placements every eligibility rule in force allows (the arcs of the compiled problem)."""
    active = set(a.instance.settings.hard_rules)
    mask = allows_class_place(a).copy()
    for rule in HARD_RULES:
        if rule.allows is not None and rule.id in active:
            mask &= rule.allows(a)
    return mask


def lawyer_paired_where_possible(a: DeploymentArrays, plan: PlanArrays) -> list[Match]:
    """"1+1": lawyers at a county <= partners there, unless no partner can be had for it: its partner places are
    all taken, or every partner eligible for the county is placed somewhere."""
    counts = plan.counts(a)
    surplus = (counts[:, 0] > counts[:, 1]) & (counts[:, 1] < a.places[:, 1])
    if not np.any(surplus):
        return []
    placed = np.zeros(a.num_volunteers, dtype=bool)
    placed[plan.volunteer_idx] = True
    free_partner = (a.volunteer_class == 1) & ~placed
    could = eligible(a)[free_partner].any(axis=0)
    out = []
    for j in np.flatnonzero(surplus & could):
        first = a.volunteer_ids[free_partner][np.argmax(eligible(a)[free_partner][:, j])]
        out.append(Match(LAWYER_PAIRED_WHERE_POSSIBLE, _name_c(a, j),
                         f"{counts[j, 0]} lawyer(s), {counts[j, 1]} partner(s) while eligible partner {first} stays home"))
    return out


def minority_language_speaker(a: DeploymentArrays, plan: PlanArrays) -> list[Match]:
    """A county that needs a minority language and receives volunteers receives a speaker (Criminal Procedure
    Law Art 9: the right to use one's own language in proceedings)."""
    counts = plan.counts(a)
    lang = a.county_language[plan.county_idx]
    speaks = (lang >= 0) & a.speaks[plan.volunteer_idx, np.maximum(lang, 0)]
    covered = np.zeros(a.num_counties, dtype=bool)
    covered[plan.county_idx[speaks]] = True
    bad = np.flatnonzero((a.county_language >= 0) & (counts.sum(axis=1) > 0) & ~covered)
    return [Match(MINORITY_LANGUAGE_SPEAKER, _name_c(a, j), f"needs {LANGUAGES[a.county_language[j]]}; no volunteer placed speaks it") for j in bad]


def provincial_team_leader(a: DeploymentArrays, plan: PlanArrays) -> list[Match]:
    """Each receiving province with volunteers has one team leader: a volunteer willing to lead, placed there."""
    counts = plan.counts(a)
    has = np.bincount(a.county_group, weights=counts.sum(axis=1), minlength=len(a.group_provinces)) > 0
    county_of = plan.county_of(a)
    out = []
    for g, province in enumerate(a.group_provinces):
        leader = int(plan.leader[g]) if g < plan.leader.size else -1
        if leader < 0:
            if has[g]:
                out.append(Match(PROVINCIAL_TEAM_LEADER, province, "has volunteers but no team leader"))
            continue
        where = county_of[leader]
        if not a.willing_to_lead[leader]:
            out.append(Match(PROVINCIAL_TEAM_LEADER, province, f"leader {_name_v(a, leader)} is not willing to lead"))
        elif where < 0 or a.county_group[where] != g:
            out.append(Match(PROVINCIAL_TEAM_LEADER, province, f"leader {_name_v(a, leader)} is not placed in the province"))
    return out


HARD_RULES: tuple[HardRule, ...] = (
    HardRule(ONE_COUNTY_PER_VOLUNTEER, "each volunteer serves in at most one county",
             "programme practice: one year of service in one county (\"1+1\" action, DOMAIN.md)",
             one_county_per_volunteer, solver_constraint=core.ONE_SITE_PER_AGENT, structural=True),
    HardRule(COUNTY_PLACES, "lawyers and partners at a county within its places for each",
             "programme practice: places set by the receiving province, usually one lawyer and one graduate",
             county_places, solver_constraint=core.SITE_PLACES, structural=True),
    HardRule(RECEIVING_PROVINCE, "only counties of this year's receiving provinces get volunteers",
             "programme practice: receiving provinces named each year (13 provinces in 2021, DOMAIN.md)",
             _placement_violations(RECEIVING_PROVINCE, "county not in a receiving province", allows_receiving_province),
             allows=allows_receiving_province),
    HardRule(AVAILABLE_FOR_STINT, "volunteer available for the whole stint (12 or 3 months)",
             "programme practice: one year of service; three-month in-province stints (Jiangsu, DOMAIN.md)",
             _placement_violations(AVAILABLE_FOR_STINT, "not available for the whole stint", allows_available_for_stint),
             allows=allows_available_for_stint),
    HardRule(IN_PROVINCE_STINT, "in-province volunteers serve only in their home province, where it runs stints",
             "provincial practice: three-month stints in the province's own lawyer-short counties (Jiangsu, DOMAIN.md)",
             _placement_violations(IN_PROVINCE_STINT, "in-province stint outside the home province", allows_in_province_stint),
             allows=allows_in_province_stint),
    HardRule(ACCEPTED_PROVINCE, "a volunteer not accepting reassignment serves only in a province wished for",
             "programme practice: applicants state whether they accept reassignment (服从调剂)",
             _placement_violations(ACCEPTED_PROVINCE, "province not wished for and reassignment not accepted", allows_accepted_province),
             allows=allows_accepted_province),
    HardRule(HIGH_ALTITUDE_CLEARANCE, "high-altitude counties only with medical clearance",
             "programme practice: medical examination for plateau service (Tibet service group 援藏, DOMAIN.md)",
             _placement_violations(HIGH_ALTITUDE_CLEARANCE, "high-altitude county without medical clearance", allows_high_altitude_clearance),
             allows=allows_high_altitude_clearance),
    HardRule(PARTNER_SERVES_WITH_LAWYER, "graduates and grassroots workers serve alongside a volunteer lawyer",
             "\"1+1\" action: one volunteer lawyer plus one graduate or grassroots worker per county (DOMAIN.md)",
             partner_serves_with_lawyer, solver_constraint=core.PARTNER_WITH_LEAD),
    HardRule(LAWYER_PAIRED_WHERE_POSSIBLE, "a lawyer is paired with a partner in the same county where one can be had",
             "\"1+1\" action (DOMAIN.md); 2021: 131 lawyers with 120 partners, so some lawyers serve alone",
             lawyer_paired_where_possible, solver_constraint=core.LEAD_WITH_PARTNER),
    HardRule(MINORITY_LANGUAGE_SPEAKER, "a county needing a minority language gets a speaker",
             "Criminal Procedure Law Art 9 (use of one's own language); programme practice in minority areas",
             minority_language_speaker, solver_constraint=core.SITE_COVER),
    HardRule(PROVINCIAL_TEAM_LEADER, "each receiving province with volunteers gets a team leader",
             "programme practice: a volunteer lawyer leads the province's team (Qinghai, Guinan; DOMAIN.md)",
             provincial_team_leader, solver_constraint=core.GROUP_LEADER),
)
HARD_RULE_BY_ID: dict[str, HardRule] = {r.id: r for r in HARD_RULES}
STRUCTURAL_RULES: tuple[str, ...] = tuple(r.id for r in HARD_RULES if r.structural)


# -------------------------------------------------------------------------------------------------------------
# Soft terms
# -------------------------------------------------------------------------------------------------------------

NEED_WEIGHTED_COVERAGE = "need_weighted_coverage"
PREFERENCE_RANK = "preference_rank"
CONTINUITY_HANDOVER = "continuity_handover"
SPECIALTY_FIT = "specialty_fit"
TRAVEL_FROM_HOME = "travel_from_home"
PAIRING_AGREEMENT = "pairing_agreement"


def coverage_units(a: DeploymentArrays, counts: np.ndarray) -> np.ndarray:
    """Coverage units per county: lawyer_units per lawyer + partner_units per partner."""
    st = a.instance.settings
    return counts[:, 0] * st.lawyer_units + counts[:, 1] * st.partner_units


def coverage_curve(a: DeploymentArrays, units: np.ndarray) -> np.ndarray:
    """f(units): slope t applied to the units on segment t (breaks from the settings); concave."""
    st = a.instance.settings
    starts = np.array((0, *st.coverage_breaks), dtype=np.int64)
    ends = np.array((*st.coverage_breaks, np.iinfo(np.int64).max // 4), dtype=np.int64)
    filled = np.clip(np.asarray(units, dtype=np.int64)[:, None] - starts[None, :], 0, (ends - starts)[None, :])
    return (filled * np.array(st.coverage_slopes, dtype=np.int64)[None, :]).sum(axis=1)


def need_weighted_coverage(a: DeploymentArrays, counts: np.ndarray) -> np.ndarray:
    """need * f(units) per county: the first pair counts most, a second pair less, more still less."""
    return a.need * coverage_curve(a, coverage_units(a, counts))


def preference_rank(a: DeploymentArrays) -> np.ndarray:
    """Rank steps: rank r of the first wish the county matches costs r - 1; no match costs unranked_steps."""
    return np.where(a.rank == NOT_RANKED, a.instance.settings.unranked_steps, a.rank - 1).astype(np.int64)


def continuity_handover(a: DeploymentArrays, counts: np.ndarray) -> np.ndarray:
    """Handover cases left by the departing cohort in a county that receives no lawyer."""
    return np.where(counts[:, 0] == 0, a.handover, 0).astype(np.int64)


def specialty_fit(a: DeploymentArrays) -> np.ndarray:
    """Percentage points of the county's case mix outside the volunteer's specialties (0..100)."""
    fit = a.has_specialty.astype(np.int64) @ a.case_mix.T
    return (100 - np.minimum(fit, 100)).astype(np.int64)


def travel_from_home(a: DeploymentArrays) -> np.ndarray:
    """Whole travel units (``travel_km_per_unit`` km, rounded down) from the home county to the county."""
    return np.floor(a.distance_km / a.instance.settings.travel_km_per_unit).astype(np.int64)


def pairing_agreement(a: DeploymentArrays) -> np.ndarray:
    """1 when the volunteer's home province has a pairing agreement with the county's province."""
    agree = np.zeros((len(a.provinces), len(a.provinces)), dtype=np.int64)
    pos = {name: i for i, name in enumerate(a.provinces)}
    for ag in a.instance.settings.pairing_agreements:
        for to in ag.to_provinces:
            agree[pos[ag.from_province], pos[to]] = 1
    return agree[a.volunteer_province][:, a.county_province]


SOFT_TERMS: tuple[SoftTerm, ...] = (
    SoftTerm(NEED_WEIGHTED_COVERAGE, "need-weighted coverage with diminishing returns per county (reward)",
             "Legal Aid Law Art 18 (lawyers and legal-aid volunteers to areas short of legal services); the action "
             "targets counties with no lawyer or few (DOMAIN.md)",
             "need point x slope-weighted coverage unit", 1, -1, county_amount=need_weighted_coverage),
    SoftTerm(PREFERENCE_RANK, "a volunteer's county far down (or outside) their ranked wishes",
             "programme practice: applicants rank provinces or counties", "rank step", 400, +1,
             arc_amount=preference_rank),
    SoftTerm(CONTINUITY_HANDOVER, "handover cases left by the departing cohort in a county that gets no lawyer",
             "programme practice: the new cohort takes over open cases (Qinghai, Guinan; DOMAIN.md)",
             "handover case without a lawyer", 300, +1, county_amount=continuity_handover),
    SoftTerm(SPECIALTY_FIT, "share of the county's case mix outside the volunteer's specialties",
             "Procedure Regulation for Legal-Aid Cases (2023) Art 25 (specialty), applied to placement by analogy",
             "percentage point of case mix", 5, +1, arc_amount=specialty_fit),
    SoftTerm(TRAVEL_FROM_HOME, "distance from the volunteer's home county",
             "programme practice: travel and home leave are paid by the programme", "travel unit (100 km)", 10, +1,
             arc_amount=travel_from_home),
    SoftTerm(PAIRING_AGREEMENT, "a volunteer placed along a provincial pairing agreement (reward)",
             "provincial pairing (对口支援): Jiangsu's pairing, Anhui helping Ningxia, Guangxi and Guizhou (issue 6)",
             "volunteer placed along an agreement", 800, -1, arc_amount=pairing_agreement),
)
SOFT_TERM_BY_ID: dict[str, SoftTerm] = {t.id: t for t in SOFT_TERMS}
ARC_TERMS: tuple[str, ...] = tuple(t.id for t in SOFT_TERMS if t.arc_amount is not None)
RULE_IDS: tuple[str, ...] = tuple(r.id for r in HARD_RULES) + tuple(t.id for t in SOFT_TERMS)


def evaluate_plan(a: DeploymentArrays, plan: PlanArrays) -> tuple[int, dict[str, int], list[Match]]:
    """Objective points, points per soft term, and the violations of every hard rule in force.

    This is the domain's own evaluator (rule by rule); the compiled problem's evaluator and the independent
    checker in tests/ must agree with it.
    """
    active = set(a.instance.settings.hard_rules)
    violations: list[Match] = []
    for rule in HARD_RULES:
        if rule.id in active:
            violations += rule.violations(a, plan)
    # places for the class at all (an arc never exists without one)
    no_place = ~allows_class_place(a)[plan.volunteer_idx, plan.county_idx]
    if np.any(no_place) and not any(m.rule_id == COUNTY_PLACES for m in violations):
        violations.append(Match(COUNTY_PLACES, _name_c(a, int(plan.county_idx[no_place][0])), "no place for the class"))
    counts = plan.counts(a)
    totals: dict[str, int] = {}
    st = a.instance.settings
    for term in SOFT_TERMS:
        w = st.weight(term.id)
        if term.arc_amount is not None:
            amount = int(term.arc_amount(a)[plan.volunteer_idx, plan.county_idx].sum())
        else:
            assert term.county_amount is not None
            amount = int(term.county_amount(a, counts).sum())
        totals[term.id] = term.sign * w * amount
    return int(sum(totals.values())), totals, violations
