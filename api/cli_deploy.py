"""Command line of the "1+1" deployment planner: ``legalaid deploy COMMAND --help``.

A typer sub-app (``deploy_app``); ``api/cli.py`` mounts it as ``legalaid deploy``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

deploy_app = typer.Typer(help="\"1+1\" volunteer deployment: generate a cohort, plan it, compare plans, demo.",
                         no_args_is_help=True, add_completion=False)
console = Console(width=140)

InstanceOpt = Annotated[Path | None, typer.Option(help="benchmark instance JSON (docs/deployment.md)")]
CountiesOpt = Annotated[Path | None, typer.Option(help="counties.csv (with --volunteers and --settings)")]
VolunteersOpt = Annotated[Path | None, typer.Option(help="volunteers.csv")]
SettingsOpt = Annotated[Path | None, typer.Option(help="settings.json")]
TimeOpt = Annotated[float, typer.Option(help="solver time limit, seconds")]
SeedOpt = Annotated[int, typer.Option(help="random seed (generator or solver)")]


def _fail(exc: Exception) -> None:
    console.print(f"[bold red]error:[/] {exc}")
    raise typer.Exit(code=2)


def _load(instance: Path | None, counties: Path | None, volunteers: Path | None, settings: Path | None):  # noqa: ANN202
    from models.deployment.io import read_inputs, read_instance

    try:
        if instance is not None:
            return read_instance(instance)
        if counties is None or volunteers is None or settings is None:
            raise ValueError("inputs: give --instance, or all of --counties, --volunteers and --settings")
        return read_inputs(counties, volunteers, settings)
    except (OSError, ValueError) as exc:
        _fail(exc)
        raise  # unreachable: _fail exits


def _table(title: str, frame: pd.DataFrame) -> None:
    table = Table(title=title)
    for col in frame.columns:
        table.add_column(str(col), justify="left" if frame[col].dtype == object else "right")
    for row in frame.astype(object).itertuples(index=False):
        table.add_row(*[f"{v:.2f}" if isinstance(v, float) else str(v) for v in row])
    console.print(table)


def _side_by_side(title: str, frame: pd.DataFrame) -> None:
    table = Table(title=title)
    table.add_column("figure")
    for col in frame.columns:
        table.add_column(str(col), justify="right")
    for idx, row in frame.iterrows():
        table.add_row(str(idx), *[f"{v:,.2f}" if isinstance(v, float) else str(v) for v in row])
    console.print(table)


def _plan(instance, time_limit: float, seed: int, greedy: bool):  # noqa: ANN001, ANN202
    from models.deployment.service import plan_deployment, plan_greedy
    from optimizer.stop import Stop

    try:
        if greedy:
            return plan_greedy(instance)
        return plan_deployment(instance, stop=Stop(time_limit_s=time_limit), seed=seed)
    except (ValueError, RuntimeError) as exc:
        _fail(exc)
        raise


@deploy_app.command()
def generate(
    out: Annotated[Path, typer.Option(help="directory for instance.json, counties.csv, volunteers.csv, settings.json")],
    seed: SeedOpt = 0,
    small: Annotated[bool, typer.Option(help="40 volunteers and 20 counties in 4 provinces instead of 600/300/13")] = False,
) -> None:
    """Generate a seeded national cohort from the real county file."""
    from models.deployment.io import counties_frame, instance_json, settings_to_dict, volunteers_frame
    from models.schema import csv_bytes, write_files_atomically
    from scenarios.volunteers import VolunteerSpec, generate_cohort, small_spec

    instance = generate_cohort(small_spec(seed) if small else VolunteerSpec(seed=seed))
    settings = (json.dumps(settings_to_dict(instance.settings), ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    write_files_atomically([
        (out / "instance.json", instance_json(instance)),
        (out / "counties.csv", csv_bytes(counties_frame(instance))),
        (out / "volunteers.csv", csv_bytes(volunteers_frame(instance))),
        (out / "settings.json", settings),
    ])
    console.print(f"wrote {len(instance.volunteers)} volunteers and {len(instance.counties)} counties in "
                  f"{len({c.province for c in instance.counties})} provinces to {out}")


@deploy_app.command()
def plan(
    out: Annotated[Path, typer.Option(help="directory for the plan files")],
    instance: InstanceOpt = None,
    counties: CountiesOpt = None,
    volunteers: VolunteersOpt = None,
    settings: SettingsOpt = None,
    time_limit: TimeOpt = 30.0,
    seed: SeedOpt = 0,
    greedy: Annotated[bool, typer.Option(help="use the greedy baseline instead of the engine")] = False,
    no_map: Annotated[bool, typer.Option(help="skip map.png")] = False,
) -> None:
    """Plan a cohort; write plan.csv, teams_by_province.csv, explanations.json, coverage_by_province.csv,
    coverage_by_quartile.csv, solution.json and map.png into --out."""
    from models.deployment.decode import coverage_by_province, metrics
    from models.deployment.service import write_outputs

    inst = _load(instance, counties, volunteers, settings)
    result = _plan(inst, time_limit, seed, greedy)
    png = None
    if not no_map:
        from scenarios.deployment_map import deployment_map_png

        png = deployment_map_png(result)
    paths = write_outputs(result, out, map_png=png)
    _table("coverage by province", coverage_by_province(result))
    m = metrics(result)
    console.print(f"[bold]{result.method}[/] status {result.status}, objective {result.objective:,.0f}, bound "
                  f"{result.bound:,.0f}, gap {100 * result.gap:.3f} %; need covered {m['need_coverage_pct']} %, "
                  f"first choice {m['first_choice_pct']} %, empty no-lawyer counties {m['empty_no_lawyer']}")
    console.print(f"wrote {', '.join(p.name for p in paths)} to {out}")


@deploy_app.command()
def compare(
    instance: InstanceOpt = None,
    counties: CountiesOpt = None,
    volunteers: VolunteersOpt = None,
    settings: SettingsOpt = None,
    settings_b: Annotated[Path | None, typer.Option(help="settings.json of plan B (default: plan A's)")] = None,
    drop_agreement: Annotated[list[str] | None, typer.Option(help="plan B without the pairing agreement of this sending province")] = None,
    drop_rule: Annotated[list[str] | None, typer.Option(help="plan B without this hard rule")] = None,
    weight: Annotated[list[str] | None, typer.Option(help="plan B weight TERM=INT")] = None,
    time_limit: TimeOpt = 20.0,
    seed: SeedOpt = 0,
    out: Annotated[Path | None, typer.Option(help="directory for compare.csv and moved.csv")] = None,
) -> None:
    """Two plans side by side: A with the given settings, B with changed settings (e.g. without a pairing
    agreement: --drop-agreement 安徽省)."""
    import dataclasses

    from models.deployment.io import settings_from_dict
    from models.deployment.service import compare as compare_plans
    from models.deployment.service import moved_volunteers
    from models.schema import csv_bytes, write_files_atomically

    inst_a = _load(instance, counties, volunteers, settings)
    try:
        st = inst_a.settings
        if settings_b is not None:
            st = settings_from_dict(json.loads(settings_b.read_text(encoding="utf-8")))
        if drop_agreement:
            unknown = set(drop_agreement) - {a.from_province for a in st.pairing_agreements}
            if unknown:
                raise ValueError(f"--drop-agreement: no agreement from {sorted(unknown)}")
            st = dataclasses.replace(st, pairing_agreements=tuple(a for a in st.pairing_agreements
                                                                  if a.from_province not in drop_agreement))
        if drop_rule:
            st = st.without_rules(*drop_rule)
        if weight:
            pairs = {}
            for item in weight:
                term, _, value = item.partition("=")
                if not value.strip().lstrip("-").isdigit():
                    raise ValueError(f"--weight: {item!r} must look like TERM=INT")
                pairs[term.strip()] = int(value)
            st = st.with_weights(**pairs)
        inst_b = inst_a.replace_settings(st)
    except (OSError, ValueError) as exc:
        _fail(exc)
        raise
    plan_a = _plan(inst_a, time_limit, seed, False)
    plan_b = _plan(inst_b, time_limit, seed, False)
    table = compare_plans({"A": plan_a, "B": plan_b})
    _side_by_side("plan A vs plan B", table)
    moved = moved_volunteers(plan_a, plan_b)
    console.print(f"{len(moved)} volunteer(s) placed differently in B")
    if len(moved):
        _table("moved volunteers (first 15)", moved.head(15))
    if out is not None:
        write_files_atomically([(out / "compare.csv", csv_bytes(table.reset_index(names="figure"))),
                                (out / "moved.csv", csv_bytes(moved))])
        console.print(f"wrote compare.csv and moved.csv to {out}")


@deploy_app.command()
def demo(
    seed: SeedOpt = 0,
    time_limit: TimeOpt = 30.0,
    small: Annotated[bool, typer.Option(help="a small cohort (40 volunteers, 20 counties)")] = False,
    out: Annotated[Path | None, typer.Option(help="also write the engine's plan files here")] = None,
) -> None:
    """Plan a generated national cohort (600 volunteers, 300 counties, 13 provinces) with the engine and the
    greedy baseline and print the coverage summary."""
    from models.deployment.decode import coverage_by_province, coverage_by_quartile
    from models.deployment.service import compare as compare_plans
    from models.deployment.service import write_outputs
    from scenarios.volunteers import VolunteerSpec, generate_cohort, small_spec

    inst = generate_cohort(small_spec(seed) if small else VolunteerSpec(seed=seed))
    console.print(f"cohort {inst.name}: {len(inst.volunteers)} volunteers, {len(inst.counties)} counties in "
                  f"{len({c.province for c in inst.counties})} provinces "
                  f"({sum(c.has_no_lawyer for c in inst.counties)} without a practising lawyer)")
    engine = _plan(inst, time_limit, seed, False)
    greedy = _plan(inst, time_limit, seed, True)
    _table("engine: coverage by province", coverage_by_province(engine))
    _table("engine: coverage by scarcity quartile (1 = fewest lawyers per 10,000)", coverage_by_quartile(engine))
    _side_by_side("engine vs greedy baseline", compare_plans({"engine": engine, "greedy": greedy}))
    if out is not None:
        from scenarios.deployment_map import deployment_map_png

        paths = write_outputs(engine, out, map_png=deployment_map_png(engine))
        console.print(f"wrote {', '.join(p.name for p in paths)} to {out}")
