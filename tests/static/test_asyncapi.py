"""The AsyncAPI document (schemas/asyncapi.yaml) parses with the official parser and holds the
whole contract: every topic, every message of the catalogue, schemas that are the generated
files, examples the system accepts, and the dead-letter headers the workers send.

The parser (`@asyncapi/parser`, pinned in tools/asyncapi/package.json and its lock) runs under
Node.js; it is installed into tools/asyncapi/node_modules with `npm ci` when missing.
"""

import fcntl
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from jsonschema import Draft7Validator, Draft202012Validator, FormatChecker

from schemas.catalogue import EVENT_TYPES
from schemas.generate import (
    CASE_FACTS_FILE,
    DRAFT_07,
    REFUSAL_FILE,
    SCHEMA_DIR,
    derived_file,
    rendered,
)
from schemas.outbound import DERIVED_KINDS
from services.core.validation import REJECTION_REASONS, Rejection, Validator
from services.streaming.dead_letters import TRUNCATED_HEADER, Position, dead_letter
from services.streaming.failures import PROCESSING_ERROR
from services.topics import Topics

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "schemas" / "asyncapi.yaml"
TOOL = ROOT / "tools" / "asyncapi"
PARSER = TOOL / "node_modules" / "@asyncapi" / "parser" / "package.json"
DRAFT_07_FORMAT = "application/schema+json;version=draft-07"
ERROR, WARNING = 0, 1  # the parser's diagnostic severities (Spectral's)
WORKERS = ("intake", "gatekeeping", "reporting")

# channel -> the messages it must carry, and the file under schemas/json/ of each one's payload
INBOUND = {name: f"{name}.schema.json" for name in EVENT_TYPES}
EXPECTED: dict[str, dict[str, str | None]] = {
    "courtEvents": dict(INBOUND),
    "caseEvents": dict(INBOUND),
    "caseFacts": {"CaseFacts": CASE_FACTS_FILE},
    "derivedEvents": {kind: derived_file(kind) for kind in DERIVED_KINDS},
    "deadLetter": {"DeadLetter": None},  # raw bytes
    "refusals": {"Refusal": REFUSAL_FILE},
}


def _pinned_version() -> str:
    return str(json.loads((TOOL / "package.json").read_text())["dependencies"]["@asyncapi/parser"])


def _installed() -> bool:
    """The pinned parser is installed, from the lock as it is now."""
    installed = TOOL / "node_modules" / ".package-lock.json"  # written by npm on installing
    return (
        PARSER.exists()
        and json.loads(PARSER.read_text())["version"] == _pinned_version()
        and installed.exists()
        and installed.stat().st_mtime >= (TOOL / "package-lock.json").stat().st_mtime
    )


def _install_parser() -> None:
    """`npm ci` from the committed lock unless it is installed; one install at a time (the
    lock file is locked), as test runs may share the checkout."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("Node.js and npm are needed to run the AsyncAPI parser (Debian: nodejs npm)")
    with (TOOL / "package-lock.json").open("rb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _installed():
            return
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
            cwd=TOOL, check=True, timeout=600,
        )  # fmt: skip


@pytest.fixture(scope="module")
def parsed() -> dict[str, Any]:
    """What the official parser made of the document: diagnostics, channels, operations."""
    _install_parser()
    run = subprocess.run(
        ["node", str(TOOL / "check.js"), str(DOCUMENT)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    report: dict[str, Any] = json.loads(run.stdout)
    return report


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text())
    return loaded


def test_the_official_parser_finds_no_error_or_warning(parsed):
    found = [d for d in parsed["diagnostics"] if d["severity"] in (ERROR, WARNING)]
    assert found == [], "\n".join(f"{d['path']}: {d['code']}: {d['message']}" for d in found)


def test_the_parser_is_the_pinned_one():
    lock = json.loads((TOOL / "package-lock.json").read_text())
    pinned = _pinned_version()
    assert re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", pinned), "an exact version, not a range"
    assert lock["packages"]["node_modules/@asyncapi/parser"]["version"] == pinned


def test_every_topic_of_the_contract_is_a_channel_and_no_internal_one(parsed):
    topics = Topics()
    addresses = {
        channel["address"].replace("{prefix}", topics.prefix)
        for channel in parsed["channels"].values()
    }
    assert addresses == set(topics.all())
    assert not {topics.intake_by_case, topics.gatekeeping_ticks} & addresses


def test_every_message_of_the_catalogue_is_on_its_topic_with_its_payload(parsed):
    assert set(parsed["channels"]) == set(EXPECTED)
    for channel, expected in EXPECTED.items():
        messages = {m["id"]: m for m in parsed["channels"][channel]["messages"]}
        assert list(messages) == list(expected), channel
        for name, message in messages.items():
            assert message["name"] == name
            assert message["kafkaKey"] == "string", f"{name}: keyed by the case reference"
            if expected[name] is not None:
                assert message["schemaFormat"] == DRAFT_07_FORMAT
                # the payload resolved to the schema of its own type
                assert message["payloadTitle"] in (name, f"{name}Event"), name
                assert message["payloadType"] in ([name], None), name


def test_publishers_send_and_consumers_receive(parsed):
    operations = parsed["operations"]
    by_channel = {op["channels"][0]: op for op in operations.values()}
    assert len(by_channel) == len(operations) == len(EXPECTED)
    for channel, operation in by_channel.items():
        assert operation["action"] == ("send" if channel == "courtEvents" else "receive")
        assert operation["messages"] == list(EXPECTED[channel])


def _messages(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    messages: dict[str, dict[str, Any]] = document["components"]["messages"]
    return messages


def _payload_file(message: dict[str, Any]) -> str:
    """The file under schemas/json/draft-07/ that a message's payload references."""
    payload = message["payload"]
    assert payload["schemaFormat"] == DRAFT_07_FORMAT
    reference: str = payload["schema"]["$ref"]
    assert reference.startswith(f"./json/{DRAFT_07}"), reference
    return reference.removeprefix(f"./json/{DRAFT_07}")


def test_payloads_reference_the_generated_draft07_twins(document):
    generated = rendered()
    expected = {name: path for channel in EXPECTED.values() for name, path in channel.items()}
    for name, message in _messages(document).items():
        if expected[name] is None:
            continue
        path = _payload_file(message)
        assert path == expected[name]
        assert DRAFT_07 + path in generated and path in generated
    envelope = document["components"]["schemas"]["CloudEventEnvelope"]
    assert envelope["schema"]["$ref"] == f"./json/{DRAFT_07}envelope.schema.json"


def _validators(path: str) -> list[Draft7Validator | Draft202012Validator]:
    draft07 = orjson.loads((SCHEMA_DIR / DRAFT_07 / path).read_bytes())
    latest = orjson.loads((SCHEMA_DIR / path).read_bytes())
    return [
        Draft7Validator(draft07, format_checker=FormatChecker()),
        Draft202012Validator(latest, format_checker=FormatChecker()),
    ]


def _examples(message: dict[str, Any]) -> list[dict[str, Any]]:
    examples: list[dict[str, Any]] = message.get("examples") or []
    assert examples, f"{message['name']}: an example"
    return examples


@pytest.mark.parametrize("name", [*INBOUND, *DERIVED_KINDS, "CaseFacts", "Refusal"])
def test_each_example_is_valid_against_both_schema_files(document, name):
    message = _messages(document)[name]
    validators = _validators(_payload_file(message))
    for example in _examples(message):
        for validator in validators:
            errors = [error.message for error in validator.iter_errors(example["payload"])]
            assert errors == [], f"{name} {example['name']}: {errors}"


@pytest.mark.parametrize("name", INBOUND)
def test_each_inbound_example_is_accepted_by_intake_and_its_headers_are_valid(
    document, rules, name
):
    message = _messages(document)[name]
    headers = Draft7Validator(document["components"]["schemas"]["CloudEventHeaders"])
    for example in _examples(message):
        checked = Validator(rules.sites)(orjson.dumps(example["payload"]))
        assert not isinstance(checked, Rejection), f"{name} {example['name']}: {checked}"
        assert checked.type == name
        assert list(headers.iter_errors(example.get("headers", {}))) == []


def test_the_dead_letter_headers_are_those_the_workers_send(document):
    schema = document["components"]["schemas"]["DeadLetterHeaders"]
    _, sent = dead_letter(b"{}", Rejection("malformed", "x"), Position("t", 0, 1), "intake")
    assert schema["required"] == list(sent)
    assert set(schema["properties"]) == {*sent, TRUNCATED_HEADER}
    assert schema["properties"]["reason"]["enum"] == [*REJECTION_REASONS, PROCESSING_ERROR]
    assert schema["properties"]["worker"]["enum"] == list(WORKERS)


def test_the_dead_letter_example_is_what_intake_would_send(document, rules):
    message = _messages(document)["DeadLetter"]
    headers = Draft7Validator(document["components"]["schemas"]["DeadLetterHeaders"])
    for example in _examples(message):
        assert list(headers.iter_errors(example["headers"])) == []
        refused = Validator(rules.sites)(example["payload"].encode())
        assert isinstance(refused, Rejection)
        assert refused == (example["headers"]["reason"], example["headers"]["detail"])
        assert example["headers"]["source-topic"] == Topics().court_events


def test_the_topic_configuration_is_the_production_stacks(document):
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    script = "\n".join(compose["services"]["kafka-init"]["command"])
    created = dict(re.findall(r"^\s*topic (\S+) (\S+)$", script, re.MULTILINE))
    assert len(created) == len(EXPECTED)
    for channel in document["channels"].values():
        suffix = channel["address"].removeprefix("{prefix}.")
        configured = dict(setting.split("=") for setting in created[suffix].split(","))
        documented = channel["bindings"]["kafka"]["topicConfiguration"]
        assert documented == {
            name: [value] if name == "cleanup.policy" else int(value)
            for name, value in configured.items()
        }, suffix
