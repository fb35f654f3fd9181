"""Map picture of a plan: counties, providers, and cross-county assignments coloured by tier."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from models.region import Regions  # noqa: E402

TIER_COLOURS = {"city": "#1f77b4", "province": "#d62728", "partner": "#9467bd", "remote": "#2ca02c",
                "outside_policy": "#ff7f0e"}


def plan_map_png(
    cases: pd.DataFrame,
    providers: pd.DataFrame,
    plan: pd.DataFrame,
    regions: Regions,
    *,
    title: str = "",
) -> bytes:
    """PNG bytes of a map: counties (grey, sized by population), providers per county (blue), unassigned cases (x),
    and one line per cross-county assignment from the provider's county to the case county, coloured by tier."""
    counties = np.unique(np.concatenate([cases["county"].to_numpy(), providers["home_county"].to_numpy()]))
    cidx = regions.index_of(counties)
    cidx = cidx[cidx >= 0]
    fig, ax = plt.subplots(figsize=(11, 7), dpi=110)
    ax.scatter(regions.longitude[cidx], regions.latitude[cidx], s=4 + regions.population[cidx] / 40_000,
               c="#cccccc", edgecolors="#888888", linewidths=0.4, label="county (size = population)", zorder=1)
    pcount = providers["home_county"].value_counts()
    pidx = regions.index_of(pcount.index.to_numpy())
    ax.scatter(regions.longitude[pidx], regions.latitude[pidx], s=2 + pcount.to_numpy() / 8, c="#4a90d9",
               alpha=0.45, label="providers (size = count)", zorder=2)
    merged = plan.merge(cases[["case_id", "county"]], on="case_id").merge(
        providers[["provider_id", "home_county"]], on="provider_id", how="left"
    )
    for tier, colour in TIER_COLOURS.items():
        rows = merged[(merged["tier"] == tier)]
        if rows.empty:
            continue
        a = regions.index_of(rows["home_county"].to_numpy())
        b = regions.index_of(rows["county"].to_numpy())
        xs = np.stack([regions.longitude[a], regions.longitude[b], np.full(a.size, np.nan)], axis=1).ravel()
        ys = np.stack([regions.latitude[a], regions.latitude[b], np.full(a.size, np.nan)], axis=1).ravel()
        ax.plot(xs, ys, color=colour, lw=0.7, alpha=0.6, zorder=3, label=f"{tier} assignment ({len(rows)})")
    open_cases = merged[merged["provider_id"] == ""]
    if not open_cases.empty:
        u = regions.index_of(open_cases["county"].to_numpy())
        ax.scatter(regions.longitude[u], regions.latitude[u], marker="x", c="k", s=25, zorder=4,
                   label=f"unassigned case ({len(open_cases)})")
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_aspect(1.0 / np.cos(np.radians(float(np.nanmean(regions.latitude[cidx])))))
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
