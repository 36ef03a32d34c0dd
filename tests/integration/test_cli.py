"""The `pathfinder` command as a user runs it: outputs, exit codes and error messages."""

import gzip
import hashlib
import importlib.metadata
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

import services.cli.main  # noqa: F401  (the module, which `services.cli` shadows by its function)

cli_main = sys.modules["services.cli.main"]

ROOT = Path(__file__).resolve().parents[2]


def pathfinder(
    *args: str, stdin: bytes | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PATHFINDER_")}
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        capture_output=True,
        input=stdin,
        cwd=ROOT,
        env={**environment, **env},
        timeout=120,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
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
        (["replay", "README.md", "--no-such-option"], {}, "unrecognized arguments"),
        (["replay", "services"], {}, "services: is a directory"),
        (["replay", "-", "-"], {}, "can be read only once"),
        (["replay", "README.md", "--rejected", "services"], {}, "services: is a directory"),
        (["replay", "README.md", "--json", "no-such-dir/out.json"], {}, "no such directory"),
        (["replay", "README.md", "--include-raw"], {}, "--include-raw needs --rejected"),
        (["replay", "README.md", "--json", "x.json", "--rejected", "./x.json"], {}, "two outputs"),
        ([*SIMULATE, "5", "--seed", "1", "--out", "no-such-dir/x.jsonl"], {}, "no such directory"),
        ([*SIMULATE, "5", "--seed", "1", "--out", "services"], {}, "is a directory"),
        (["publish", "services"], {}, "services: is a directory"),
        (["publish", "-"], {}, "not standard input"),
        (["export", "--out", "services"], {}, "services: is a directory"),
    ],
)  # fmt: skip
def test_bad_input_fails_with_a_message_naming_it(args, env, message):
    done = pathfinder(*args, **env)
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stderr.startswith("pathfinder: ") and done.stderr.count("\n") == 1, done.stderr


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
    assert set(document) == {"as_of", "sites", "nations", "events", "provenance"}
    assert list(document["sites"])[-1] == "all"
    assert set(document["nations"]) == {"england", "wales"}
    everywhere, nations = document["sites"]["all"], document["nations"].values()
    for key in ("applications", "cir_filed", "children_seen_share_numerator", "concluded"):
        assert sum(nation[key] for nation in nations) == everywhere[key]
    assert "cir_filed_within_40_working_days_share" in done.stdout
    assert "_numerator" not in done.stdout  # the table shows shares; the JSON has their parts
    refused = sum(document["events"]["rejected"].values())
    assert refused == len(rejected.read_bytes().splitlines()) > 0
    assert f"rejected {refused:,}" in done.stdout


def test_json_to_stdout_keeps_stdout_clean(log):
    done = pathfinder("replay", str(log), "--json", "-", "--as-of", "2025-06-30")
    document = orjson.loads(done.stdout)
    assert document["as_of"] == "2025-06-30"
    assert "applications" in done.stderr  # the table goes to stderr


# --- outputs: never an input, checked before the work, an existing one kept until the end ---


@pytest.fixture
def plain_log(log, tmp_path) -> Path:
    path = tmp_path / "pilot.jsonl"
    path.write_bytes(gzip.decompress(log.read_bytes()))
    return path


@pytest.mark.parametrize("option", ["--rejected", "--json"])
@pytest.mark.parametrize("spelling", ["same", "other", "hard link", "symlink"])
def test_an_output_that_is_an_input_is_refused_before_anything_is_written(
    plain_log, tmp_path, option, spelling
):
    # given a log, and the same file named as an output
    before = plain_log.read_bytes()
    output = {
        "same": str(plain_log),
        "other": f"{tmp_path}/../{tmp_path.name}/./pilot.jsonl",
        "hard link": _linked(plain_log, tmp_path / "hard.jsonl", os.link),
        "symlink": _linked(plain_log, tmp_path / "soft.jsonl", os.symlink),
    }[spelling]
    # when it is replayed
    done = pathfinder("replay", str(plain_log), option, output)
    # then the command refuses, and the log is untouched
    assert done.returncode == 2
    assert "is also an input" in done.stderr
    assert plain_log.read_bytes() == before


def _linked(target: Path, link: Path, make_link) -> str:
    make_link(target, link)
    return str(link)


def test_an_existing_output_is_kept_when_the_command_fails(plain_log, tmp_path):
    kept = tmp_path / "rejected.jsonl"
    kept.write_bytes(b"yesterday's rows\n")
    done = pathfinder("replay", str(plain_log), "no-such.jsonl", "--rejected", str(kept))
    assert done.returncode == 2
    assert kept.read_bytes() == b"yesterday's rows\n"


@pytest.fixture
def locked_directory(tmp_path):
    """A directory no file can be created in, even by root (immutable when run as root)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    as_root = os.geteuid() == 0
    if as_root and subprocess.run(["chattr", "+i", str(locked)], capture_output=True).returncode:
        pytest.skip("running as root, and this filesystem cannot make a directory immutable")
    try:
        with pytest.raises(OSError):
            (locked / "probe").write_bytes(b"")
        yield locked
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", str(locked)], check=True)
        locked.chmod(0o755)


def test_an_output_that_cannot_be_written_is_refused_before_the_replay(log, locked_directory):
    done = pathfinder("replay", str(log), "--rejected", str(locked_directory / "rejected.jsonl"))
    assert done.returncode == 2
    assert (
        done.stderr == f"pathfinder: {locked_directory / 'rejected.jsonl'}: cannot create a"
        f" file in {locked_directory} (permission denied)\n"
    )
    assert done.stdout == ""  # no table: the replay never ran


# --- exit status: 0 work done, 1 lines read and none accepted, with a hint at the cause ---


def replay_of(path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return pathfinder("replay", str(path), "--no-progress", *options)


def test_an_empty_log_is_work_done(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    done = replay_of(empty)
    assert done.returncode == 0, done.stderr
    assert "lines 0 = accepted 0" in done.stdout


def test_a_log_of_random_bytes_is_read_to_the_end_and_accepts_nothing(tmp_path):
    noise = tmp_path / "noise.jsonl"
    noise.write_bytes(random.Random(7).randbytes(200_000))
    done = replay_of(noise, "--rejected", str(tmp_path / "rejected.jsonl"))
    lines = noise.read_bytes().count(b"\n") + 1
    assert done.returncode == 1
    assert f"lines {lines:,} = accepted 0" in done.stdout
    assert done.stderr == f"pathfinder: no line was accepted ({lines:,} read)\n"
    assert len((tmp_path / "rejected.jsonl").read_bytes().splitlines()) == lines


@pytest.mark.parametrize(
    ("name", "encode", "hint"),
    [
        ("utf16.jsonl", lambda text: text.encode("utf-16"), "looks like UTF-16 text"),
        ("utf16le.jsonl", lambda text: text.encode("utf-16-le"), "looks like UTF-16 text"),
        ("pilot.jsonl", lambda text: gzip.compress(text.encode()), "looks gzip-compressed"),
        ("array.json", lambda text: ("[" + text.replace("\n", ",\n")[:-2] + "]\n").encode(),
         "looks like one JSON array"),
    ],
)  # fmt: skip
def test_a_log_in_a_format_the_replay_cannot_read_gets_a_hint(
    plain_log, tmp_path, name, encode, hint
):
    text = "".join(plain_log.read_text().splitlines(keepends=True)[:50])
    wrong = tmp_path / name
    wrong.write_bytes(encode(text))
    done = replay_of(wrong)
    assert done.returncode == 1
    first, second = done.stderr.splitlines()
    assert first.startswith("pathfinder: no line was accepted")
    assert second.startswith(f"pathfinder: hint: {wrong} {hint}")


def test_one_readable_log_among_unreadable_ones_is_work_done(plain_log, tmp_path):
    noise = tmp_path / "noise.jsonl"
    noise.write_bytes(b"not json\n" * 10)
    assert pathfinder("replay", str(noise), str(plain_log), "--no-progress").returncode == 0


def test_a_line_nested_past_any_stack_is_refused_as_malformed_and_the_replay_goes_on(plain_log):
    with plain_log.open("ab") as out:
        out.write(b"[" * 100_000 + b"\n" + b"\xef\xbb\xbf" + b'{"a":' * 100_000 + b"\n")
    done = replay_of(plain_log, "--json", "-", "--workers", "2")
    assert done.returncode == 0, done.stderr
    assert orjson.loads(done.stdout)["events"]["rejected"]["malformed"] >= 2


# --- standard input, and what the file of refused lines holds ---


def test_standard_input_gives_the_same_figures_as_the_file(plain_log):
    from_file = replay_of(plain_log, "--json", "-")
    from_stdin = pathfinder(
        "replay", "-", "--json", "-", "--workers", "4", stdin=plain_log.read_bytes()
    )
    assert from_stdin.returncode == 0, from_stdin.stderr
    via_stdin, via_file = orjson.loads(from_stdin.stdout), orjson.loads(from_file.stdout)
    read_from_stdin, read_from_file = (
        via_stdin["provenance"].pop("inputs"),
        via_file["provenance"].pop("inputs"),
    )
    assert via_stdin == via_file
    assert [{**read, "path": "-"} for read in read_from_file] == read_from_stdin


def test_gzip_on_standard_input_gets_a_hint(log):
    done = pathfinder("replay", "-", stdin=log.read_bytes())
    assert done.returncode == 1
    assert "pathfinder: hint: standard input looks gzip-compressed" in done.stderr


def test_refused_rows_hold_no_line_unless_asked_and_then_with_a_warning(log, tmp_path):
    rejected = tmp_path / "rejected.jsonl"
    quiet = pathfinder("replay", str(log), "--no-progress", "--rejected", str(rejected))
    rows = [orjson.loads(row) for row in rejected.read_bytes().splitlines()]
    assert rows and all("raw" not in row for row in rows)
    assert {"id", "type", "subject"} <= set(rows[0])
    assert "personal data" not in quiet.stderr
    loud = pathfinder(
        "replay", str(log), "--no-progress", "--rejected", str(rejected), "--include-raw"
    )
    assert loud.returncode == 0
    assert "personal data" in loud.stderr
    assert all("raw" in orjson.loads(row) for row in rejected.read_bytes().splitlines())


@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_json_says_what_it_was_computed_from(log, plain_log, workers):
    # given a compressed and a plain log, replayed together, and the same log on standard input
    done = pathfinder(
        "replay", str(log), str(plain_log), "--json", "-", "--workers", workers, "--no-progress",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    origin = orjson.loads(done.stdout)["provenance"]
    # then each input is named with its size, its SHA-256 as stored, and its line count
    lines = len(plain_log.read_bytes().splitlines())
    assert origin["inputs"] == [
        {"path": str(path), "size": path.stat().st_size,
         "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "lines": lines}
        for path in (log, plain_log)
    ]  # fmt: skip
    assert origin["version"] == importlib.metadata.version("pathfinder")
    assert origin["as_of"]["chosen"] == "the latest business date among the accepted events"
    calendar = origin["calendar"]
    assert calendar["years"] == [2000, 2100] and calendar["court_closures"] == []
    assert (
        calendar["bank_holidays_from_govuk"] and calendar["rule_based_years_in_the_figures"] == []
    )


def test_standard_input_and_a_chosen_as_of_date_are_recorded(plain_log):
    content = plain_log.read_bytes()
    done = pathfinder(
        "replay", "-", "--as-of", "2025-06-30", "--json", "-", "--no-progress", stdin=content,
        PATHFINDER_COURT_CLOSURES="2025-12-24",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    origin = orjson.loads(done.stdout)["provenance"]
    assert origin["inputs"] == [
        {"path": "-", "size": len(content), "sha256": hashlib.sha256(content).hexdigest(),
         "lines": len(content.splitlines())}
    ]  # fmt: skip
    assert origin["as_of"] == {"date": "2025-06-30", "chosen": "given with --as-of"}
    assert origin["calendar"]["court_closures"] == ["2025-12-24"]


def test_simulate_refuses_a_reference_prefix_that_is_not_letters_and_digits(tmp_path):
    out = tmp_path / "log.jsonl"
    done = pathfinder(
        "simulate", "--cases", "5", "--seed", "1", "--id-prefix", "PF-1", "--out", str(out)
    )
    assert done.returncode == 2
    assert "'PF-1' is not 1 to 24 letters or digits" in done.stderr
    assert not out.exists()


def test_a_stop_signal_a_finalizer_swallowed_still_ends_the_command_as_interrupted(
    monkeypatch, capsys
):
    # given a command during which SIGTERM arrives while Python runs a finalizer, where the
    # exception it raises is dropped, and which then runs to its end
    class Finalized:
        def __del__(self) -> None:
            os.kill(os.getpid(), signal.SIGTERM)

    def command(args: object, settings: object) -> int:
        Finalized()
        return 0

    monkeypatch.setitem(cli_main._COMMANDS, "workdays", command)
    monkeypatch.setattr(cli_main._Interrupted, "came", False)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        # when it runs
        status = cli_main.main(["workdays", "add", "2025-01-06", "1"])
    finally:
        signal.signal(signal.SIGTERM, previous)
        sys.unraisablehook = sys.__unraisablehook__
    # then it ends as interrupted, with one line and no "Exception ignored" report
    assert status == 130
    assert capsys.readouterr().err == "pathfinder: interrupted\n"
