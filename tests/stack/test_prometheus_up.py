"""`pathfinder up --prometheus`: a real Prometheus with the project's rules scrapes every worker,
and stops with the rest."""

import json
import os
import signal
import subprocess
import sys
import urllib.request

import pytest
import yaml

from services.stack.prometheus import RULES
from tests.polling import wait_for
from tests.stack.harness import ROOT, Up, port_free


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


@pytest.mark.e2e
def test_prometheus_scrapes_every_worker_with_the_rules_and_stops_with_them(tmp_path) -> None:
    with Up(tmp_path, options=("--prometheus",)) as system:
        system.wait_until_up()
        url = f"http://127.0.0.1:{system.ports['prometheus']}"

        def healthy_targets() -> set[str]:
            targets = get(f"{url}/api/v1/targets")["data"]["activeTargets"]
            return {t["labels"]["job"] for t in targets if t["health"] == "up"}

        jobs = {"pathfinder-intake", "pathfinder-gatekeeping", "pathfinder-reporting"}
        assert wait_for(lambda: healthy_targets() == jobs, 60, 1), healthy_targets()
        loaded = get(f"{url}/api/v1/rules")["data"]["groups"]
        expected = yaml.safe_load(RULES.read_text())["groups"]
        assert sorted(g["name"] for g in loaded) == sorted(g["name"] for g in expected)
        assert sum(len(g["rules"]) for g in loaded) == sum(len(g["rules"]) for g in expected)
        assert f"Prometheus at {url}" in system.output()
        code, seconds = system.stop(signal.SIGTERM)
        assert code == 0 and seconds < 30, system.errors()
        assert system.processes() == {}
        assert [port for port in system.ports.values() if not port_free(port)] == []


def test_without_a_prometheus_binary_nothing_starts(tmp_path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PATHFINDER_")}
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "up", "--prometheus", "--duration", "1"],
        cwd=ROOT, env={**environment, "PATH": str(tmp_path), "PATHFINDER_DATA_DIR": str(tmp_path)},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (
        2,
        "pathfinder: prometheus is not on PATH (Debian: apt-get install prometheus)\n",
    )
    assert not (tmp_path / "logs").exists()
