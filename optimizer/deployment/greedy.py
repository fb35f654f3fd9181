"""Greedy baseline: fill the neediest sites first with the first agents that fit.

Sites are taken in decreasing ``site_weight`` (ties by index). A site is filled team by team: a team is one
lead-class agent plus, when one can be had, one partner-class agent, chosen as the first pair in agent-index
order that keeps every rule in force (cover, group leader for the group's first team, places); teams are added
until the site's lead places are full or no team fits. Without lead classes (or with only partner arcs) agents
are added one by one. The result satisfies all hard rules by construction; it never undoes a choice.
"""

from __future__ import annotations

import numpy as np

from optimizer.deployment import constraints as cons
from optimizer.deployment.problem import DeploymentProblem

#: Candidates of each class looked at per team (agent-index order).
MAX_CANDIDATES = 64


def greedy(problem: DeploymentProblem) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(agent_arc, group_leader)`` of the greedy plan.

    Parameters
    ----------
    problem : DeploymentProblem

    Returns
    -------
    agent_arc : int64 array, shape (num_agents,)
        Arc of each agent, -1 when not placed.
    group_leader : int64 array, shape (num_groups,)
        Leader of each group, -1 when the group has no agents.
    """
    p = problem
    active = p.constraints
    arc_agent = p.arc_agent
    order = np.lexsort((arc_agent, p.site_idx))  # arcs by site, then agent
    site_ptr = np.concatenate([[0], np.cumsum(np.bincount(p.site_idx, minlength=p.num_sites))])
    covers = p.arc_covers
    is_lead = p.is_lead_class[p.agent_class]
    is_partner = p.is_partner_class[p.agent_class]
    agent_arc = np.full(p.num_agents, -1, dtype=np.int64)
    group_leader = np.full(p.num_groups, -1, dtype=np.int64)
    counts = np.zeros((p.num_sites, p.num_classes), dtype=np.int64)
    covered = np.zeros(p.num_sites, dtype=bool)
    need_leader = cons.GROUP_LEADER in active
    need_cover = cons.SITE_COVER in active
    pair_partner = cons.LEAD_WITH_PARTNER in active
    partner_needs_lead = cons.PARTNER_WITH_LEAD in active
    site_order = np.lexsort((np.arange(p.num_sites), -p.site_weight))
    keys = p.partner_keys
    stride = max(p.num_sites, 1)
    key_order = np.argsort(keys % stride, kind="stable")
    pairing_agents = keys[key_order] // stride
    pairing_ptr = np.concatenate([[0], np.cumsum(np.bincount(keys % stride, minlength=p.num_sites))])
    partner_places = p.site_places[:, p.is_partner_class].sum(axis=1)

    def free(site: int, arcs: np.ndarray) -> np.ndarray:
        """Arcs of ``site`` whose agent is unplaced and whose class still has a place."""
        agents = arc_agent[arcs]
        cls = p.agent_class[agents]
        return arcs[(agent_arc[agents] < 0) & (counts[site, cls] < p.site_places[site, cls])]

    def place(arc: int) -> None:
        agent = int(arc_agent[arc])
        site = int(p.site_idx[arc])
        agent_arc[agent] = arc
        counts[site, p.agent_class[agent]] += 1
        covered[site] |= bool(covers[arc])

    for site in site_order:
        site = int(site)
        arcs = order[site_ptr[site]:site_ptr[site + 1]]
        group = int(p.site_group[site])
        while True:
            cand = free(site, arcs)
            if cand.size == 0:
                break
            leads = cand[is_lead[arc_agent[cand]]][:MAX_CANDIDATES]
            partners = cand[is_partner[arc_agent[cand]]][:MAX_CANDIDATES]
            others = cand[~is_lead[arc_agent[cand]] & ~is_partner[arc_agent[cand]]][:MAX_CANDIDATES]
            waiting = pairing_agents[pairing_ptr[site]:pairing_ptr[site + 1]]
            can_have = bool(np.any(agent_arc[waiting] < 0)) and counts[site, p.is_partner_class].sum() < partner_places[site]
            team = _first_team(p, site, group, leads, partners, others, covered[site] or not need_cover,
                               need_leader and group_leader[group] < 0, pair_partner, partner_needs_lead,
                               can_have, covers)
            if team is None:
                break
            for arc in team:
                place(int(arc))
            if need_leader and group_leader[group] < 0:
                chosen = [int(arc_agent[a]) for a in team if p.agent_can_lead[arc_agent[a]]]
                group_leader[group] = chosen[0]
    if not need_leader:
        # name a leader anyway where one is placed (the rule is off; the field stays informative)
        placed_arcs = agent_arc[agent_arc >= 0]
        for arc in placed_arcs:
            g = int(p.site_group[p.site_idx[arc]])
            if group_leader[g] < 0 and p.agent_can_lead[arc_agent[arc]]:
                group_leader[g] = int(arc_agent[arc])
    return agent_arc, group_leader


def _first_team(
    p: DeploymentProblem, site: int, group: int, leads: np.ndarray, partners: np.ndarray, others: np.ndarray,
    covered: bool, needs_leader: bool, pair_partner: bool, partner_needs_lead: bool, partner_available: bool,
    covers: np.ndarray,
) -> tuple[int, ...] | None:
    """The first team (arcs) in agent order that keeps the rules; None when none fits."""
    arc_agent = p.arc_agent

    def ok(team: tuple[int, ...]) -> bool:
        if not covered and not any(covers[a] for a in team):
            return False
        return not (needs_leader and not any(p.agent_can_lead[arc_agent[a]] for a in team))

    # Lead-class agents go with a partner when one can be had; a lone lead only when none is left.
    if leads.size:
        if partners.size and (pair_partner or partner_needs_lead):
            for lead in leads:
                for partner in partners:
                    if ok((int(lead), int(partner))):
                        return (int(lead), int(partner))
        if not partners.size or not pair_partner:
            # no partner can be had (or pairing is off): a lead alone, if the rule allows it
            if not pair_partner or not partner_available:
                for lead in leads:
                    if ok((int(lead),)):
                        return (int(lead),)
    if not partner_needs_lead:
        for arc in np.concatenate([partners, others]):
            if ok((int(arc),)):
                return (int(arc),)
    elif others.size:
        for arc in others:
            if ok((int(arc),)):
                return (int(arc),)
    return None
