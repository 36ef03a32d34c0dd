"""The production stack's configuration holds together, checked without starting it.

docker-compose.yml, deploy/Dockerfile, the Prometheus configuration and rules and the Grafana
provisioning and dashboard must agree on service names, ports, environment variables and metric
names. No Docker engine is needed; the promtool checks run where promtool is on PATH (Debian and
Ubuntu: `apt-get install prometheus`) and skip elsewhere.
"""

import ast
import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.config import Settings
from services.topics import Topics

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
PROMETHEUS = ROOT / "deploy" / "prometheus" / "prometheus.yml"
RULES = ROOT / "deploy" / "prometheus" / "rules.yml"
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "pathfinder.json"

# service -> (faust app module, metrics port)
WORKERS = {
    "intake": ("services.intake.app", 9106),
    "gatekeeping": ("services.gatekeeping.app", 9107),
    "reporting": ("services.reporting.app", 9108),
}
TOOLS = {"simulate", "replay", "publish"}

KNOWN_VARIABLES = {
    "PATHFINDER_KAFKA_BOOTSTRAP", "PATHFINDER_TOPIC_PREFIX", "PATHFINDER_PARTITIONS",
    "PATHFINDER_SESSION_TIMEOUT", "PATHFINDER_CLOCK", "PATHFINDER_HOLD_LIMIT_DAYS",
    "PATHFINDER_METRICS_PORT", "PATHFINDER_METRICS_HOST", "PATHFINDER_COURT_CLOSURES",
    "PATHFINDER_SITES_FILE", "PATHFINDER_SITE_SILENT_WORKING_HOURS",
}  # fmt: skip

COUNTERS = {
    "pathfinder_applications_total", "pathfinder_children_total",
    "pathfinder_cir_ordered_total", "pathfinder_cir_filed_total",
    "pathfinder_idva_referrals_total", "pathfinder_concluded_total",
}  # fmt: skip
GAUGES = {
    "pathfinder_open_cases", "pathfinder_open_over_52_weeks", "pathfinder_open_over_100_weeks",
    "pathfinder_cir_overdue", "pathfinder_cir_due_soon",
    "pathfinder_cir_mean_working_days_to_file", "pathfinder_mean_duration_weeks",
    "pathfinder_median_duration_weeks", "pathfinder_hearings_per_concluded_case",
}  # fmt: skip
SHARES = {
    "pathfinder_cir_ordered_la_share", "pathfinder_cir_filed_within_40_working_days_share",
    "pathfinder_cir_filed_by_due_date_share", "pathfinder_cir_extended_share",
    "pathfinder_children_seen_share", "pathfinder_idva_accepted_share",
    "pathfinder_concluded_within_26_weeks_share",
}  # fmt: skip
HISTOGRAMS = {"pathfinder_cir_working_days_to_file", "pathfinder_duration_weeks"}
PIPELINE = {
    "pathfinder_events_processed_total", "pathfinder_dead_lettered_total",
    "pathfinder_processing_errors_total", "pathfinder_dead_letters_sent_total",
    "pathfinder_consumer_lag", "pathfinder_alerts_raised_total", "pathfinder_held_events",
    "pathfinder_site_silent_working_hours", "pathfinder_site_silent_threshold_working_hours",
    "pathfinder_business_date_timestamp_seconds",
}  # fmt: skip
EXPORTED = (
    COUNTERS
    | GAUGES
    | PIPELINE
    | {f"{share}{part}" for share in SHARES for part in ("", "_numerator", "_denominator")}
    | {f"{name}{part}" for name in HISTOGRAMS for part in ("_bucket", "_sum", "_count")}
    | {"up"}
)
# Means and a median cannot be combined across workers: the recording rules use the histograms.
NOT_ON_DASHBOARD = {
    "pathfinder_cir_mean_working_days_to_file",
    "pathfinder_mean_duration_weeks",
    "pathfinder_median_duration_weeks",
}


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    return load_yaml(COMPOSE)["services"]


@pytest.fixture(scope="module")
def rules() -> list[dict[str, Any]]:
    return [rule for group in load_yaml(RULES)["groups"] for rule in group["rules"]]


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: str(value) for key, value in env.items()}


def published_container_ports(service: dict[str, Any]) -> set[int]:
    return {int(str(port).split(":")[-1].split("/")[0]) for port in service.get("ports", [])}


def bind_mounts(service: dict[str, Any]) -> dict[str, str]:
    """Host path (relative to the repository) -> container path."""
    mounts = {}
    for volume in service.get("volumes", []):
        source, target = str(volume).split(":")[:2]
        if source.startswith("."):
            mounts[str(Path(source))] = target
    return mounts


# PromQL: what is left once strings, label matchers, ranges and grouping clauses are removed,
# and identifiers followed by "(" (functions) are skipped, are metric names.
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGES = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_IDENTIFIER = re.compile(r"(?<![\w:.$])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()")
_KEYWORDS = {"by", "without", "on", "ignoring", "bool", "and", "or", "unless", "offset"}
_KEYWORDS |= {"inf", "nan", "group_left", "group_right"}


def metric_names(expr: str) -> set[str]:
    for pattern in (_STRINGS, _MATCHERS, _RANGES, _GROUPING):
        expr = pattern.sub(" ", expr)
    return {name for name in _IDENTIFIER.findall(expr) if name.lower() not in _KEYWORDS}


def squeeze(text: str) -> str:
    return " ".join(text.split())


def recorded(rules: list[dict[str, Any]]) -> set[str]:
    return {rule["record"] for rule in rules if "record" in rule}


def panels_of(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    panels = []
    for panel in dashboard["panels"]:
        panels.append(panel)
        panels.extend(panel.get("panels", []))  # inside collapsed rows
    return panels


def content_panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [panel for panel in panels_of(dashboard) if panel["type"] != "row"]


def dashboard_exprs(dashboard: dict[str, Any]) -> list[str]:
    return [target["expr"] for panel in content_panels(dashboard) for target in panel["targets"]]


def test_metric_names_are_read_from_promql_without_functions_labels_or_keywords() -> None:
    expr = (
        'sum by (site) (rate(a_total{site=~"$site", job="x y"}[5m] offset 1h))'
        " / on (job, instance) group_left () (b:c:ratio > 0) * 1e3 + histogram_quantile(0.5, d)"
    )

    assert metric_names(expr) == {"a_total", "b:c:ratio", "d"}


# docker-compose.yml


def test_the_three_workers_run_from_one_image_built_by_the_dockerfile(
    services: dict[str, Any],
) -> None:
    for name in WORKERS.keys() | TOOLS:
        build = services[name]["build"]
        assert (build["context"], build["dockerfile"]) == (".", "deploy/Dockerfile"), name
    images = {services[name]["image"] for name in WORKERS.keys() | TOOLS}
    assert len(images) == 1


@pytest.mark.parametrize("name", WORKERS)
def test_each_worker_runs_its_faust_app(services: dict[str, Any], name: str) -> None:
    app, _ = WORKERS[name]

    assert services[name]["command"] == ["faust", "-A", app, "worker", "-l", "info"]


def test_every_known_variable_is_a_setting_the_services_read() -> None:
    # Settings ignores unknown variables, so a misspelt one would change nothing, silently.
    fields = {f"PATHFINDER_{name.upper()}" for name in Settings.model_fields}

    assert fields >= KNOWN_VARIABLES


def test_services_set_only_known_pathfinder_variables(services: dict[str, Any]) -> None:
    for name, service in services.items():
        variables = {key for key in environment(service) if key.startswith("PATHFINDER_")}
        assert variables <= KNOWN_VARIABLES, name
    for name in WORKERS:
        assert set(environment(services[name])) <= KNOWN_VARIABLES, name


@pytest.mark.parametrize("name", WORKERS)
def test_each_worker_serves_metrics_on_its_port_to_the_compose_network(
    services: dict[str, Any], name: str
) -> None:
    env = environment(services[name])

    assert env["PATHFINDER_METRICS_PORT"] == str(WORKERS[name][1])
    assert env["PATHFINDER_METRICS_HOST"] == "0.0.0.0"


@pytest.mark.parametrize("name", WORKERS)
def test_each_worker_uses_the_compose_kafka_after_the_topics_exist(
    services: dict[str, Any], name: str
) -> None:
    kafka_env = environment(services["kafka"])
    bootstrap = environment(services[name])["PATHFINDER_KAFKA_BOOTSTRAP"]

    assert f"//{bootstrap}" in kafka_env["KAFKA_ADVERTISED_LISTENERS"]
    assert Settings(kafka_bootstrap=bootstrap).kafka_bootstrap == bootstrap
    depends_on = services[name]["depends_on"]
    assert depends_on["kafka-init"]["condition"] == "service_completed_successfully"


def test_reporting_publishes_its_metrics_port_and_is_healthy_when_ready(
    services: dict[str, Any],
) -> None:
    reporting = services["reporting"]

    assert 9108 in published_container_ports(reporting)
    assert "9108/readyz" in " ".join(reporting["healthcheck"]["test"])


def test_kafka_is_a_single_kraft_node(services: dict[str, Any]) -> None:
    kafka = services["kafka"]
    env = environment(kafka)

    assert kafka["image"].startswith("apache/kafka:")
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@kafka:9093"


def topic_configs(services: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Topic (no prefix) -> configuration, from the `topic NAME k=v,...` lines of kafka-init."""
    script = services["kafka-init"]["command"][-1]
    configs = {}
    for line in script.splitlines():
        words = line.split()
        if len(words) == 3 and words[0] == "topic":
            configs[words[1]] = dict(pair.split("=", 1) for pair in words[2].split(","))
    return configs


def test_kafka_init_creates_every_topic_the_services_use(services: dict[str, Any]) -> None:
    expected = {name.removeprefix("prefix.") for name in Topics("prefix").all()}

    assert set(topic_configs(services)) == expected


def test_the_canonical_log_is_retained_forever_and_never_compacted(
    services: dict[str, Any],
) -> None:
    case_events = topic_configs(services)["case-events.v1"]

    assert case_events["retention.ms"] == "-1"
    assert case_events["cleanup.policy"] == "delete"


def test_only_the_evaluator_tools_are_behind_a_profile(services: dict[str, Any]) -> None:
    profiled = {name for name, service in services.items() if service.get("profiles")}

    assert profiled == TOOLS
    assert all(services[name]["profiles"] == ["tools"] for name in TOOLS)


# deploy/Dockerfile


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_the_image_is_python_3_11_slim_and_runs_as_a_non_root_user() -> None:
    instructions = dockerfile_instructions()
    keywords = [keyword for keyword, _ in instructions]
    users = [args for keyword, args in instructions if keyword == "USER"]

    assert instructions[0] == ("FROM", "python:3.11-slim")
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    pip_install = max(i for i, (k, a) in enumerate(instructions) if "pip install" in a)
    assert keywords.index("USER") > pip_install


def test_the_image_installs_the_project_without_test_dependencies() -> None:
    instructions = dockerfile_instructions()
    copied = {word for keyword, args in instructions if keyword == "COPY" for word in args.split()}
    runs = " ".join(args for keyword, args in instructions if keyword == "RUN")
    readme = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    assert {"schemas", "services", "pyproject.toml", readme["readme"]} <= copied
    assert "pip install ." in runs
    assert "[test]" not in runs


def test_the_image_has_one_default_command_and_no_entrypoint() -> None:
    instructions = dict(dockerfile_instructions())

    assert json.loads(instructions["CMD"]) == ["pathfinder", "--help"]
    assert "ENTRYPOINT" not in instructions  # compose gives each service its whole command


def third_party_imports() -> set[str]:
    modules = set()
    for path in [*(ROOT / "services").rglob("*.py"), *(ROOT / "schemas").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules.add(node.module.split(".")[0])
    return modules - sys.stdlib_module_names - {"services", "schemas", "__future__"}


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_everything_the_services_import_is_a_dependency_the_image_installs() -> None:
    # The image runs `pip install .`: a module only in the development venv breaks the workers.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {normalised(re.split(r"[<>=!~;\[ ]", spec)[0]) for spec in project["dependencies"]}
    distributions = importlib.metadata.packages_distributions()

    missing = {
        module
        for module in third_party_imports()
        if not {normalised(dist) for dist in distributions.get(module, [])} & declared
    }

    assert not missing, f"imported by services/ or schemas/ but not in dependencies: {missing}"


# deploy/prometheus


def scrape_targets() -> dict[str, str]:
    """target -> job, with the scrape settings checked on the way."""
    config = load_yaml(PROMETHEUS)
    targets = {}
    for job in config["scrape_configs"]:
        assert job.get("scrape_interval", config["global"]["scrape_interval"]) == "15s"
        assert job.get("metrics_path", "/metrics") == "/metrics"
        for static in job["static_configs"]:
            targets |= dict.fromkeys(static["targets"], job["job_name"])
    return targets


def test_prometheus_scrapes_each_worker_at_its_compose_name_and_metrics_port(
    services: dict[str, Any],
) -> None:
    targets = scrape_targets()

    assert set(targets) == {f"{name}:{port}" for name, (_, port) in WORKERS.items()}
    for target in targets:
        host, port = target.split(":")
        assert environment(services[host])["PATHFINDER_METRICS_PORT"] == port


def test_prometheus_gets_its_configuration_and_rules_from_the_deploy_directory(
    services: dict[str, Any],
) -> None:
    prometheus = services["prometheus"]
    config_dir = bind_mounts(prometheus)["deploy/prometheus"]

    assert f"--config.file={config_dir}/prometheus.yml" in prometheus["command"]
    rule_files = load_yaml(PROMETHEUS)["rule_files"]
    assert [(PROMETHEUS.parent / name).resolve() for name in rule_files] == [RULES.resolve()]


def test_rules_use_only_exported_or_recorded_metrics(rules: list[dict[str, Any]]) -> None:
    known = EXPORTED | recorded(rules)

    for rule in rules:
        assert metric_names(rule["expr"]) <= known, rule.get("record") or rule.get("alert")


@pytest.mark.parametrize("share", sorted(SHARES))
def test_each_share_is_recorded_as_summed_numerators_over_summed_denominators(
    rules: list[dict[str, Any]], share: str
) -> None:
    record = f"pathfinder:{share.removeprefix('pathfinder_')}:ratio"
    expr = next(rule["expr"] for rule in rules if rule.get("record") == record)

    assert squeeze(expr) == (
        f"sum by (site) ({share}_numerator) / (sum by (site) ({share}_denominator) > 0)"
    )


EXPECTED_ALERTS = {
    "CirOverdue": ("1h", "warning", ['pathfinder_cir_overdue{site!="all"}', ") > 0"]),
    "CirDueSoon": (None, "info", ['pathfinder_cir_due_soon{site!="all"}', ") > 0"]),
    "PipelineDown": ("2m", "critical", ["up{", "== 0"]),
    "ConsumerLagHigh": ("10m", "warning", ["max by (service) (pathfinder_consumer_lag) > 1000"]),
    "DeadLettersRising": (None, "warning", ["increase(pathfinder_dead_lettered_total[1h])", "> 0"]),
    "ProcessingErrors": (None, "critical", ["increase(pathfinder_processing_errors_total[15m])"]),
    "SiteSilent": ("10m", "warning", ["min by (site) (pathfinder_site_silent_working_hours) >="]),
}


@pytest.mark.parametrize("name", EXPECTED_ALERTS)
def test_each_alert_fires_on_its_condition_and_says_what_to_do(
    rules: list[dict[str, Any]], name: str
) -> None:
    duration, severity, fragments = EXPECTED_ALERTS[name]
    rule = next(rule for rule in rules if rule.get("alert") == name)

    assert all(fragment in squeeze(rule["expr"]) for fragment in fragments)
    if duration:
        assert rule["for"] == duration
    assert rule["labels"]["severity"] == severity
    assert rule["annotations"]["summary"] and rule["annotations"]["description"]
    path, anchor = rule["annotations"]["runbook_url"].split("#")
    assert path == "docs/runbooks.md"
    section = runbook_sections()[anchor]
    assert all(part in section for part in ("**Means.**", "**Check.**", "**Do.**")), name


def runbook_sections() -> dict[str, str]:
    """Each `## Heading` section of docs/runbooks.md by its anchor (the heading in lower case)."""
    text = (ROOT / "docs" / "runbooks.md").read_text()
    sections = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    return {section.split("\n", 1)[0].strip().lower(): section for section in sections}


# deploy/grafana


def provisioned_datasource() -> dict[str, Any]:
    (source,) = load_yaml(GRAFANA / "provisioning" / "datasources" / "prometheus.yml")[
        "datasources"
    ]
    return source


def test_grafana_is_provisioned_with_the_compose_prometheus_and_the_dashboards(
    services: dict[str, Any],
) -> None:
    mounts = bind_mounts(services["grafana"])
    source = provisioned_datasource()
    (provider,) = load_yaml(GRAFANA / "provisioning" / "dashboards" / "pathfinder.yml")["providers"]

    assert mounts["deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    assert source["url"] == "http://prometheus:9090" and "prometheus" in services
    assert provider["options"]["path"] == mounts["deploy/grafana/dashboards"]


def test_every_dashboard_panel_queries_the_provisioned_data_source(
    dashboard: dict[str, Any],
) -> None:
    source = provisioned_datasource()

    assert dashboard["schemaVersion"] >= 36
    for panel in content_panels(dashboard):
        assert panel["datasource"]["uid"] == source["uid"], panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["expr"].strip() and target["datasource"]["uid"] == source["uid"]


def test_dashboard_panels_have_unique_ids_and_do_not_overlap(dashboard: dict[str, Any]) -> None:
    panels = panels_of(dashboard)
    cells: set[tuple[int, int]] = set()

    assert len({panel["id"] for panel in panels}) == len(panels)
    for panel in dashboard["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, panel["title"]
        area = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not area & cells, panel["title"]
        cells |= area


def test_dashboard_has_a_site_variable_and_the_four_rows(dashboard: dict[str, Any]) -> None:
    (site,) = [v for v in dashboard["templating"]["list"] if v["name"] == "site"]
    rows = [panel["title"] for panel in panels_of(dashboard) if panel["type"] == "row"]

    assert site["query"] == "label_values(pathfinder_applications_total, site)"
    assert rows == ["CIR timeliness", "Caseload", "Children and domestic abuse", "Pipeline health"]


def test_dashboard_uses_only_exported_or_recorded_metrics(
    dashboard: dict[str, Any], rules: list[dict[str, Any]]
) -> None:
    known = EXPORTED | recorded(rules)

    for expr in dashboard_exprs(dashboard):
        assert metric_names(expr) <= known, expr


def test_dashboard_shows_every_pilot_and_pipeline_metric(
    dashboard: dict[str, Any], rules: list[dict[str, Any]]
) -> None:
    recorded_from = {r["record"]: metric_names(r["expr"]) for r in rules if "record" in r}
    shown: set[str] = set()
    for expr in dashboard_exprs(dashboard):
        for name in metric_names(expr):
            shown |= {name} | recorded_from.get(name, set())
    shown |= {name.removesuffix("_numerator") for name in shown}

    assert shown >= (COUNTERS | GAUGES | SHARES | PIPELINE) - NOT_ON_DASHBOARD


def test_every_dashboard_panel_has_a_unit(
    dashboard: dict[str, Any], rules: list[dict[str, Any]]
) -> None:
    units = {
        panel["title"]: panel.get("fieldConfig", {}).get("defaults", {}).get("unit")
        for panel in dashboard["panels"]
        if panel["type"] != "row"
    }
    assert units and not [title for title, unit in units.items() if unit in (None, "", "none")]
    shares = [title for title, unit in units.items() if unit == "percentunit"]
    assert len(shares) == sum(rule.get("record", "").endswith(":ratio") for rule in rules)


# promtool, where installed


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("promtool")
    if executable is None:
        pytest.skip("promtool is not on PATH (Debian/Ubuntu: apt-get install prometheus)")
    return subprocess.run([executable, *args], capture_output=True, text=True, timeout=60)


def test_promtool_accepts_the_prometheus_configuration() -> None:
    result = promtool("check", "config", str(PROMETHEUS))

    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_accepts_the_rules() -> None:
    result = promtool("check", "rules", str(RULES))

    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_unit_tests_of_the_rules_pass() -> None:
    """The unit tests an operator runs as `promtool test rules deploy/prometheus/tests/*.yml`."""
    tests = sorted((RULES.parent / "tests").glob("*.yml"))
    assert tests
    result = promtool("test", "rules", *map(str, tests))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_is_unit_tested_firing_with_its_annotations() -> None:
    tested = {
        case["alertname"]
        for path in (RULES.parent / "tests").glob("*.yml")
        for group in load_yaml(path)["tests"]
        for case in group.get("alert_rule_test", [])
        if any("exp_annotations" in alert for alert in case["exp_alerts"])
    }
    assert tested == set(EXPECTED_ALERTS)
