"""Curtois & Qu instances over several seeds: the spread of single runs, and A/B comparisons of roster settings.

    python -m benchmarks.shift_scheduling_seeds [--time-limit SECONDS] [--seeds N ...] [--set NAME=VALUE ...]
                                                [--out FILE] FILE...

One run of the benchmark runner (:mod:`benchmarks.shift_scheduling`) per file and seed, with the runner's
settings (wall-clock mode, 2 workers) changed by ``--set`` (any field of
:class:`optimizer.roster.params.RosterParams`, value parsed as JSON where it can be, e.g. ``--set
master_lp=ipm --set columns_share=0.5``). Prints each run's JSON row (with ``seed``; also appended to
``--out`` when given), then a table per instance: mean, lowest and highest gap to the best known over the seeds,
and the mean over instances of the per-instance means. Single 60 s runs of the larger instances differ by tens
of per cent from seed to seed, so settings are compared here, on the same seeds, rather than on one run each.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
from pathlib import Path

from benchmarks.shift_scheduling import run_instance
from optimizer.roster import RosterParams


def parse_settings(items: list[str]) -> dict[str, object]:
    """``NAME=VALUE`` pairs into RosterParams overrides; raises ValueError naming the bad item."""
    fields = {f.name for f in dataclasses.fields(RosterParams)}
    out: dict[str, object] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name:
            raise ValueError(f"--set {item!r}: expected NAME=VALUE")
        if name not in fields:
            raise ValueError(f"--set {item!r}: {name!r} is not a RosterParams field")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        out[name] = tuple(value) if isinstance(value, list) else value  # e.g. rule_ids, a tuple field
    return out


def summarise(rows: list[dict[str, object]]) -> list[str]:
    """Table lines: per instance the mean, lowest and highest gap over seeds, then the mean of the means."""
    by_instance: dict[str, list[float]] = {}
    infeasible: dict[str, int] = {}
    for row in rows:
        name = str(row["instance"])
        gap = row["gap_pct"]
        if isinstance(gap, (int, float)):
            by_instance.setdefault(name, []).append(float(gap))
        elif not row["feasible"]:
            infeasible[name] = infeasible.get(name, 0) + 1
    lines = [f"{'instance':<12}{'runs':>5}{'mean gap %':>12}{'lowest':>10}{'highest':>10}{'infeasible':>12}"]
    means = []
    for name in sorted(set(by_instance) | set(infeasible), key=lambda n: (len(n), n)):
        gaps = by_instance.get(name, [])
        if gaps:
            means.append(statistics.fmean(gaps))
            lines.append(f"{name:<12}{len(gaps):>5}{statistics.fmean(gaps):>12.2f}{min(gaps):>10.2f}{max(gaps):>10.2f}"
                         f"{infeasible.get(name, 0):>12}")
        else:
            lines.append(f"{name:<12}{0:>5}{'':>12}{'':>10}{'':>10}{infeasible.get(name, 0):>12}")
    if means:
        lines.append(f"mean of the per-instance mean gaps: {statistics.fmean(means):.2f}% over {len(means)} instances")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.shift_scheduling_seeds", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per run (default 60)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds (default 0 1 2)")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                        help="override a RosterParams field (repeatable)")
    parser.add_argument("--out", type=Path, default=None, help="append each run's JSON row to this file")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    if not args.time_limit > 0:
        parser.error("--time-limit: must be > 0")
    try:
        overrides = parse_settings(args.settings)
        params = RosterParams(**{"deterministic": False, "num_workers": 2, **overrides})  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        parser.error(str(exc))
    rows: list[dict[str, object]] = []
    for seed in args.seeds:
        for path in args.files:
            row = {**run_instance(path, time_limit_s=args.time_limit, seed=seed, solutions=None, params=params),
                   "seed": seed, "settings": overrides}
            rows.append(row)
            line = json.dumps(row)
            print(line, flush=True)
            if args.out is not None:
                with open(args.out, "a", encoding="utf-8") as fh:
                    fh.write(line + "\n")
    for line in summarise(rows):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
