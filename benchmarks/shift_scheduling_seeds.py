"""Curtois & Qu instances over several seeds: the spread of single runs, and A/B comparisons of roster settings.

    python -m benchmarks.shift_scheduling_seeds [--time-limit SECONDS] [--seeds N ...] [--set NAME=VALUE ...]
                                                [--baseline] [--out FILE] FILE...

One run of the benchmark runner (:mod:`benchmarks.shift_scheduling`) per file and seed, with the runner's
settings (wall-clock mode, 2 workers) changed by ``--set``, value parsed as JSON where it can be (``null``,
``true``, numbers, lists):

- a field of :class:`optimizer.roster.params.RosterParams`, e.g. ``--set master_lp=ipm --set columns_share=0.5``;
- or a module constant of the solver, by its dotted name, e.g. ``--set optimizer.roster.ejection.CANDIDATES=null
  --set optimizer.roster.solve.DIVE_SHARE=0``: set for each run and restored after it. Set it on the module that
  reads it (a name imported into another module keeps its old value there).

Prints each run's JSON row (with ``seed``; also appended to ``--out`` when given), then a table per instance:
mean, lowest and highest gap to the best known over the seeds, and the mean over instances of the per-instance
means. With ``--baseline`` every file and seed is also run without the settings (the two in turn, which goes first
alternating with the seed, so that a slower spell of the machine hits both), each row marked ``"arm"``
(``baseline`` or ``variant``), and a paired table follows: per instance the mean objective of each arm, the mean
of the paired differences (variant minus baseline) with its standard error, how often the variant was lower, equal
or higher, and the sign test's p-value of those counts. Single 60 s runs of the larger instances differ by tens of
per cent from seed to seed and from run to run, so settings are compared here, on the same seeds, rather than on
one run each; a mean difference within two standard errors, or a sign p-value above 0.05 (three of three lower
gives 0.25), does not tell a setting from the noise.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import math
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from scipy.stats import binomtest

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
        out[name] = _value(raw)  # a list becomes a tuple, e.g. rule_ids, a tuple field
    return out


def _value(raw: str) -> object:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return tuple(value) if isinstance(value, list) else value


def split_settings(items: list[str]) -> tuple[dict[str, object], dict[str, object]]:
    """``NAME=VALUE`` pairs into (RosterParams overrides, module constants by dotted name); raises ValueError naming
    the bad item: an unknown field, a module that does not import, a name that is not an upper-case constant of
    its module, or a value of another type than the constant's (``null`` and numbers for numbers always pass)."""
    fields: list[str] = []
    constants: dict[str, object] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if "." not in name:
            fields.append(item)  # a RosterParams field: parse_settings checks it
            continue
        if not sep:
            raise ValueError(f"--set {item!r}: expected NAME=VALUE")
        module_name, _, attr = name.rpartition(".")
        if not module_name.startswith("optimizer."):
            raise ValueError(f"--set {item!r}: constants are set only in modules of the optimizer package")
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            raise ValueError(f"--set {item!r}: no module {module_name!r}") from None
        if not attr.isupper() or not hasattr(module, attr):
            raise ValueError(f"--set {item!r}: {attr!r} is not an upper-case constant of {module_name}")
        old, value = getattr(module, attr), _value(raw)
        numbers = (int, float)
        same = (value is None or old is None or type(value) is type(old)
                or (isinstance(value, numbers) and isinstance(old, numbers)
                    and not isinstance(value, bool) and not isinstance(old, bool)))
        if not same:
            raise ValueError(f"--set {item!r}: {name} holds a {type(old).__name__}, not a {type(value).__name__}")
        constants[name] = value
    return parse_settings(fields), constants


@contextmanager
def constants_set(constants: dict[str, object]) -> Iterator[None]:
    """Module constants (dotted names, as checked by :func:`split_settings`) set for the block, then restored."""
    saved: list[tuple[ModuleType, str, object]] = []
    try:
        for name, value in constants.items():
            module_name, _, attr = name.rpartition(".")
            module = importlib.import_module(module_name)
            saved.append((module, attr, getattr(module, attr)))
            setattr(module, attr, value)
        yield
    finally:
        for module, attr, old in reversed(saved):
            setattr(module, attr, old)


def standard_error(delta: list[float]) -> float | None:
    """Standard error of the mean of the paired differences ``delta`` (sample standard deviation over the square root
    of their number); None for fewer than two. A mean difference within about two of them is the run-to-run noise
    (single 60 s runs of Curtois & Qu 13 and 20 differ by several hundred points between seeds)."""
    if len(delta) < 2:
        return None
    return statistics.stdev(delta) / math.sqrt(len(delta))


def sign_test(lower: int, higher: int) -> float:
    """Two-sided exact sign-test p-value of ``lower`` pairs where the variant was lower against ``higher`` where it was
    higher (ties dropped): the chance of a split at least this uneven if either arm were as likely to win a pair.
    Three of three lower gives 0.25: too few pairs to tell anything; it takes six of six for 0.031. The binomial test
    is scipy's (``scipy.stats.binomtest`` at one half)."""
    n = lower + higher
    if n == 0:
        return 1.0
    return float(binomtest(lower, n, 0.5).pvalue)


def paired(rows: list[dict[str, object]]) -> list[str]:
    """Table lines comparing the ``variant`` and ``baseline`` rows of the same instance and seed: pairs, mean
    objective of each, mean difference (variant minus baseline) with its standard error (:func:`standard_error`),
    how often the variant was lower / equal / higher, and the two-sided sign test's p-value of those counts
    (:func:`sign_test`). Pairs where either run found no feasible roster are counted apart."""
    arms: dict[tuple[str, object], dict[str, object]] = {}
    for row in rows:
        arms.setdefault((str(row["instance"]), row["seed"]), {})[str(row["arm"])] = row["objective"]
    diffs: dict[str, list[tuple[float, float]]] = {}
    missing: dict[str, int] = {}
    for (name, _), arm in arms.items():
        base, var = arm.get("baseline"), arm.get("variant")
        if isinstance(base, (int, float)) and isinstance(var, (int, float)):
            diffs.setdefault(name, []).append((float(base), float(var)))
        else:
            missing[name] = missing.get(name, 0) + 1
    lines = [f"{'instance':<12}{'pairs':>6}{'baseline':>11}{'variant':>11}{'mean diff':>11}{'s.e.':>9}"
             f"{'lower/equal/higher':>20}{'sign p':>8}{'unpaired':>10}"]
    for name in sorted(set(diffs) | set(missing), key=lambda n: (len(n), n)):
        pairs = diffs.get(name, [])
        if pairs:
            delta = [v - b for b, v in pairs]
            lower, higher = sum(d < 0 for d in delta), sum(d > 0 for d in delta)
            counts = f"{lower}/{len(delta) - lower - higher}/{higher}"
            se = standard_error(delta)
            lines.append(f"{name:<12}{len(pairs):>6}{statistics.fmean(b for b, _ in pairs):>11.1f}"
                         f"{statistics.fmean(v for _, v in pairs):>11.1f}{statistics.fmean(delta):>+11.1f}"
                         f"{'-' if se is None else f'{se:.1f}':>9}{counts:>20}{sign_test(lower, higher):>8.3f}"
                         f"{missing.get(name, 0):>10}")
        else:
            lines.append(f"{name:<12}{0:>6}{'':>11}{'':>11}{'':>11}{'':>9}{'':>20}{'':>8}{missing.get(name, 0):>10}")
    return lines


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
                        help="override a RosterParams field or a dotted module constant (repeatable)")
    parser.add_argument("--baseline", action="store_true",
                        help="also run every file and seed without the settings and compare the pairs")
    parser.add_argument("--out", type=Path, default=None, help="append each run's JSON row to this file")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    if not args.time_limit > 0:
        parser.error("--time-limit: must be > 0")
    try:
        overrides, constants = split_settings(args.settings)
        params = RosterParams(**{"deterministic": False, "num_workers": 2, **overrides})  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        parser.error(str(exc))
    base_params = RosterParams(deterministic=False, num_workers=2)
    settings = {**overrides, **constants}
    rows: list[dict[str, object]] = []
    for seed in args.seeds:
        for path in args.files:
            arms = ["variant", "baseline"] if args.baseline else ["variant"]
            if args.baseline and seed % 2:
                arms.reverse()
            for arm in arms:
                with constants_set(constants if arm == "variant" else {}):
                    run = run_instance(path, time_limit_s=args.time_limit, seed=seed, solutions=None,
                                       params=params if arm == "variant" else base_params)
                row: dict[str, object] = {**run, "seed": seed, "settings": settings if arm == "variant" else {}}
                if args.baseline:
                    row["arm"] = arm
                rows.append(row)
                line = json.dumps(row)
                print(line, flush=True)
                if args.out is not None:
                    with open(args.out, "a", encoding="utf-8") as fh:
                        fh.write(line + "\n")
    if args.baseline:
        for arm in ("baseline", "variant"):
            print(f"{arm}:")
            for line in summarise([r for r in rows if r["arm"] == arm]):
                print(line)
        print("paired (variant minus baseline, objective):")
        for line in paired(rows):
            print(line)
    else:
        for line in summarise(rows):
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
