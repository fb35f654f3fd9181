"""Command line: ``legalaid COMMAND --help`` for each command."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from models.arrays import encode
from models.policy import PolicySet
from models.region import load_regions
from models.schema import InputError, csv_bytes, write_files_atomically
from models.service import assign, compare_policies, decline, load_inputs, recommend, write_outputs
from optimizer.stop import Stop

app = typer.Typer(help="Legal-aid case assignment engine (指派): assign, explain, recommend, simulate.",
                  no_args_is_help=True, add_completion=False)
console = Console(width=140)

CasesOpt = Annotated[Path, typer.Option(help="cases.csv (docs/formats.md)", exists=False)]
ProvidersOpt = Annotated[Path, typer.Option(help="providers.csv (docs/formats.md)")]
PolicyOpt = Annotated[Path | None, typer.Option(help="policy.json; default policy when omitted")]
DateOpt = Annotated[str | None, typer.Option(help="assignment date YYYY-MM-DD (default: latest received date)")]


def _fail(exc: Exception) -> None:
    console.print(f"[bold red]error:[/] {exc}")
    raise typer.Exit(code=2)


def _as_of(value: str | None, cases: pd.DataFrame) -> dt.date:
    if value is None:
        return pd.Timestamp(cases["received_date"].max()).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"--as-of: {value!r} is not a date YYYY-MM-DD") from exc


def _print_table(title: str, frame: pd.DataFrame) -> None:
    table = Table(title=title)
    table.add_column(str(frame.index.name or ""))
    for col in frame.columns:
        table.add_column(str(col), justify="right")
    for idx, row in frame.iterrows():
        table.add_row(str(idx), *[f"{v:.2f}" if isinstance(v, float) else str(v) for v in row])
    console.print(table)


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="directory for cases.csv, providers.csv, policy.json")],
    scale: Annotated[str, typer.Option(help="inner-mongolia (two weeks) or nation (20,000 cases)")] = "inner-mongolia",
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
) -> None:
    """Generate a seeded scenario from the real county file."""
    from scenarios.generator import generate as gen
    from scenarios.generator import inner_mongolia_two_weeks, nation_batch, write_scenario

    specs = {"inner-mongolia": inner_mongolia_two_weeks, "nation": nation_batch}
    if scale not in specs:
        _fail(ValueError(f"--scale: {scale!r} is not one of {', '.join(specs)}"))
    scenario = gen(specs[scale](seed))
    write_scenario(scenario, out)
    console.print(f"wrote {len(scenario.cases)} cases and {len(scenario.providers)} providers to {out}")


@app.command("assign")
def assign_cmd(
    cases: CasesOpt,
    providers: ProvidersOpt,
    out: Annotated[Path, typer.Option(help="directory for plan.csv and explanations.json")],
    policy: PolicyOpt = None,
    as_of: DateOpt = None,
    time_limit: Annotated[float, typer.Option(help="solver seconds")] = 30.0,
    seed: Annotated[int, typer.Option(help="solver seed")] = 0,
) -> None:
    """Assign one batch of cases; write plan.csv and explanations.json (all or nothing)."""
    try:
        inputs = load_inputs(cases, providers, policy)
        outcome = assign(inputs.cases, inputs.providers, inputs.policy, _as_of(as_of, inputs.cases),
                         stop=Stop(time_limit_s=time_limit, rel_gap=1e-3), seed=seed)
        write_outputs(out, outcome)
    except (InputError, ValueError) as exc:
        _fail(exc)
        return
    console.print_json(json.dumps(outcome.summary()))


@app.command("recommend")
def recommend_cmd(
    case_id: Annotated[str, typer.Argument(help="case to rank providers for")],
    cases: CasesOpt,
    providers: ProvidersOpt,
    policy: PolicyOpt = None,
    as_of: DateOpt = None,
    top: Annotated[int, typer.Option(help="how many providers")] = 5,
) -> None:
    """Rank the top N eligible providers for one case, with reasons."""
    try:
        inputs = load_inputs(cases, providers, policy)
        enc = encode(inputs.cases, inputs.providers, load_regions(), inputs.policy, _as_of(as_of, inputs.cases))
        ranked = recommend(enc, case_id, top=top)
    except (InputError, ValueError) as exc:
        _fail(exc)
        return
    console.print_json(json.dumps(ranked, ensure_ascii=False))


@app.command("decline")
def decline_cmd(
    case_id: Annotated[str, typer.Argument(help="case whose recipient declines the assigned provider")],
    cases: CasesOpt,
    providers: ProvidersOpt,
    out: Annotated[Path, typer.Option(help="directory for the new plan.csv and explanations.json")],
    policy: PolicyOpt = None,
    as_of: DateOpt = None,
    provider_id: Annotated[str | None, typer.Option(help="declined provider (default: the one the plan gives)")] = None,
) -> None:
    """Assign the batch, then replace the provider of one case (Legal Aid Law Art 55), moving few others."""
    try:
        inputs = load_inputs(cases, providers, policy)
        first = assign(inputs.cases, inputs.providers, inputs.policy, _as_of(as_of, inputs.cases))
        row = first.plan.set_index("case_id").loc[case_id] if case_id in set(first.plan["case_id"]) else None
        if row is None:
            raise ValueError(f"case_id: {case_id!r} is not in {cases}")
        declined = provider_id or str(row["provider_id"])
        second = decline(first, case_id, declined)
        write_outputs(out, second)
    except (InputError, ValueError) as exc:
        _fail(exc)
        return
    new = str(second.plan.set_index("case_id").loc[case_id, "provider_id"])
    console.print(f"case {case_id}: {declined} -> {new or '(unassigned)'}; other cases changed: {len(second.changed)}"
                  + (f" ({', '.join(second.changed)})" if second.changed else ""))


@app.command("compare-policies")
def compare_policies_cmd(
    cases: CasesOpt,
    providers: ProvidersOpt,
    policy: PolicyOpt = None,
    as_of: DateOpt = None,
) -> None:
    """Assign the same batch under county-only, city, province and province+remote pooling."""
    try:
        inputs = load_inputs(cases, providers, policy)
        day = _as_of(as_of, inputs.cases)
    except (InputError, ValueError) as exc:
        _fail(exc)
        return
    table = compare_policies(inputs.cases, inputs.providers, inputs.policy, day)
    _print_table("Pooling policies on the same batch", table)


@app.command("demo")
def demo(
    out: Annotated[Path, typer.Option(help="output directory")] = Path("out/demo"),
    seed: Annotated[int, typer.Option(help="scenario and solver seed")] = 0,
) -> None:
    """Two weeks of Inner Mongolia's intake: engine vs rotation, grab and random; plan, explanations, map."""
    from scenarios.generator import generate as gen
    from scenarios.generator import inner_mongolia_two_weeks
    from scenarios.maps import plan_map_png
    from scenarios.simulate import STRATEGIES, compare, working_days

    logging.basicConfig(level=logging.WARNING)
    regions = load_regions()
    scenario = gen(inner_mongolia_two_weeks(seed))
    policy = PolicySet.from_dict(scenario.policy)
    received = scenario.cases["received_date"].dt.date
    days = working_days(min(received), max(received) + dt.timedelta(days=7))
    console.print(f"Inner Mongolia, {len(scenario.cases)} cases received {min(received)} to {max(received)}, "
                  f"{len(scenario.providers)} providers")
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} days"),
                  TimeElapsedColumn(), console=console) as progress:
        tasks = {s: progress.add_task(f"{s:>8}", total=len(days)) for s in STRATEGIES}
        table, runs = compare(scenario.cases, scenario.providers, policy, regions=regions, seed=seed,
                              on_day=lambda s, d: progress.advance(tasks[s]))
    _print_table("Two weeks of intake: engine vs today's practices", table.T.rename_axis("metric"))
    engine = runs["engine"]
    violations = pd.DataFrame({name: run.violations for name, run in runs.items()}).T
    violations = violations.loc[:, violations.sum() > 0] if violations.to_numpy().sum() else violations.iloc[:, :3]
    _print_table("Hard-rule violations by rule", violations)
    last_day = max(received)
    pending = scenario.cases[received.to_numpy() == last_day]
    _print_table(f"Pooling policies on the same batch ({len(pending)} cases received {last_day})",
                 compare_policies(pending, scenario.providers, policy, last_day))
    png = plan_map_png(scenario.cases, scenario.providers, engine.plan, regions,
                       title="Engine plan: cross-county assignments by tier (Inner Mongolia, two weeks)")
    summary = {"metrics": json.loads(table.to_json(orient="index")), "violations": {n: r.violations for n, r in runs.items()},
               "solver_days": engine.solver}
    files = [
        (out / "cases.csv", csv_bytes(scenario.cases)),
        (out / "providers.csv", csv_bytes(scenario.providers)),
        (out / "policy.json", json.dumps(scenario.policy, ensure_ascii=False, indent=1).encode()),
        (out / "plan.csv", csv_bytes(engine.plan)),
        (out / "explanations.json", json.dumps(engine.explanations, ensure_ascii=False, indent=1).encode()),
        (out / "summary.json", json.dumps(summary, ensure_ascii=False, indent=1, default=float).encode()),
        (out / "map.png", png),
    ]
    files += [(out / f"plan_{n}.csv", csv_bytes(r.plan)) for n, r in runs.items() if n != "engine"]
    write_files_atomically(files)
    unassigned = int((engine.plan["provider_id"] == "").sum())
    console.print(f"engine: {int(np.sum([v for v in engine.violations.values()]))} rule violations, "
                  f"{unassigned} cases unassigned at the end; wrote plan.csv, explanations.json, map.png to {out}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
) -> None:
    """Run the HTTP service (jobs stored in LEGALAID_DATABASE_URL, default sqlite:///./legalaid.db)."""
    import uvicorn

    uvicorn.run("api.main:create_app", factory=True, host=host, port=port)


from api.cli_deploy import deploy_app  # noqa: E402  (sub-apps register after the main commands)
from api.cli_roster import roster_app  # noqa: E402

app.add_typer(deploy_app, name="deploy", help="\"1+1\" volunteer deployment planner: generate, plan, compare, demo.")
app.add_typer(roster_app, name="roster", help="Duty-lawyer rosters: generate, plan, nightly roll-forward and repair, demo.")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
