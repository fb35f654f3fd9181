"""Calendar heat-map of a duty roster: cover ratio by station (rows, grouped by kind) and day (columns)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

KIND_ORDER = ("court", "procuratorate", "detention_centre", "hotline")


def cover_matrix(cover: pd.DataFrame) -> tuple[np.ndarray, list[str], list[str], list[str]]:
    """Cover ratio ``staffed / required`` per station and day (periods of a station summed).

    Parameters
    ----------
    cover : DataFrame
        ``date, station_id, kind, required, staffed`` (one row per open period; see
        ``models.duty.decode.cover_frame``).

    Returns
    -------
    ratio : float array [stations, days]
        ``NaN`` where the station is closed or requires nobody; capped at 1.5.
    station_ids, kinds, dates : lists of str
        Row and column labels (rows ordered by kind, then station id).
    """
    if cover.empty:
        return np.zeros((0, 0)), [], [], []
    grouped = cover.groupby(["kind", "station_id", "date"], sort=False)[["required", "staffed"]].sum().reset_index()
    kind_rank = {k: i for i, k in enumerate(KIND_ORDER)}
    stations = (grouped[["kind", "station_id"]].drop_duplicates()
                .assign(rank=lambda f: f["kind"].map(kind_rank).fillna(len(KIND_ORDER)))
                .sort_values(["rank", "station_id"], kind="stable"))
    dates = sorted(grouped["date"].unique())
    row = {s: i for i, s in enumerate(stations["station_id"])}
    col = {d: j for j, d in enumerate(dates)}
    ratio = np.full((len(row), len(col)), np.nan)
    req = grouped["required"].to_numpy(np.float64)
    val = np.where(req > 0, grouped["staffed"].to_numpy(np.float64) / np.maximum(req, 1), np.nan)
    ratio[grouped["station_id"].map(row).to_numpy(), grouped["date"].map(col).to_numpy()] = np.minimum(val, 1.5)
    return ratio, list(stations["station_id"]), list(stations["kind"]), [str(d) for d in dates]


def cover_heatmap_png(cover: pd.DataFrame, *, title: str = "") -> bytes:
    """PNG bytes of the heat-map: red = nobody of the required head-count, green = fully covered, grey = closed;
    horizontal lines separate the station kinds, labelled on the left with their number of stations."""
    ratio, _, kinds, dates = cover_matrix(cover)
    n_rows = max(len(kinds), 1)
    height = min(max(4.0, 0.025 * n_rows + 2.0), 30.0)
    fig, ax = plt.subplots(figsize=(max(6.0, 0.28 * len(dates) + 3.0), height), dpi=110)
    cmap = matplotlib.colormaps["RdYlGn"].with_extremes(bad="#dddddd")
    im = ax.imshow(np.ma.masked_invalid(ratio) if ratio.size else np.zeros((1, 1)), aspect="auto", cmap=cmap,
                   vmin=0.0, vmax=1.0, interpolation="nearest")
    if dates:
        step = max(1, len(dates) // 16)
        ax.set_xticks(range(0, len(dates), step))
        ax.set_xticklabels([d[5:] for d in dates[::step]], rotation=90, fontsize=7)
    ticks, labels = [], []
    kinds_arr = np.array(kinds, dtype=object)
    for kind in dict.fromkeys(kinds):
        idx = np.flatnonzero(kinds_arr == kind)
        ticks.append(float(idx.mean()))
        labels.append(f"{kind} ({idx.size})")
        if idx[0] > 0:
            ax.axhline(idx[0] - 0.5, color="black", lw=0.8)
    ax.set_yticks(ticks)
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlabel("day")
    ax.set_title(title or "Duty cover: staffed / required head-count by station and day")
    fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02, label="cover ratio (capped at 1)")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
