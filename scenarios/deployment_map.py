"""Map picture of a deployment plan: counties in need served and unserved (matplotlib, Agg backend)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from models.deployment.decode import DeploymentPlan  # noqa: E402
from models.region import Regions, load_regions  # noqa: E402


def deployment_map_png(plan: DeploymentPlan, regions: Regions | None = None, *, title: str = "") -> bytes:
    """PNG bytes of a map of the plan.

    All counties of the receiving provinces are drawn as light grey dots (background); counties in need are
    drawn on top: served with a lawyer (green, size = volunteers), served by partners only (blue), unserved
    (open orange circle) and unserved no-lawyer counties (red cross); team leaders' counties get a black ring.
    """
    regions = regions if regions is not None else load_regions()
    a = plan.arrays
    inst = plan.instance
    counts = plan.counts()
    lon = np.array([c.longitude for c in inst.counties])
    lat = np.array([c.latitude for c in inst.counties])
    total = counts.sum(axis=1)
    with_lawyer = counts[:, 0] > 0
    partners_only = (total > 0) & ~with_lawyer
    empty = total == 0
    no_lawyer = a.lawyers_per_10k == 0
    fig, ax = plt.subplots(figsize=(11, 7), dpi=110)
    back = regions.in_provinces(list(inst.settings.receiving_provinces))
    ax.scatter(regions.longitude[back], regions.latitude[back], s=3, c="#dddddd", zorder=1,
               label="county of a receiving province")
    ax.scatter(lon[with_lawyer], lat[with_lawyer], s=12 + 14 * total[with_lawyer], c="#2ca02c", alpha=0.8,
               edgecolors="#1a661a", linewidths=0.5, zorder=3, label=f"served with a lawyer ({int(with_lawyer.sum())})")
    if np.any(partners_only):
        ax.scatter(lon[partners_only], lat[partners_only], s=20, c="#1f77b4", zorder=3,
                   label=f"partners only ({int(partners_only.sum())})")
    other_empty = empty & ~no_lawyer
    ax.scatter(lon[other_empty], lat[other_empty], s=24, facecolors="none", edgecolors="#ff7f0e", linewidths=1.0,
               zorder=4, label=f"unserved ({int(other_empty.sum())})")
    ax.scatter(lon[empty & no_lawyer], lat[empty & no_lawyer], s=30, marker="x", c="#d62728", zorder=5,
               label=f"unserved no-lawyer county ({int((empty & no_lawyer).sum())})")
    leaders = plan.leader[plan.leader >= 0]
    lead_county = plan.volunteer_county[leaders]
    lead_county = lead_county[lead_county >= 0]
    if lead_county.size:
        ax.scatter(lon[lead_county], lat[lead_county], s=90, facecolors="none", edgecolors="k", linewidths=1.2,
                   zorder=6, label="team leader's county")
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_title(title or f"{inst.name}: {int((total > 0).sum())} of {len(inst.counties)} counties served")
    ax.legend(loc="lower left", fontsize=8)
    mean_lat = float(np.nanmean(lat)) if lat.size else 35.0
    ax.set_aspect(1.0 / np.cos(np.radians(mean_lat)))
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
