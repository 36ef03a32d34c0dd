"""Writes the JSON Schema files of the contract from the models and the encoding structs.

python -m schemas.generate          # rewrite schemas/json/
python -m schemas.generate --check  # exit 1 if the committed files differ from the models

What publishers send: the pydantic models (`schemas/json/<type>.schema.json`, the envelope).
What gatekeeping sends: the msgspec structs it encodes with (`schemas/json/facts/`,
`schemas/json/derived/`, see `schemas/outbound.py`); what intake tells publishers, likewise
(`schemas/json/refusals/`). All in JSON Schema 2020-12, each with a
draft-07 twin under `schemas/json/draft-07/` for the AsyncAPI document (`schemas/asyncapi.yaml`).
"""

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel

from schemas.draft07 import to_draft07
from schemas.events import EVENT_MODELS, Envelope
from schemas.outbound import DERIVED_KINDS, case_facts_schema, derived_schema, refusal_schema

SCHEMA_DIR = Path(__file__).parent / "json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID_BASE = "urn:pathfinder:schemas:v1:"
DRAFT_07 = "draft-07/"
CASE_FACTS_FILE = "facts/CaseFacts.schema.json"
REFUSAL_FILE = "refusals/Refusal.schema.json"


def derived_file(kind: str) -> str:
    """The schema file, under schemas/json/, of one kind of derived event."""
    return f"derived/{kind}.schema.json"


def _model(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(mode="validation")


def _documents() -> dict[str, dict[str, Any]]:
    """Every 2020-12 document by its path under schemas/json/, without `$schema` and `$id`."""
    documents = {"envelope.schema.json": _model(Envelope)}
    for name, model in EVENT_MODELS.items():
        documents[f"{name}.schema.json"] = _model(model)
    documents[CASE_FACTS_FILE] = case_facts_schema()
    for kind in DERIVED_KINDS:
        documents[derived_file(kind)] = derived_schema(kind)
    documents[REFUSAL_FILE] = refusal_schema()
    return documents


def rendered() -> dict[str, bytes]:
    """Every schema file's path under schemas/json/ with its exact bytes."""
    documents: dict[str, dict[str, Any]] = {}
    for path, schema in _documents().items():
        documents[path] = {"$schema": DIALECT, "$id": ID_BASE + path, **schema}
        documents[DRAFT_07 + path] = to_draft07(schema, ID_BASE + DRAFT_07 + path)
    options = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
    return {path: orjson.dumps(doc, option=options) + b"\n" for path, doc in documents.items()}


def _present() -> set[str]:
    return {path.relative_to(SCHEMA_DIR).as_posix() for path in SCHEMA_DIR.rglob("*.schema.json")}


def drifted() -> list[str]:
    """Files missing, stale or unexpected under schemas/json/ (at any depth)."""
    expected = rendered()
    stale = [path for path, body in expected.items() if _read(SCHEMA_DIR / path) != body]
    return sorted(set(stale) | (_present() - expected.keys()))


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report drift")
    if parser.parse_args().check:
        stale = drifted()
        for path in stale:
            print(f"schemas/json/{path} differs from the models", file=sys.stderr)
        return 1 if stale else 0
    expected = rendered()
    for path in _present() - expected.keys():
        (SCHEMA_DIR / path).unlink()
    for path, body in expected.items():
        (SCHEMA_DIR / path).parent.mkdir(parents=True, exist_ok=True)
        (SCHEMA_DIR / path).write_bytes(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
