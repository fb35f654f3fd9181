"""Compile a deployment instance into the solver-facing :class:`~optimizer.deployment.DeploymentProblem`.

Volunteers become agents (class 0 lawyer, 1 partner), counties become sites, provinces become groups, eligible
(volunteer, county) pairs become arcs, arc terms become integer arc costs (weight x amount), need becomes the
site weight, handover cases the no-lead penalty, languages the cover attribute, willingness to lead the
leader flag. Hard rules in force map to the core's constraints.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.deployment import rules as R
from models.deployment.arrays import DeploymentArrays, encode
from models.deployment.domain import DeploymentInstance
from optimizer.deployment import DeploymentProblem


@dataclass(frozen=True)
class CompiledDeployment:
    """The problem plus what decoding needs to map indices back to ids."""

    problem: DeploymentProblem
    arrays: DeploymentArrays
    eligible: np.ndarray  # (n, S) bool: the arcs

    @property
    def instance(self) -> DeploymentInstance:
        return self.arrays.instance


def compile_instance(instance: DeploymentInstance) -> CompiledDeployment:
    """Build the arrays, the eligibility mask and the core problem of ``instance``."""
    a = encode(instance)
    st = instance.settings
    active = set(st.hard_rules)
    mask = R.eligible(a)
    vol, county = np.nonzero(mask)  # row-major: agent-major, sites increasing
    counts = np.bincount(vol, minlength=a.num_volunteers)
    ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    columns = []
    for term_id in R.ARC_TERMS:
        term = R.SOFT_TERM_BY_ID[term_id]
        assert term.arc_amount is not None
        amount = term.arc_amount(a)[vol, county]
        columns.append(term.sign * st.weight(term_id) * amount)
    arc_term_cost = np.stack(columns, axis=1) if columns else np.zeros((vol.size, 0), dtype=np.int64)
    constraints = frozenset(
        r.solver_constraint for r in R.HARD_RULES
        if r.id in active and not r.structural and r.solver_constraint is not None
    )
    cover_bits = (a.speaks.astype(np.int64) << np.arange(a.speaks.shape[1], dtype=np.int64)[None, :]).sum(axis=1)
    problem = DeploymentProblem(
        agent_class=a.volunteer_class,
        agent_ptr=ptr,
        site_idx=county.astype(np.int64),
        arc_term_cost=arc_term_cost,
        term_names=R.ARC_TERMS,
        site_group=a.county_group,
        site_places=a.places,
        site_weight=st.weight(R.NEED_WEIGHTED_COVERAGE) * a.need,
        class_units=np.array([st.lawyer_units, st.partner_units], dtype=np.int64),
        coverage_breaks=np.array(st.coverage_breaks, dtype=np.int64),
        coverage_slopes=np.array(st.coverage_slopes, dtype=np.int64),
        site_no_lead_penalty=st.weight(R.CONTINUITY_HANDOVER) * a.handover,
        is_lead_class=np.array([True, False]),
        is_partner_class=np.array([False, True]),
        site_cover=a.county_language if R.MINORITY_LANGUAGE_SPEAKER in active else np.full(a.num_counties, -1),
        agent_cover_bits=cover_bits,
        agent_can_lead=a.willing_to_lead,
        num_groups=len(a.group_provinces),
        constraints=constraints,
    )
    return CompiledDeployment(problem=problem, arrays=a, eligible=mask)


#: Names of the core's site terms in domain words.
CORE_TERM_NAMES: dict[str, str] = {"coverage": R.NEED_WEIGHTED_COVERAGE, "no_lead": R.CONTINUITY_HANDOVER}
