"""`pathfinder report` as an evaluator runs it: the files it writes, read back with pyarrow and
DuckDB, no raw case reference or child id in any of them, the page drawn by a real browser, and
one clear error for each bad input."""

import datetime as dt
import gzip
import hashlib
import hmac
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import orjson
import pyarrow.parquet as pq
import pytest

from services.evaluator.report.cases import CASE_COLUMNS
from services.evaluator.report.files import PERIOD_COLUMNS
from tests.integration.test_cli import ROOT, pathfinder

KEY = b"an evaluator's key, 32 bytes long"
SCREENSHOT = Path(__file__).resolve().parents[2] / "out" / "report-screenshot.png"
CHARTS = 15  # 11 series, working days to file, durations by outcome, cohorts, published


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report-log") / "pilot.jsonl.gz"
    done = pathfinder(
        "simulate", "--cases", "600", "--seed", "5", "--noise", "0.02",
        "--start", "2025-01-01", "--end", "2025-12-31", "--out", str(path),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("key") / "key"
    path.write_bytes(KEY + b"\n")
    return path


@pytest.fixture(scope="module")
def report(log: Path, key_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "out"
    done = pathfinder(
        "report", str(log), "--out", str(out), "--pseudonym-key-file", str(key_file),
        "--no-progress",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(
        r"wrote .*: \d+ months to \d{4}-\d\d-\d\d, [\d,]+ figures \([\d,]+ suppressed\),"
        r" 600 cases\n",
        done.stdout,
    ), done.stdout
    return out


def raw_identifiers(log: Path) -> set[str]:
    """Every case reference and child id in the log."""
    found = set()
    for line in gzip.decompress(log.read_bytes()).splitlines():
        try:
            event = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(event, dict):
            if isinstance(event.get("subject"), str):
                found.add(event["subject"])
            data = event.get("data")
            if isinstance(data, dict):
                for child in data.get("children") or []:
                    if isinstance(child, dict) and isinstance(child.get("child_id"), str):
                        found.add(child["child_id"])
                if isinstance(data.get("child_id"), str):
                    found.add(data["child_id"])
    return {identifier for identifier in found if len(identifier) >= 6}


def test_every_file_is_written(report: Path) -> None:
    assert sorted(path.name for path in report.iterdir()) == [
        "cases.csv", "cases.parquet", "data-dictionary.md", "index.html", "periods.csv",
        "periods.parquet", "provenance.json",
    ]  # fmt: skip


def test_cases_parquet_reads_in_pyarrow_and_duckdb_with_pseudonyms(report: Path, log: Path):
    table = pq.read_table(report / "cases.parquet")
    assert table.column_names == [name for name, _, _ in CASE_COLUMNS]
    assert table.num_rows == 600
    cases = table.column("case").to_pylist()
    assert len(set(cases)) == 600 and all(re.fullmatch(r"[0-9a-f]{64}", c) for c in cases)
    lines = gzip.decompress(log.read_bytes()).splitlines()
    first = next(orjson.loads(line)["subject"] for line in lines if b'"subject"' in line)
    assert hmac.new(KEY, first.encode(), hashlib.sha256).hexdigest() in cases
    connection = duckdb.connect()
    rows, distinct, children = connection.execute(
        f'SELECT count(*), count(DISTINCT "case"), sum(len(child_ids))'
        f" FROM '{report / 'cases.parquet'}'"
    ).fetchone()
    assert (rows, distinct) == (600, 600)
    assert children == sum(table.column("children").to_pylist())
    csv_rows = connection.execute(f"SELECT count(*) FROM '{report / 'cases.csv'}'").fetchone()
    assert csv_rows == (600,)


def test_no_raw_case_reference_or_child_id_in_any_file(report: Path, log: Path) -> None:
    identifiers = raw_identifiers(log)
    assert len(identifiers) > 600
    pattern = re.compile("|".join(map(re.escape, sorted(identifiers, key=len, reverse=True))))
    for path in report.iterdir():
        texts = [path.read_bytes().decode("utf-8", "replace")]
        if path.suffix == ".parquet":  # compressed on disk: read its values
            texts.append(repr(pq.read_table(path).to_pylist()))
        for text in texts:
            assert pattern.search(text) is None, path.name


def test_periods_add_up_to_the_replay_as_of_a_date(log: Path, tmp_path: Path) -> None:
    as_of = "2025-08-31"
    out = tmp_path / "out"
    done = pathfinder(
        "report", str(log), "--out", str(out), "--as-of", as_of, "--suppress-below", "1",
        "--period", "quarter", "--no-progress",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    replayed = pathfinder("replay", str(log), "--as-of", as_of, "--json", "-", "--no-progress")
    expected = orjson.loads(replayed.stdout)
    table = pq.read_table(out / "periods.parquet")
    assert table.column_names == [name for name, _, _ in PERIOD_COLUMNS]
    connection = duckdb.connect()
    connection.register("periods", table)
    sums = connection.execute(
        "SELECT site, nation, metric, sum(value) FROM periods"
        " WHERE metric IN ('applications', 'cir_filed', 'concluded') GROUP BY ALL"
    ).fetchall()
    for site, nation, metric, total in sums:
        figures = (
            expected["sites"][site]
            if nation == "all" or site != "all"
            else expected["nations"][nation]
        )
        assert total == figures[metric], (site, nation, metric)
    last = connection.execute(
        "SELECT max(period_end), bool_or(partial), count(DISTINCT period_start) FROM periods"
    ).fetchone()
    assert last == (dt.date(2025, 8, 31), True, 3)
    provenance = orjson.loads((out / "provenance.json").read_bytes())
    assert provenance["as_of"] == {"date": as_of, "chosen": "given with --as-of"}
    assert provenance["inputs"][0]["sha256"] == hashlib.sha256(log.read_bytes()).hexdigest()
    assert provenance["report"] == {"period": "quarter", "suppress_below": 1}


def test_the_data_dictionary_defines_every_column_and_metric(report: Path) -> None:
    text = (report / "data-dictionary.md").read_text()
    metrics = set(pq.read_table(report / "periods.parquet").column("metric").to_pylist())
    for name in [*(n for n, _, _ in PERIOD_COLUMNS), *(n for n, _, _ in CASE_COLUMNS), *metrics]:
        assert f"| `{name}` |" in text, name


def test_the_page_draws_every_chart_in_a_real_browser(report: Path, tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "chromium is needed (make test installs it; Debian: apt-get install chromium)"
    page = (report / "index.html").read_text()
    assert not re.search(r"""(?:src|href)=["'](?!data:)""", page), "the page links outside itself"
    assert "cases.parquet and cases.csv" in page
    probe = tmp_path / "probe.html"
    probe.write_text(page + _PROBE)
    dom = _chromium(browser, "--dump-dom", probe)
    found = re.search(r'data-charts="(\d+)/(\d+)"', dom)
    assert found, dom[-500:]
    assert found.groups() == (str(CHARTS), str(CHARTS))
    SCREENSHOT.parent.mkdir(exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    _chromium(
        browser, f"--screenshot={SCREENSHOT}", report / "index.html", "--window-size=1400,2400"
    )
    assert SCREENSHOT.stat().st_size > 50_000


_PROBE = """<script>
window.addEventListener("load", () => {
  const images = [...document.images];
  const drawn = images.filter((image) => image.complete && image.naturalWidth > 0).length;
  document.body.setAttribute("data-charts", images.length + "/" + drawn);
});
</script>"""


def _chromium(browser: str, action: str, page: Path, *extra: str) -> str:
    done = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--virtual-time-budget=10000", *extra, action, page.as_uri()],
        capture_output=True, timeout=120, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_without_a_key_no_per_case_rows_and_the_page_says_why(report: Path, log: Path) -> None:
    done = pathfinder("report", str(log), "--out", str(report), "--no-progress")
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("no per-case rows\n")
    assert not (report / "cases.parquet").exists() and not (report / "cases.csv").exists()
    assert (
        "Per-case rows (cases.parquet, cases.csv) were not written"
        in (report / "index.html").read_text()
    )


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (b"too short\n", r"key: the pseudonym key has 9 bytes; at least 16 are needed"),
        (None, r"key: cannot read the pseudonym key \(No such file or directory\)"),
    ],
)
def test_a_bad_key_is_one_clear_error_before_any_work(log, tmp_path, key, message) -> None:
    key_file = tmp_path / "key"
    if key is not None:
        key_file.write_bytes(key)
    out = tmp_path / "out"
    done = pathfinder("report", str(log), "--out", str(out), "--pseudonym-key-file", str(key_file))
    assert done.returncode == 2
    assert re.fullmatch(rf"pathfinder: .*{message}\n", done.stderr), done.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--period", "week"], "argument --period: invalid choice: 'week'"),
        (["--suppress-below", "0"], "argument --suppress-below: must be at least 1"),
        (["--as-of", "2025-02-30"], "argument --as-of"),
        (["--as-of", "1999-01-01"], "no case was issued by the as-of date 1999-01-01"),
    ],
)
def test_bad_arguments_are_one_clear_error(log, tmp_path, arguments, message) -> None:
    done = pathfinder("report", str(log), "--out", str(tmp_path / "out"), *arguments)
    assert done.returncode == 2
    assert message in done.stderr and done.stderr.count("\n") == 1, done.stderr


def test_an_out_path_that_is_a_file_or_a_missing_log_is_refused(log, tmp_path) -> None:
    taken = tmp_path / "taken"
    taken.write_text("mine")
    done = pathfinder("report", str(log), "--out", str(taken))
    assert (done.returncode, done.stderr) == (2, f"pathfinder: {taken}: not a directory\n")
    assert taken.read_text() == "mine"
    missing = tmp_path / "missing.jsonl"
    done = pathfinder("report", str(missing), "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and str(missing) in done.stderr
    done = pathfinder("report", "-", "--out", str(tmp_path / "out"))
    assert done.stderr == "pathfinder: report reads log files, not standard input\n"


def test_sigterm_stops_it_as_ctrl_c_does_leaving_every_file_whole(report, log, tmp_path) -> None:
    out = tmp_path / "out"
    shutil.copytree(report, out)
    before = {path.name for path in out.iterdir()}
    process = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "report", str(log), "--out", str(out),
         "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, text=True,
    )  # fmt: skip
    time.sleep(2.5)  # into the replay or the charts
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert (process.returncode, stderr) == (130, "pathfinder: interrupted\n")
    left = {path.name for path in out.iterdir()}
    assert not [name for name in left if name.endswith(".partial")]
    assert left <= before
    pq.read_table(out / "periods.parquet")  # whole, old or new
