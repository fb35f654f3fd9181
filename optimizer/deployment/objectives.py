"""Site-level objective terms of the deployment core, each with a model face and an evaluator.

Arc terms (preference, travel, ...) are plain arc costs in ``arc_term_cost``; the two terms here depend on the
set of agents a site receives:

- ``coverage`` (<= 0): minus ``site_weight[s] * f(units[s])`` with ``f`` concave piecewise linear. Modelled by
  continuous segment columns ``z[s, t]`` in ``[0, width_t]`` with ``sum_t z[s, t] = units[s]`` and cost
  ``-site_weight[s] * slope_t``; slopes are non-increasing, so an optimal solution fills segments in order and
  the LP value equals ``f`` at every integer point (no binaries). When ``site_cover`` is in force, sites that
  need cover also get the valid cut ``z[s, t] <= width_t * (agents with the attribute at s)``.
- ``no_lead`` (>= 0): ``site_no_lead_penalty[s]`` when no lead-class agent is placed at ``s``. Modelled as the
  constant ``sum_s penalty[s]`` minus ``penalty[s] * lam[s]`` with ``lam[s]`` in ``[0, 1]`` and
  ``lam[s] <= leads at s``; at an optimum ``lam[s] = min(1, leads)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from optimizer.deployment import constraints as cons
from optimizer.deployment.constraints import Block, Context

if TYPE_CHECKING:
    from optimizer.deployment.problem import DeploymentProblem

COVERAGE = "coverage"
NO_LEAD = "no_lead"
SITE_TERMS: tuple[str, ...] = (COVERAGE, NO_LEAD)


def segment_widths(p: DeploymentProblem) -> np.ndarray:
    """Width of each coverage segment per site, shape (num_sites, num_segments); the last one reaches the most
    units a site can hold."""
    starts = np.concatenate([[0], p.coverage_breaks])
    max_units = p.site_places @ p.class_units
    ends = np.concatenate([np.broadcast_to(p.coverage_breaks, (p.num_sites, p.coverage_breaks.size)),
                           np.maximum(max_units, starts[-1])[:, None]], axis=1)
    return np.maximum(ends - starts[None, :], 0)


def coverage_value(p: DeploymentProblem, units: np.ndarray) -> np.ndarray:
    """f(units) per site before ``site_weight`` (int64): slope t applied to the units falling in segment t."""
    units = np.asarray(units, dtype=np.int64)
    starts = np.concatenate([[0], p.coverage_breaks])
    ends = np.concatenate([p.coverage_breaks, [np.iinfo(np.int64).max // 4]])
    filled = np.clip(units[:, None] - starts[None, :], 0, (ends - starts)[None, :])
    return (filled * p.coverage_slopes[None, :]).sum(axis=1)


def total_coverage(p: DeploymentProblem, counts: np.ndarray) -> int:
    """Coverage term (<= 0) of a solution given as agents per (site, class)."""
    units = counts @ p.class_units
    return -int((p.site_weight * coverage_value(p, units)).sum())


def total_no_lead(p: DeploymentProblem, counts: np.ndarray) -> int:
    """No-lead penalty (>= 0) of a solution given as agents per (site, class)."""
    leads = counts[:, p.is_lead_class].sum(axis=1)
    return int(p.site_no_lead_penalty[leads == 0].sum())


def model_coverage(p: DeploymentProblem, ctx: Context, first_row: int, first_col: int) -> Block:
    """Segment columns z[s, t] (site-major) and rows sum_a units x_a - sum_t z[s, t] = 0 for sites with arcs."""
    s, t = p.num_sites, p.coverage_slopes.size
    widths = segment_widths(p)
    has_arc = np.zeros(s, dtype=bool)
    has_arc[ctx.arc_site] = True
    sites = np.flatnonzero(has_arc & (p.site_weight > 0))
    row_of = np.full(s, -1, dtype=np.int64)
    row_of[sites] = np.arange(sites.size)
    arcs = np.flatnonzero(row_of[ctx.arc_site] >= 0)
    units = p.class_units[ctx.arc_class[arcs]].astype(np.float64)
    z_cols = first_col + np.arange(sites.size * t)
    rows = np.concatenate([row_of[ctx.arc_site[arcs]], np.repeat(np.arange(sites.size), t)]) + first_row
    cols = np.concatenate([arcs, z_cols])
    vals = np.concatenate([units, -np.ones(sites.size * t)])
    cost = -(p.site_weight[sites][:, None] * p.coverage_slopes[None, :]).ravel().astype(np.float64)
    row_lower, row_upper = [np.zeros(sites.size)], [np.zeros(sites.size)]
    rows_l, cols_l, vals_l = [rows], [cols], [vals]
    if cons.SITE_COVER in p.constraints:
        # Valid cut: no coverage without a coverer, z[s, t] <= width_t * (agents with the attribute at s). With a
        # coverer present it is implied by the column bound; it stops the LP from letting a fraction of a coverer
        # open the steep first segment of several sites.
        covered_sites = sites[p.site_cover[sites] >= 0]
        local = np.full(s, -1, dtype=np.int64)
        local[covered_sites] = np.arange(covered_sites.size)
        cov_arcs = np.flatnonzero(ctx.arc_covers & (local[ctx.arc_site] >= 0))
        base = first_row + sites.size
        num = covered_sites.size * t
        seg_row = base + np.arange(num)
        seg_col = first_col + (row_of[np.repeat(covered_sites, t)] * t + np.tile(np.arange(t), covered_sites.size))
        arc_rows = base + (np.repeat(local[ctx.arc_site[cov_arcs]] * t, t) + np.tile(np.arange(t), cov_arcs.size))
        arc_vals = -widths[np.repeat(ctx.arc_site[cov_arcs], t), np.tile(np.arange(t), cov_arcs.size)].astype(np.float64)
        rows_l += [seg_row, arc_rows]
        cols_l += [seg_col, np.repeat(cov_arcs, t)]
        vals_l += [np.ones(num), arc_vals]
        row_lower.append(np.full(num, -np.inf))
        row_upper.append(np.zeros(num))
    return Block(rows=np.concatenate(rows_l).astype(np.int64), cols=np.concatenate(cols_l).astype(np.int64),
                 vals=np.concatenate(vals_l).astype(np.float64),
                 row_lower=np.concatenate(row_lower), row_upper=np.concatenate(row_upper),
                 col_cost=cost, col_lower=np.zeros(sites.size * t),
                 col_upper=widths[sites].ravel().astype(np.float64),
                 col_integer=np.zeros(sites.size * t, dtype=bool))


def model_no_lead(p: DeploymentProblem, ctx: Context, first_row: int, first_col: int) -> Block:
    """Columns lam[s] for sites with a penalty and lead arcs; rows lam[s] - leads at s <= 0; constant offset."""
    s = p.num_sites
    offset = float(p.site_no_lead_penalty.sum())
    has_lead = np.zeros(s, dtype=bool)
    has_lead[ctx.arc_site[ctx.arc_is_lead]] = True
    sites = np.flatnonzero(has_lead & (p.site_no_lead_penalty > 0))
    row_of = np.full(s, -1, dtype=np.int64)
    row_of[sites] = np.arange(sites.size)
    arcs = np.flatnonzero(ctx.arc_is_lead & (row_of[ctx.arc_site] >= 0))
    lam = first_col + np.arange(sites.size)
    rows = np.concatenate([np.arange(sites.size), row_of[ctx.arc_site[arcs]]]) + first_row
    cols = np.concatenate([lam, arcs])
    vals = np.concatenate([np.ones(sites.size), -np.ones(arcs.size)])
    return Block(rows=rows.astype(np.int64), cols=cols.astype(np.int64), vals=vals,
                 row_lower=np.full(sites.size, -np.inf), row_upper=np.zeros(sites.size),
                 col_cost=-p.site_no_lead_penalty[sites].astype(np.float64), col_lower=np.zeros(sites.size),
                 col_upper=np.ones(sites.size), col_integer=np.zeros(sites.size, dtype=bool), offset=offset)
