"""Command line of the duty-lawyer roster: ``legalaid roster generate | plan | nightly | demo``.

``roster_app`` is a typer sub-application; ``api/cli.py`` mounts it as ``legalaid roster``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from models.duty.io import read_dropouts, read_inputs, write_inputs
from models.schema import InputError

roster_app = typer.Typer(help="Duty-lawyer (值班律师) rosters: generate inputs, plan a month, run the nightly job, demo.",
                         no_args_is_help=True, add_completion=False)
console = Console(width=140)
COVER_PNG = "cover.png"


def _fail(exc: Exception) -> None:
    console.print(f"[bold red]error:[/] {exc}")
    raise typer.Exit(code=2)


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{option}: {value!r} is not a date YYYY-MM-DD") from exc


def _table(title: str, frame: pd.DataFrame, *, index: bool = False) -> None:
    table = Table(title=title)
    cols = ([str(frame.index.name or "")] if index else []) + [str(c) for c in frame.columns]
    for i, c in enumerate(cols):
        table.add_column(c, justify="left" if i == 0 else "right")
    for idx, row in zip(frame.index, frame.itertuples(index=False), strict=True):
        cells = [f"{v:.2f}" if isinstance(v, float) else str(v) for v in row]
        table.add_row(*(([str(idx)] if index else []) + cells))
    console.print(table)


def cover_by_kind(cover: pd.DataFrame) -> pd.DataFrame:
    """Required, staffed (up to required), uncovered and cover % per station kind, plus a total row."""
    c = cover.assign(filled=np.minimum(cover["staffed"], cover["required"]),
                     missing=np.maximum(cover["required"] - cover["staffed"], 0))
    by = c.groupby("kind")[["required", "filled", "missing", "staffed", "ideal"]].sum()
    by.loc["total"] = by.sum()
    by["cover_pct"] = np.round(100.0 * by["filled"] / by["required"].where(by["required"] > 0, 1), 1)
    out = by[["required", "filled", "missing", "cover_pct", "ideal", "staffed"]].rename_axis("kind")
    return out.astype({"required": int, "filled": int, "missing": int, "ideal": int, "staffed": int})


def _print_plan(plan: Any, *, top: int = 12) -> None:
    from models.duty.decode import fairness_frame
    from models.region import load_regions

    console.print_json(json.dumps(plan.summary()))
    _table("Cover by station kind (required head-count)", cover_by_kind(plan.cover), index=True)
    expl = plan.explanations
    if expl["uncovered"]:
        reasons = pd.DataFrame([{"reason": k, "missing lawyers": v} for k, v in expl["uncovered_by_reason"].items()])
        _table("Uncovered shifts by the rule that left them empty", reasons)
        rows = pd.DataFrame(expl["uncovered"])[["date", "station_id", "period", "missing", "reason", "text"]]
        _table(f"Uncovered shifts (first {min(top, len(rows))} of {len(rows)})", rows.head(top))
    fair = fairness_frame(plan.compiled, plan.result.schedule)
    if len(fair):
        regions = load_regions()
        if plan.compiled.ctx.settings.fairness_scope == "city":
            fair["group"] = [str(regions.city[int(np.argmax(regions.city_idx == g))]) for g in fair["group"]]
        fair = fair.sort_values("lawyers", ascending=False).rename(columns={"group": "fairness group"})
        _table("Fairness spread within groups (largest groups)", fair.head(top))


@roster_app.command()
def generate(
    out: Annotated[Path, typer.Option(help="directory for stations.csv, demand.csv, lawyers.csv, ...")],
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    lawyers: Annotated[int, typer.Option(help="number of duty lawyers")] = 3000,
    days: Annotated[int, typer.Option(help="days in the horizon")] = 31,
    start: Annotated[str, typer.Option(help="first day YYYY-MM-DD")] = "2024-03-01",
    province: Annotated[str, typer.Option(help="province name as in the county file")] = "内蒙古自治区",
    detention_share: Annotated[float, typer.Option(help="share of counties with a detention-centre station")] = 1 / 3,
) -> None:
    """Write the inputs of a province-month (stations, demand, lawyers, requests, budgets, settings)."""
    from scenarios.duty import DutyScenarioSpec, generate_duty

    try:
        spec = DutyScenarioSpec(province=province, start_date=_date(start, "--start"), num_days=days,
                                num_lawyers=lawyers, seed=seed, detention_share=detention_share)
        inputs = generate_duty(spec)
        write_inputs(inputs, out)
    except (InputError, ValueError) as exc:
        _fail(exc)
        return
    console.print(f"wrote {len(inputs.stations)} stations ({len(inputs.demand)} staffed periods), "
                  f"{len(inputs.lawyers)} duty lawyers, {len(inputs.requests)} requests, {len(inputs.budgets)} "
                  f"county budgets for {days} days from {start} to {out}")


def _write_plan_dir(plan: Any, inputs: Any, out: Path, stamp: dt.date, title: str) -> list[Path]:
    from models.duty.service import write_plan
    from scenarios.roster_map import cover_heatmap_png

    png = cover_heatmap_png(plan.cover, title=title)
    return write_plan(plan, inputs, out, stamp=stamp, extra={COVER_PNG: png})


@roster_app.command()
def plan(
    inputs_dir: Annotated[Path, typer.Option("--inputs", help="input directory (roster generate writes one)")],
    out: Annotated[Path, typer.Option(help="output directory")],
    time_limit: Annotated[float, typer.Option(help="solver seconds")] = 30.0,
    seed: Annotated[int, typer.Option(help="solver seed")] = 0,
    dropouts: Annotated[Path | None, typer.Option(help="dropout file (lawyer_id,start_date,end_date,reason)")] = None,
) -> None:
    """Plan the horizon of the inputs: roster.csv, station_rosters.csv, ics/<lawyer>.ics, explanations.json,
    cover.png (all or nothing)."""
    from models.duty.service import plan_roster

    logging.basicConfig(level=logging.WARNING)
    try:
        inputs = read_inputs(inputs_dir)
        drops = read_dropouts(dropouts) if dropouts else None
        result = plan_roster(inputs, time_limit_s=time_limit, seed=seed, dropouts=drops, rel_gap=1e-3)
        _write_plan_dir(result, inputs, out, inputs.settings.start_date,
                        f"Duty cover from {inputs.settings.start_date} ({inputs.settings.num_days} days)")
    except (InputError, ValueError) as exc:
        _fail(exc)
        return
    _print_plan(result)
    console.print(f"wrote roster.csv, station_rosters.csv, explanations.json, {COVER_PNG} and "
                  f"{result.roster['lawyer_id'].nunique()} calendars to {out}")


@roster_app.command()
def nightly(
    date: Annotated[str, typer.Option(help="first day of the new horizon (tomorrow) YYYY-MM-DD")],
    state: Annotated[Path, typer.Option(help="state directory (published roster and runs)")],
    inputs_dir: Annotated[Path | None, typer.Option("--inputs", help="input directory (default STATE/inputs)")] = None,
    dropouts: Annotated[Path | None, typer.Option(help="dropout file (lawyer_id,start_date,end_date,reason)")] = None,
    frozen_days: Annotated[int, typer.Option(help="published days kept unchanged")] = 7,
    time_limit: Annotated[float, typer.Option(help="solver seconds")] = 5.0,
    seed: Annotated[int, typer.Option(help="solver seed")] = 0,
    replan: Annotated[bool, typer.Option(help="after the repair, re-plan the days after the frozen window")] = True,
) -> None:
    """Roll the published roster forward to DATE, keep the frozen days, repair dropouts; write station rosters,
    calendars and the change report into STATE/runs/DATE."""
    from models.duty.nightly import CHANGES_TXT
    from models.duty.nightly import nightly as run_nightly

    logging.basicConfig(level=logging.WARNING)
    try:
        day = _date(date, "--date")
        inputs = read_inputs(inputs_dir or state / "inputs")
        drops = read_dropouts(dropouts) if dropouts else None
        outcome = run_nightly(state, day, inputs, dropouts=drops, frozen_days=frozen_days, time_limit_s=time_limit,
                              seed=seed, replan=replan)
    except (InputError, ValueError) as exc:
        _fail(exc)
        return
    info = {k: outcome.info.get(k) for k in ("run_date", "status", "objective", "hard_violations", "assignments",
                                             "changed_assignments", "lawyers_to_notify", "released_cells", "step",
                                             "seconds")}
    console.print_json(json.dumps(info | {"reused": outcome.reused}))
    console.print((outcome.run_dir / CHANGES_TXT).read_text(encoding="utf-8")[:4000])
    console.print(f"published to {outcome.run_dir}")


@roster_app.command()
def demo(
    out: Annotated[Path, typer.Option(help="output directory")] = Path("out/roster_demo"),
    seed: Annotated[int, typer.Option(help="scenario and solver seed")] = 0,
    lawyers: Annotated[int, typer.Option(help="number of duty lawyers")] = 3000,
    days: Annotated[int, typer.Option(help="days in the horizon")] = 31,
    time_limit: Annotated[float, typer.Option(help="solver seconds")] = 60.0,
) -> None:
    """A month of Inner Mongolia's duty stations and 12348 hotline: generate, plan, print cover, uncovered shifts
    with reasons and fairness, write the roster, calendars and the cover heat-map (cover.png)."""
    from models.duty.service import plan_roster
    from scenarios.duty import DutyScenarioSpec, generate_duty

    logging.basicConfig(level=logging.WARNING)
    spec = DutyScenarioSpec(seed=seed, num_lawyers=lawyers, num_days=days)
    inputs = generate_duty(spec)
    kinds = inputs.stations["kind"].value_counts().to_dict()
    console.print(f"Inner Mongolia duty roster, {days} days from {spec.start_date}: {len(inputs.stations)} stations "
                  f"({', '.join(f'{v} {k}' for k, v in kinds.items())}), {len(inputs.lawyers)} duty lawyers; "
                  f"solving for up to {time_limit:g} s ...")
    result = plan_roster(inputs, time_limit_s=time_limit, seed=seed, rel_gap=1e-3)
    write_inputs(inputs, out / "inputs")
    _write_plan_dir(result, inputs, out, spec.start_date,
                    f"Inner Mongolia duty cover, {days} days from {spec.start_date} (red = seat left empty)")
    _print_plan(result)
    console.print(f"wrote inputs/, roster.csv, station_rosters.csv, explanations.json, {COVER_PNG} and "
                  f"{result.roster['lawyer_id'].nunique()} calendars to {out}")
