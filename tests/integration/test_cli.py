"""The `pathfinder` command as a user runs it: outputs, exit codes and error messages."""

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

ROOT = Path(__file__).resolve().parents[2]


def pathfinder(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PATHFINDER_")}
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**environment, **env},
        timeout=120,
    )


@pytest.fixture(scope="module")
def log(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "pilot.jsonl.gz"
    done = pathfinder(
        "simulate", "--cases", "300", "--seed", "9", "--noise", "0.02",
        "--start", "2025-01-01", "--end", "2025-12-31", "--out", str(path),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "300 cases" in done.stdout
    return path


def test_workdays_add_and_between():
    assert pathfinder("workdays", "add", "2024-12-02", "40").stdout == "2025-01-30\n"
    assert pathfinder("workdays", "between", "2024-12-02", "2025-01-30").stdout == "40\n"
    assert pathfinder("workdays", "between", "2025-01-30", "2024-12-02").stdout == "0\n"


def test_court_closures_come_from_the_environment():
    closed = pathfinder(
        "workdays", "add", "2024-12-02", "40", PATHFINDER_COURT_CLOSURES="2024-12-24"
    )
    assert closed.stdout == "2025-01-31\n"


BAD_CLOSURES = {"PATHFINDER_COURT_CLOSURES": "24/12/2024"}
SIMULATE = ["simulate", "--cases"]


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["workdays", "add", "2024-02-30", "4"], {}, "not a date in YYYY-MM-DD form"),
        (["workdays", "add", "2024-12-02", "-1"], {}, "must not be negative"),
        (["workdays", "add", "2024-12-02", "40"], BAD_CLOSURES, "closure day"),
        (["replay", "no-such-file.jsonl"], {}, "no such log file"),
        ([*SIMULATE, "0", "--seed", "1", "--out", "x.jsonl"], {}, "at least 1"),
        ([*SIMULATE, "5", "--seed", "1", "--noise", "1.5", "--out", "x"], {}, "below 1"),
        ([*SIMULATE, "5", "--seed", "1", "--sites", "atlantis", "--out", "x"], {}, "atlantis"),
        (["replay", "README.md", "--workers", "0"], {}, "at least 1"),
    ],
)  # fmt: skip
def test_bad_input_fails_with_a_message_naming_it(args, env, message):
    done = pathfinder(*args, **env)
    assert done.returncode == 2
    assert message in done.stderr


def test_simulation_is_deterministic(log, tmp_path):
    again = tmp_path / "again.jsonl.gz"
    pathfinder(
        "simulate", "--cases", "300", "--seed", "9", "--noise", "0.02",
        "--start", "2025-01-01", "--end", "2025-12-31", "--out", str(again),
    )  # fmt: skip
    assert again.read_bytes() == log.read_bytes()


def test_replay_prints_the_table_and_writes_the_json(log, tmp_path):
    out, rejected = tmp_path / "metrics.json", tmp_path / "rejected.jsonl"
    done = pathfinder("replay", str(log), "--json", str(out), "--rejected", str(rejected))
    assert done.returncode == 0, done.stderr
    document = orjson.loads(out.read_bytes())
    assert set(document) == {"as_of", "sites", "events"}
    assert list(document["sites"])[-1] == "all"
    assert "cir_filed_within_40_working_days_share" in done.stdout
    refused = sum(document["events"]["rejected"].values())
    assert refused == len(rejected.read_bytes().splitlines()) > 0
    assert f"rejected {refused:,}" in done.stdout


def test_json_to_stdout_keeps_stdout_clean(log):
    done = pathfinder("replay", str(log), "--json", "-", "--as-of", "2025-06-30")
    document = orjson.loads(done.stdout)
    assert document["as_of"] == "2025-06-30"
    assert "applications" in done.stderr  # the table goes to stderr
