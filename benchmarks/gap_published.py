"""Published GAP sets against their best known values.

    python -m benchmarks.gap_published [--set orlib|cde|generated|all] [--time-limit SECONDS] [--seed N]

Runs ``python -m benchmarks.gap`` (one child process per file, the interface others check) on the files in
``benchmarks/data/gap/`` and compares each objective with the best known value in ``manifest.csv`` beside them.
Prints one JSON line per problem (the runner's line plus ``best_known`` and ``gap_to_best_pct``) and a summary
line per set: problems, optimal hits, mean and worst gap to the best known, mean gap to the run's own bound.
Published files that are not in ``benchmarks/data/gap/`` are listed as missing.

``--set generated`` writes our own instances of the 27 C/D/E sizes by the published generation rules
(``benchmarks.gap_io.classic_instance``, seeded) to ``out/gap_generated/`` and reports the gap to the run's own
bound (an upper bound on the gap to the optimum), since no best known value exists for them.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).parent / "data" / "gap"
ORLIB = [f"gap{k}.txt" for k in range(1, 13)]
CDE = [f"{t}{m}{n}" for t in "cde" for m, n in
       ((10, 400), (20, 400), (40, 400), (15, 900), (30, 900), (60, 900), (20, 1600), (40, 1600), (80, 1600))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gap_published", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=("orlib", "cde", "generated", "all"), default="all")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    manifest = {(r["file"], int(r["problem"])): r for r in csv.DictReader((DATA / "manifest.csv").open())}
    sets = {"orlib": ORLIB, "cde": CDE, "generated": CDE}
    chosen = list(sets) if args.set == "all" else [args.set]
    generated = Path("out/gap_generated")
    if "generated" in chosen:
        from benchmarks.gap_io import classic_instance, write_orlib

        generated.mkdir(parents=True, exist_ok=True)
        for file in CDE:
            m, n = _size(file)
            write_orlib(generated / file, [classic_instance(file[0].upper(), m, n, seed=args.seed * 1_000_003 + m * n)])
    for name in chosen:
        rows = []
        for file in sets[name]:
            path = (generated if name == "generated" else DATA) / file
            if not path.exists():
                print(json.dumps({"instance": Path(file).stem, "missing": True}), flush=True)
                continue
            cmd = [sys.executable, "-m", "benchmarks.gap", "--time-limit", str(args.time_limit), "--seed",
                   str(args.seed)] + (["--maximize"] if name == "orlib" else []) + [str(path)]
            out = subprocess.run(cmd, capture_output=True, text=True, check=False)
            for line in out.stdout.splitlines():
                if not line.startswith("{"):
                    continue
                row = json.loads(line)
                ref = None if name == "generated" else manifest.get((file, int(row["problem"])))
                best = float(ref["best_known"]) if ref else None
                if best is not None and row["objective"] is not None:
                    row["best_known"] = best
                    row["gap_to_best_pct"] = round(100 * abs(float(row["objective"]) - best) / abs(best), 4)
                rows.append(row)
                print(json.dumps(row), flush=True)
        gaps = [r["gap_to_best_pct"] for r in rows if "gap_to_best_pct" in r]
        own = [r["gap_pct"] for r in rows if r.get("gap_pct") is not None]
        hits = sum(1 for g in gaps if g == 0)
        versus_best = (f"{hits} at best known, gap to best known mean {sum(gaps) / len(gaps):.3f}% worst {max(gaps):.3f}%"
                       if gaps else "no best known values")
        print(f"summary {name}: {len(rows)} problems, {sum(r['feasible'] for r in rows)} feasible, {versus_best}, "
              f"gap to own bound mean {sum(own) / max(1, len(own)):.3f}% worst {max(own, default=float('nan')):.3f}%",
              flush=True)
    return 0


def _size(name: str) -> tuple[int, int]:
    """(agents, jobs) of a Yagiura-style name such as ``d801600`` (jobs are 400, 900 or 1600)."""
    digits = name[1:]
    for jobs in ("1600", "900", "400"):
        if digits.endswith(jobs):
            return int(digits[: -len(jobs)]), int(jobs)
    raise ValueError(f"name: cannot read agents and jobs from {name!r}")


if __name__ == "__main__":
    sys.exit(main())
