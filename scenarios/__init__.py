"""Seeded scenario generators: realistic batches of legal-aid cases and providers (see README.md)."""

from scenarios.generator import (
    CASE_COLUMNS,
    PROVIDER_COLUMNS,
    Scenario,
    ScenarioSpec,
    generate,
    inner_mongolia_two_weeks,
    nation_batch,
    write_scenario,
)

__all__ = [
    "CASE_COLUMNS",
    "PROVIDER_COLUMNS",
    "Scenario",
    "ScenarioSpec",
    "generate",
    "inner_mongolia_two_weeks",
    "nation_batch",
    "write_scenario",
]
