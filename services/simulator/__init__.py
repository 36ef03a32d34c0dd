"""Deterministic synthetic pilot: writes a realistic Pathfinder event log (CloudEvents JSON Lines).

Used by the demo, tests, benchmarks and load tests. Every tunable number lives in
`parameters.json` with its source; the same config and seed always give the same bytes.

A run is planned (`planning`, with each site's wait after the report aimed at its published
mean duration as measured at the log's end: `calibration`), each case drawn stage by stage
(`history`: `opening`, `report`, `conclusion`) and published (`envelopes`), and the lines merged
in arrival order (`arrivals`) with duplicates and bad lines (`noise`); `log` is the entry point.
"""

from services.simulator.lines import Line
from services.simulator.log import SimulationSummary, simulate, simulate_lines, write_log
from services.simulator.parameters import (
    Parameters,
    SimulationConfig,
    default_parameters,
    load_parameters,
)

__all__ = [
    "Line",
    "Parameters",
    "SimulationConfig",
    "SimulationSummary",
    "default_parameters",
    "load_parameters",
    "simulate",
    "simulate_lines",
    "write_log",
]
